"""The beheerder's audit page and its CSV export (which is itself audited)."""

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from zicht.audit.access import entries_visible_to, filter_entries
from zicht.audit.forms import AuditFilterForm
from zicht.audit.models import AuditAction, AuditEntry
from zicht.audit.services import record

CSV_FIELDS = [
    "id",
    "occurred_at",
    "instance",
    "category",
    "action",
    "outcome",
    "actor_username",
    "organisation_name",
    "object_type",
    "object_id",
    "processing_activity",
    "purpose",
    "legal_ground",
    "request_id",
    "client_address",
    "detail",
    "prev_hash",
    "entry_hash",
]


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None)
    entries = entries_visible_to(request.user)
    if form.is_bound and form.is_valid():
        entries = filter_entries(entries, **form.cleaned_data)
    elif form.is_bound:
        entries = entries.none()
    return form, entries


@permission_required("audit.view_auditentry", raise_exception=True)
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries.order_by("-id"), 50).get_page(request.GET.get("pagina"))
    # Reading the log shows who did what: that view is itself recorded.
    record(
        action=AuditAction.READ,
        actor=request.user,
        object_type="audit.auditentry",
        object_id="list",
        detail={
            "filters": {
                k: str(v)
                for k, v in (form.cleaned_data if form.is_bound and form.is_valid() else {}).items()
                if v
            }
        },
    )
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "audit/entry_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(entries: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_FIELDS)
    for entry in entries.order_by("id").values(*CSV_FIELDS).iterator(chunk_size=2000):
        yield writer.writerow([_csv_value(entry[name]) for name in CSV_FIELDS])


def _csv_value(value: Any) -> str:
    text = "" if value is None else str(value.isoformat() if hasattr(value, "isoformat") else value)
    # Spreadsheet formula injection: a cell must not start with a formula character.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


@permission_required("audit.export_auditentry", raise_exception=True)
@require_GET
def entry_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, entries = _filtered(request)
    record(
        action=AuditAction.EXPORT,
        actor=request.user,
        object_type="audit.auditentry",
        object_id="csv",
        detail={"rows": entries.count()},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_csv_rows(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="zicht-audit-{stamp}.csv"'
    return response


__all__ = ["AuditEntry", "entry_export", "entry_list"]
