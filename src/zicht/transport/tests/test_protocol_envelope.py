"""End-to-end envelopes: three regions and a hub simulated in one process.

The hub only ever holds ciphertext and the routing metadata; the tests assert that it
cannot open an envelope with anything it has, and that what it stores does not contain
the payload.
"""

import json
import uuid
from typing import Any

import nacl.bindings
import pytest
from nacl.public import PrivateKey

from zicht.transport.protocol.envelope import (
    MAX_PLAINTEXT_BYTES,
    PAD_BLOCK,
    Envelope,
    encode_plaintext,
    open_envelope,
    seal_envelope,
)
from zicht.transport.protocol.errors import (
    DecryptionError,
    EnvelopeMismatchError,
    MalformedError,
    PayloadTooLargeError,
)

A, B, C = (PrivateKey.generate() for _ in range(3))
PAYLOAD = {"naam": "Jansen, P.", "bsn": "123456782", "adres": "Dorpsstraat 1"}


def _envelope(**changes):
    fields: dict[str, Any] = {
        "message_id": str(uuid.uuid4()),
        "kind": "research.share",
        "sender": "noord-nederland",
        "recipient": "limburg",
        "created": 1_800_000_000,
        "payload": PAYLOAD,
    }
    fields.update(changes)
    return Envelope(**fields)


def _open(ciphertext, envelope, *, recipient_key=B, sender_key=A.public_key, **outer):
    metadata = {
        "message_id": envelope.message_id,
        "kind": envelope.kind,
        "sender": envelope.sender,
        "recipient": envelope.recipient,
    }
    metadata.update(outer)
    return open_envelope(ciphertext, recipient_key=recipient_key, sender_key=sender_key, **metadata)


def test_roundtrip():
    envelope = _envelope()
    ciphertext = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    assert _open(ciphertext, envelope) == envelope


def test_ciphertext_opens_with_libsodium_crypto_box_directly():
    envelope = _envelope()
    ciphertext = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    nonce, body = ciphertext[:24], ciphertext[24:]
    # crypto_box_open is the plain reference for what Box does.
    plaintext = nacl.bindings.crypto_box_open(body, nonce, bytes(A.public_key), bytes(B))
    data = json.loads(plaintext)
    assert data["payload"] == PAYLOAD
    assert data["to"] == "limburg"
    assert plaintext == encode_plaintext(envelope)


def test_plaintext_is_padded_to_the_block_size():
    small = encode_plaintext(_envelope(payload={}))
    larger = encode_plaintext(_envelope(payload={"x": "y" * 600}))
    assert len(small) == PAD_BLOCK
    assert len(larger) == 2 * PAD_BLOCK
    # Two payloads of different length in the same size class look the same to the hub.
    assert len(encode_plaintext(_envelope(payload={"x": "a"}))) == len(
        encode_plaintext(_envelope(payload={"x": "a" * 100}))
    )


def test_fresh_nonce_per_envelope():
    envelope = _envelope()
    first = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    second = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    assert first[:24] != second[:24]
    assert first != second


def test_hub_cannot_open_and_does_not_see_the_payload():
    envelope = _envelope()
    ciphertext = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    hub_key = PrivateKey.generate()
    for sender_key, recipient_key in (
        (A.public_key, hub_key),
        (hub_key.public_key, B),
        (B.public_key, hub_key),
    ):
        with pytest.raises(DecryptionError):
            _open(ciphertext, envelope, recipient_key=recipient_key, sender_key=sender_key)
    for needle in ("Jansen", "123456782", "Dorpsstraat", "research.share", "limburg"):
        assert needle.encode() not in ciphertext


def test_a_third_region_cannot_open_a_message_for_another():
    envelope = _envelope()
    ciphertext = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    with pytest.raises(DecryptionError):
        _open(ciphertext, envelope, recipient_key=C)


def test_a_third_region_cannot_pose_as_the_sender():
    envelope = _envelope()
    forged = seal_envelope(envelope, sender_key=C, recipient_key=B.public_key)
    with pytest.raises(DecryptionError):
        _open(forged, envelope)


@pytest.mark.parametrize("position", [0, 23, 24, 40, -1])
def test_any_flipped_byte_is_refused(position):
    envelope = _envelope()
    ciphertext = bytearray(seal_envelope(envelope, sender_key=A, recipient_key=B.public_key))
    ciphertext[position] ^= 0x80
    with pytest.raises(DecryptionError):
        _open(bytes(ciphertext), envelope)


def test_truncated_ciphertext_is_refused():
    envelope = _envelope()
    ciphertext = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    for cut in (ciphertext[:10], ciphertext[:-1], b""):
        with pytest.raises(DecryptionError):
            _open(cut, envelope)


@pytest.mark.parametrize(
    "outer",
    [
        {"message_id": str(uuid.uuid4())},
        {"message_id": "not-a-uuid"},
        {"kind": "ping"},
        {"sender": "oost-brabant"},
        {"recipient": "rotterdam"},
    ],
)
def test_hub_metadata_must_match_the_authenticated_content(outer):
    # A hub that relabels, redirects or replays under another id is caught.
    envelope = _envelope()
    ciphertext = seal_envelope(envelope, sender_key=A, recipient_key=B.public_key)
    with pytest.raises(EnvelopeMismatchError):
        _open(ciphertext, envelope, **outer)


def test_payload_limits():
    with pytest.raises(PayloadTooLargeError):
        encode_plaintext(_envelope(payload={"x": "y" * MAX_PLAINTEXT_BYTES}))
    with pytest.raises(MalformedError):
        encode_plaintext(_envelope(payload={"x": {1, 2}}))
    with pytest.raises(MalformedError):
        encode_plaintext(_envelope(payload={"x": float("nan")}))
    with pytest.raises(MalformedError):
        encode_plaintext(_envelope(kind="Not A Kind"))


def test_content_that_is_not_an_envelope_is_refused():
    # Encrypted correctly, but not an envelope: e.g. a message of a future version.
    box_plain = json.dumps({"v": 2, "id": str(uuid.uuid4())}).encode()
    from nacl.public import Box

    ciphertext = bytes(Box(A, B.public_key).encrypt(box_plain))
    with pytest.raises(EnvelopeMismatchError):
        _open(ciphertext, _envelope())


def test_three_regions_exchange_pairwise():
    regions = {"noord-nederland": A, "limburg": B, "rotterdam": C}
    for sender, sender_key in regions.items():
        for recipient, recipient_key in regions.items():
            if sender == recipient:
                continue
            envelope = _envelope(sender=sender, recipient=recipient, payload={"from": sender})
            ciphertext = seal_envelope(
                envelope, sender_key=sender_key, recipient_key=recipient_key.public_key
            )
            opened = _open(
                ciphertext, envelope, recipient_key=recipient_key, sender_key=sender_key.public_key
            )
            assert opened.payload == {"from": sender}
            for other, other_key in regions.items():
                if other not in (sender, recipient):
                    with pytest.raises(DecryptionError):
                        _open(
                            ciphertext,
                            envelope,
                            recipient_key=other_key,
                            sender_key=sender_key.public_key,
                        )
