"""A node's pages of joint research: the runs the hub offered this region, and the decision.

The data steward reads the exact question in plain Dutch, sees what the region's own table
would be (computed from the register on this node, never sent anywhere in this form) and
approves or declines. Computing that preview reads personal data, so every preview is
audited; so is every download of a released table.
"""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.research import access, local, presentation
from zicht.research.budget import DatabaseBudgetStore, node_ledger
from zicht.research.dimensions import filter_labels
from zicht.research.errors import ResearchError
from zicht.research.forms import DecisionForm
from zicht.research.models import LocalDecision, RunRequest, RunState
from zicht.research.services import node as services
from zicht.research.study import DIMENSIONS, StudySpec, describe, epsilon_text
from zicht.research.views import (
    LEGAL_GROUND,
    PROCESSING_ACTIVITY,
    PURPOSE,
    csv_attachment,
    user_of,
)

VIEW = "research.view_study"
DECIDE = "research.decide_run"
PREVIEW_PARAM = "voorbeeld"


def _request(run_id: str) -> RunRequest:
    return get_object_or_404(access.requests(), run_id=run_id)


def _open(request: RunRequest) -> bool:
    """Whether the steward can still decide."""
    return request.decision == LocalDecision.PENDING and request.hub_state == RunState.AWAITING


def _state_label(state: str) -> str:
    return str(RunState(state).label) if state in RunState.values else state


@permission_required(VIEW, raise_exception=True)
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    open_first = Case(
        When(decision=LocalDecision.PENDING, hub_state=RunState.AWAITING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    rows = []
    for item in access.requests().annotate(open=open_first).order_by("open", "-created_at", "-id"):
        spec = StudySpec.from_dict(item.spec)
        rows.append(
            {
                "request": item,
                "title": spec.title,
                "state": _state_label(item.hub_state),
                "decision": LocalDecision(item.decision).label,
                "open": _open(item),
            }
        )
    return render(
        request,
        "research/request_list.html",
        {"rows": rows, "pending": sum(1 for row in rows if row["open"])},
    )


def _preview(user: Any, item: RunRequest, spec: StudySpec) -> dict[str, Any]:
    """The region's own table (and protected column) from the register; audited."""
    cells = local.preview(spec)
    column = None
    if spec.region_columns:
        document = presentation.parse_document(spec, services.protected_column(item))
        column = {
            "tables": presentation.cross_tables(
                document, caption=_("Eigen kolom zoals de hub hem zou publiceren")
            ),
            "markers": document.markers(),
        }
    record(
        action=AuditAction.READ,
        actor=user,
        obj=item,
        purpose=PURPOSE,
        legal_ground=LEGAL_GROUND,
        processing_activity=PROCESSING_ACTIVITY,
        detail={
            "event": "preview",
            "run": item.run_id,
            "digest": item.digest,
            "cells": spec.cell_count(),
            "column": column is not None,
        },
    )
    return {
        "headers": [DIMENSIONS.get(d.code, d.code) for d in spec.dimensions],
        "cells": [{"labels": labels, "count": count} for labels, count in cells],
        "total_cells": spec.cell_count(),
        "column": column,
    }


def _budget(spec: StudySpec, item: RunRequest) -> dict[str, Any] | None:
    """This node's privacy budget for the year, if the study adds DP noise."""
    if spec.epsilon is None:
        return None
    ledger = node_ledger()
    year = timezone.localdate().year
    remaining: Decimal = ledger.remaining(year)
    return {
        "charged": DatabaseBudgetStore().find(ledger.node_id, item.run_id) is not None,
        "year": year,
        "yearly": _decimal(ledger.yearly_epsilon),
        "spent": _decimal(ledger.spent(year)),
        "remaining": _decimal(remaining),
        "epsilon": _decimal(spec.epsilon),
        "fits": spec.epsilon <= remaining,
    }


def _decimal(value: Decimal) -> str:
    return epsilon_text(value).replace(".", ",")


@permission_required(VIEW, raise_exception=True)
@require_GET
def request_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    user = user_of(request)
    item = _request(run_id)
    spec = StudySpec.from_dict(item.spec)
    is_open = _open(item)
    show_preview = is_open or request.GET.get(PREVIEW_PARAM) == "1"
    shown: dict[str, Any] | None = None
    if item.hub_state == RunState.RELEASED and item.release:
        try:
            shown = presentation.release_context(spec, item.release, own_region=services.me())
        except presentation.DocumentError as exc:
            shown = {"error": str(exc)}
    context = {
        "item": item,
        "spec": spec,
        "description": describe(spec, labels=filter_labels(spec)),
        "epsilon": None if spec.epsilon is None else _decimal(spec.epsilon),
        "state": _state_label(item.hub_state),
        "decision": LocalDecision(item.decision).label,
        "is_open": is_open,
        "can_decide": is_open and user.has_perm(DECIDE),
        "form": DecisionForm(region_columns=spec.region_columns),
        "preview": _preview(user, item, spec) if show_preview else None,
        "preview_param": PREVIEW_PARAM,
        "budget": _budget(spec, item),
        "accuracy": presentation.dp_accuracy(spec),
        "release": shown,
        "ended_without_result": item.hub_state in (RunState.FAILED, RunState.CANCELLED),
        "csv_url": "research:request-csv",
    }
    return render(request, "research/request_detail.html", context)


@permission_required(DECIDE, raise_exception=True)
@require_POST
def request_decide(request: HttpRequest, run_id: str) -> HttpResponse:
    item = _request(run_id)
    spec = StudySpec.from_dict(item.spec)
    form = DecisionForm(request.POST, region_columns=spec.region_columns)
    back = redirect("research:request-detail", run_id=item.run_id)
    back["Location"] += "#besluit"
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return back
    try:
        decided = services.decide(
            acting_user=user_of(request),
            request=item,
            approve=form.approve,
            reason=form.cleaned_data.get("reason") or "",
            region_column=bool(form.cleaned_data.get("region_column")),
        )
    except ResearchError as exc:
        messages.error(request, str(exc))
        return back
    if decided.decision == LocalDecision.APPROVED:
        messages.success(
            request,
            _(
                "U heeft deze uitvoering goedgekeurd. De node geeft uw besluit door aan de hub "
                "en rekent mee zodra het onderzoek start."
            ),
        )
    else:
        messages.success(
            request,
            _("U heeft deze uitvoering afgewezen. De node geeft uw besluit en reden door."),
        )
    return back


@permission_required(VIEW, raise_exception=True)
@require_GET
def request_csv(request: HttpRequest, run_id: str) -> HttpResponse:
    item = _request(run_id)
    spec = StudySpec.from_dict(item.spec)
    document: Any = item.release
    if item.hub_state != RunState.RELEASED or not isinstance(document, dict):
        return HttpResponse(
            _("Van deze uitvoering is (nog) geen resultaat vrijgegeven."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    try:
        table = presentation.parse_document(spec, document.get("table"))
    except presentation.DocumentError as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    record(
        action=AuditAction.EXPORT,
        actor=user_of(request),
        obj=item,
        detail={"format": "csv", "run": item.run_id, "suppressed": table.suppressed},
    )
    return csv_attachment(presentation.csv_text(table), item.run_id)
