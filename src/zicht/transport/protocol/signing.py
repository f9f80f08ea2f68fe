"""Signed requests from nodes to the hub, and signed responses from the hub.

Requests
    A node signs every request with its Ed25519 key over a canonical string of eight lines::

        zicht-transport-v1 request
        <METHOD>                   GET, POST
        <path>                     the path with its raw query string, as sent
        <region>                   the node's region code (who claims to sign)
        <key id>                   which of the node's signing keys signed
        <timestamp>                Unix seconds (UTC) at signing
        <nonce>                    16-64 characters of base64url, fresh per request
        <sha256(body) in hex>      the body exactly as sent (empty body: hash of b"")

    and sends the parts in ``X-Zicht-*`` headers. Every field is checked against a strict
    pattern before it is joined, so none can contain a line break and the string parses
    back in one way only. The hub verifies the signature with the key it has on record for
    that region and key id, then refuses timestamps more than :data:`MAX_SKEW_SECONDS` from
    its own clock and nonces it has seen within that window: a captured request can neither
    be altered nor replayed.

Responses
    The hub signs each successful response over::

        zicht-transport-v1 response
        <status>
        <nonce of the request>     binds the answer to this request (no replay of answers)
        <hub key id>
        <sha256(body) in hex>

    A node accepts a success only with a valid hub signature under the hub key it pinned at
    enrollment. Error responses are not signed; a node never changes its state on one.

No Django imports: this module is part of the pure protocol library.
"""

import base64
import binascii
import hashlib
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

import nacl.exceptions
from nacl.signing import SigningKey, VerifyKey

from zicht.transport.protocol.errors import BadSignatureError, ClockSkewError, MalformedError
from zicht.transport.protocol.keys import decode_verify_key, encode_key, key_id

PROTOCOL = "zicht-transport-v1"
MAX_SKEW_SECONDS = 300
SIGNATURE_BYTES = 64

HEADER_REGION = "X-Zicht-Region"
HEADER_KEY_ID = "X-Zicht-Key-Id"
HEADER_TIMESTAMP = "X-Zicht-Timestamp"
HEADER_NONCE = "X-Zicht-Nonce"
HEADER_SIGNATURE = "X-Zicht-Signature"
HEADER_HUB_KEY_ID = "X-Zicht-Hub-Key-Id"
HEADER_HUB_SIGNATURE = "X-Zicht-Hub-Signature"
REQUEST_HEADERS = (HEADER_REGION, HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)

_METHOD = re.compile(r"^[A-Z]{3,7}$")
_PATH = re.compile(r"^/[\x21-\x7e]{0,2000}$")  # printable ASCII, no spaces or line breaks
_REGION = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_KEY_ID = re.compile(r"^[0-9a-f]{32}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class RequestSignature:
    """The signature headers of one request, checked for form but not yet verified."""

    region: str
    key_id: str
    timestamp: int
    nonce: str
    signature: bytes


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise MalformedError(f"{what} has an invalid form")
    return value


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(18)  # 144 bits, 24 characters


def canonical_request(
    *, method: str, path: str, region: str, key_id: str, timestamp: int, nonce: str, body: bytes
) -> bytes:
    lines = [
        f"{PROTOCOL} request",
        _check(_METHOD, method, "method"),
        _check(_PATH, path, "path"),
        _check(_REGION, region, "region"),
        _check(_KEY_ID, key_id, "key id"),
        _check(_TIMESTAMP, str(timestamp), "timestamp"),
        _check(_NONCE, nonce, "nonce"),
        body_hash(body),
    ]
    return "\n".join(lines).encode("ascii")


def sign_request(
    signing_key: SigningKey,
    *,
    method: str,
    path: str,
    region: str,
    body: bytes,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The ``X-Zicht-*`` headers that authenticate this request."""
    kid = key_id(bytes(signing_key.verify_key))
    ts = int(time.time()) if timestamp is None else timestamp
    nonce = nonce or new_nonce()
    message = canonical_request(
        method=method, path=path, region=region, key_id=kid, timestamp=ts, nonce=nonce, body=body
    )
    signature = signing_key.sign(message).signature
    return {
        HEADER_REGION: region,
        HEADER_KEY_ID: kid,
        HEADER_TIMESTAMP: str(ts),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def has_request_signature(headers: Mapping[str, str]) -> bool:
    """Whether the caller attempted a signed request at all (any of our headers present)."""
    present = _lower(headers)
    return any(name.lower() in present for name in REQUEST_HEADERS)


def _signature_bytes(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise MalformedError("signature is not valid base64") from exc
    if len(raw) != SIGNATURE_BYTES:
        raise MalformedError("signature has the wrong length")
    return raw


def parse_request_headers(headers: Mapping[str, str]) -> RequestSignature:
    """Read and check the form of the signature headers; MalformedError if any is off."""
    lower = _lower(headers)
    values = {}
    for name in REQUEST_HEADERS:
        value = lower.get(name.lower())
        if value is None or value == "":
            raise MalformedError(f"header {name} is missing")
        values[name] = value.strip()
    return RequestSignature(
        region=_check(_REGION, values[HEADER_REGION], "region"),
        key_id=_check(_KEY_ID, values[HEADER_KEY_ID], "key id"),
        timestamp=int(_check(_TIMESTAMP, values[HEADER_TIMESTAMP], "timestamp")),
        nonce=_check(_NONCE, values[HEADER_NONCE], "nonce"),
        signature=_signature_bytes(values[HEADER_SIGNATURE]),
    )


def verify_request(
    verify_key: VerifyKey,
    signed: RequestSignature,
    *,
    method: str,
    path: str,
    body: bytes,
    now: float | None = None,
    max_skew: int = MAX_SKEW_SECONDS,
) -> None:
    """Raise BadSignatureError, then ClockSkewError; return quietly when the request is authentic.

    The signature is checked first so that only authentic requests reach the clock check
    (and, at the hub, the nonce store). Replay of nonces is the caller's job: it needs state.
    """
    if key_id(bytes(verify_key)) != signed.key_id:
        raise BadSignatureError("the key id does not name this key")
    message = canonical_request(
        method=method,
        path=path,
        region=signed.region,
        key_id=signed.key_id,
        timestamp=signed.timestamp,
        nonce=signed.nonce,
        body=body,
    )
    try:
        verify_key.verify(message, signed.signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise BadSignatureError("the request signature does not verify") from exc
    current = time.time() if now is None else now
    if abs(current - signed.timestamp) > max_skew:
        raise ClockSkewError(
            f"timestamp differs {abs(current - signed.timestamp):.0f} s from the hub's clock"
        )


def canonical_response(*, status: int, request_nonce: str, hub_key_id: str, body: bytes) -> bytes:
    lines = [
        f"{PROTOCOL} response",
        str(int(status)),
        _check(_NONCE, request_nonce, "nonce"),
        _check(_KEY_ID, hub_key_id, "hub key id"),
        body_hash(body),
    ]
    return "\n".join(lines).encode("ascii")


def sign_response(
    signing_key: SigningKey, *, status: int, request_nonce: str, body: bytes
) -> dict[str, str]:
    kid = key_id(bytes(signing_key.verify_key))
    message = canonical_response(
        status=status, request_nonce=request_nonce, hub_key_id=kid, body=body
    )
    return {
        HEADER_HUB_KEY_ID: kid,
        HEADER_HUB_SIGNATURE: base64.b64encode(signing_key.sign(message).signature).decode(),
    }


def verify_response(
    verify_key: VerifyKey,
    *,
    status: int,
    request_nonce: str,
    body: bytes,
    headers: Mapping[str, str],
) -> None:
    """Raise BadSignatureError unless the hub signed exactly this answer to exactly our request."""
    lower = _lower(headers)
    kid = lower.get(HEADER_HUB_KEY_ID.lower(), "")
    text = lower.get(HEADER_HUB_SIGNATURE.lower(), "")
    if not text:
        raise BadSignatureError("the response is not signed")
    if kid != key_id(bytes(verify_key)):
        raise BadSignatureError("the response is signed with another key than the pinned hub key")
    try:
        signature = _signature_bytes(text)
    except MalformedError as exc:
        raise BadSignatureError(str(exc)) from exc
    message = canonical_response(
        status=status, request_nonce=request_nonce, hub_key_id=kid, body=body
    )
    try:
        verify_key.verify(message, signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise BadSignatureError("the response signature does not verify") from exc


def canonical_rotation(*, region: str, signing_key: str, box_key: str, request_nonce: str) -> bytes:
    lines = [
        f"{PROTOCOL} rotate",
        _check(_REGION, region, "region"),
        signing_key,
        box_key,
        _check(_NONCE, request_nonce, "nonce"),
    ]
    if any("\n" in line for line in lines):
        raise MalformedError("key has an invalid form")
    return "\n".join(lines).encode("ascii")


def sign_rotation(
    new_signing_key: SigningKey, *, region: str, box_key: str, request_nonce: str
) -> str:
    """Proof that the node holds the new signing key, bound to one rotation request.

    The rotation request itself is signed with the current key (who is asking); this second
    signature, by the new key, shows the node can use what it asks the hub to trust.
    """
    message = canonical_rotation(
        region=region,
        signing_key=encode_key(bytes(new_signing_key.verify_key)),
        box_key=box_key,
        request_nonce=request_nonce,
    )
    return base64.b64encode(new_signing_key.sign(message).signature).decode("ascii")


def verify_rotation(
    *, region: str, signing_key: str, box_key: str, request_nonce: str, proof: str
) -> None:
    message = canonical_rotation(
        region=region, signing_key=signing_key, box_key=box_key, request_nonce=request_nonce
    )
    try:
        decode_verify_key(signing_key).verify(message, _signature_bytes(proof))
    except (nacl.exceptions.BadSignatureError, MalformedError) as exc:
        raise BadSignatureError("the proof of possession of the new key does not verify") from exc
