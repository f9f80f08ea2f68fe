"""Figures for the dashboards: counts per phase, type and intervention; time per phase."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from zicht.cases import figures, services
from zicht.cases.models import Case, CasePhase
from zicht.cases.tests.factories import (
    add_intervention,
    add_partner,
    make_case,
    organisation,
    result,
    walk_to,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(60))


def test_phase_durations_from_histories():
    day = timedelta(days=1)
    histories = [
        # intake 2 days, weging 3 days, then analysis until now (5 days).
        [("intake", T0), ("weging", T0 + 2 * day), ("analyse", T0 + 5 * day)],
        # intake 1 day, weging 1 day, closed early: time after closing is not counted.
        [("intake", T0), ("weging", T0 + day), ("afgesloten", T0 + 2 * day)],
        # back from analysis to weging: two stays in weging.
        [
            ("intake", T0),
            ("weging", T0 + day),
            ("analyse", T0 + 2 * day),
            ("weging", T0 + 4 * day),
            ("afgesloten", T0 + 6 * day),
        ],
    ]
    result = figures.phase_durations(histories, now=T0 + 10 * day)
    assert result["intake"] == ([2.0, 1.0, 1.0], 0)
    assert result["weging"] == ([3.0, 1.0, 1.0, 2.0], 0)
    assert result["analyse"] == ([5.0, 2.0], 1)
    assert result["afgesloten"] == ([], 0)


@pytest.mark.django_db
def test_counts_per_status_type_and_intervention():
    first = make_case()
    second = make_case(code="ernstige-benadeling")
    third = make_case()
    services.transition_case(acting_user=None, case=second, to_status="weging")
    nla = organisation("Arbeidsinspectie", "nla")
    for case in (first, third):
        add_partner(case, nla)
    add_intervention(first, nla, status="afgerond")
    add_intervention(third, nla)
    per_status = figures.cases_per_status()
    assert list(per_status) == list(CasePhase.values)
    assert per_status["intake"] == 2
    assert per_status["weging"] == 1
    assert per_status["afgesloten"] == 0
    per_type = {t.code: (t.total, t.open) for t in figures.cases_per_type()}
    assert per_type["mensenhandel-arbeid"] == (2, 2)
    assert per_type["ernstige-benadeling"] == (1, 1)
    assert per_type["mensenhandel-seksueel"] == (0, 0)
    per_intervention = {
        i.code: (i.total, i.done, i.cases) for i in figures.interventions_per_type()
    }
    assert per_intervention["inspectie"] == (2, 1, 2)
    assert per_intervention["bibob-advies"] == (0, 0, 0)
    # A dashboard passes the cases a user may see.
    only_first = Case.objects.filter(pk=first.pk)
    assert figures.cases_per_status(only_first)["intake"] == 1
    assert {i.code: i.total for i in figures.interventions_per_type(only_first)}["inspectie"] == 1


@pytest.mark.django_db
def test_time_per_phase_from_the_real_history():
    with time_machine.travel(T0, tick=False):
        case = make_case()
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        services.transition_case(acting_user=None, case=case, to_status="weging")
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        walk_to(Case.objects.get(pk=case.pk), "analyse")
    times = {t.phase: t for t in figures.time_per_phase(now=T0 + timedelta(days=16))}
    assert times["intake"].stays == 1
    assert times["intake"].mean_days == 4.0
    assert times["weging"].total_days == 2.0
    assert times["analyse"].median_days == 10.0
    assert times["analyse"].ongoing == 1
    assert times["uitvoering"].stays == 0
    assert times["uitvoering"].mean_days is None
    assert "afgesloten" not in times


@pytest.mark.django_db
def test_closed_cases_per_result_type():
    closed = make_case()
    services.transition_case(acting_user=None, case=closed, to_status="weging")
    services.transition_case(
        acting_user=None,
        case=Case.objects.get(pk=closed.pk),
        to_status="afgesloten",
        reason="Geen aanknopingspunten",
        result_type=result(closed, "geen-interventie"),
    )
    make_case()  # open: no result yet
    rows = [(r.case_type, r.name, r.total) for r in figures.cases_per_result()]
    assert len(rows) == 1
    assert rows[0][2] == 1
    assert rows[0][1] == result(closed, "geen-interventie").name_nl
