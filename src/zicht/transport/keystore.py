"""Private keys at rest: sealed in the database under a key derived from the secret key.

Why the database and not a 0600 file under ``var/`` (ADR 0006): the database is what a
region backs up, restores and replicates, so keys and the enrollment they belong to move
together; a deployment on PostgreSQL may have no persistent local disk at all. Sealing with
a storage key derived from ``SECRET_KEY`` (HKDF, bound to the instance name) means a leaked
database dump alone does not reveal the keys. Django's ``SECRET_KEY_FALLBACKS`` are tried when
opening, so the secret can be rotated; keys sealed under an older secret are resealed under
the current one on the next rotation.
"""

from dataclasses import dataclass

from django.conf import settings
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from zicht.transport.models import HubIdentity, NodeIdentity
from zicht.transport.protocol import keys

NODE_PURPOSE = "node-keys"
HUB_PURPOSE = "hub-keys"


def storage_keys(purpose: str) -> list[bytes]:
    """The current storage key first, then those of the secret-key fallbacks."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    context = f"zicht-transport:{settings.ZICHT_INSTANCE}:{purpose}"
    return [keys.storage_key(secret, context) for secret in secrets]


def seal(purpose: str, plaintext: bytes) -> bytes:
    return keys.seal(storage_keys(purpose)[0], plaintext)


def unseal(purpose: str, sealed: bytes | memoryview) -> bytes:
    return keys.unseal(storage_keys(purpose), bytes(sealed))


@dataclass(frozen=True)
class LoadedIdentity:
    """A node's identity row with its private keys opened, for one unit of work."""

    row: NodeIdentity
    pairs: keys.KeyPairs
    previous_box: PrivateKey | None
    pending: keys.KeyPairs | None

    @property
    def hub_key(self) -> VerifyKey:
        return keys.decode_verify_key(self.row.hub_signing_key)

    def box_key_for(self, box_key_id: str) -> PrivateKey | None:
        """The private box key that matches the key id a sender encrypted for."""
        if box_key_id == self.row.box_key_id:
            return self.pairs.box
        if self.previous_box is not None and box_key_id == self.row.previous_box_key_id:
            return self.previous_box
        return None


def load_identity() -> LoadedIdentity | None:
    row = NodeIdentity.objects.filter(pk=1).first()
    if row is None:
        return None
    previous = (
        keys.import_box(unseal(NODE_PURPOSE, row.previous_box_key_sealed))
        if row.previous_box_key_sealed
        else None
    )
    pending = (
        keys.import_private(unseal(NODE_PURPOSE, row.pending_keys_sealed))
        if row.pending_keys_sealed
        else None
    )
    return LoadedIdentity(
        row=row,
        pairs=keys.import_private(unseal(NODE_PURPOSE, row.private_keys_sealed)),
        previous_box=previous,
        pending=pending,
    )


def hub_signing_key(identity: HubIdentity) -> SigningKey:
    return keys.import_signing(unseal(HUB_PURPOSE, identity.private_key_sealed))
