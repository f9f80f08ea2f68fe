"""The regional dashboard and the phenomenon-picture reports (node only).

The pages show exact figures: they are for the region's own analysts. Downloads and report
exports leave the application, so they are built from disclosure-controlled tables
(:mod:`zicht.insight.tables`) and every one is audited. Reports change only through
:mod:`zicht.insight.services`.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zicht.accounts.models import User
from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.cases import figures as case_figures
from zicht.cases.models import CasePhase
from zicht.insight import figures, services, tables, workflow
from zicht.insight import render as draw
from zicht.insight import report as content
from zicht.insight.errors import ReportValidationError
from zicht.insight.forms import (
    FilterForm,
    ReportCreateForm,
    ReportEditForm,
    ReportTransitionForm,
)
from zicht.insight.models import Report, ReportVersion

CHART_NAMES = (*tables.TABLE_NAMES, *tables.CASE_TABLE_NAMES, draw.MAP)
VIEW = "insight.view_dashboard"
EDIT = "insight.edit_report"


def _filters(request: HttpRequest) -> tuple[FilterForm, figures.Filters]:
    form = FilterForm(request.GET or None)
    return form, form.filters() if request.GET else figures.Filters()


@require_GET
@permission_required(VIEW, raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, selected = _filters(request)
    found = figures.dashboard(selected)
    return render(
        request,
        "insight/dashboard.html",
        {
            "form": form,
            "figures": found,
            "figures_html": draw.figures_html(found),
            "case_sections": draw.case_sections(tables.case_specs()),
            # On screen only (exact figures for the region's own analysts): outcomes are
            # small numbers per result type and durations are not counts, so neither is
            # offered as a download or put in a report.
            "case_results": case_figures.cases_per_result(),
            "phase_times": [
                (CasePhase(t.phase).label, t) for t in case_figures.time_per_phase() if t.stays
            ],
            "query": selected.as_query(),
            "period_query": urlencode(
                {k: v for k, v in selected.as_query().items() if k in ("van", "tot")}
            ),
            "k": tables.K,
        },
    )


def _audit_export(
    request: HttpRequest, *, name: str, fmt: str, query: dict[str, str], n: int
) -> None:
    record(
        action=AuditAction.EXPORT,
        actor=request.user,
        object_type="insight.table",
        object_id=name,
        purpose=services.PURPOSE,
        legal_ground=services.LEGAL_GROUND,
        processing_activity=services.PROCESSING_ACTIVITY,
        detail={"format": fmt, "filters": query, "k": tables.K, "suppressed": n},
    )


def _attachment(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _download_name(name: str, extension: str) -> str:
    return f"zicht-inzicht-{name}-{timezone.localdate().isoformat()}.{extension}"


def _specs(name: str, selected: figures.Filters) -> dict[str, tables.TableSpec]:
    if name in tables.CASE_TABLE_NAMES:
        return tables.case_specs()
    return tables.specs(figures.dashboard(selected))


def _too_small() -> HttpResponse:
    return HttpResponse(
        _(
            "Deze tabel is te klein om te publiceren: ook met onderdrukte cellen zou een "
            "aantal af te leiden zijn. Kies een ruimere periode of minder filters."
        ),
        status=409,
        content_type="text/plain; charset=utf-8",
    )


@require_GET
@permission_required(VIEW, raise_exception=True)
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in tables.TABLE_NAMES and table not in tables.CASE_TABLE_NAMES:
        raise Http404
    _form, selected = _filters(request)
    spec = _specs(table, selected)[table]
    try:
        text, suppressed = tables.csv_text(spec)
    except tables.TooSmallToPublishError:
        return _too_small()
    _audit_export(request, name=table, fmt="csv", query=selected.as_query(), n=suppressed)
    return _attachment(text, "text/csv; charset=utf-8", _download_name(table, "csv"))


@require_GET
@permission_required(VIEW, raise_exception=True)
def chart_svg(request: HttpRequest, chart: str) -> HttpResponse:
    if chart not in CHART_NAMES:
        raise Http404
    _form, selected = _filters(request)
    spec = _specs(chart, selected)[draw.MAP_TABLE if chart == draw.MAP else chart]
    try:
        protected = tables.export_table(spec)
    except tables.TooSmallToPublishError:
        return _too_small()
    if chart == draw.MAP:
        svg = draw.exported_map_svg(protected)
    else:
        svg = draw.chart(spec, draw.export_data(protected))
    _audit_export(request, name=chart, fmt="svg", query=selected.as_query(), n=protected.suppressed)
    return _attachment(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        "image/svg+xml",
        _download_name(chart, "svg"),
    )


# --- Phenomenon-picture reports --------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _report(report_id: int) -> Report:
    # Every viewer of the dashboard may read every report of the region: they hold
    # aggregate figures and the analysts' own text, no personal data.
    return get_object_or_404(Report, pk=report_id)


def _apply_errors(form: Any, exc: ReportValidationError) -> None:
    for name, errors in exc.errors.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _text_initial(version: ReportVersion) -> dict[str, Any]:
    return {
        "title": version.title,
        "summary": version.summary,
        "trends": version.trends,
        "modus_operandi": version.modus_operandi,
        "recommendations": version.recommendations,
    }


@require_GET
@permission_required(VIEW, raise_exception=True)
def report_list(request: HttpRequest) -> HttpResponse:
    reports = Report.objects.select_related("created_by").annotate(
        version_count=Count("versions"), last_saved=Max("versions__created_at")
    )
    return render(
        request,
        "insight/report_list.html",
        {"reports": reports, "can_edit": request.user.has_perm(EDIT)},
    )


@require_http_methods(["GET", "POST"])
@permission_required(EDIT, raise_exception=True)
def report_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ReportCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_report(
                acting_user=user,
                period_start=data["period_start"],
                period_end=data["period_end"],
                text=form.text(),
            )
        except ReportValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het fenomeenbeeld is aangemaakt (versie 1)."))
            return redirect("insight:report-detail", report_id=created.pk)
    if not form.is_bound:
        # A period from the dashboard's filters, when the analyst came from there.
        initial = FilterForm(request.GET).filters() if request.GET else figures.Filters()
        form.initial.update({"period_start": initial.date_from, "period_end": initial.date_to})
    return render(request, "insight/report_form.html", {"form": form})


def _detail_context(request: HttpRequest, found: Report, version: ReportVersion) -> dict[str, Any]:
    numbers = content.figures_for(found)
    can_edit = request.user.has_perm(EDIT)
    return {
        "report": found,
        "version": version,
        "newest": content.current_version(found),
        "narrative": content.narrative(version),
        "versions": found.versions.select_related("created_by").order_by("-number"),
        "history": found.status_changes.select_related("changed_by"),
        "numbers": numbers,
        "figures_html": draw.figures_html(numbers.figures, downloads=False),
        "case_sections": draw.case_sections(numbers.case_specs()),
        "can_edit": can_edit and workflow.may_edit(found.status),
        "transitions": workflow.available(found.status) if can_edit else [],
        "can_export": found.status in workflow.EXPORTABLE,
        "period": content.period_text(found),
        "k": tables.K,
    }


@require_GET
@permission_required(VIEW, raise_exception=True)
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    found = _report(report_id)
    version = content.current_version(found)
    return render(request, "insight/report_detail.html", _detail_context(request, found, version))


@require_GET
@permission_required(VIEW, raise_exception=True)
def report_version(request: HttpRequest, report_id: int, number: int) -> HttpResponse:
    found = _report(report_id)
    version = get_object_or_404(ReportVersion, report=found, number=number)
    return render(
        request,
        "insight/report_version.html",
        {
            "report": found,
            "version": version,
            "newest": content.current_version(found),
            "narrative": content.narrative(version),
            "period": content.period_text(found),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(EDIT, raise_exception=True)
def report_edit(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    found = _report(report_id)
    newest = content.current_version(found)
    if not workflow.may_edit(found.status):
        messages.error(
            request,
            _("Dit fenomeenbeeld is %(status)s: alleen een concept kan worden gewijzigd.")
            % {"status": workflow.label(found.status)},
        )
        return redirect("insight:report-detail", report_id=found.pk)
    form = ReportEditForm(
        request.POST or None, initial={**_text_initial(newest), "based_on": newest.number}
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_version(
                acting_user=user,
                report=found,
                based_on=form.cleaned_data["based_on"],
                text=form.text(),
            )
        except ReportValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Versie %(n)s is opgeslagen.") % {"n": saved.number})
            return redirect("insight:report-detail", report_id=found.pk)
    return render(
        request,
        "insight/report_edit.html",
        {"report": found, "form": form, "newest": newest, "period": content.period_text(found)},
    )


@require_POST
@permission_required(EDIT, raise_exception=True)
def report_transition(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    found = _report(report_id)
    form = ReportTransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("insight:report-detail", report_id=found.pk)
    try:
        services.transition_report(
            acting_user=user,
            report=found,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
        )
    except ReportValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Het fenomeenbeeld is nu %(status)s.") % {"status": workflow.label(found.status)},
        )
    return redirect("insight:report-detail", report_id=found.pk)


def _export(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    user = _user(request)
    found = _report(report_id)
    try:
        exported = services.export_report(acting_user=user, report=found, fmt=fmt)
    except ReportValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("insight:report-detail", report_id=found.pk)
    return _attachment(exported.content, exported.content_type, exported.filename)


@require_GET
@permission_required(VIEW, raise_exception=True)
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    return _export(request, report_id, "pdf")


@require_GET
@permission_required(VIEW, raise_exception=True)
def report_html(request: HttpRequest, report_id: int) -> HttpResponse:
    return _export(request, report_id, "html")
