"""Pages of the case work. Reads go through access.py; writes through services.py."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zicht.accounts.models import Organisation, User
from zicht.cases import access, export, graph, services, timeline, workflow
from zicht.cases.errors import CaseValidationError
from zicht.cases.forms import (
    AccessDecisionForm,
    AccessRequestForm,
    CaseEditForm,
    CaseForm,
    DocumentForm,
    DocumentShareForm,
    InterventionForm,
    MeetingForm,
    ParticipantForm,
    PreferenceForm,
    ReopenForm,
    SignalLinkForm,
    SubjectForm,
    TaskForm,
    TaskStatusForm,
    TransitionForm,
)
from zicht.cases.models import (
    AccessRequest,
    AccessRequestStatus,
    Case,
    CaseParticipant,
    CasePhase,
    CaseTask,
    CaseType,
    Intervention,
    Notification,
    TaskStatus,
)
from zicht.cases.notifications import preference_of
from zicht.register import access as register_access
from zicht.register.models import Confidentiality

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _errors(request: HttpRequest, exc: CaseValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def _apply_service_errors(form: Any, exc: CaseValidationError) -> None:
    for name, errors in exc.errors.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _detail(case: Case | int, anchor: str = "") -> HttpResponse:
    case_id = case.pk if isinstance(case, Case) else case
    response = redirect("cases:case-detail", case_id=case_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- List, create, detail --------------------------------------------------------------------


@permission_required("cases.view_case", raise_exception=True)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visible = access.cases_visible_to(user)
    cases = visible.select_related("case_type", "lead")
    status = str(request.GET.get("fase", ""))
    type_code = str(request.GET.get("type", ""))
    partner = str(request.GET.get("partner", ""))
    query = str(request.GET.get("q", "")).strip()
    mine = request.GET.get("mijn") == "1"
    if status == "open":
        cases = cases.exclude(status=CasePhase.CLOSED)
    elif status in CasePhase.values:
        cases = cases.filter(status=status)
    if type_code:
        cases = cases.filter(case_type__code=type_code)
    if partner.isdigit():
        cases = cases.filter(
            Exists(
                CaseParticipant.objects.filter(
                    case=OuterRef("pk"), organisation_id=int(partner), ended_at__isnull=True
                )
            )
        )
    if query:
        cases = cases.filter(Q(reference__icontains=query) | Q(title__icontains=query))
    if mine:
        cases = cases.filter(
            Q(lead=user)
            | Exists(
                CaseTask.objects.filter(
                    case=OuterRef("pk"), assignee=user, status__in=["open", "in_behandeling"]
                )
            )
        )
    cases = cases.annotate(
        open_tasks=Count("tasks", filter=Q(tasks__status__in=["open", "in_behandeling"]))
    )
    page = Paginator(cases.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    params = request.GET.copy()
    params.pop("pagina", None)
    partners = Organisation.objects.filter(
        case_participations__case__in=visible, case_participations__ended_at__isnull=True
    ).distinct()
    context = {
        "page": page,
        "phases": CasePhase.choices,
        "case_types": CaseType.objects.all(),
        "partners": partners.order_by("name"),
        "filters": {
            "fase": status,
            "type": type_code,
            "partner": partner,
            "q": query,
            "mijn": mine,
        },
        "query": params.urlencode(),
        "can_create": user.has_perm("cases.add_case"),
        "is_partner_view": not access.sees_all_cases(user),
    }
    return render(request, "cases/case_list.html", context)


@permission_required("cases.add_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visible_signals = register_access.signals_visible_to(user)
    initial = {"signals": [s for s in request.GET.getlist("signaal") if s.isdigit()]}
    form = CaseForm(request.POST or None, signals=visible_signals, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.create_case(
                acting_user=user,
                case_type=data["case_type"],
                title=data["title"],
                signals=data["signals"],
                purpose=data["purpose"],
                legal_ground=data["legal_ground"],
                confidentiality=data["confidentiality"],
                description=data["description"],
                lead=data["lead"],
            )
        except CaseValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("Casus %(ref)s is aangemaakt.") % {"ref": case.reference})
            return _detail(case)
    signal_field: Any = form.fields["signals"]
    # The list of signals to choose from is long in a busy region: narrow it with a search.
    search = str(request.GET.get("zoek", "")).strip()
    choices = signal_field.queryset.order_by("-received_on", "-id")
    if search:
        choices = choices.filter(
            Q(reference__icontains=search) | Q(municipality__name__icontains=search)
        )
    chosen = set(map(str, form["signals"].value() or []))
    shown = list(choices[:100])
    shown += [s for s in signal_field.queryset.filter(pk__in=chosen) if s not in shown]
    context = {
        "form": form,
        "signal_choices": shown,
        "chosen": chosen,
        "search": search,
    }
    return render(request, "cases/case_form.html", context)


def _not_found(request: HttpRequest, case_id: int) -> HttpResponse:
    # The same page for "no such case" and "not yours": it offers to ask for access either way.
    user = request.user
    return render(
        request,
        "cases/case_not_found.html",
        {"case_id": case_id, "may_request": access.may_use_cases(user)},
        status=404,
    )


@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = access.get_case_for(user, case_id)
    except Http404:
        return _not_found(request, case_id)
    sees_all = access.sees_all_cases(user)
    can_work = sees_all and user.has_perm("cases.work_case")
    can_manage = sees_all and user.has_perm("cases.manage_case")
    reads_register = user.has_perm("register.view_entity")
    transitions = [
        t
        for t in workflow.allowed_transitions(case.status)
        if can_manage or not workflow.needs_manager(t.to_status)
    ]
    tasks = list(case.tasks.select_related("assignee", "assignee__organisation"))
    network, omitted = graph.case_network_svg(
        case, with_neighbours=reads_register, link_entities=reads_register
    )
    participants = list(case.participants.select_related("organisation", "role_type"))
    signal_links = list(
        case.signal_links.select_related(
            "signal", "signal__municipality", "signal__reporting_organisation"
        )
    )
    visible_signals = set(
        register_access.signals_visible_to(user)
        .filter(pk__in=[link.signal_id for link in signal_links])
        .values_list("pk", flat=True)
    )
    status_types = {s.phase: s for s in case.case_type.status_types.all()}
    documents = list(access.documents_visible_to(user, case).prefetch_related("shared_with"))
    context = {
        "case": case,
        "phases": [
            {
                "code": phase,
                "label": workflow.label(phase),
                "current": phase == case.status,
                "done": workflow.phase_index(phase) < workflow.phase_index(case.status),
                "norm": status_types[phase].target_days if phase in status_types else None,
            }
            for phase in workflow.PHASES
        ],
        "history": case.status_changes.select_related("changed_by", "result_type"),
        "transitions": transitions,
        "participants": participants,
        "subjects": case.subjects.select_related("entity", "role_type", "source_signal"),
        "signal_links": signal_links,
        "visible_signals": visible_signals,
        "interventions": case.interventions.select_related("type", "responsible"),
        "task_rows": [
            (
                t,
                TaskStatusForm(initial={"status": t.status}, prefix=f"task-{t.pk}")
                if not case.is_closed and (can_work or t.assignee_id == user.pk)
                else None,
            )
            for t in tasks
        ],
        "meetings": case.meetings.prefetch_related("attendees"),
        "document_rows": [
            (
                d,
                DocumentShareForm(
                    case=case,
                    prefix=f"doc-{d.pk}",
                    initial={"shared_with": list(d.shared_with.all())},
                )
                if can_work and not case.is_closed
                else None,
            )
            for d in documents
        ],
        "timeline": timeline.build(case),
        # network.render_svg escapes every text it writes; the markup is ours.
        "network": mark_safe(network),
        "network_omitted": omitted,
        "sees_all": sees_all,
        "reads_register": reads_register,
        "can_work": can_work and not case.is_closed,
        "can_manage": can_manage,
        "can_export": sees_all and user.has_perm("cases.export_case"),
        "transition_form": TransitionForm(case=case),
        "reopen_form": ReopenForm(prefix="reopen"),
        "participant_form": ParticipantForm(case=case, prefix="partner"),
        "subject_form": SubjectForm(case=case, prefix="subject"),
        "signal_form": SignalLinkForm(prefix="signal"),
        "task_form": TaskForm(case=case, prefix="task"),
        "document_form": DocumentForm(case=case, prefix="document"),
        "pending_requests": (
            case.access_requests.filter(status=AccessRequestStatus.PENDING).count()
            if can_manage
            else 0
        ),
        "confidentiality_label": Confidentiality(case.confidentiality).label,
    }
    return render(request, "cases/case_detail.html", context)


@permission_required("cases.work_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = CaseEditForm(
        request.POST or None,
        initial={
            "title": case.title,
            "lead": case.lead,
            "confidentiality": case.confidentiality,
            "purpose": case.purpose,
            "legal_ground": case.legal_ground,
            "description": case.description,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_case(acting_user=user, case=case, **data)
        except CaseValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("De casusgegevens zijn bijgewerkt."))
            return _detail(case)
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


# --- Lifecycle -------------------------------------------------------------------------------


@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = TransitionForm(request.POST, case=case)
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "fase")
    target = form.cleaned_data["to_status"]
    if workflow.needs_manager(target) and not user.has_perm("cases.manage_case"):
        raise PermissionDenied
    try:
        services.transition_case(
            acting_user=user,
            case=case,
            to_status=target,
            reason=form.cleaned_data["reason"],
            result_type=form.cleaned_data["result_type"],
            result_note=form.cleaned_data["result_note"],
        )
    except workflow.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("De casus is in de fase ‘%(phase)s’.") % {"phase": workflow.label(target)}
        )
    return _detail(case, "fase")


@permission_required("cases.manage_case", raise_exception=True)
@require_POST
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = ReopenForm(request.POST, prefix="reopen")
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "fase")
    try:
        services.reopen_case(
            acting_user=user,
            case=case,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
        )
    except workflow.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("De casus is heropend."))
    return _detail(case, "fase")


# --- Partners, subjects, signals -------------------------------------------------------------


@permission_required("cases.manage_case", raise_exception=True)
@require_POST
def participant_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = ParticipantForm(request.POST, case=case, prefix="partner")
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "partners")
    try:
        services.add_participant(
            acting_user=user,
            case=case,
            organisation=form.cleaned_data["organisation"],
            role_type=form.cleaned_data["role_type"],
        )
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(org)s neemt deel aan de casus.") % {"org": form.cleaned_data["organisation"]},
        )
    return _detail(case, "partners")


@permission_required("cases.manage_case", raise_exception=True)
@require_POST
def participant_end(request: HttpRequest, case_id: int, participant_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    participant = CaseParticipant.objects.filter(case=case, pk=participant_id).first()
    if participant is None:
        raise Http404
    try:
        services.end_participation(acting_user=user, participant=participant)
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(org)s neemt niet meer deel aan de casus.") % {"org": participant.organisation},
        )
    return _detail(case, "partners")


@permission_required("cases.work_case", raise_exception=True)
@require_POST
def subject_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = SubjectForm(request.POST, case=case, prefix="subject")
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "betrokkenen")
    entity = (
        register_access.entities_visible_to(user).filter(pk=form.cleaned_data["entity_id"]).first()
    )
    if entity is None:
        messages.error(
            request,
            _("Betrokkene %(n)s bestaat niet.") % {"n": form.cleaned_data["entity_id"]},
        )
        return _detail(case, "betrokkenen")
    try:
        services.add_subject(
            acting_user=user, case=case, entity=entity, role_type=form.cleaned_data["role_type"]
        )
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(name)s is toegevoegd.") % {"name": entity.label})
    return _detail(case, "betrokkenen")


@permission_required("cases.work_case", raise_exception=True)
@require_POST
def signal_link(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = SignalLinkForm(request.POST, prefix="signal")
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "signalen")
    reference = form.cleaned_data["reference"].strip()
    signal = register_access.signals_visible_to(user).filter(reference__iexact=reference).first()
    if signal is None:
        messages.error(request, _("Signaal %(ref)s bestaat niet.") % {"ref": reference})
        return _detail(case, "signalen")
    try:
        links = services.link_signals(acting_user=user, case=case, signals=[signal])
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        if links:
            messages.success(
                request, _("Signaal %(ref)s is gekoppeld.") % {"ref": signal.reference}
            )
        else:
            messages.info(
                request, _("Signaal %(ref)s was al gekoppeld.") % {"ref": signal.reference}
            )
    return _detail(case, "signalen")


# --- Interventions, tasks, meetings ----------------------------------------------------------


def _intervention_input(form: InterventionForm) -> services.InterventionInput:
    data = form.cleaned_data
    return services.InterventionInput(
        type=data["type"],
        responsible=data["responsible"],
        status=data["status"],
        planned_on=data["planned_on"],
        started_on=data["started_on"],
        ended_on=data["ended_on"],
        description=data["description"],
        outcome=data["outcome"],
    )


@permission_required("cases.work_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def intervention_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = InterventionForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_intervention(acting_user=user, case=case, data=_intervention_input(form))
        except CaseValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("De interventie is vastgelegd."))
            return _detail(case, "interventies")
    return render(
        request, "cases/intervention_form.html", {"case": case, "form": form, "intervention": None}
    )


@permission_required("cases.work_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def intervention_edit(request: HttpRequest, case_id: int, intervention_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    intervention = Intervention.objects.filter(case=case, pk=intervention_id).first()
    if intervention is None:
        raise Http404
    initial = {
        "type": intervention.type,
        "responsible": intervention.responsible,
        "status": intervention.status,
        "planned_on": intervention.planned_on,
        "started_on": intervention.started_on,
        "ended_on": intervention.ended_on,
        "description": intervention.description,
        "outcome": intervention.outcome,
    }
    form = InterventionForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_intervention(
                acting_user=user, intervention=intervention, data=_intervention_input(form)
            )
        except CaseValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("De interventie is bijgewerkt."))
            return _detail(case, "interventies")
    return render(
        request,
        "cases/intervention_form.html",
        {"case": case, "form": form, "intervention": intervention},
    )


@permission_required("cases.work_case", raise_exception=True)
@require_POST
def task_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = TaskForm(request.POST, case=case, prefix="task")
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "taken")
    try:
        services.add_task(
            acting_user=user,
            case=case,
            title=form.cleaned_data["title"],
            assignee=form.cleaned_data["assignee"],
            due_on=form.cleaned_data["due_on"],
        )
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("De taak is toegevoegd."))
    return _detail(case, "taken")


@permission_required("cases.view_case", raise_exception=True)
@require_POST
def task_status(request: HttpRequest, case_id: int, task_id: int) -> HttpResponse:
    """The bureau changes any task; a partner user only the tasks assigned to them."""
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    task = CaseTask.objects.filter(case=case, pk=task_id).first()
    if task is None:
        raise Http404
    may_work = access.sees_all_cases(user) and user.has_perm("cases.work_case")
    if not may_work and task.assignee_id != user.pk:
        raise PermissionDenied
    form = TaskStatusForm(request.POST, prefix=f"task-{task.pk}")
    if not form.is_valid():
        form = TaskStatusForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "taken")
    try:
        services.set_task_status(acting_user=user, task=task, status=form.cleaned_data["status"])
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Taak ‘%(title)s’: %(status)s.")
            % {"title": task.title, "status": TaskStatus(task.status).label},
        )
    return _detail(case, "taken")


@permission_required("cases.work_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = MeetingForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_meeting(
                acting_user=user,
                case=case,
                kind=data["kind"],
                held_on=data["held_on"],
                attendees=data["attendees"],
                decisions=data["decisions"],
                actions=data["actions"],
                notes=data["notes"],
            )
        except CaseValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("Het overleg is vastgelegd."))
            return _detail(case, "overleggen")
    return render(request, "cases/meeting_form.html", {"case": case, "form": form})


# --- Documents -------------------------------------------------------------------------------


@permission_required("cases.work_case", raise_exception=True)
@require_POST
def document_add(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    form = DocumentForm(request.POST, request.FILES, case=case, prefix="document")
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "documenten")
    try:
        services.add_document(
            acting_user=user,
            case=case,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            shared_with=form.cleaned_data["shared_with"],
        )
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Het document is toegevoegd."))
    return _detail(case, "documenten")


@require_GET
def document_download(request: HttpRequest, case_id: int, document_id: int) -> FileResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    document = access.get_document_for(user, case, document_id)
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name
    )
    # Never let a browser render an uploaded file as a page of ours.
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required("cases.work_case", raise_exception=True)
@require_POST
def document_share(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    document = access.documents_visible_to(user, case).filter(pk=document_id).first()
    if document is None:
        raise Http404
    form = DocumentShareForm(request.POST, case=case, prefix=f"doc-{document.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(case, "documenten")
    try:
        services.set_document_sharing(
            acting_user=user, document=document, organisations=form.cleaned_data["shared_with"]
        )
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Met wie het document gedeeld is, is bijgewerkt."))
    return _detail(case, "documenten")


# --- Exports ---------------------------------------------------------------------------------


@permission_required("cases.export_case", raise_exception=True)
@require_GET
def export_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    pdf = export.export_pdf(acting_user=user, case=case)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="casus-{case.reference}.pdf"'
    return response


@permission_required("cases.export_case", raise_exception=True)
@require_GET
def export_json(request: HttpRequest, case_id: int) -> JsonResponse:
    user = _user(request)
    case = access.get_case_for(user, case_id, audit=False)
    response = JsonResponse(
        export.export_json(acting_user=user, case=case), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="casus-{case.reference}.json"'
    return response


# --- Access requests -------------------------------------------------------------------------


@permission_required("cases.view_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def access_request(request: HttpRequest, case_id: int) -> HttpResponse:
    """Ask for access to a case; the answer is the same whether or not the case exists."""
    user = _user(request)
    if access.cases_visible_to(user).filter(pk=case_id).exists():
        messages.info(request, _("U heeft al toegang tot deze casus."))
        return _detail(case_id)
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_access(
                acting_user=user, case_id=case_id, reason=form.cleaned_data["reason"]
            )
        except CaseValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Uw verzoek is vastgelegd. Als de casus bestaat, beoordeelt de coördinator "
                    "het; u krijgt dan een notificatie."
                ),
            )
            return redirect("cases:case-list")
    return render(request, "cases/access_request_form.html", {"case_id": case_id, "form": form})


@permission_required("cases.manage_case", raise_exception=True)
@require_GET
def access_request_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visible = access.cases_visible_to(user)
    requests = AccessRequest.objects.filter(case__in=visible).select_related(
        "case", "organisation", "requested_by", "decided_by", "granted_role"
    )
    pending = list(requests.filter(status=AccessRequestStatus.PENDING).order_by("created_at"))
    decided = requests.exclude(status=AccessRequestStatus.PENDING).order_by("-decided_at")[:50]
    return render(
        request,
        "cases/access_request_list.html",
        {
            "pending": [(r, AccessDecisionForm(case=r.case, prefix=f"r{r.pk}")) for r in pending],
            "decided": decided,
        },
    )


@permission_required("cases.manage_case", raise_exception=True)
@require_POST
def access_request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    access_request = (
        AccessRequest.objects.filter(case__in=access.cases_visible_to(user), pk=request_id)
        .select_related("case")
        .first()
    )
    if access_request is None:
        raise Http404
    form = AccessDecisionForm(request.POST, case=access_request.case, prefix=f"r{request_id}")
    if not form.is_valid():
        form = AccessDecisionForm(request.POST, case=access_request.case)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("cases:access-request-list")
    grant = form.cleaned_data["decision"] == "grant"
    try:
        services.decide_access_request(
            acting_user=user,
            access_request=access_request,
            grant=grant,
            role_type=form.cleaned_data["role_type"],
            note=form.cleaned_data["note"],
        )
    except CaseValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Het verzoek is toegekend.") if grant else _("Het verzoek is afgewezen."),
        )
    return redirect("cases:access-request-list")


# --- Notifications ---------------------------------------------------------------------------


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    notifications = Notification.objects.filter(recipient=user).select_related("case")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "cases/notification_list.html",
        {"page": page, "query": "", "unread": notifications.filter(read_at__isnull=True).count()},
    )


@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the user's notifications read and go to what it is about."""
    user = _user(request)
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise Http404
    services.mark_notifications_read(acting_user=user, notification_ids=[notification.pk])
    if notification.case_id is not None:
        return _detail(notification.case_id)
    return redirect("cases:notification-list")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    count = services.mark_notifications_read(acting_user=user, notification_ids=None)
    if count:
        messages.success(request, _("Alle notificaties zijn gelezen."))
    return redirect("cases:notification-list")


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = preference_of(user)
    form = PreferenceForm(
        request.POST or None,
        initial={"email_each": current.email_each, "daily_digest": current.daily_digest},
    )
    if request.method == "POST" and form.is_valid():
        services.set_notification_preferences(
            acting_user=user,
            email_each=form.cleaned_data["email_each"],
            daily_digest=form.cleaned_data["daily_digest"],
        )
        messages.success(request, _("Uw voorkeuren zijn opgeslagen."))
        return redirect("cases:notification-list")
    return render(
        request,
        "cases/notification_preferences.html",
        {"form": form, "has_email": bool(user.email)},
    )
