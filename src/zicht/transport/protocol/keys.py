"""Key pairs of nodes and the hub, their text encoding and identifiers, and sealing at rest.

Every node has two key pairs from libsodium (through PyNaCl): an Ed25519 pair that signs its
requests to the hub, and an X25519 pair for end-to-end encryption between nodes
(``crypto_box``). The hub has one Ed25519 pair that signs its responses.

Public keys travel as standard base64 of the 32 raw bytes. A *key id* is the first 16 bytes
of SHA-256 over the raw public key, in hex; it names a key in headers, audit entries and the
key history. The *fingerprint* is the same id in groups of four, for people to compare over
the phone.

Private keys never leave the process that generated them in the clear. At rest they are
sealed with ``crypto_secretbox`` (XSalsa20-Poly1305) under a 32-byte storage key derived
with HKDF-SHA256 from the instance's secret (Django's ``SECRET_KEY``) and a context string
naming the instance, so a copy of the database alone does not give the keys away, and two
instances that happen to share a secret still get different storage keys.

No Django imports: this module is part of the pure protocol library.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.secret
import nacl.utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.public import PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from zicht.transport.protocol.errors import KeystoreError, MalformedError

KEY_BYTES = 32
KEY_ID_HEX = 32
STORAGE_SALT = b"zicht-transport-keystore-v1"


@dataclass(frozen=True)
class KeyPairs:
    """A node's two private keys; the public halves follow from them."""

    signing: SigningKey
    box: PrivateKey

    @property
    def signing_public(self) -> str:
        return encode_key(bytes(self.signing.verify_key))

    @property
    def box_public(self) -> str:
        return encode_key(bytes(self.box.public_key))

    @property
    def signing_key_id(self) -> str:
        return key_id(bytes(self.signing.verify_key))

    @property
    def box_key_id(self) -> str:
        return key_id(bytes(self.box.public_key))


def generate() -> KeyPairs:
    """Fresh key pairs from the operating system's CSPRNG (libsodium's randombytes)."""
    return KeyPairs(signing=SigningKey.generate(), box=PrivateKey.generate())


def encode_key(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode_key(text: str) -> bytes:
    """The 32 raw bytes of a base64 public key; MalformedError for anything else."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise MalformedError("key is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise MalformedError(f"key must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def decode_verify_key(text: str) -> VerifyKey:
    return VerifyKey(decode_key(text))


def decode_public_key(text: str) -> PublicKey:
    return PublicKey(decode_key(text))


def key_id(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:KEY_ID_HEX]


def key_id_of(text: str) -> str:
    """The key id of a base64 public key."""
    return key_id(decode_key(text))


def fingerprint(key_id_hex: str) -> str:
    """A key id for people: ``ab12 cd34 ...``."""
    return " ".join(key_id_hex[i : i + 4] for i in range(0, len(key_id_hex), 4))


# --- Sealing private keys at rest ---------------------------------------------------------


def storage_key(secret: str, context: str) -> bytes:
    """HKDF-SHA256(secret) bound to ``context`` (the instance name and purpose)."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=nacl.secret.SecretBox.KEY_SIZE,
        salt=STORAGE_SALT,
        info=context.encode("utf-8"),
    )
    return hkdf.derive(secret.encode("utf-8"))


def seal(key: bytes, plaintext: bytes) -> bytes:
    # A random 24-byte nonce per seal; SecretBox prepends it to the ciphertext.
    return bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def unseal(keys: Sequence[bytes], sealed: bytes) -> bytes:
    """Open with the first storage key that authenticates (current secret, then fallbacks)."""
    for key in keys:
        try:
            return bytes(nacl.secret.SecretBox(key).decrypt(sealed))
        except nacl.exceptions.CryptoError:
            continue
    raise KeystoreError(
        "the private keys cannot be opened with this instance's secret key; was "
        "ZICHT_SECRET_KEY changed? Enroll the node again to get new keys."
    )


def export_private(pairs: KeyPairs) -> bytes:
    return json.dumps(
        {"signing": encode_key(bytes(pairs.signing)), "box": encode_key(bytes(pairs.box))},
        sort_keys=True,
    ).encode("ascii")


def import_private(blob: bytes) -> KeyPairs:
    try:
        data = json.loads(blob)
        return KeyPairs(
            signing=SigningKey(decode_key(data["signing"])), box=PrivateKey(decode_key(data["box"]))
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise KeystoreError("sealed key material has an unexpected form") from exc


def export_signing(key: SigningKey) -> bytes:
    return encode_key(bytes(key)).encode("ascii")


def import_signing(blob: bytes) -> SigningKey:
    return SigningKey(decode_key(blob.decode("ascii")))


def export_box(key: PrivateKey) -> bytes:
    return encode_key(bytes(key)).encode("ascii")


def import_box(blob: bytes) -> PrivateKey:
    return PrivateKey(decode_key(blob.decode("ascii")))
