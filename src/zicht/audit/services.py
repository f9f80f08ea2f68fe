"""The only way to write to the audit log.

Every service function in every app calls :func:`record` inside its own transaction, so an
audit entry is committed together with the change it describes, or not at all.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from zicht.audit import chain
from zicht.audit.models import SECURITY_ACTIONS, AuditAction, AuditChainHead, AuditEntry
from zicht.core.context import current


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def record(
    *,
    action: AuditAction | str,
    actor: Any = None,
    username: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    legal_ground: str = "",
    processing_activity: str = "",
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit chain.

    ``actor`` is the acting user (or None for the system); ``username`` names an actor that
    did not authenticate, such as the name typed into a failed login. Personal data do not
    belong in ``detail``: refer to objects by type and id.
    """
    action = AuditAction(action)
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or str(obj.pk)
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    organisation = getattr(actor, "organisation", None) if actor_is_user else None
    info = current()
    content: dict[str, Any] = {
        "occurred_at": timezone.now(),
        "instance": settings.ZICHT_INSTANCE,
        "category": "security" if action in SECURITY_ACTIONS else "data",
        "action": action.value,
        "outcome": outcome,
        "actor_id": actor.pk if actor_is_user else None,
        "actor_username": actor.get_username() if actor_is_user else username,
        "organisation_name": organisation.name if organisation is not None else "",
        "object_type": object_type,
        "object_id": str(object_id),
        "processing_activity": processing_activity,
        "purpose": purpose,
        "legal_ground": legal_ground,
        "request_id": info.request_id if info else "",
        "client_address": _normalise_address(info.client_address if info else None),
        "detail": detail or {},
    }
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": chain.GENESIS_HASH}
        )
        entry_hash = chain.compute_hash(head.last_hash, content)
        entry = AuditEntry.objects.create(
            prev_hash=head.last_hash, entry_hash=entry_hash, **content
        )
        AuditChainHead.objects.filter(pk=1).update(last_entry_id=entry.pk, last_hash=entry_hash)
    return entry


def _normalise_address(address: str | None) -> str | None:
    # PostgreSQL's inet type returns the canonical form; hash that same form everywhere.
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    # Django stores IPv6 through clean_ipv6_address (IPv4-mapped as ::ffff:a.b.c.d).
    return clean_ipv6_address(str(parsed)) if parsed.version == 6 else str(parsed)


def verify_chain() -> chain.Break | None:
    """Verify the whole stored chain; the first break, or None when it holds."""
    fields = ["id", "prev_hash", "entry_hash", *chain.HASHED_FIELDS]
    rows = AuditEntry.objects.order_by("id").values(*fields).iterator(chunk_size=2000)
    head = AuditChainHead.objects.filter(pk=1).first()
    return chain.verify(rows, head.last_hash if head else None)
