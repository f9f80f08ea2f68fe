"""Figures about cases for the regional dashboards: counts and time spent per phase.

Read-only queries over a queryset of cases (by default all of them; a dashboard passes
``access.cases_visible_to(user)``). Results are plain data without personal data. The time
per phase comes from the append-only phase history: each stay in a phase lasts from the
change into it until the next change (or ``now`` for the current phase); a case that went
back to a phase counts each stay.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zicht.cases.models import (
    Case,
    CasePhase,
    CaseStatusChange,
    CaseType,
    Intervention,
    InterventionStatus,
    InterventionType,
)

SECONDS_PER_DAY = 24 * 60 * 60


def _cases(cases: QuerySet[Case] | None) -> QuerySet[Case]:
    return Case.objects.all() if cases is None else cases


def cases_per_status(cases: QuerySet[Case] | None = None) -> dict[str, int]:
    """Phase code → number of cases now in it; every phase is present, in lifecycle order."""
    counts = dict(
        _cases(cases)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {phase: counts.get(phase, 0) for phase in CasePhase.values}


@dataclass(frozen=True)
class TypeCount:
    code: str
    name: str
    total: int
    open: int


def cases_per_type(cases: QuerySet[Case] | None = None) -> list[TypeCount]:
    """Per case type (active ones, and retired ones that still have cases): total and open."""
    selected = _cases(cases)
    rows = {
        row["case_type"]: row
        for row in selected.order_by()
        .values("case_type")
        .annotate(total=Count("id"), open=Count("id", filter=~Q(status=CasePhase.CLOSED)))
    }
    result = []
    for case_type in CaseType.objects.order_by("order", "code"):
        row = rows.get(case_type.pk)
        if row is None and not case_type.is_active:
            continue
        result.append(
            TypeCount(
                case_type.code,
                case_type.name,
                row["total"] if row else 0,
                row["open"] if row else 0,
            )
        )
    return result


@dataclass(frozen=True)
class ResultCount:
    case_type: str
    name: str
    total: int


def cases_per_result(cases: QuerySet[Case] | None = None) -> list[ResultCount]:
    """Closed cases per result type (the outcome chosen when closing), per case type."""
    selected = _cases(cases).filter(status=CasePhase.CLOSED, result_type__isnull=False)
    rows = (
        selected.order_by()
        .values("result_type__case_type__name_nl", "result_type__name_nl")
        .annotate(total=Count("id"))
        .order_by("result_type__case_type__name_nl", "-total", "result_type__name_nl")
    )
    return [
        ResultCount(
            row["result_type__case_type__name_nl"], row["result_type__name_nl"], row["total"]
        )
        for row in rows
    ]


@dataclass(frozen=True)
class InterventionCount:
    code: str
    name: str
    category: str
    total: int
    done: int
    # Number of distinct cases with at least one intervention of this type.
    cases: int


def interventions_per_type(cases: QuerySet[Case] | None = None) -> list[InterventionCount]:
    selected = Intervention.objects.filter(case__in=_cases(cases))
    rows = {
        row["type"]: row
        for row in selected.order_by()
        .values("type")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=InterventionStatus.DONE)),
            cases=Count("case", distinct=True),
        )
    }
    result = []
    for kind in InterventionType.objects.order_by("order", "code"):
        row = rows.get(kind.pk)
        if row is None and not kind.is_active:
            continue
        result.append(
            InterventionCount(
                kind.code,
                kind.name,
                kind.category,
                row["total"] if row else 0,
                row["done"] if row else 0,
                row["cases"] if row else 0,
            )
        )
    return result


@dataclass(frozen=True)
class PhaseTime:
    phase: str
    # Number of stays in the phase (a case that came back counts twice).
    stays: int
    total_days: float
    mean_days: float | None
    median_days: float | None
    # Stays that have not ended yet (cases now in the phase).
    ongoing: int


def phase_durations(
    histories: Iterable[list[tuple[str, datetime]]], now: datetime
) -> dict[str, tuple[list[float], int]]:
    """Pure core: per phase, the lengths in days of every stay, and how many are ongoing.

    Each history is one case's (to_status, changed_at) in order. Time in "afgesloten" is not
    work and is left out.
    """
    result: dict[str, tuple[list[float], int]] = {p: ([], 0) for p in CasePhase.values}
    for history in histories:
        for i, (phase, start) in enumerate(history):
            if phase == CasePhase.CLOSED:
                continue
            ongoing = i + 1 == len(history)
            end = now if ongoing else history[i + 1][1]
            days = max(0.0, (end - start).total_seconds() / SECONDS_PER_DAY)
            stays, count = result[phase]
            stays.append(days)
            result[phase] = (stays, count + ongoing)
    return result


def time_per_phase(
    cases: QuerySet[Case] | None = None, *, now: datetime | None = None
) -> list[PhaseTime]:
    """Time spent per phase over the selected cases, from their phase history."""
    moment = timezone.now() if now is None else now
    histories: dict[int, list[tuple[str, datetime]]] = {}
    rows = (
        CaseStatusChange.objects.filter(case__in=_cases(cases))
        .order_by("case_id", "changed_at", "id")
        .values_list("case_id", "to_status", "changed_at")
    )
    for case_id, phase, changed_at in rows.iterator(chunk_size=5000):
        histories.setdefault(case_id, []).append((phase, changed_at))
    durations = phase_durations(histories.values(), moment)
    result = []
    for phase in CasePhase.values:
        if phase == CasePhase.CLOSED:
            continue
        stays, ongoing = durations[phase]
        result.append(
            PhaseTime(
                phase,
                len(stays),
                round(sum(stays), 2),
                round(statistics.fmean(stays), 2) if stays else None,
                round(statistics.median(stays), 2) if stays else None,
                ongoing,
            )
        )
    return result
