"""End-to-end encrypted envelopes between nodes, relayed by a hub that cannot read them.

An envelope is a JSON object with the message id (the idempotency key on the wire), the
kind, sender and recipient regions, the creation time and the application payload. It is
encrypted and authenticated with libsodium's ``crypto_box`` (X25519 key agreement,
XSalsa20-Poly1305) from the sender's private box key to the recipient's public box key, with
a fresh random 24-byte nonce per envelope. Only the recipient can open it, and opening proves
it was made by the holder of the sender's private key (the authentication is between the two
nodes and repudiable: either of them could have made it, nobody else).

The hub also learns the id, kind, sender and recipient as plain metadata to route the
message. :func:`open_envelope` compares the authenticated inner copies with that metadata,
so a hub that relabels, redirects or replays a message under another id is caught.

The plaintext is padded with spaces to a multiple of :data:`PAD_BLOCK` bytes before
encryption, so the ciphertext size the hub sees reveals only the payload's size class.

No Django imports: this module is part of the pure protocol library.
"""

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
from nacl.public import Box, PrivateKey, PublicKey

from zicht.transport.protocol.errors import (
    DecryptionError,
    EnvelopeMismatchError,
    MalformedError,
    PayloadTooLargeError,
)

ENVELOPE_VERSION = 1
PAD_BLOCK = 512
MAX_PLAINTEXT_BYTES = 256 * 1024
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,59}$")


@dataclass(frozen=True)
class Envelope:
    message_id: str
    kind: str
    sender: str
    recipient: str
    created: int  # Unix seconds at the sender
    payload: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "v": ENVELOPE_VERSION,
            "id": self.message_id,
            "kind": self.kind,
            "from": self.sender,
            "to": self.recipient,
            "created": self.created,
            "payload": self.payload,
        }


def check_kind(kind: str) -> str:
    if not KIND_PATTERN.match(kind):
        raise MalformedError(f"message kind {kind!r} has an invalid form")
    return kind


def encode_plaintext(envelope: Envelope) -> bytes:
    check_kind(envelope.kind)
    try:
        text = json.dumps(
            envelope.as_json(),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise MalformedError(f"payload is not plain JSON: {exc}") from exc
    raw = text.encode("utf-8")
    if len(raw) > MAX_PLAINTEXT_BYTES:
        raise PayloadTooLargeError(
            f"envelope is {len(raw)} bytes; the limit is {MAX_PLAINTEXT_BYTES}"
        )
    # JSON ignores trailing whitespace, so padding needs no length field.
    padded_length = -(-len(raw) // PAD_BLOCK) * PAD_BLOCK
    return raw + b" " * (padded_length - len(raw))


def decode_plaintext(plaintext: bytes) -> Envelope:
    try:
        data = json.loads(plaintext.decode("utf-8"))
        if data["v"] != ENVELOPE_VERSION or not isinstance(data["payload"], dict):
            raise ValueError("unsupported envelope")
        return Envelope(
            message_id=str(uuid.UUID(str(data["id"]))),
            kind=check_kind(str(data["kind"])),
            sender=str(data["from"]),
            recipient=str(data["to"]),
            created=int(data["created"]),
            payload=data["payload"],
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise EnvelopeMismatchError(
            f"the envelope's content is not a valid envelope: {exc}"
        ) from exc


def seal_envelope(envelope: Envelope, *, sender_key: PrivateKey, recipient_key: PublicKey) -> bytes:
    """Nonce and ciphertext, ready to hand to the hub."""
    return bytes(Box(sender_key, recipient_key).encrypt(encode_plaintext(envelope)))


def open_envelope(
    ciphertext: bytes,
    *,
    recipient_key: PrivateKey,
    sender_key: PublicKey,
    message_id: str,
    kind: str,
    sender: str,
    recipient: str,
) -> Envelope:
    """Decrypt, authenticate and check the envelope against the hub's metadata.

    Raises DecryptionError when the ciphertext was not made by the holder of the sender key
    for this recipient key (or was altered), EnvelopeMismatchError when the authenticated content
    disagrees with the metadata the hub gave.
    """
    try:
        plaintext = Box(recipient_key, sender_key).decrypt(ciphertext)
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise DecryptionError("the envelope does not authenticate") from exc
    envelope = decode_plaintext(bytes(plaintext))
    try:
        outer_id = str(uuid.UUID(message_id))
    except ValueError as exc:
        raise EnvelopeMismatchError("the outer message id is not a UUID") from exc
    expected = {
        "id": (envelope.message_id, outer_id),
        "kind": (envelope.kind, kind),
        "sender": (envelope.sender, sender),
        "recipient": (envelope.recipient, recipient),
    }
    differing = sorted(name for name, (inner, outer) in expected.items() if inner != outer)
    if differing:
        raise EnvelopeMismatchError(f"inner and outer {', '.join(differing)} differ")
    return envelope
