"""Tables of the hub-node transport.

Every app is installed in both roles (ADR 0002), so all tables exist everywhere; the hub
fills the *hub* tables (registry of nodes, key history, enrollment codes, seen nonces, the
relay queue and its own signing key) and a node fills the *node* tables (its identity,
outbox, inbox and poll status). The hub tables hold no personal data: the relay stores
ciphertext it cannot read plus the routing metadata listed in ``docs/protocols/transport.md``.
"""

import uuid
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from zicht.regions import REGIONS
from zicht.transport.protocol.keys import fingerprint

REGION_CHOICES = [(r.code, r.name) for r in REGIONS]


class NodeStatus(models.TextChoices):
    PENDING = "pending", _("wacht op goedkeuring")
    ACTIVE = "active", _("actief")
    REVOKED = "revoked", _("ingetrokken")


# --- Hub -----------------------------------------------------------------------------------


class Node(models.Model):
    """A regional node known to the hub: who it is, which public keys it uses, and health."""

    region = models.CharField(_("regio"), max_length=40, unique=True, choices=REGION_CHOICES)
    organisation = models.CharField(_("organisatie"), max_length=200)
    signing_key = models.CharField(_("publieke ondertekeningssleutel"), max_length=64)
    signing_key_id = models.CharField(max_length=32, db_index=True)
    box_key = models.CharField(_("publieke versleutelingssleutel"), max_length=64)
    box_key_id = models.CharField(max_length=32)
    status = models.CharField(
        _("status"), max_length=20, choices=NodeStatus.choices, default=NodeStatus.PENDING
    )
    software_version = models.CharField(_("softwareversie"), max_length=40, blank=True)
    last_seen = models.DateTimeField(_("laatst gezien"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("aangemeld op"))
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        ordering = ["region"]
        verbose_name = _("node")
        verbose_name_plural = _("nodes")
        permissions = [
            ("view_network", "Can see the nodes of the network and their health"),
            ("manage_nodes", "Can create enrollment codes and approve nodes"),
        ]

    def __str__(self) -> str:
        return self.region

    @property
    def signing_fingerprint(self) -> str:
        return fingerprint(self.signing_key_id)


class EnrollmentCode(models.Model):
    """A one-time code for enrolling one region; only its SHA-256 is stored."""

    code_hash = models.CharField(max_length=64, unique=True)
    region = models.CharField(_("regio"), max_length=40, choices=REGION_CHOICES)
    created_at = models.DateTimeField(_("aangemaakt op"))
    expires_at = models.DateTimeField(_("verloopt op"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)
    # Set when a newer code for the same region replaces this one before it was used.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("aanmeldcode")
        verbose_name_plural = _("aanmeldcodes")

    def __str__(self) -> str:
        return f"enrollment code for {self.region}"


class KeyEventKind(models.TextChoices):
    ENROLLED = "enrolled", _("aangemeld")
    APPROVED = "approved", _("goedgekeurd")
    ROTATED = "rotated", _("sleutels vervangen")
    REVOKED = "revoked", _("ingetrokken")


class AppendOnlyKeyEvents(models.QuerySet["NodeKeyEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("key history cannot be changed")

    def delete(self) -> NoReturn:
        raise PermissionError("key history cannot be deleted")


class NodeKeyEvent(models.Model):
    """Append-only history of a node's keys: which keys it had, and when that changed.

    It lets the hub tell a key that was rotated away or revoked from one it never saw, and
    lets a recipient open a message sealed just before its sender rotated.
    """

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="key_events")
    kind = models.CharField(max_length=20, choices=KeyEventKind.choices)
    signing_key = models.CharField(max_length=64)
    signing_key_id = models.CharField(max_length=32, db_index=True)
    box_key = models.CharField(max_length=64)
    box_key_id = models.CharField(max_length=32, db_index=True)
    occurred_at = models.DateTimeField()

    objects = AppendOnlyKeyEvents.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.node_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("key history cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("key history cannot be deleted")


class SeenNonce(models.Model):
    """Nonces of accepted requests within the clock-skew window, to refuse replays."""

    key_id = models.CharField(max_length=32)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="transport_nonce_once")
        ]

    def __str__(self) -> str:
        return self.nonce


class RelayMessage(models.Model):
    """One ciphertext waiting at the hub for its recipient; deleted when acknowledged.

    The id is chosen by the sender and reused when it sends again, which makes a repeated
    send harmless. The hub cannot read ``ciphertext``.
    """

    id = models.UUIDField(primary_key=True)
    sender = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="sent_messages")
    recipient = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="queued_messages")
    kind = models.CharField(max_length=60)
    sender_box_key_id = models.CharField(max_length=32)
    recipient_box_key_id = models.CharField(max_length=32)
    ciphertext = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "created_at"], name="transport_relay_inbox")]

    def __str__(self) -> str:
        return str(self.id)


class HubIdentity(models.Model):
    """The hub's own Ed25519 key pair, which signs its responses (one row, pk 1)."""

    signing_key = models.CharField(max_length=64)
    signing_key_id = models.CharField(max_length=32)
    private_key_sealed = models.BinaryField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"hub key {self.signing_key_id}"


# --- Node ----------------------------------------------------------------------------------


class NodeIdentity(models.Model):
    """This node's enrollment: its key pairs (private halves sealed) and the pinned hub key.

    One row, pk 1. The private keys are sealed with a key derived from the secret key
    (:func:`zicht.transport.keystore.storage_keys`), so the database alone does not reveal
    them. During a rotation the new keys wait in ``pending_keys_sealed`` until the hub has
    confirmed them; the previous box key is kept to open messages sealed just before.
    """

    region = models.CharField(_("regio"), max_length=40, choices=REGION_CHOICES)
    organisation = models.CharField(_("organisatie"), max_length=200)
    hub_url = models.CharField(_("adres van de hub"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=NodeStatus.choices, default=NodeStatus.PENDING
    )
    signing_key = models.CharField(max_length=64)
    signing_key_id = models.CharField(max_length=32)
    box_key = models.CharField(max_length=64)
    box_key_id = models.CharField(max_length=32)
    private_keys_sealed = models.BinaryField()
    previous_box_key_id = models.CharField(max_length=32, blank=True)
    previous_box_key_sealed = models.BinaryField(null=True, blank=True)
    pending_signing_key_id = models.CharField(max_length=32, blank=True)
    pending_keys_sealed = models.BinaryField(null=True, blank=True)
    hub_signing_key = models.CharField(max_length=64)
    hub_key_id = models.CharField(max_length=32)
    enrolled_at = models.DateTimeField(_("aangemeld op"))
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)
    rotated_at = models.DateTimeField(_("sleutels vervangen op"), null=True, blank=True)

    class Meta:
        verbose_name = _("identiteit van deze node")
        permissions = [("view_connection", "Can see this node's connection to the hub")]

    def __str__(self) -> str:
        return f"node identity {self.region}"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("in de wachtrij")
    SENT = "sent", _("afgeleverd bij de hub")
    FAILED = "failed", _("mislukt")


class OutboxMessage(models.Model):
    """A message this node sends, one row per recipient; delivered by the worker.

    ``(idempotency_key, recipient)`` is unique, so an application that retries
    :func:`zicht.transport.services.send_message` queues nothing twice. The payload is
    cleared once the hub has the ciphertext; its hash stays to recognise a retry.
    """

    message_id = models.UUIDField(unique=True, default=uuid.uuid4)
    idempotency_key = models.CharField(max_length=200)
    recipient = models.CharField(max_length=40, choices=REGION_CHOICES)
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key", "recipient"], name="transport_outbox_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"


class InboxStatus(models.TextChoices):
    PROCESSED = "processed", _("verwerkt")
    FAILED = "failed", _("verwerking mislukt")
    REJECTED = "rejected", _("geweigerd")


class InboxMessage(models.Model):
    """A message this node received, one row per (sender, message id): exactly once.

    The row is written in the same transaction as the handler's work, so either both
    happen or neither. The payload is not kept: the handler stores what it needs.
    """

    message_id = models.UUIDField()
    sender = models.CharField(max_length=40, choices=REGION_CHOICES)
    kind = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=InboxStatus.choices)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    # Set once the hub confirmed the acknowledgement; until then the worker repeats it.
    acked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "message_id"], name="transport_inbox_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.sender}"


class PollStatus(models.Model):
    """How the worker's conversation with the hub goes (one row, pk 1)."""

    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "poll status"
