"""The write path of cases. Every function is atomic and writes an audit entry.

Cases, their phases, partners, subjects, interventions, tasks, meetings, documents, access
requests and notifications change only here, whichever channel (web, API, demo data) asks.
Audit entries carry the case's own purpose and legal ground, so the log answers "why was
this processed" per case.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zicht.accounts.access import users_with_permission
from zicht.accounts.models import Organisation, OrganisationType, User
from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.cases import notifications, workflow
from zicht.cases.errors import CaseValidationError
from zicht.cases.models import (
    OPEN_INTERVENTION_STATUSES,
    OPEN_TASK_STATUSES,
    AccessRequest,
    AccessRequestStatus,
    Case,
    CaseDocument,
    CaseMeeting,
    CaseParticipant,
    CasePhase,
    CaseReferenceCounter,
    CaseResultType,
    CaseRoleType,
    CaseSignal,
    CaseStatusChange,
    CaseSubject,
    CaseTask,
    CaseType,
    Intervention,
    InterventionStatus,
    InterventionType,
    MeetingKind,
    Notification,
    NotificationKind,
    RoleKind,
    TaskStatus,
    UserNotificationPreference,
)
from zicht.core.instance import own_region
from zicht.register.models import Confidentiality, Entity, Signal, SignalStatus
from zicht.register.services import DEFAULT_LEGAL_GROUND, REGION_PREFIXES
from zicht.register.services import transition_signal as transition_register_signal

DEFAULT_PURPOSE = "Integrale aanpak van mensenhandel in casuïstiek van het RIEC"
DEFAULT_CASE_LEGAL_GROUND = DEFAULT_LEGAL_GROUND
PROCESSING_ACTIVITY = "casuistiek-mensenhandel"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Signals in these statuses move on to "doorgezet naar casus" when a case takes them up.
FORWARDABLE_SIGNAL_STATUSES = (SignalStatus.IN_ASSESSMENT, SignalStatus.MONITORING)
# A task is announced as "due soon" this many days before its due date.
DUE_SOON_DAYS = 2
# Register roles of a signal that have a same-named subject role in the case types.
_FALLBACK_SUBJECT_ROLE = "betrokkene"
_SKIPPED_SIGNAL_ROLES = frozenset({"melder"})
# Organisations that may attend a meeting without taking part in the case: the RIEC itself.
_BUREAU_TYPES = (OrganisationType.RIEC, OrganisationType.LIEC)


def _audit(
    action: AuditAction, actor: User | None, obj: Any, scope: Case | None, **detail: Any
) -> None:
    # ``scope`` is the case whose purpose and legal ground the processing serves.
    record(
        action=action,
        actor=actor,
        obj=obj,
        purpose=scope.purpose if scope is not None else DEFAULT_PURPOSE,
        legal_ground=scope.legal_ground if scope is not None else DEFAULT_CASE_LEGAL_GROUND,
        processing_activity=PROCESSING_ACTIVITY,
        detail=detail,
    )


def _now(occurred_at: datetime | None) -> datetime:
    return timezone.now() if occurred_at is None else occurred_at


def _fail(name: str, message: str) -> CaseValidationError:
    return CaseValidationError({name: [message]})


def _open_case(case: Case) -> None:
    if case.status == CasePhase.CLOSED:
        raise _fail("", _("Deze casus is afgesloten. Heropen de casus om er verder aan te werken."))


def _next_reference(moment: datetime) -> str:
    year = timezone.localtime(moment).year
    counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{REGION_PREFIXES[own_region().code]}-C-{year}-{counter.last:05d}"


def may_be_assigned(user: User, case: Case) -> bool:
    """Whether the user could see this case: only such users may hold its tasks or lead it."""
    from zicht.cases.access import can_see_case

    return user.is_active and can_see_case(user, case)


# --- Cases and their lifecycle ---------------------------------------------------------------


def _check_case_fields(
    errors: dict[str, list[str]],
    title: str,
    confidentiality: str,
    purpose: str,
    legal_ground: str,
    lead: User | None,
) -> None:
    """The rules that creating and editing a case share; raises with every problem found."""
    if not title.strip():
        errors.setdefault("title", []).append(_("Geef de casus een titel."))
    if confidentiality not in Confidentiality.values:
        errors.setdefault("confidentiality", []).append(_("Onbekende vertrouwelijkheid."))
    if not purpose.strip():
        errors.setdefault("purpose", []).append(_("Vul het doel in."))
    if not legal_ground.strip():
        errors.setdefault("legal_ground", []).append(_("Vul de grondslag in."))
    if lead is not None and not (lead.is_active and lead.has_perm("cases.view_all_cases")):
        errors.setdefault("lead", []).append(
            _("De casusregisseur moet een medewerker van het RIEC-bureau zijn.")
        )
    if errors:
        raise CaseValidationError(errors)


def create_case(
    *,
    acting_user: User | None,
    case_type: CaseType,
    title: str,
    signals: Iterable[Signal] = (),
    purpose: str = DEFAULT_PURPOSE,
    legal_ground: str = DEFAULT_CASE_LEGAL_GROUND,
    confidentiality: str = "",
    description: str = "",
    lead: User | None = None,
    channel: str = "web",
    occurred_at: datetime | None = None,
) -> Case:
    """Open a case in the intake phase, optionally from signals.

    The signals' entities become subjects of the case (in the same role where the case type
    has it). Signals in weging or monitoring move on to "doorgezet naar casus" through the
    register's own workflow. ``occurred_at`` backdates the case's history for demo data and
    imports of earlier cases; audit entries always carry the real time.
    """
    errors: dict[str, list[str]] = {}
    if not case_type.is_active:
        errors.setdefault("case_type", []).append(_("Dit casustype is niet meer in gebruik."))
    confidentiality = confidentiality or case_type.default_confidentiality
    _check_case_fields(errors, title, confidentiality, purpose, legal_ground, lead)
    signal_list = list(signals)
    with transaction.atomic():
        now = _now(occurred_at)
        case = Case.objects.create(
            reference=_next_reference(now),
            title=title.strip()[:200],
            case_type=case_type,
            region_code=own_region().code,
            status=CasePhase.INTAKE,
            status_changed_at=now,
            lead=lead,
            description=description.strip(),
            confidentiality=confidentiality,
            purpose=purpose.strip()[:200],
            legal_ground=legal_ground.strip()[:200],
            started_on=timezone.localdate(now),
            channel=channel,
            created_by=acting_user,
        )
        CaseStatusChange.objects.create(
            case=case,
            from_status="",
            to_status=CasePhase.INTAKE,
            reason=_("Aangemaakt via %(channel)s") % {"channel": channel},
            changed_by=acting_user,
            changed_at=now,
        )
        _audit(
            AuditAction.CREATE,
            acting_user,
            case,
            case,
            channel=channel,
            case_type=case_type.code,
            signals=[s.pk for s in signal_list],
        )
        _link_signals(acting_user, case, signal_list, now)
        _create_template_tasks(acting_user, case, CasePhase.INTAKE, now)
        return case


def link_signals(
    *,
    acting_user: User | None,
    case: Case,
    signals: Iterable[Signal],
    occurred_at: datetime | None = None,
) -> list[CaseSignal]:
    """Add signals (and their entities as subjects) to an open case."""
    _open_case(case)
    with transaction.atomic():
        links = _link_signals(acting_user, case, list(signals), _now(occurred_at))
        if links:
            _audit(
                AuditAction.UPDATE,
                acting_user,
                case,
                case,
                linked_signals=[link.signal_id for link in links],
            )
        return links


def _link_signals(
    acting_user: User | None, case: Case, signals: list[Signal], now: datetime
) -> list[CaseSignal]:
    subject_roles = {
        r.code: r
        for r in CaseRoleType.objects.filter(
            case_type=case.case_type, kind=RoleKind.SUBJECT, is_active=True
        )
    }
    fallback = subject_roles.get(_FALLBACK_SUBJECT_ROLE) or next(iter(subject_roles.values()))
    links = []
    for signal in signals:
        link, created = CaseSignal.objects.get_or_create(
            case=case, signal=signal, defaults={"added_by": acting_user, "added_at": now}
        )
        if not created:
            continue
        links.append(link)
        for signal_link in signal.links.select_related("entity"):
            if signal_link.role in _SKIPPED_SIGNAL_ROLES:
                continue
            entity = _surviving(signal_link.entity)
            CaseSubject.objects.get_or_create(
                case=case,
                entity=entity,
                role_type=subject_roles.get(signal_link.role, fallback),
                defaults={"source_signal": signal, "added_by": acting_user, "added_at": now},
            )
        if signal.status in FORWARDABLE_SIGNAL_STATUSES:
            transition_register_signal(
                acting_user=acting_user,
                signal=signal,
                to_status=SignalStatus.TO_CASE,
                reason=_("Doorgezet naar casus %(ref)s") % {"ref": case.reference},
            )
    return links


def _surviving(entity: Entity) -> Entity:
    # A merged entity lives on in the one it was merged into: link that one.
    seen = {entity.pk}
    while entity.merged_into_id is not None and entity.merged_into_id not in seen:
        seen.add(entity.merged_into_id)
        entity = Entity.objects.get(pk=entity.merged_into_id)
    return entity


def case_facts(case: Case) -> workflow.CaseFacts:
    return workflow.CaseFacts(
        meetings=case.meetings.count(),
        interventions=case.interventions.count(),
        open_interventions=case.interventions.filter(status__in=OPEN_INTERVENTION_STATUSES).count(),
    )


def _watchers(case: Case) -> list[User | None]:
    """Who hears of a phase change: the lead and everyone holding a task in the case."""
    assignees = User.objects.filter(case_tasks__case=case).distinct()
    return [case.lead, *assignees]


def transition_case(
    *,
    acting_user: User | None,
    case: Case,
    to_status: str,
    reason: str = "",
    result_type: CaseResultType | None = None,
    result_note: str = "",
    occurred_at: datetime | None = None,
) -> Case:
    """Move a case to another phase; closing needs a result type and sets the retention.

    Open tasks lapse ("vervallen") when the case closes; planned or running interventions
    block closing instead, because their outcome belongs in the dossier.
    """
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("case_type").get(pk=case.pk)
        )
        has_result = (
            result_type is not None
            and result_type.case_type_id == locked.case_type_id
            and result_type.is_active
        )
        workflow.check_transition(
            locked.status,
            to_status,
            reason=reason,
            facts=case_facts(locked),
            has_result=has_result,
        )
        now = _now(occurred_at)
        before = locked.status
        closing = to_status == CasePhase.CLOSED
        CaseStatusChange.objects.create(
            case=locked,
            from_status=before,
            to_status=to_status,
            reason=reason.strip(),
            result_type=result_type if closing else None,
            changed_by=acting_user,
            changed_at=now,
        )
        locked.status = to_status
        locked.status_changed_at = now
        fields = ["status", "status_changed_at", "updated_at"]
        lapsed = 0
        if closing and result_type is not None:
            closed_on = timezone.localdate(now)
            locked.result_type = result_type
            locked.result_note = result_note.strip()
            locked.closed_on = closed_on
            locked.archive_action = result_type.archive_action
            locked.archive_on = _add_years(closed_on, result_type.retention_years)
            fields += ["result_type", "result_note", "closed_on", "archive_action", "archive_on"]
            lapsed = CaseTask.objects.filter(case=locked, status__in=OPEN_TASK_STATUSES).update(
                status=TaskStatus.CANCELLED
            )
        locked.save(update_fields=fields)
        _audit(
            AuditAction.UPDATE,
            acting_user,
            locked,
            locked,
            status={"from": before, "to": to_status},
            result=result_type.code if closing and result_type else None,
            lapsed_tasks=lapsed,
        )
        if not closing:
            _create_template_tasks(acting_user, locked, to_status, now)
        notifications.notify(
            recipients=_watchers(locked),
            kind=NotificationKind.STATUS,
            message=_("Casus %(ref)s is naar de fase ‘%(phase)s’ gegaan.")
            % {"ref": locked.reference, "phase": workflow.label(to_status)},
            case=locked,
            exclude=acting_user,
        )
        return locked


def reopen_case(
    *,
    acting_user: User | None,
    case: Case,
    to_status: str,
    reason: str,
    occurred_at: datetime | None = None,
) -> Case:
    """Reopen a closed case: an explicit, audited step that clears result and retention."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        workflow.check_reopen(locked.status, to_status, reason=reason)
        now = _now(occurred_at)
        previous_result = locked.result_type.code if locked.result_type else None
        CaseStatusChange.objects.create(
            case=locked,
            from_status=locked.status,
            to_status=to_status,
            reason=reason.strip(),
            is_reopening=True,
            changed_by=acting_user,
            changed_at=now,
        )
        locked.status = to_status
        locked.status_changed_at = now
        locked.result_type = None
        locked.result_note = ""
        locked.closed_on = None
        locked.archive_action = ""
        locked.archive_on = None
        locked.save(
            update_fields=[
                "status",
                "status_changed_at",
                "result_type",
                "result_note",
                "closed_on",
                "archive_action",
                "archive_on",
                "updated_at",
            ]
        )
        _audit(
            AuditAction.UPDATE,
            acting_user,
            locked,
            locked,
            reopened=True,
            status={"from": CasePhase.CLOSED.value, "to": to_status},
            previous_result=previous_result,
            reason=reason.strip(),
        )
        _create_template_tasks(acting_user, locked, to_status, now)
        notifications.notify(
            recipients=_watchers(locked),
            kind=NotificationKind.STATUS,
            message=_("Casus %(ref)s is heropend (fase ‘%(phase)s’).")
            % {"ref": locked.reference, "phase": workflow.label(to_status)},
            case=locked,
            exclude=acting_user,
        )
        return locked


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _create_template_tasks(
    acting_user: User | None, case: Case, phase: str, now: datetime
) -> list[CaseTask]:
    """Create the case type's standard tasks of ``phase`` that the case does not have yet.

    Going back to a phase does not duplicate its tasks. They go to the case's lead.
    """
    have = set(case.tasks.exclude(template_code="").values_list("template_code", flat=True))
    templates = case.case_type.task_templates.filter(phase=phase, is_active=True).exclude(
        code__in=have
    )
    today = timezone.localdate(now)
    tasks = []
    for template in templates:
        task = CaseTask.objects.create(
            case=case,
            title=template.title_nl,
            assignee=case.lead,
            due_on=today + timedelta(days=template.due_days) if template.due_days else None,
            template_code=template.code,
            phase=phase,
            created_by=acting_user,
            created_at=now,
        )
        tasks.append(task)
        _notify_assignment(acting_user, task, now)
    return tasks


def update_case(
    *,
    acting_user: User | None,
    case: Case,
    title: str,
    description: str,
    confidentiality: str,
    purpose: str,
    legal_ground: str,
    lead: User | None,
) -> Case:
    _check_case_fields({}, title, confidentiality, purpose, legal_ground, lead)
    values = {
        "title": title.strip()[:200],
        "description": description.strip(),
        "confidentiality": confidentiality,
        "purpose": purpose.strip()[:200],
        "legal_ground": legal_ground.strip()[:200],
        "lead_id": lead.pk if lead else None,
    }
    with transaction.atomic():
        changed = sorted(k for k, v in values.items() if getattr(case, k) != v)
        if not changed:
            return case
        for key, value in values.items():
            setattr(case, key, value)
        case.save(update_fields=[*changed, "updated_at"])
        _audit(AuditAction.UPDATE, acting_user, case, case, fields=changed)
        return case


# --- Partners and subjects -------------------------------------------------------------------


def _role_of(case: Case, role_type: CaseRoleType, kind: str) -> None:
    if role_type.case_type_id != case.case_type_id or role_type.kind != kind:
        raise _fail("role_type", _("Deze rol hoort niet bij het casustype."))
    if not role_type.is_active:
        raise _fail("role_type", _("Deze rol is niet meer in gebruik."))


def add_participant(
    *,
    acting_user: User | None,
    case: Case,
    organisation: Organisation,
    role_type: CaseRoleType,
    occurred_at: datetime | None = None,
) -> CaseParticipant:
    """Let an organisation take part in the case (its members then see it), or change its role."""
    _open_case(case)
    _role_of(case, role_type, RoleKind.PARTNER)
    if not organisation.is_active:
        raise _fail("organisation", _("Deze organisatie is niet actief."))
    with transaction.atomic():
        now = _now(occurred_at)
        participant = (
            CaseParticipant.objects.select_for_update()
            .filter(case=case, organisation=organisation)
            .first()
        )
        if participant is None:
            participant = CaseParticipant.objects.create(
                case=case,
                organisation=organisation,
                role_type=role_type,
                added_by=acting_user,
                added_at=now,
            )
        elif participant.ended_at is None and participant.role_type_id == role_type.pk:
            return participant
        else:
            participant.role_type = role_type
            participant.ended_at = None
            participant.ended_by = None
            participant.added_by = acting_user
            participant.added_at = now
            participant.save()
        _audit(
            AuditAction.UPDATE,
            acting_user,
            case,
            case,
            participant={"organisation": organisation.pk, "role": role_type.code},
        )
        return participant


def end_participation(*, acting_user: User | None, participant: CaseParticipant) -> CaseParticipant:
    """Stop an organisation's part in the case; its members no longer see it."""
    with transaction.atomic():
        if participant.ended_at is not None:
            return participant
        open_work = Intervention.objects.filter(
            case_id=participant.case_id,
            responsible_id=participant.organisation_id,
            status__in=OPEN_INTERVENTION_STATUSES,
        ).count()
        if open_work:
            raise _fail(
                "",
                _("Deze partner is nog verantwoordelijk voor lopende of geplande interventies."),
            )
        participant.ended_at = timezone.now()
        participant.ended_by = acting_user
        participant.save(update_fields=["ended_at", "ended_by"])
        case = participant.case
        _audit(
            AuditAction.UPDATE,
            acting_user,
            case,
            case,
            participant_ended={"organisation": participant.organisation_id},
        )
        return participant


def add_subject(
    *,
    acting_user: User | None,
    case: Case,
    entity: Entity,
    role_type: CaseRoleType,
    occurred_at: datetime | None = None,
) -> CaseSubject:
    _open_case(case)
    _role_of(case, role_type, RoleKind.SUBJECT)
    if entity.merged_into_id is not None:
        raise _fail("entity", _("Deze betrokkene is samengevoegd met een andere."))
    with transaction.atomic():
        subject, created = CaseSubject.objects.get_or_create(
            case=case,
            entity=entity,
            role_type=role_type,
            defaults={"added_by": acting_user, "added_at": _now(occurred_at)},
        )
        if created:
            _audit(
                AuditAction.UPDATE,
                acting_user,
                case,
                case,
                subject={"entity": entity.pk, "role": role_type.code},
            )
        return subject


# --- Interventions ---------------------------------------------------------------------------


@dataclass
class InterventionInput:
    type: InterventionType
    responsible: Organisation
    status: str = InterventionStatus.PLANNED
    planned_on: date | None = None
    started_on: date | None = None
    ended_on: date | None = None
    description: str = ""
    outcome: str = ""


def _check_intervention(case: Case, data: InterventionInput, today: date) -> InterventionInput:
    errors: dict[str, list[str]] = {}
    if not data.type.is_active:
        errors.setdefault("type", []).append(_("Deze interventie is niet meer in gebruik."))
    taking_part = CaseParticipant.objects.filter(
        case=case, organisation=data.responsible, ended_at__isnull=True
    ).exists()
    if not taking_part:
        errors.setdefault("responsible", []).append(
            _("Voeg %(org)s eerst toe als partner van de casus.") % {"org": data.responsible.name}
        )
    if data.status not in InterventionStatus.values:
        errors.setdefault("status", []).append(_("Onbekende status."))
    # A running intervention has started, a finished one has ended: fill in today if missing.
    if data.status != InterventionStatus.PLANNED and data.started_on is None:
        data.started_on = today
    if data.status in (InterventionStatus.DONE, InterventionStatus.STOPPED):
        data.ended_on = data.ended_on or today
    elif data.ended_on is not None:
        errors.setdefault("ended_on", []).append(
            _("Een interventie die nog loopt heeft geen einddatum.")
        )
    if data.started_on and data.ended_on and data.ended_on < data.started_on:
        errors.setdefault("ended_on", []).append(_("De einddatum ligt voor de startdatum."))
    if data.started_on and data.started_on > today:
        errors.setdefault("started_on", []).append(_("De startdatum ligt in de toekomst."))
    if data.ended_on and data.ended_on > today:
        errors.setdefault("ended_on", []).append(_("De einddatum ligt in de toekomst."))
    if errors:
        raise CaseValidationError(errors)
    return data


def add_intervention(
    *,
    acting_user: User | None,
    case: Case,
    data: InterventionInput,
    occurred_at: datetime | None = None,
) -> Intervention:
    _open_case(case)
    now = _now(occurred_at)
    data = _check_intervention(case, data, timezone.localdate(now))
    with transaction.atomic():
        intervention = Intervention.objects.create(
            case=case,
            type=data.type,
            responsible=data.responsible,
            status=data.status,
            planned_on=data.planned_on,
            started_on=data.started_on,
            ended_on=data.ended_on,
            description=data.description.strip(),
            outcome=data.outcome.strip(),
            created_by=acting_user,
            created_at=now,
        )
        _audit(
            AuditAction.CREATE,
            acting_user,
            intervention,
            case,
            case=case.pk,
            type=data.type.code,
            responsible=data.responsible.pk,
            status=data.status,
        )
        return intervention


def update_intervention(
    *,
    acting_user: User | None,
    intervention: Intervention,
    data: InterventionInput,
    occurred_at: datetime | None = None,
) -> Intervention:
    case = intervention.case
    _open_case(case)
    now = _now(occurred_at)
    data = _check_intervention(case, data, timezone.localdate(now))
    values = {
        "type_id": data.type.pk,
        "responsible_id": data.responsible.pk,
        "status": data.status,
        "planned_on": data.planned_on,
        "started_on": data.started_on,
        "ended_on": data.ended_on,
        "description": data.description.strip(),
        "outcome": data.outcome.strip(),
    }
    with transaction.atomic():
        changed = sorted(k for k, v in values.items() if getattr(intervention, k) != v)
        if not changed:
            return intervention
        before = intervention.status
        for key, value in values.items():
            setattr(intervention, key, value)
        intervention.save(update_fields=[*changed, "updated_at"])
        _audit(
            AuditAction.UPDATE,
            acting_user,
            intervention,
            case,
            case=case.pk,
            fields=changed,
            status={"from": before, "to": data.status} if before != data.status else None,
        )
        return intervention


# --- Tasks -----------------------------------------------------------------------------------


def _notify_assignment(acting_user: User | None, task: CaseTask, now: datetime) -> None:
    if task.assignee is None:
        return
    notifications.notify(
        recipients=[task.assignee],
        kind=NotificationKind.ASSIGNED,
        message=_("U heeft een taak in casus %(ref)s.") % {"ref": task.case.reference},
        case=task.case,
        task=task,
        exclude=acting_user,
        now=now,
    )


def add_task(
    *,
    acting_user: User | None,
    case: Case,
    title: str,
    assignee: User | None = None,
    due_on: date | None = None,
    description: str = "",
    occurred_at: datetime | None = None,
) -> CaseTask:
    _open_case(case)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors.setdefault("title", []).append(_("Omschrijf de taak."))
    if assignee is not None and not may_be_assigned(assignee, case):
        errors.setdefault("assignee", []).append(
            _("%(user)s kan deze casus niet inzien. Voeg eerst de organisatie toe als partner.")
            % {"user": assignee.get_full_name() or assignee.username}
        )
    if errors:
        raise CaseValidationError(errors)
    with transaction.atomic():
        now = _now(occurred_at)
        task = CaseTask.objects.create(
            case=case,
            title=title.strip()[:200],
            description=description.strip(),
            assignee=assignee,
            due_on=due_on,
            phase=case.status,
            created_by=acting_user,
            created_at=now,
        )
        _audit(
            AuditAction.CREATE,
            acting_user,
            task,
            case,
            case=case.pk,
            assignee=assignee.pk if assignee else None,
        )
        _notify_assignment(acting_user, task, now)
        return task


def set_task_status(
    *,
    acting_user: User | None,
    task: CaseTask,
    status: str,
    occurred_at: datetime | None = None,
) -> CaseTask:
    if status not in TaskStatus.values:
        raise _fail("status", _("Onbekende status."))
    case = task.case
    _open_case(case)
    with transaction.atomic():
        if task.status == status:
            return task
        before = task.status
        task.status = status
        if status == TaskStatus.DONE:
            task.completed_at = _now(occurred_at)
            task.completed_by = acting_user
        else:
            task.completed_at = None
            task.completed_by = None
        task.save(update_fields=["status", "completed_at", "completed_by"])
        _audit(
            AuditAction.UPDATE,
            acting_user,
            task,
            case,
            case=case.pk,
            status={"from": before, "to": status},
        )
        return task


def send_task_reminders(*, today: date | None = None) -> tuple[int, int]:
    """Notify assignees of open tasks due within DUE_SOON_DAYS or overdue, once per kind.

    Returns (due soon, overdue). Safe to run more often than daily: each task is announced at
    most once as due and once as overdue.
    """
    day = timezone.localdate() if today is None else today
    open_tasks = CaseTask.objects.filter(
        status__in=OPEN_TASK_STATUSES,
        assignee__isnull=False,
        due_on__isnull=False,
        case__status__in=[p for p in CasePhase.values if p != CasePhase.CLOSED],
    ).select_related("case", "assignee")
    due = overdue = 0
    with transaction.atomic():
        for task in open_tasks.filter(
            due_on__gte=day, due_on__lte=day + timedelta(days=DUE_SOON_DAYS)
        ).filter(due_notified_on__isnull=True):
            notifications.notify(
                recipients=[task.assignee],
                kind=NotificationKind.DUE,
                message=_("Een taak in casus %(ref)s verloopt op %(date)s.")
                % {"ref": task.case.reference, "date": f"{task.due_on:%d-%m-%Y}"},
                case=task.case,
                task=task,
            )
            CaseTask.objects.filter(pk=task.pk).update(due_notified_on=day)
            due += 1
        for task in open_tasks.filter(due_on__lt=day, overdue_notified_on__isnull=True):
            notifications.notify(
                recipients=[task.assignee],
                kind=NotificationKind.OVERDUE,
                message=_("Een taak in casus %(ref)s is verlopen (uiterlijk %(date)s).")
                % {"ref": task.case.reference, "date": f"{task.due_on:%d-%m-%Y}"},
                case=task.case,
                task=task,
            )
            CaseTask.objects.filter(pk=task.pk).update(overdue_notified_on=day)
            overdue += 1
        if due or overdue:
            record(
                action=AuditAction.UPDATE,
                object_type="cases.casetask",
                object_id="reminders",
                processing_activity=PROCESSING_ACTIVITY,
                purpose=DEFAULT_PURPOSE,
                legal_ground=DEFAULT_CASE_LEGAL_GROUND,
                detail={"day": day.isoformat(), "due": due, "overdue": overdue},
            )
    return due, overdue


# --- Meetings --------------------------------------------------------------------------------


def record_meeting(
    *,
    acting_user: User | None,
    case: Case,
    held_on: date,
    attendees: Iterable[Organisation],
    decisions: str = "",
    actions: str = "",
    notes: str = "",
    kind: str = MeetingKind.INTEGRATED,
    occurred_at: datetime | None = None,
) -> CaseMeeting:
    """Record a meeting about the case. Attendees are partners of the case or the RIEC itself."""
    _open_case(case)
    now = _now(occurred_at)
    organisations = list(attendees)
    errors: dict[str, list[str]] = {}
    if kind not in MeetingKind.values:
        errors.setdefault("kind", []).append(_("Onbekende soort overleg."))
    if held_on > timezone.localdate(now):
        errors.setdefault("held_on", []).append(
            _("Een verslag gaat over een overleg dat al is gehouden.")
        )
    if not organisations:
        errors.setdefault("attendees", []).append(_("Kies de aanwezige organisaties."))
    participating = set(
        CaseParticipant.objects.filter(case=case, ended_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )
    outsiders = [
        o.name for o in organisations if o.pk not in participating and o.type not in _BUREAU_TYPES
    ]
    if outsiders:
        errors.setdefault("attendees", []).append(
            _("Geen partner van deze casus: %(names)s.") % {"names": ", ".join(sorted(outsiders))}
        )
    if not (decisions.strip() or actions.strip() or notes.strip()):
        errors.setdefault("decisions", []).append(
            _("Leg minstens de besluiten, de acties of een verslag vast.")
        )
    if errors:
        raise CaseValidationError(errors)
    with transaction.atomic():
        meeting = CaseMeeting.objects.create(
            case=case,
            kind=kind,
            held_on=held_on,
            decisions=decisions.strip(),
            actions=actions.strip(),
            notes=notes.strip(),
            recorded_by=acting_user,
            recorded_at=now,
        )
        meeting.attendees.set(organisations)
        _audit(
            AuditAction.CREATE,
            acting_user,
            meeting,
            case,
            case=case.pk,
            attendees=sorted(o.pk for o in organisations),
        )
        return meeting


# --- Documents -------------------------------------------------------------------------------


def _check_sharing(case: Case, organisations: list[Organisation]) -> None:
    participating = set(
        CaseParticipant.objects.filter(case=case, ended_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )
    outsiders = sorted(o.name for o in organisations if o.pk not in participating)
    if outsiders:
        raise _fail(
            "shared_with",
            _("Alleen te delen met partners van de casus, niet met %(names)s.")
            % {"names": ", ".join(outsiders)},
        )


def add_document(
    *,
    acting_user: User | None,
    case: Case,
    upload: UploadedFile,
    title: str = "",
    shared_with: Iterable[Organisation] = (),
) -> CaseDocument:
    """Store a file in the case; partners see it only when it is shared with them."""
    _open_case(case)
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise _fail("file", _("Een document mag hoogstens 20 MB zijn."))
    organisations = list(shared_with)
    _check_sharing(case, organisations)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "document")[:255]
    with transaction.atomic():
        document = CaseDocument(
            case=case,
            title=(title.strip() or name)[:200],
            original_name=name,
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=acting_user,
            uploaded_at=timezone.now(),
        )
        document.file.save(digest.hexdigest(), upload, save=False)
        try:
            document.save()
        except IntegrityError:
            document.file.delete(save=False)
            raise
        document.shared_with.set(organisations)
        _audit(
            AuditAction.CREATE,
            acting_user,
            document,
            case,
            case=case.pk,
            shared_with=sorted(o.pk for o in organisations),
        )
        return document


def set_document_sharing(
    *, acting_user: User | None, document: CaseDocument, organisations: Iterable[Organisation]
) -> CaseDocument:
    case = document.case
    _open_case(case)
    wanted = list(organisations)
    _check_sharing(case, wanted)
    with transaction.atomic():
        before = sorted(document.shared_with.values_list("pk", flat=True))
        after = sorted(o.pk for o in wanted)
        if before == after:
            return document
        document.shared_with.set(wanted)
        _audit(
            AuditAction.UPDATE,
            acting_user,
            document,
            case,
            case=case.pk,
            shared_with={"from": before, "to": after},
        )
        return document


# --- Access requests -------------------------------------------------------------------------


def _managers() -> list[User]:
    return list(users_with_permission("cases.manage_case"))


def request_access(*, acting_user: User, case_id: int, reason: str) -> AccessRequest | None:
    """Ask for the user's organisation to take part in a case the user cannot see.

    The caller shows the same answer whether or not the case exists. A request for a case
    that does not exist, or that the user can already see, is only audited; asking again
    while a request is pending returns that request.
    """
    from zicht.cases.access import can_see_case

    if not reason.strip():
        raise _fail("reason", _("Geef een reden op voor uw verzoek."))
    with transaction.atomic():
        case = Case.objects.filter(pk=case_id).first()
        if case is None or can_see_case(acting_user, case):
            record(
                action=AuditAction.CREATE,
                actor=acting_user,
                object_type="cases.accessrequest",
                object_id="",
                outcome="failure",
                processing_activity=PROCESSING_ACTIVITY,
                purpose=DEFAULT_PURPOSE,
                legal_ground=DEFAULT_CASE_LEGAL_GROUND,
                detail={
                    "case_id": case_id,
                    "why": "unknown case" if case is None else "already has access",
                },
            )
            return None
        pending = AccessRequest.objects.filter(
            case=case, requested_by=acting_user, status=AccessRequestStatus.PENDING
        ).first()
        if pending is not None:
            return pending
        access_request = AccessRequest.objects.create(
            case=case,
            requested_by=acting_user,
            organisation=acting_user.organisation,
            reason=reason.strip(),
        )
        _audit(
            AuditAction.CREATE,
            acting_user,
            access_request,
            case,
            case=case.pk,
            organisation=acting_user.organisation_id,
        )
        notifications.notify(
            recipients=_managers(),
            kind=NotificationKind.ACCESS_REQUESTED,
            message=_("%(org)s vraagt toegang tot casus %(ref)s.")
            % {
                "org": acting_user.organisation.name if acting_user.organisation else "?",
                "ref": case.reference,
            },
            case=case,
            exclude=acting_user,
        )
        return access_request


def decide_access_request(
    *,
    acting_user: User,
    access_request: AccessRequest,
    grant: bool,
    role_type: CaseRoleType | None = None,
    note: str = "",
) -> AccessRequest:
    """Grant (the organisation takes part in the given role) or refuse a pending request."""
    with transaction.atomic():
        locked = (
            # Lock the request row only; the joined rows may be absent (outer join).
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("case", "organisation", "requested_by")
            .get(pk=access_request.pk)
        )
        if locked.status != AccessRequestStatus.PENDING:
            raise _fail("", _("Over dit verzoek is al besloten."))
        case = locked.case
        if grant:
            if locked.organisation is None:
                raise _fail("", _("De aanvrager hoort bij geen organisatie."))
            if role_type is None:
                raise _fail("role_type", _("Kies de rol van de organisatie in de casus."))
            add_participant(
                acting_user=acting_user,
                case=case,
                organisation=locked.organisation,
                role_type=role_type,
            )
        elif not note.strip():
            raise _fail("note", _("Geef een toelichting bij een afwijzing."))
        locked.status = AccessRequestStatus.GRANTED if grant else AccessRequestStatus.REFUSED
        locked.granted_role = role_type if grant else None
        locked.decided_by = acting_user
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save(
            update_fields=["status", "granted_role", "decided_by", "decided_at", "decision_note"]
        )
        _audit(
            AuditAction.UPDATE,
            acting_user,
            locked,
            case,
            case=case.pk,
            decision=locked.status,
            role=role_type.code if grant and role_type else None,
        )
        message = (
            _("Uw verzoek om toegang tot casus %(ref)s is toegekend.")
            if grant
            else _("Uw verzoek om toegang tot casus %(ref)s is afgewezen.")
        ) % {"ref": case.reference}
        notifications.notify(
            recipients=[locked.requested_by],
            kind=NotificationKind.ACCESS_DECIDED,
            message=message,
            case=case if grant else None,
        )
        return locked


# --- Notifications (the user's own) ----------------------------------------------------------


def mark_notifications_read(*, acting_user: User, notification_ids: Iterable[int] | None) -> int:
    """Mark the user's own notifications read (all when ``notification_ids`` is None)."""
    own = Notification.objects.filter(recipient=acting_user, read_at__isnull=True)
    if notification_ids is not None:
        own = own.filter(pk__in=list(notification_ids))
    with transaction.atomic():
        return own.update(read_at=timezone.now())


def set_notification_preferences(
    *, acting_user: User, email_each: bool, daily_digest: bool
) -> UserNotificationPreference:
    with transaction.atomic():
        preference, _created = UserNotificationPreference.objects.update_or_create(
            user=acting_user, defaults={"email_each": email_each, "daily_digest": daily_digest}
        )
        record(
            action=AuditAction.UPDATE,
            actor=acting_user,
            obj=preference,
            detail={"email_each": email_each, "daily_digest": daily_digest},
        )
        return preference
