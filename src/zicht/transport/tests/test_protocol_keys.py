"""Key encoding, key ids and sealing at rest, against plain references."""

import base64
import hashlib
import hmac

import pytest

from zicht.transport.protocol import keys
from zicht.transport.protocol.errors import KeystoreError, MalformedError


def _hkdf_reference(secret: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    # RFC 5869 written out with hmac: extract, then expand.
    prk = hmac.new(salt, secret, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def test_key_id_is_a_sha256_prefix_and_fingerprint_groups_it():
    pairs = keys.generate()
    raw = bytes(pairs.signing.verify_key)
    assert pairs.signing_key_id == hashlib.sha256(raw).hexdigest()[:32]
    assert keys.key_id_of(pairs.signing_public) == pairs.signing_key_id
    assert keys.fingerprint("0123456789abcdef") == "0123 4567 89ab cdef"


def test_public_keys_roundtrip_as_base64():
    pairs = keys.generate()
    assert keys.decode_verify_key(pairs.signing_public) == pairs.signing.verify_key
    assert keys.decode_public_key(pairs.box_public) == pairs.box.public_key
    assert base64.b64decode(pairs.box_public) == bytes(pairs.box.public_key)


@pytest.mark.parametrize("text", ["", "!!!", base64.b64encode(b"x" * 31).decode(), "é"])
def test_bad_public_keys_are_refused(text):
    with pytest.raises(MalformedError):
        keys.decode_key(text)


def test_storage_key_is_hkdf_sha256():
    expected = _hkdf_reference(b"secret", keys.STORAGE_SALT, b"context")
    assert keys.storage_key("secret", "context") == expected


def test_storage_keys_differ_per_context_and_secret():
    base = keys.storage_key("secret", "zicht-transport:node-limburg:node-keys")
    assert base != keys.storage_key("secret", "zicht-transport:node-rotterdam:node-keys")
    assert base != keys.storage_key("other", "zicht-transport:node-limburg:node-keys")


def test_private_keys_seal_and_open():
    pairs = keys.generate()
    storage = keys.storage_key("secret", "ctx")
    sealed = keys.seal(storage, keys.export_private(pairs))
    assert bytes(pairs.signing) not in sealed
    assert keys.encode_key(bytes(pairs.signing)).encode() not in sealed
    opened = keys.import_private(keys.unseal([storage], sealed))
    assert opened.signing_public == pairs.signing_public
    assert opened.box_public == pairs.box_public


def test_opening_tries_fallback_keys_and_refuses_strangers():
    storage_old = keys.storage_key("old secret", "ctx")
    storage_new = keys.storage_key("new secret", "ctx")
    sealed = keys.seal(storage_old, b"material")
    assert keys.unseal([storage_new, storage_old], sealed) == b"material"
    with pytest.raises(KeystoreError):
        keys.unseal([storage_new], sealed)
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(KeystoreError):
        keys.unseal([storage_old], bytes(tampered))


def test_single_keys_roundtrip_and_garbage_is_refused():
    pairs = keys.generate()
    assert keys.import_signing(keys.export_signing(pairs.signing)) == pairs.signing
    assert bytes(keys.import_box(keys.export_box(pairs.box))) == bytes(pairs.box)
    with pytest.raises(KeystoreError):
        keys.import_private(b"not json")
