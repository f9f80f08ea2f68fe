"""Reading the audit log: only with the audit permission, and filtered in the query."""

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from zicht.audit.models import AuditEntry


def entries_visible_to(user: Any) -> QuerySet[AuditEntry]:
    if not user.has_perm("audit.view_auditentry"):
        return AuditEntry.objects.none()
    return AuditEntry.objects.all()


def filter_entries(
    entries: QuerySet[AuditEntry],
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    action: str = "",
    category: str = "",
    username: str = "",
    object_type: str = "",
    object_id: str = "",
) -> QuerySet[AuditEntry]:
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(occurred_at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        entries = entries.filter(occurred_at__lte=datetime.combine(date_to, time.max, tz))
    if action:
        entries = entries.filter(action=action)
    if category:
        entries = entries.filter(category=category)
    if username:
        entries = entries.filter(actor_username__iexact=username)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    return entries
