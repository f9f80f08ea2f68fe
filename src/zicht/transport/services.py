"""The write path of the transport, hub side and node side.

Every change that matters for security or for data (enrollment, approval, key rotation and
revocation, rejected requests, messages relayed, sent and received) runs in a transaction
with its audit entry. Liveness bookkeeping (a node's ``last_seen``, seen nonces, the poll
status of the worker) is not audited: it is telemetry, written on every request, and
auditing it would bury the entries that matter (ADR 0006).

Applications use two functions from here: :func:`send_message` (on a node) to queue a
message for other nodes, and, indirectly, :func:`receive_message`, through which the worker
hands each received message to the handler of its kind (:mod:`zicht.transport.handlers`).
"""

import base64
import binascii
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from nacl.signing import SigningKey

from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.regions import REGION_CODES
from zicht.transport import handlers, keystore
from zicht.transport.models import (
    EnrollmentCode,
    HubIdentity,
    InboxMessage,
    InboxStatus,
    KeyEventKind,
    Node,
    NodeIdentity,
    NodeKeyEvent,
    NodeStatus,
    OutboxMessage,
    OutboxStatus,
    PollStatus,
    RelayMessage,
    SeenNonce,
)
from zicht.transport.protocol import keys, signing
from zicht.transport.protocol.envelope import (
    MAX_PLAINTEXT_BYTES,
    Envelope,
    check_kind,
    encode_plaintext,
)
from zicht.transport.protocol.errors import BadSignatureError, MalformedError, ProtocolError

ENROLLMENT_CODE_HOURS = 48
MESSAGE_TTL = timedelta(days=14)
# Requests outside the skew window are refused anyway, so older nonces need not be kept.
NONCE_RETENTION = timedelta(seconds=2 * signing.MAX_SKEW_SECONDS)
LAST_SEEN_RESOLUTION = timedelta(seconds=5)
BOX_OVERHEAD = 40  # 24-byte nonce + 16-byte Poly1305 tag
MAX_CIPHERTEXT_BYTES = MAX_PLAINTEXT_BYTES + BOX_OVERHEAD
MAX_IDEMPOTENCY_KEY = 200
ERROR_TEXT_LIMIT = 500


class TransportError(Exception):
    """A request the transport refuses; the message is a Dutch sentence for the user."""

    status = 400


class EnrollmentRefusedError(TransportError):
    status = 403


class RegionActiveError(EnrollmentRefusedError):
    status = 409


class IdempotencyConflictError(TransportError):
    """The idempotency key was used before for a different message."""

    status = 409


def node_actor(region: str) -> str:
    """How a node appears as the actor in the hub's audit log."""
    return f"node-{region}"


def _system_detail(acting_user: Any, detail: dict[str, Any]) -> dict[str, Any]:
    # Commands run by an operator on the server have no user; say so in the entry.
    if acting_user is None:
        detail = {**detail, "via": "command"}
    return detail


# === Hub ==================================================================================


def hub_identity() -> HubIdentity:
    """The hub's signing key pair, created (and audited) on first use."""
    existing = HubIdentity.objects.filter(pk=1).first()
    if existing is not None:
        return existing
    key = SigningKey.generate()
    public = keys.encode_key(bytes(key.verify_key))
    try:
        with transaction.atomic():
            identity = HubIdentity.objects.create(
                pk=1,
                signing_key=public,
                signing_key_id=keys.key_id_of(public),
                private_key_sealed=keystore.seal(keystore.HUB_PURPOSE, keys.export_signing(key)),
                created_at=timezone.now(),
            )
            record(
                action=AuditAction.CREATE,
                obj=identity,
                detail={"signing_key_id": identity.signing_key_id},
            )
            return identity
    except IntegrityError:
        # Another process created it between our read and our insert.
        return HubIdentity.objects.get(pk=1)


def hub_signing_key() -> SigningKey:
    return keystore.hub_signing_key(hub_identity())


_CODE_CLEAN = re.compile(r"[^A-Z2-7]")


def normalise_code(code: str) -> str:
    return _CODE_CLEAN.sub("", code.upper())


def hash_code(code: str) -> str:
    # 120 random bits: a plain hash suffices, there is nothing to brute-force.
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()


def _check_region(region: str) -> str:
    if region not in REGION_CODES:
        raise TransportError(f"Onbekende regio: {region!r}.")
    return region


def create_enrollment_code(
    *, acting_user: Any, region: str, hours: int = ENROLLMENT_CODE_HOURS
) -> tuple[str, EnrollmentCode]:
    """A fresh one-time code for ``region``; older unused codes for it are withdrawn.

    The code is returned once and never stored: the hub keeps only its SHA-256.
    """
    _check_region(region)
    if not 1 <= hours <= 24 * 14:
        raise TransportError("Een aanmeldcode is 1 uur tot 14 dagen geldig.")
    raw = base64.b32encode(secrets.token_bytes(15)).decode("ascii")
    code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    now = timezone.now()
    with transaction.atomic():
        withdrawn = EnrollmentCode.objects.filter(
            region=region, used_at__isnull=True, withdrawn_at__isnull=True
        ).update(withdrawn_at=now)
        entry = EnrollmentCode.objects.create(
            code_hash=hash_code(code),
            region=region,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        record(
            action=AuditAction.ENROLLMENT,
            actor=acting_user,
            obj=entry,
            detail=_system_detail(
                acting_user,
                {"step": "code_created", "region": region, "hours": hours, "withdrawn": withdrawn},
            ),
        )
    return code, entry


def _key_event(node: Node, kind: str, now: datetime) -> None:
    NodeKeyEvent.objects.create(
        node=node,
        kind=kind,
        signing_key=node.signing_key,
        signing_key_id=node.signing_key_id,
        box_key=node.box_key,
        box_key_id=node.box_key_id,
        occurred_at=now,
    )


def _key_ids(signing_key: str, box_key: str) -> tuple[str, str]:
    try:
        return keys.key_id_of(signing_key), keys.key_id_of(box_key)
    except MalformedError as exc:
        raise TransportError("Een publieke sleutel heeft niet de juiste vorm.") from exc


def _key_was_used(signing_key_id: str, box_key_id: str) -> bool:
    return NodeKeyEvent.objects.filter(
        Q(signing_key_id=signing_key_id) | Q(box_key_id=box_key_id)
    ).exists()


def enroll_node(
    *,
    code: str,
    region: str,
    organisation: str,
    signing_key: str,
    box_key: str,
    software_version: str,
) -> Node:
    """Register a node's public keys with a valid one-time code; it then awaits approval."""
    _check_region(region)
    signing_key_id, box_key_id = _key_ids(signing_key, box_key)
    now = timezone.now()
    refusal: TransportError
    reason: str
    with transaction.atomic():
        entry = EnrollmentCode.objects.select_for_update().filter(code_hash=hash_code(code)).first()
        node = Node.objects.select_for_update().filter(region=region).first()
        if (
            entry is None
            or entry.region != region
            or entry.used_at is not None
            or entry.withdrawn_at is not None
            or entry.expires_at <= now
        ):
            # One answer for every way a code can be wrong: no oracle for guessing.
            reason = "bad_code"
            refusal = EnrollmentRefusedError(
                "De aanmeldcode is onbekend, verlopen, al gebruikt of voor een andere regio."
            )
        elif node is not None and node.status == NodeStatus.ACTIVE:
            reason = "region_active"
            refusal = RegionActiveError(
                "Deze regio heeft al een actieve node. De beheerder van de hub moet die eerst "
                "intrekken."
            )
        elif _key_was_used(signing_key_id, box_key_id):
            reason = "key_reused"
            refusal = EnrollmentRefusedError("Deze sleutels zijn al eerder gebruikt; maak nieuwe.")
        else:
            entry.used_at = now
            entry.save(update_fields=["used_at"])
            fields = {
                "organisation": organisation.strip()[:200],
                "signing_key": signing_key,
                "signing_key_id": signing_key_id,
                "box_key": box_key,
                "box_key_id": box_key_id,
                "status": NodeStatus.PENDING,
                "software_version": software_version[:40],
                "enrolled_at": now,
                "approved_at": None,
                "revoked_at": None,
                "last_seen": now,
            }
            if node is None:
                node = Node.objects.create(region=region, **fields)
            else:
                for name, value in fields.items():
                    setattr(node, name, value)
                node.save()
            _key_event(node, KeyEventKind.ENROLLED, now)
            record(
                action=AuditAction.ENROLLMENT,
                username=node_actor(region),
                obj=node,
                detail={
                    "step": "enrolled",
                    "signing_key_id": signing_key_id,
                    "box_key_id": box_key_id,
                    "software_version": node.software_version,
                },
            )
            return node
    record(
        action=AuditAction.ENROLLMENT,
        username=node_actor(region),
        outcome="failure",
        object_type="transport.node",
        object_id=region,
        detail={"step": "enrolled", "reason": reason, "signing_key_id": signing_key_id},
    )
    raise refusal


def approve_node(*, acting_user: Any, region: str) -> Node:
    now = timezone.now()
    with transaction.atomic():
        node = Node.objects.select_for_update().filter(region=region).first()
        if node is None:
            raise TransportError("Er is geen node voor deze regio aangemeld.")
        if node.status != NodeStatus.PENDING:
            raise TransportError("Deze node wacht niet op goedkeuring.")
        node.status = NodeStatus.ACTIVE
        node.approved_at = now
        node.save(update_fields=["status", "approved_at"])
        _key_event(node, KeyEventKind.APPROVED, now)
        record(
            action=AuditAction.ENROLLMENT,
            actor=acting_user,
            obj=node,
            detail=_system_detail(
                acting_user, {"step": "approved", "signing_key_id": node.signing_key_id}
            ),
        )
        return node


def revoke_node(*, acting_user: Any, region: str) -> Node:
    """Stop trusting a node's keys; its queued messages, both ways, are dropped.

    Revocation usually means a key may be compromised, so messages it sent and not yet
    delivered are not passed on either.
    """
    now = timezone.now()
    with transaction.atomic():
        node = Node.objects.select_for_update().filter(region=region).first()
        if node is None:
            raise TransportError("Er is geen node voor deze regio aangemeld.")
        if node.status == NodeStatus.REVOKED:
            raise TransportError("Deze node is al ingetrokken.")
        node.status = NodeStatus.REVOKED
        node.revoked_at = now
        node.save(update_fields=["status", "revoked_at"])
        _key_event(node, KeyEventKind.REVOKED, now)
        dropped, _by_model = RelayMessage.objects.filter(
            Q(recipient=node) | Q(sender=node)
        ).delete()
        record(
            action=AuditAction.KEY_REVOCATION,
            actor=acting_user,
            obj=node,
            detail=_system_detail(
                acting_user,
                {"signing_key_id": node.signing_key_id, "dropped_messages": dropped},
            ),
        )
        return node


def rotate_node_keys(
    *, node: Node, signing_key: str, box_key: str, proof: str, request_nonce: str
) -> Node:
    """Replace a node's public keys after checking it holds the new signing key."""
    signing_key_id, box_key_id = _key_ids(signing_key, box_key)
    reason = ""
    try:
        signing.verify_rotation(
            region=node.region,
            signing_key=signing_key,
            box_key=box_key,
            request_nonce=request_nonce,
            proof=proof,
        )
    except (BadSignatureError, MalformedError):
        reason = "bad_proof"
    if not reason and _key_was_used(signing_key_id, box_key_id):
        reason = "key_reused"
    if reason:
        record(
            action=AuditAction.KEY_ROTATION,
            username=node_actor(node.region),
            outcome="failure",
            obj=node,
            detail={"reason": reason, "new_signing_key_id": signing_key_id},
        )
        raise TransportError(
            "De nieuwe sleutels zijn geweigerd: het bewijs van bezit klopt niet of de sleutels "
            "zijn al eerder gebruikt."
        )
    now = timezone.now()
    with transaction.atomic():
        node = Node.objects.select_for_update().get(pk=node.pk)
        old = {"old_signing_key_id": node.signing_key_id, "old_box_key_id": node.box_key_id}
        node.signing_key, node.signing_key_id = signing_key, signing_key_id
        node.box_key, node.box_key_id = box_key, box_key_id
        node.save(update_fields=["signing_key", "signing_key_id", "box_key", "box_key_id"])
        _key_event(node, KeyEventKind.ROTATED, now)
        record(
            action=AuditAction.KEY_ROTATION,
            username=node_actor(node.region),
            obj=node,
            detail={**old, "signing_key_id": signing_key_id, "box_key_id": box_key_id},
        )
        return node


def record_rejection(
    *, reason: str, region: str | None, key_id: str | None, method: str, path: str
) -> None:
    """Audit a refused transport request (bad signature, unknown node, replay, ...)."""
    record(
        action=AuditAction.TRANSPORT_REJECTED,
        username=node_actor(region) if region else "",
        outcome="failure",
        object_type="transport.node",
        object_id=region or "",
        detail={"reason": reason, "key_id": key_id or "", "method": method, "path": path[:200]},
    )


def accept_nonce(*, key_id: str, nonce: str, now: datetime | None = None) -> bool:
    """Remember a nonce; False when it was seen before (a replay)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(key_id=key_id, nonce=nonce, seen_at=now)
    except IntegrityError:
        return False
    SeenNonce.objects.filter(seen_at__lt=now - NONCE_RETENTION).delete()
    return True


def touch_node(node: Node, *, software_version: str | None = None) -> None:
    """Note that a node was seen; written at most every few seconds."""
    now = timezone.now()
    changes: dict[str, Any] = {"last_seen": now}
    if software_version is not None and software_version[:40] != node.software_version:
        changes["software_version"] = software_version[:40]
        Node.objects.filter(pk=node.pk).update(**changes)
        return
    Node.objects.filter(pk=node.pk).filter(
        Q(last_seen__isnull=True) | Q(last_seen__lt=now - LAST_SEEN_RESOLUTION)
    ).update(**changes)


@dataclass(frozen=True)
class OutgoingMessage:
    """One ciphertext in a node's send request, as the hub receives it."""

    id: uuid.UUID
    recipient: str
    kind: str
    sender_box_key_id: str
    recipient_box_key_id: str
    ciphertext: str  # base64


def _decode_ciphertext(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw if BOX_OVERHEAD < len(raw) <= MAX_CIPHERTEXT_BYTES else None


def store_messages(*, sender: Node, messages: Sequence[OutgoingMessage]) -> list[dict[str, str]]:
    """Queue ciphertexts for their recipients; a message id seen before is a harmless repeat.

    Each result is ``stored``, ``duplicate``, ``retry`` (the recipient's key changed: fetch
    the directory and encrypt again) or ``rejected``, with a Dutch explanation.
    """
    now = timezone.now()
    recipients = {
        n.region: n for n in Node.objects.filter(region__in={m.recipient for m in messages})
    }
    results: list[dict[str, str]] = []
    counts = {"stored": 0, "duplicate": 0, "retry": 0, "rejected": 0}
    with transaction.atomic():
        for message in messages:
            result, detail = _store_one(sender, message, recipients.get(message.recipient), now)
            counts[result] += 1
            results.append({"id": str(message.id), "result": result, "detail": detail})
        record(
            action=AuditAction.CREATE,
            username=node_actor(sender.region),
            object_type="transport.relaymessage",
            object_id="send",
            detail={**counts, "recipients": sorted({m.recipient for m in messages})},
        )
    return results


def _store_one(
    sender: Node, message: OutgoingMessage, recipient: Node | None, now: datetime
) -> tuple[str, str]:
    if recipient is None or recipient.status != NodeStatus.ACTIVE or recipient.pk == sender.pk:
        return "rejected", "De ontvanger is geen actieve andere node in het netwerk."
    try:
        check_kind(message.kind)
    except MalformedError:
        return "rejected", "De soort van het bericht heeft niet de juiste vorm."
    if message.sender_box_key_id != sender.box_key_id:
        return "rejected", "Het bericht is niet met de huidige sleutel van de afzender gemaakt."
    if message.recipient_box_key_id != recipient.box_key_id:
        return "retry", "De ontvanger heeft nieuwe sleutels; versleutel het bericht opnieuw."
    ciphertext = _decode_ciphertext(message.ciphertext)
    if ciphertext is None:
        return "rejected", "De versleutelde inhoud is leeg, te groot of geen geldige base64."
    existing = RelayMessage.objects.filter(pk=message.id).first()
    if existing is not None:
        if existing.sender_id == sender.pk and existing.recipient_id == recipient.pk:
            return "duplicate", ""
        return "rejected", "Dit bericht-id is al in gebruik."
    RelayMessage.objects.create(
        id=message.id,
        sender=sender,
        recipient=recipient,
        kind=message.kind,
        sender_box_key_id=message.sender_box_key_id,
        recipient_box_key_id=message.recipient_box_key_id,
        ciphertext=ciphertext,
        size=len(ciphertext),
        created_at=now,
        expires_at=now + MESSAGE_TTL,
    )
    return "stored", ""


def acknowledge_messages(*, recipient: Node, ids: Iterable[uuid.UUID]) -> int:
    """Delete delivered messages; only the recipient can acknowledge its own."""
    with transaction.atomic():
        deleted, _by_model = RelayMessage.objects.filter(
            recipient=recipient, id__in=list(ids)
        ).delete()
        if deleted:
            record(
                action=AuditAction.DELETE,
                username=node_actor(recipient.region),
                object_type="transport.relaymessage",
                object_id="ack",
                detail={"acknowledged": deleted},
            )
    return deleted


def prune(*, now: datetime | None = None) -> dict[str, int]:
    """Delete expired relay messages, stale nonces and long-expired enrollment codes."""
    now = now or timezone.now()
    with transaction.atomic():
        expired, _by_model = RelayMessage.objects.filter(expires_at__lte=now).delete()
        if expired:
            # Messages that expire were never delivered: worth a line in the log.
            record(
                action=AuditAction.DELETE,
                object_type="transport.relaymessage",
                object_id="expired",
                detail={"expired": expired},
            )
    nonces, _by_model = SeenNonce.objects.filter(seen_at__lt=now - NONCE_RETENTION).delete()
    codes, _by_model = EnrollmentCode.objects.filter(
        used_at__isnull=True, expires_at__lt=now - timedelta(days=30)
    ).delete()
    return {"expired_messages": expired, "nonces": nonces, "codes": codes}


# === Node =================================================================================


def save_identity(
    *,
    region: str,
    organisation: str,
    hub_url: str,
    pairs: keys.KeyPairs,
    hub_signing_key: str,
    status: str,
) -> NodeIdentity:
    """Store this node's enrollment; replaces an earlier one (re-enrollment)."""
    now = timezone.now()
    with transaction.atomic():
        NodeIdentity.objects.filter(pk=1).delete()
        identity = NodeIdentity.objects.create(
            pk=1,
            region=region,
            organisation=organisation,
            hub_url=hub_url,
            status=status,
            signing_key=pairs.signing_public,
            signing_key_id=pairs.signing_key_id,
            box_key=pairs.box_public,
            box_key_id=pairs.box_key_id,
            private_keys_sealed=keystore.seal(keystore.NODE_PURPOSE, keys.export_private(pairs)),
            hub_signing_key=hub_signing_key,
            hub_key_id=keys.key_id_of(hub_signing_key),
            enrolled_at=now,
            approved_at=now if status == NodeStatus.ACTIVE else None,
        )
        record(
            action=AuditAction.ENROLLMENT,
            obj=identity,
            detail={
                "step": "enrolled",
                "hub_url": hub_url,
                "hub_key_id": identity.hub_key_id,
                "signing_key_id": identity.signing_key_id,
                "box_key_id": identity.box_key_id,
                "status": status,
            },
        )
        return identity


def activate_identity() -> NodeIdentity:
    """The hub approved us (as its signed status answer says)."""
    with transaction.atomic():
        identity = NodeIdentity.objects.select_for_update().get(pk=1)
        if identity.status != NodeStatus.ACTIVE:
            identity.status = NodeStatus.ACTIVE
            identity.approved_at = timezone.now()
            identity.save(update_fields=["status", "approved_at"])
            record(action=AuditAction.ENROLLMENT, obj=identity, detail={"step": "approved"})
        return identity


def start_key_rotation() -> keys.KeyPairs:
    """New key pairs, kept sealed as *pending* before the hub hears of them.

    Persisting them first makes a rotation safe to repeat: if the hub switched but its
    answer was lost, the next attempt offers the same keys (see ``worker.complete_rotation``).
    """
    with transaction.atomic():
        identity = NodeIdentity.objects.select_for_update().get(pk=1)
        if identity.pending_keys_sealed:
            return keys.import_private(
                keystore.unseal(keystore.NODE_PURPOSE, identity.pending_keys_sealed)
            )
        pairs = keys.generate()
        identity.pending_keys_sealed = keystore.seal(
            keystore.NODE_PURPOSE, keys.export_private(pairs)
        )
        identity.pending_signing_key_id = pairs.signing_key_id
        identity.save(update_fields=["pending_keys_sealed", "pending_signing_key_id"])
        return pairs


def finish_key_rotation() -> NodeIdentity:
    """The hub confirmed the pending keys: make them current, keep the old box key."""
    with transaction.atomic():
        identity = NodeIdentity.objects.select_for_update().get(pk=1)
        if not identity.pending_keys_sealed:
            return identity
        current = keys.import_private(
            keystore.unseal(keystore.NODE_PURPOSE, identity.private_keys_sealed)
        )
        new = keys.import_private(
            keystore.unseal(keystore.NODE_PURPOSE, identity.pending_keys_sealed)
        )
        old = {"old_signing_key_id": identity.signing_key_id, "old_box_key_id": identity.box_key_id}
        identity.previous_box_key_id = identity.box_key_id
        identity.previous_box_key_sealed = keystore.seal(
            keystore.NODE_PURPOSE, keys.export_box(current.box)
        )
        identity.signing_key, identity.signing_key_id = new.signing_public, new.signing_key_id
        identity.box_key, identity.box_key_id = new.box_public, new.box_key_id
        identity.private_keys_sealed = keystore.seal(
            keystore.NODE_PURPOSE, keys.export_private(new)
        )
        identity.pending_keys_sealed = None
        identity.pending_signing_key_id = ""
        identity.rotated_at = timezone.now()
        identity.save()
        record(
            action=AuditAction.KEY_ROTATION,
            obj=identity,
            detail={**old, "signing_key_id": new.signing_key_id, "box_key_id": new.box_key_id},
        )
        return identity


def cancel_key_rotation(*, reason: str) -> None:
    """The hub refused the pending keys for good: forget them (the current keys stay)."""
    with transaction.atomic():
        identity = NodeIdentity.objects.select_for_update().get(pk=1)
        pending_id = identity.pending_signing_key_id
        identity.pending_keys_sealed = None
        identity.pending_signing_key_id = ""
        identity.save(update_fields=["pending_keys_sealed", "pending_signing_key_id"])
        record(
            action=AuditAction.KEY_ROTATION,
            outcome="failure",
            obj=identity,
            detail={"reason": reason[:ERROR_TEXT_LIMIT], "pending_signing_key_id": pending_id},
        )


def _payload_hash(kind: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"kind": kind, "payload": payload}, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def send_message(
    *,
    recipients: list[str],
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    acting_user: Any = None,
) -> list[OutboxMessage]:
    """Queue ``payload`` for each recipient node; the worker encrypts and delivers it.

    Safe to retry: the same ``idempotency_key`` with the same kind and payload queues
    nothing new and returns the existing rows; with different content it raises
    :class:`IdempotencyConflictError`. Call it inside your own transaction to queue the message
    together with the change that causes it.
    """
    own = settings.ZICHT_REGION
    wanted = list(dict.fromkeys(recipients))
    if not wanted:
        raise TransportError("Een bericht heeft minstens één ontvanger nodig.")
    for region in wanted:
        _check_region(region)
        if region == own:
            raise TransportError("Een node stuurt geen berichten aan zichzelf.")
    if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise TransportError("De idempotentiesleutel moet 1 tot 200 tekens lang zijn.")
    try:
        check_kind(kind)
        # Fails early, in the caller's transaction, for payloads the envelope cannot carry.
        encode_plaintext(Envelope(str(uuid.uuid4()), kind, own or "hub", wanted[0], 0, payload))
        digest = _payload_hash(kind, payload)
    except (ProtocolError, ValueError, TypeError) as exc:
        raise TransportError(f"Het bericht kan niet worden verstuurd: {exc}") from exc
    now = timezone.now()
    rows: list[OutboxMessage] = []
    with transaction.atomic():
        for region in wanted:
            existing = OutboxMessage.objects.filter(
                idempotency_key=idempotency_key, recipient=region
            ).first()
            if existing is not None:
                if existing.payload_sha256 != digest:
                    raise IdempotencyConflictError(
                        "Deze idempotentiesleutel is al gebruikt voor een ander bericht."
                    )
                rows.append(existing)
                continue
            message = OutboxMessage.objects.create(
                idempotency_key=idempotency_key,
                recipient=region,
                kind=kind,
                payload=payload,
                payload_sha256=digest,
                created_at=now,
            )
            record(
                action=AuditAction.MESSAGE_SENT,
                actor=acting_user,
                obj=message,
                detail={"kind": kind, "recipient": region, "message_id": str(message.message_id)},
            )
            rows.append(message)
    return rows


def mark_sent(*, message_ids: Sequence[uuid.UUID]) -> int:
    """The hub holds these ciphertexts now; the plaintext payload is no longer needed here."""
    return OutboxMessage.objects.filter(
        message_id__in=list(message_ids), status=OutboxStatus.QUEUED
    ).update(status=OutboxStatus.SENT, sent_at=timezone.now(), payload={}, last_error="")


def note_outbox_problem(*, message_id: uuid.UUID, error: str, final: bool) -> None:
    """Record why a message did not go out; ``final`` gives up on it."""
    changes: dict[str, Any] = {"last_error": error[:ERROR_TEXT_LIMIT]}
    if final:
        changes["status"] = OutboxStatus.FAILED
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(message_id=message_id)
        message.attempts += 1
        for name, value in changes.items():
            setattr(message, name, value)
        message.save(update_fields=["attempts", *changes])
        if final:
            record(
                action=AuditAction.MESSAGE_SENT,
                outcome="failure",
                obj=message,
                detail={"kind": message.kind, "recipient": message.recipient},
            )


def receive_message(*, envelope: Envelope) -> str:
    """Hand a decrypted message to its handler exactly once.

    Returns ``processed``, ``failed`` (the handler raised: its work is rolled back and the
    message is kept as failed) or ``duplicate`` (seen before: nothing runs, but the
    acknowledgement is repeated). The receipt and the handler's work share one transaction.
    """
    received = handlers.ReceivedMessage(
        message_id=envelope.message_id,
        kind=envelope.kind,
        sender=envelope.sender,
        created=datetime.fromtimestamp(envelope.created, tz=UTC),
        payload=envelope.payload,
    )
    handler = handlers.handler_for(envelope.kind)
    try:
        with transaction.atomic():
            existing = (
                InboxMessage.objects.select_for_update()
                .filter(sender=envelope.sender, message_id=envelope.message_id)
                .first()
            )
            if existing is not None:
                if existing.acked_at is not None:
                    # The hub delivered it again, so our acknowledgement was lost: repeat it.
                    existing.acked_at = None
                    existing.save(update_fields=["acked_at"])
                return "duplicate"
            inbox = InboxMessage.objects.create(
                message_id=envelope.message_id,
                sender=envelope.sender,
                kind=envelope.kind,
                status=InboxStatus.PROCESSED,
                sent_at=received.created,
                received_at=timezone.now(),
            )
            error = ""
            try:
                # A savepoint: a failing handler undoes only its own work, not the receipt.
                with transaction.atomic():
                    if handler is None:
                        raise LookupError(f"geen verwerker voor berichtsoort {envelope.kind!r}")
                    handler(received)
            except Exception as exc:  # any handler failure is recorded, never propagated
                error = f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT]
                inbox.status = InboxStatus.FAILED
                inbox.error = error
                inbox.save(update_fields=["status", "error"])
            record(
                action=AuditAction.MESSAGE_RECEIVED,
                outcome="failure" if error else "success",
                obj=inbox,
                detail={
                    "kind": envelope.kind,
                    "sender": envelope.sender,
                    "message_id": envelope.message_id,
                    **({"error_type": error.split(":", 1)[0]} if error else {}),
                },
            )
            return "failed" if error else "processed"
    except IntegrityError:
        # Another worker recorded the same message between our check and our insert.
        return "duplicate"


def reject_message(*, message_id: str, sender: str, kind: str, reason: str) -> str:
    """Record a message that cannot be opened or does not match its metadata.

    It is kept as *rejected* (and acknowledged, so the hub does not offer it forever); the
    handler never sees it. Returns ``rejected`` or ``duplicate``.
    """
    try:
        parsed_id = uuid.UUID(message_id)
    except ValueError:
        return "unusable"
    sender = sender if sender in REGION_CODES else ""
    try:
        with transaction.atomic():
            if InboxMessage.objects.filter(sender=sender, message_id=parsed_id).exists():
                return "duplicate"
            inbox = InboxMessage.objects.create(
                message_id=parsed_id,
                sender=sender,
                kind=kind[:60],
                status=InboxStatus.REJECTED,
                error=reason,
                received_at=timezone.now(),
            )
            record(
                action=AuditAction.TRANSPORT_REJECTED,
                outcome="failure",
                obj=inbox,
                detail={"reason": reason, "sender": sender, "message_id": str(parsed_id)},
            )
            return "rejected"
    except IntegrityError:
        return "duplicate"


def mark_acked(*, message_ids: Sequence[uuid.UUID]) -> int:
    return InboxMessage.objects.filter(
        message_id__in=list(message_ids), acked_at__isnull=True
    ).update(acked_at=timezone.now())


def _poll_status() -> PollStatus:
    status, _created = PollStatus.objects.get_or_create(pk=1)
    return status


def record_poll_success(*, next_attempt_at: datetime, heartbeat: bool = False) -> None:
    now = timezone.now()
    changes: dict[str, Any] = {
        "last_attempt_at": now,
        "last_success_at": now,
        "consecutive_failures": 0,
        "last_error": "",
        "next_attempt_at": next_attempt_at,
    }
    if heartbeat:
        changes["last_heartbeat_at"] = now
    _poll_status()
    PollStatus.objects.filter(pk=1).update(**changes)


def record_poll_failure(*, error: str, next_attempt_at: datetime, failures: int) -> None:
    now = timezone.now()
    _poll_status()
    PollStatus.objects.filter(pk=1).update(
        last_attempt_at=now,
        last_error=error[:ERROR_TEXT_LIMIT],
        last_error_at=now,
        consecutive_failures=failures,
        next_attempt_at=next_attempt_at,
    )
