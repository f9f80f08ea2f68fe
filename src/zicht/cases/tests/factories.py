"""Test helpers for cases: everything is made through the services, as in production."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from zicht.accounts.models import Organisation, OrganisationType
from zicht.cases import services
from zicht.cases.models import (
    Case,
    CasePhase,
    CaseResultType,
    CaseRoleType,
    CaseType,
    InterventionStatus,
    InterventionType,
)
from zicht.register import services as register_services
from zicht.register.models import Signal
from zicht.register.tests.factories import make_signal

LABOUR = "mensenhandel-arbeid"


def case_type(code: str = LABOUR) -> CaseType:
    return CaseType.objects.get(code=code)


def role(case: Case, code: str) -> CaseRoleType:
    return CaseRoleType.objects.get(case_type=case.case_type, code=code)


def result(case: Case, code: str = "interventies-uitgevoerd") -> CaseResultType:
    return CaseResultType.objects.get(case_type=case.case_type, code=code)


def intervention_type(code: str = "inspectie") -> InterventionType:
    return InterventionType.objects.get(code=code)


def organisation(name: str, type: str = OrganisationType.GEMEENTE) -> Organisation:
    org, _created = Organisation.objects.get_or_create(name=name, defaults={"type": type})
    return org


def assessed_signal(user: Any = None, **overrides: Any) -> Signal:
    """A signal in weging, ready to become part of a case."""
    signal = make_signal(user, **overrides)
    return register_services.transition_signal(
        acting_user=user, signal=signal, to_status="in_weging"
    )


def make_case(user: Any = None, *, code: str = LABOUR, **kwargs: Any) -> Case:
    kwargs.setdefault("title", "Uitzendbureau met huisvesting in Utrecht")
    return services.create_case(acting_user=user, case_type=case_type(code), **kwargs)


def add_partner(case: Case, org: Organisation, role_code: str = "behandelaar", user: Any = None):
    return services.add_participant(
        acting_user=user, case=case, organisation=org, role_type=role(case, role_code)
    )


def add_intervention(case: Case, org: Organisation, user: Any = None, **kwargs: Any):
    data = services.InterventionInput(
        type=kwargs.pop("type", None) or intervention_type(),
        responsible=org,
        **kwargs,
    )
    return services.add_intervention(acting_user=user, case=case, data=data)


def walk_to(case: Case, phase: str, user: Any = None) -> Case:
    """Move a case forward to ``phase``, recording the meeting and intervention it needs."""
    partner = organisation("Gemeente Utrecht")
    order = list(CasePhase.values)
    while order.index(case.status) < order.index(phase):
        nxt = order[order.index(case.status) + 1]
        taking_part = case.participants.filter(organisation=partner, ended_at__isnull=True)
        if case.status in (CasePhase.MEETING, CasePhase.PLAN) and not taking_part.exists():
            add_partner(case, partner, user=user)
        if case.status == CasePhase.MEETING and not case.meetings.exists():
            services.record_meeting(
                acting_user=user,
                case=case,
                held_on=timezone.localdate(),
                attendees=[partner],
                decisions="Inspectie door de gemeente",
            )
        if case.status == CasePhase.PLAN and not case.interventions.exists():
            add_intervention(case, partner, user=user)
        if nxt == CasePhase.CLOSED:
            for intervention in case.interventions.filter(
                status__in=[InterventionStatus.PLANNED, InterventionStatus.RUNNING]
            ):
                services.update_intervention(
                    acting_user=user,
                    intervention=intervention,
                    data=services.InterventionInput(
                        type=intervention.type,
                        responsible=intervention.responsible,
                        status=InterventionStatus.DONE,
                        started_on=timezone.localdate() - timedelta(days=1),
                        outcome="Afgerond",
                    ),
                )
            case = services.transition_case(
                acting_user=user, case=case, to_status=nxt, result_type=result(case)
            )
        else:
            case = services.transition_case(acting_user=user, case=case, to_status=nxt)
    return case


__all__ = ["make_signal"]
