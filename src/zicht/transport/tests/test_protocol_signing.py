"""Signed requests and responses, checked against plain references and under tampering.

No database and no Django: the protocol module is a library of its own.
"""

import base64
import hashlib
import time
from typing import Any

import nacl.bindings
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from zicht.transport.protocol import keys, signing
from zicht.transport.protocol.errors import BadSignatureError, ClockSkewError, MalformedError

KEY = SigningKey(bytes(range(32)))
REGION = "midden-nederland"
NOW = 1_800_000_000
NONCE = "AAAAAAAAAAAAAAAAAAAAAAAA"


def _headers(**overrides):
    params: dict[str, Any] = {
        "method": "POST",
        "path": "/api/v1/transport/send",
        "region": REGION,
        "body": b'{"messages":[]}',
        "timestamp": NOW,
        "nonce": NONCE,
    }
    params.update(overrides)
    return signing.sign_request(KEY, **params)


def _verify(headers, *, method="POST", path="/api/v1/transport/send", body=b'{"messages":[]}'):
    parsed = signing.parse_request_headers(headers)
    signing.verify_request(KEY.verify_key, parsed, method=method, path=path, body=body, now=NOW)


def test_ed25519_matches_the_rfc8032_test_vector():
    # RFC 8032, section 7.1, TEST 1: our keys are plain Ed25519.
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    expected = (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    key = SigningKey(secret)
    assert bytes(key.verify_key).hex() == public
    assert key.sign(b"").signature.hex() == expected


def test_canonical_request_is_the_documented_string():
    body = b'{"a":1}'
    message = signing.canonical_request(
        method="POST",
        path="/api/v1/transport/poll?limit=5",
        region=REGION,
        key_id="0" * 32,
        timestamp=NOW,
        nonce=NONCE,
        body=body,
    )
    expected = "\n".join(
        [
            "zicht-transport-v1 request",
            "POST",
            "/api/v1/transport/poll?limit=5",
            REGION,
            "0" * 32,
            str(NOW),
            NONCE,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    assert message == expected.encode("ascii")


def test_signature_verifies_with_libsodium_directly():
    headers = _headers()
    message = signing.canonical_request(
        method="POST",
        path="/api/v1/transport/send",
        region=REGION,
        key_id=keys.key_id(bytes(KEY.verify_key)),
        timestamp=NOW,
        nonce=NONCE,
        body=b'{"messages":[]}',
    )
    signature = base64.b64decode(headers[signing.HEADER_SIGNATURE])
    # crypto_sign_open is the plain reference: it raises on a bad signature.
    opened = nacl.bindings.crypto_sign_open(signature + message, bytes(KEY.verify_key))
    assert opened == message


def test_a_signed_request_verifies():
    _verify(_headers())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("method", "GET"),
        ("path", "/api/v1/transport/poll"),
        ("path", "/api/v1/transport/send?x=1"),
        ("body", b'{"messages":[1]}'),
    ],
)
def test_changing_what_was_signed_breaks_the_signature(field, value):
    arguments: dict[str, Any] = {
        "method": "POST",
        "path": "/api/v1/transport/send",
        "body": b'{"messages":[]}',
    }
    arguments[field] = value
    with pytest.raises(BadSignatureError):
        _verify(_headers(), **arguments)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (signing.HEADER_REGION, "limburg"),
        (signing.HEADER_TIMESTAMP, str(NOW + 1)),
        (signing.HEADER_NONCE, "BBBBBBBBBBBBBBBBBBBBBBBB"),
    ],
)
def test_changing_a_signed_header_breaks_the_signature(header, value):
    headers = _headers()
    headers[header] = value
    with pytest.raises(BadSignatureError):
        _verify(headers)


def test_a_flipped_signature_bit_is_refused():
    headers = _headers()
    raw = bytearray(base64.b64decode(headers[signing.HEADER_SIGNATURE]))
    raw[10] ^= 0x01
    headers[signing.HEADER_SIGNATURE] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(BadSignatureError):
        _verify(headers)


def test_another_key_is_refused():
    other = SigningKey.generate()
    headers = signing.sign_request(
        other, method="POST", path="/x", region=REGION, body=b"", timestamp=NOW, nonce=NONCE
    )
    parsed = signing.parse_request_headers(headers)
    with pytest.raises(BadSignatureError, match="key id"):
        signing.verify_request(KEY.verify_key, parsed, method="POST", path="/x", body=b"", now=NOW)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(0, True), (300, True), (-300, True), (301, False), (-301, False), (3600, False)],
)
def test_clock_skew_window_is_five_minutes(offset, accepted):
    headers = _headers(timestamp=NOW + offset)
    parsed = signing.parse_request_headers(headers)
    arguments: dict[str, Any] = {
        "method": "POST",
        "path": "/api/v1/transport/send",
        "body": b'{"messages":[]}',
    }
    if accepted:
        signing.verify_request(KEY.verify_key, parsed, now=NOW, **arguments)
    else:
        with pytest.raises(ClockSkewError):
            signing.verify_request(KEY.verify_key, parsed, now=NOW, **arguments)


def test_signature_is_checked_before_the_clock():
    # An old request with a forged signature is reported as forged, not as old.
    headers = _headers(timestamp=NOW - 3600)
    headers[signing.HEADER_REGION] = "limburg"
    with pytest.raises(BadSignatureError):
        _verify(headers)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (signing.HEADER_NONCE, "short"),
        (signing.HEADER_NONCE, "with spaces in it 123456"),
        (signing.HEADER_KEY_ID, "XYZ"),
        (signing.HEADER_TIMESTAMP, "yesterday"),
        (signing.HEADER_REGION, "Limburg\nPOST"),
        (signing.HEADER_SIGNATURE, "not base64!"),
        (signing.HEADER_SIGNATURE, base64.b64encode(b"short").decode()),
        (signing.HEADER_SIGNATURE, ""),
    ],
)
def test_malformed_headers_are_refused(header, value):
    headers = _headers()
    headers[header] = value
    with pytest.raises(MalformedError):
        signing.parse_request_headers(headers)


def test_missing_header_is_refused_and_lookup_ignores_case():
    headers = {name.lower(): value for name, value in _headers().items()}
    signing.parse_request_headers(headers)
    del headers[signing.HEADER_NONCE.lower()]
    assert signing.has_request_signature(headers)
    with pytest.raises(MalformedError, match="missing"):
        signing.parse_request_headers(headers)
    assert not signing.has_request_signature({"Accept": "application/json"})


def test_a_path_with_a_line_break_cannot_be_signed():
    with pytest.raises(MalformedError):
        _headers(path="/api/v1/x\nPOST")


@settings(max_examples=50, deadline=None)
@given(body=st.binary(max_size=512), query=st.from_regex(r"[a-z0-9=&]{0,30}", fullmatch=True))
def test_any_body_and_query_roundtrip_and_any_body_change_is_caught(body, query):
    path = "/api/v1/transport/poll" + (f"?{query}" if query else "")
    headers = signing.sign_request(
        KEY, method="GET", path=path, region=REGION, body=body, timestamp=NOW, nonce=NONCE
    )
    parsed = signing.parse_request_headers(headers)
    signing.verify_request(KEY.verify_key, parsed, method="GET", path=path, body=body, now=NOW)
    with pytest.raises(BadSignatureError):
        signing.verify_request(
            KEY.verify_key, parsed, method="GET", path=path, body=body + b"\x00", now=NOW
        )


# --- responses ----------------------------------------------------------------------------

HUB = SigningKey(bytes(range(1, 33)))


def test_response_signature_roundtrip_and_libsodium_reference():
    body = b'{"ok":true}'
    headers = signing.sign_response(HUB, status=200, request_nonce=NONCE, body=body)
    signing.verify_response(
        HUB.verify_key, status=200, request_nonce=NONCE, body=body, headers=headers
    )
    message = "\n".join(
        [
            "zicht-transport-v1 response",
            "200",
            NONCE,
            keys.key_id(bytes(HUB.verify_key)),
            hashlib.sha256(body).hexdigest(),
        ]
    ).encode()
    signature = base64.b64decode(headers[signing.HEADER_HUB_SIGNATURE])
    assert nacl.bindings.crypto_sign_open(signature + message, bytes(HUB.verify_key)) == message


@pytest.mark.parametrize("change", ["status", "nonce", "body", "unsigned", "other_key", "garbled"])
def test_a_response_is_bound_to_its_request_status_and_body(change):
    body = b'{"messages":[]}'
    headers = signing.sign_response(HUB, status=200, request_nonce=NONCE, body=body)
    arguments: dict[str, Any] = {
        "status": 200,
        "request_nonce": NONCE,
        "body": body,
        "headers": headers,
    }
    verify_key = HUB.verify_key
    if change == "status":
        arguments["status"] = 201
    elif change == "nonce":
        # An old answer replayed to a new request does not fit.
        arguments["request_nonce"] = "B" * 24
    elif change == "body":
        arguments["body"] = b'{"messages":[{}]}'
    elif change == "unsigned":
        arguments["headers"] = {}
    elif change == "other_key":
        verify_key = SigningKey.generate().verify_key
    else:
        arguments["headers"] = {**headers, signing.HEADER_HUB_SIGNATURE: "!!"}
    with pytest.raises(BadSignatureError):
        signing.verify_response(verify_key, **arguments)


def test_rotation_proof_binds_new_keys_region_and_nonce():
    new = keys.generate()
    proof = signing.sign_rotation(
        new.signing, region=REGION, box_key=new.box_public, request_nonce=NONCE
    )
    good = {
        "region": REGION,
        "signing_key": new.signing_public,
        "box_key": new.box_public,
        "request_nonce": NONCE,
        "proof": proof,
    }
    signing.verify_rotation(**good)
    other = keys.generate()
    for change in (
        {"region": "limburg"},
        {"box_key": other.box_public},
        {"request_nonce": "C" * 24},
        {"signing_key": other.signing_public},
        {"proof": "bm90IGEgc2lnbmF0dXJl"},
    ):
        with pytest.raises(BadSignatureError):
            signing.verify_rotation(**{**good, **change})


def test_sign_request_uses_the_current_time_and_a_fresh_nonce():
    first = signing.sign_request(KEY, method="GET", path="/x", region=REGION, body=b"")
    second = signing.sign_request(KEY, method="GET", path="/x", region=REGION, body=b"")
    assert first[signing.HEADER_NONCE] != second[signing.HEADER_NONCE]
    assert abs(int(first[signing.HEADER_TIMESTAMP]) - time.time()) < 5
