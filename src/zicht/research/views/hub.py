"""The hub's pages of joint research: draft a study, offer and run it, read the release.

The hub holds no personal data: studies, each region's decision and the protected release.
Every change goes through :mod:`zicht.research.services.hub`, which audits it; the CSV
download of a release is audited here.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.research import access, presentation, workflow
from zicht.research.dimensions import filter_labels
from zicht.research.errors import ResearchError
from zicht.research.forms import CancelForm, StudyForm
from zicht.research.models import Decision, RunState, Study, StudyRun
from zicht.research.protocols.field import MIN_PARTICIPANTS
from zicht.research.services import hub as services
from zicht.research.study import StudySpec, describe
from zicht.research.views import csv_attachment, user_of

VIEW = "research.view_study"
DRAFT = "research.draft_study"


def _study(study_id: str) -> Study:
    return get_object_or_404(access.studies(), study_id=study_id)


def _run(run_id: str) -> StudyRun:
    return get_object_or_404(StudyRun.objects.select_related("study"), run_id=run_id)


def _to_study(study: Study, anchor: str = "") -> HttpResponse:
    response = redirect("research:study-detail", study_id=study.study_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@permission_required(VIEW, raise_exception=True)
@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for study in access.studies():
        runs = list(study.runs.all())  # newest first (StudyRun.Meta.ordering)
        rows.append({"study": study, "latest": runs[0] if runs else None, "runs": len(runs)})
    releases = [
        {"release": r, "run": r.run, "study": r.run.study, "n": len(r.participants)}
        for r in access.releases()
    ]
    return render(
        request,
        "research/study_list.html",
        {
            "rows": rows,
            "releases": releases,
            "can_draft": user_of(request).has_perm(DRAFT),
        },
    )


def _save(request: HttpRequest, form: StudyForm, study: Study | None) -> HttpResponse | None:
    if not form.is_valid() or form.spec is None:
        return None
    try:
        saved = services.save_study(acting_user=user_of(request), spec=form.spec, study=study)
    except ResearchError as exc:
        form.add_error(None, str(exc))
        return None
    if study is None:
        messages.success(request, _("Het onderzoek is opgeslagen."))
    else:
        messages.success(request, _("De wijzigingen zijn opgeslagen."))
    return _to_study(saved)


@permission_required(DRAFT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def study_create(request: HttpRequest) -> HttpResponse:
    form = StudyForm(request.POST or None)
    if request.method == "POST" and (done := _save(request, form, None)):
        return done
    return render(request, "research/study_form.html", {"form": form, "study": None})


@permission_required(DRAFT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def study_edit(request: HttpRequest, study_id: str) -> HttpResponse:
    study = _study(study_id)
    spec = StudySpec.from_dict(study.spec)
    form = StudyForm(
        request.POST or None, study_id=study.study_id, initial=StudyForm.initial_from(spec)
    )
    if request.method == "POST" and (done := _save(request, form, study)):
        return done
    return render(request, "research/study_form.html", {"form": form, "study": study})


def _run_view(run: StudyRun, can_draft: bool) -> dict[str, Any]:
    invitations = list(run.invitations.all())
    approved = sum(1 for i in invitations if i.decision == Decision.APPROVED)
    return {
        "run": run,
        "state": RunState(run.state).label,
        "invitations": [
            {
                "invitation": i,
                "name": presentation.region_name(i.region),
                "decision": Decision(i.decision).label,
                "is_participant": i.region in run.participants,
            }
            for i in invitations
        ],
        "events": [
            {"at": e.at, "state": RunState(e.state).label, "text": presentation.event_text(e)}
            for e in run.events.all()
        ],
        "approved": approved,
        "awaiting": run.state == RunState.AWAITING,
        "can_start": can_draft and run.state == RunState.AWAITING,
        "enough": approved >= MIN_PARTICIPANTS,
        "can_cancel": can_draft and workflow.can_move(run.state, RunState.CANCELLED),
        "released": run.state == RunState.RELEASED,
        "ended_without_result": run.state in (RunState.FAILED, RunState.CANCELLED),
    }


@permission_required(VIEW, raise_exception=True)
@require_GET
def study_detail(request: HttpRequest, study_id: str) -> HttpResponse:
    study = _study(study_id)
    spec = StudySpec.from_dict(study.spec)
    can_draft = user_of(request).has_perm(DRAFT)
    runs = [_run_view(run, can_draft) for run in access.runs_of(study)]
    busy = any(r["run"].state in (RunState.AWAITING, *workflow.IN_PROGRESS) for r in runs)
    return render(
        request,
        "research/study_detail.html",
        {
            "study": study,
            "spec": spec,
            "description": describe(spec, labels=filter_labels(spec)),
            "accuracy": presentation.dp_accuracy(spec),
            "runs": runs,
            "can_draft": can_draft,
            "can_offer": can_draft and not busy,
            "cancel_form": CancelForm(),
            "min_participants": MIN_PARTICIPANTS,
        },
    )


@permission_required(DRAFT, raise_exception=True)
@require_POST
def run_offer(request: HttpRequest, study_id: str) -> HttpResponse:
    study = _study(study_id)
    try:
        run = services.offer_run(acting_user=user_of(request), study=study)
    except ResearchError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Uitvoering %(n)s is aangeboden aan de data stewards van de regio's.")
            % {"n": run.number},
        )
    return _to_study(study, "uitvoeringen")


@permission_required(DRAFT, raise_exception=True)
@require_POST
def run_start(request: HttpRequest, run_id: str) -> HttpResponse:
    run = _run(run_id)
    try:
        started = services.start_run(acting_user=user_of(request), run=run)
    except ResearchError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Uitvoering %(n)s is gestart met %(count)s regio's. Het resultaat verschijnt "
                "zodra alle regio's hun deel hebben berekend."
            )
            % {"n": started.number, "count": len(started.participants)},
        )
    return _to_study(run.study, f"uitvoering-{run.number}")


@permission_required(DRAFT, raise_exception=True)
@require_POST
def run_cancel(request: HttpRequest, run_id: str) -> HttpResponse:
    run = _run(run_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Geef een reden om deze uitvoering in te trekken."))
        return _to_study(run.study, f"uitvoering-{run.number}")
    try:
        services.cancel_run(
            acting_user=user_of(request), run=run, reason=form.cleaned_data["reason"]
        )
    except ResearchError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Uitvoering %(n)s is ingetrokken.") % {"n": run.number})
    return _to_study(run.study, f"uitvoering-{run.number}")


def _released(run_id: str) -> tuple[StudyRun, dict[str, Any], StudySpec]:
    result = access.releases().filter(run__run_id=run_id).first()
    if result is None:
        raise Http404
    return result.run, access.release_document(result), StudySpec.from_dict(result.run.spec)


@permission_required(VIEW, raise_exception=True)
@require_GET
def release_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    run, document, spec = _released(run_id)
    try:
        shown = presentation.release_context(spec, document)
    except presentation.DocumentError as exc:
        shown = {"error": str(exc)}
    return render(
        request,
        "research/release_detail.html",
        {
            "run": run,
            "study": run.study,
            "spec": spec,
            "release": shown,
            "csv_url": "research:release-csv",
        },
    )


@permission_required(VIEW, raise_exception=True)
@require_GET
def release_csv(request: HttpRequest, run_id: str) -> HttpResponse:
    run, document, spec = _released(run_id)
    try:
        table = presentation.parse_document(spec, document["table"])
    except presentation.DocumentError as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    record(
        action=AuditAction.EXPORT,
        actor=user_of(request),
        obj=run.release,
        detail={"format": "csv", "run": run.run_id, "suppressed": table.suppressed},
    )
    return csv_attachment(presentation.csv_text(table), run.run_id)
