"""The dashboard's figures against hand-made registers."""

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zicht.insight import figures
from zicht.insight.figures import Filters
from zicht.reference.models import Municipality
from zicht.register.tests.factories import make_signal, organisation

pytestmark = pytest.mark.django_db

UTRECHT = "GM0344"
AMERSFOORT = "GM0307"


@pytest.fixture
def register() -> dict[str, Any]:
    police = organisation("Politie Midden-Nederland", "politie")
    made = [
        make_signal(
            received_on=date(2026, 1, 10),
            municipality_code=UTRECHT,
            form_codes=["arbeid"],
            sector_code="bouw",
            route_step_code="huisvesting",
            observations={"G01": "observed", "G02": "observed", "G03": "observed"},
        ),
        make_signal(
            received_on=date(2026, 1, 20),
            municipality_code=UTRECHT,
            form_codes=["arbeid", "seksueel"],
            sector_code="bouw",
            observations={"G01": "observed", "G02": "observed", "G03": "not_observed"},
        ),
        make_signal(
            received_on=date(2026, 4, 2),
            municipality_code=AMERSFOORT,
            form_codes=["seksueel"],
            reporting_organisation=police,
            observations={"G01": "observed", "G03": "observed"},
        ),
    ]
    return {"signals": made, "police": police}


def _counts(rows: list[figures.Row]) -> dict[str, int]:
    return {row.key: row.count for row in rows if row.count}


def test_counts_per_form_sector_route_step_and_partner(register: dict[str, Any]) -> None:
    everything = Filters()
    assert figures.total(everything) == 3
    # A signal with two forms counts for both.
    assert _counts(figures.by_form(everything)) == {"arbeid": 2, "seksueel": 2}
    assert _counts(figures.by_sector(everything)) == {"bouw": 2, figures.NONE_KEY: 1}
    assert _counts(figures.by_route_step(everything)) == {"huisvesting": 1, figures.NONE_KEY: 2}
    assert _counts(figures.by_partner_type(everything)) == {"gemeente": 2, "politie": 1}


def test_municipalities_with_rate_per_100000(register: dict[str, Any]) -> None:
    rows = {row.key: row for row in figures.by_municipality(Filters())}
    utrecht = Municipality.objects.get(code=UTRECHT)
    assert rows[UTRECHT].count == 2
    assert rows[UTRECHT].population == utrecht.population
    assert rows[UTRECHT].rate == round(2 * 100_000 / utrecht.population, 1)
    assert rows[AMERSFOORT].rate == round(100_000 / 161_852, 1) == 0.6
    # Every municipality of the region is listed, also without signals.
    region = Municipality.objects.filter(region__code="midden-nederland").count()
    assert len(rows) == region
    assert rows["GM0355"].count == 0
    assert rows["GM0355"].rate == 0.0


def test_signal_outside_the_region_gets_its_own_row() -> None:
    make_signal(municipality_code="GM0363", out_of_region=True)  # Amsterdam
    rows = {row.key: row for row in figures.by_municipality(Filters())}
    assert rows["GM0363"].count == 1
    assert "buiten de regio" in rows["GM0363"].label


def test_months_without_gaps_and_quarters(register: dict[str, Any]) -> None:
    months = figures.by_month(Filters())
    assert [(r.key, r.count) for r in months] == [
        ("2026-01", 2),
        ("2026-02", 0),
        ("2026-03", 0),
        ("2026-04", 1),
    ]
    quarters = figures.by_quarter(months)
    assert [(r.key, r.count) for r in quarters] == [("2026-K1", 2), ("2026-K2", 1)]


def test_indicator_frequencies_count_only_observed(register: dict[str, Any]) -> None:
    rows = figures.by_indicator(Filters())
    assert [(r.key, r.count) for r in rows] == [("G01", 3), ("G02", 2), ("G03", 2)]


def test_most_frequent_pairs_of_indicators(register: dict[str, Any]) -> None:
    pairs = figures.indicator_pairs(Filters())
    found = {(p.first, p.second): p.count for p in pairs}
    # Signal 1: G01 G02 G03 observed; signal 2: G01 G02; signal 3: G01 G03.
    assert found == {("G01", "G02"): 2, ("G01", "G03"): 2, ("G02", "G03"): 1}
    assert pairs[-1].count == 1
    assert figures.indicator_pairs(Filters(), limit=1)[0].count == 2


def test_filters_narrow_every_figure(register: dict[str, Any]) -> None:
    selected = Filters(form="arbeid", municipality=UTRECHT, date_from=date(2026, 1, 15))
    assert figures.total(selected) == 1
    assert _counts(figures.by_form(selected)) == {"arbeid": 1, "seksueel": 1}
    assert [(r.key, r.count) for r in figures.by_indicator(selected)] == [("G01", 1), ("G02", 1)]
    assert [(p.first, p.second, p.count) for p in figures.indicator_pairs(selected)] == [
        ("G01", "G02", 1)
    ]
    assert figures.total(Filters(sector="bouw")) == 2
    assert figures.total(Filters(date_to=date(2026, 1, 31))) == 2
    assert figures.total(Filters(form="crimineel")) == 0
    assert figures.by_month(Filters(form="crimineel")) == []


def test_dashboard_is_a_fixed_number_of_queries(register: dict[str, Any]) -> None:
    """No query per signal: the number of queries does not grow with the register."""
    with CaptureQueriesContext(connection) as few:
        figures.compute(Filters(form="arbeid"))
    for _ in range(5):
        make_signal(form_codes=["arbeid"], observations={"G04": "observed", "G05": "observed"})
    with CaptureQueriesContext(connection) as more:
        figures.compute(Filters(form="arbeid"))
    assert len(more) == len(few)


def test_cached_figures_change_when_a_signal_arrives(register: dict[str, Any]) -> None:
    before = figures.dashboard(Filters())
    assert figures.dashboard(Filters()) == before  # served from the cache
    make_signal(municipality_code=AMERSFOORT, observations={"G02": "observed"})
    after = figures.dashboard(Filters())
    assert after.version != before.version
    assert after.total == before.total + 1
    assert _counts(after.by_municipality)[AMERSFOORT] == 2


def test_register_version_changes_on_new_and_deleted_signals(register: dict[str, Any]) -> None:
    first = figures.register_version()
    register["signals"][2].delete()
    second = figures.register_version()
    assert second != first
    make_signal()
    assert figures.register_version() not in (first, second)


def test_filters_as_query() -> None:
    assert Filters().as_query() == {}
    assert Filters(date_from=date(2026, 1, 1), form="arbeid").as_query() == {
        "van": "2026-01-01",
        "vorm": "arbeid",
    }
