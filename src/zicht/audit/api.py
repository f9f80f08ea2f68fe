"""Audit log over the API, for the beheerder's own tooling (read-only)."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from zicht.audit.access import entries_visible_to, filter_entries
from zicht.audit.models import AuditAction
from zicht.audit.services import record


class AuditEntryOut(Schema):
    id: int
    occurred_at: datetime
    instance: str
    category: str
    action: str
    outcome: str
    actor_username: str
    organisation_name: str
    object_type: str
    object_id: str
    purpose: str
    legal_ground: str
    request_id: str
    entry_hash: str


class AuditFilter(Schema):
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""
    object_type: str = ""
    # Cursor pagination: entries with an id below this one (newest first).
    before_id: int | None = None
    limit: int = 100


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_before_id: int | None


def build_router() -> Router:
    router = Router(tags=["audit"])

    @router.get("/entries", response=AuditPage, summary="Audit entries, newest first")
    def list_entries(request: HttpRequest, filters: Query[AuditFilter]) -> dict[str, Any]:
        if not request.user.has_perm("audit.view_auditentry"):
            raise HttpError(403, "U heeft geen recht op het auditlog.")
        if not 1 <= filters.limit <= 500:
            raise HttpError(422, "limit moet tussen 1 en 500 liggen.")
        entries = filter_entries(
            entries_visible_to(request.user),
            date_from=filters.date_from,
            date_to=filters.date_to,
            action=filters.action,
            object_type=filters.object_type,
        )
        if filters.before_id is not None:
            entries = entries.filter(id__lt=filters.before_id)
        items = list(entries.order_by("-id")[: filters.limit])
        record(
            action=AuditAction.READ,
            actor=request.user,
            object_type="audit.auditentry",
            object_id="api",
        )
        next_id = items[-1].id if len(items) == filters.limit else None
        return {"items": items, "next_before_id": next_id}

    return router
