"""A node's own table: the GROUP BY queries against a plaintext count in plain Python loops.

The fixture is a small register of the test node (Midden-Nederland) made through the
register's and the cases' services. :func:`reference_table` recomputes every table record by
record from the ORM objects, following the counting rules of :mod:`zicht.research.study`; the
hand-counted tests pin those rules down independently of both.
"""

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from zicht.cases import services as case_services
from zicht.cases.models import Case, Intervention, InterventionStatus
from zicht.cases.tests.factories import add_partner, case_type, intervention_type, organisation
from zicht.register import services as register_services
from zicht.register.models import Entity, EntityKind, Signal
from zicht.register.services import EntityInput
from zicht.register.tests.factories import make_signal
from zicht.research import local
from zicht.research.dimensions import build_spec, categories_for
from zicht.research.protocols.field import MAX_CELL
from zicht.research.study import (
    COMPATIBLE,
    UNKNOWN,
    Category,
    Dimension,
    SpecError,
    StudySpec,
    age_band_for,
    quarter_code,
)

pytestmark = pytest.mark.django_db

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
REGIONS = ["den-haag", "midden-nederland", "rotterdam"]


def spec_for(
    metric: str, dimensions: list[str], filters: dict[str, list[str]] | None = None, **kw: Any
) -> StudySpec:
    options: dict[str, Any] = {
        "study_id": "lokaal",
        "title": "Lokale tabel",
        "question": "Wat telt de regio?",
        "period_start": YEAR[0],
        "period_end": YEAR[1],
        "regions": REGIONS,
        "metric": metric,
        "dimension_codes": dimensions,
        "filters": filters or {},
    }
    options.update(kw)
    return build_spec(**options)


def counts(spec: StudySpec) -> dict[tuple[str, ...], int]:
    return dict(zip(spec.cells(), local.local_table(spec), strict=True))


def moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


# --- The fixture -------------------------------------------------------------------------------


def person(first: str, birth: str = "") -> Entity:
    properties = {"first_names": first, "last_name": "Jansen"}
    if birth:
        properties["birth_date"] = birth
    return register_services.create_entity(acting_user=None, kind="person", properties=properties)


def links(*pairs: tuple[Entity, str]) -> list[EntityInput]:
    return [EntityInput(role=role, existing_id=entity.pk) for entity, role in pairs]


@dataclasses.dataclass
class Register:
    signals: dict[str, Signal]
    persons: dict[str, Entity]
    cases: dict[str, Case]


@pytest.fixture
def register() -> Register:
    a = person("Anna", "2000-05-01")  # 24 on 1 January 2025
    b = person("Bram", "2008-06-01")  # 16
    c = person("Chris")  # no birth date
    d = person("Dirk", "1970-01-01")  # 55
    e = person("Eva", "1990-01-01")  # merged into Dirk below
    company = register_services.create_entity(
        acting_user=None, kind="company", properties={"name": "Flex B.V.", "kvk": "12345678"}
    )
    s = {
        "s1": make_signal(
            received_on=date(2025, 1, 10),
            form_codes=["arbeid"],
            sector_code="landbouw-tuinbouw",
            route_step_code="huisvesting",
            observations={"G01": "observed", "G02": "not_observed"},
            entities=links((a, "slachtoffer"), (company, "werkgever")),
        ),
        "s2": make_signal(
            received_on=date(2025, 2, 20),
            form_codes=["arbeid", "seksueel"],
            sector_code="horeca",
            route_step_code="werving",
            observations={"G01": "observed", "G03": "observed"},
            entities=links((a, "slachtoffer"), (b, "slachtoffer")),
        ),
        "s3": make_signal(
            received_on=date(2025, 5, 5),
            form_codes=[],
            observations={},
            entities=links((c, "getuige")),
        ),
        "s4": make_signal(
            received_on=date(2025, 11, 30),
            form_codes=["seksueel"],
            sector_code="horeca",
            route_step_code="arbeid",
            observations={"G02": "unknown"},
            entities=links((d, "verdachte"), (e, "getuige")),
        ),
        "s5": make_signal(  # before the period
            received_on=date(2024, 12, 31),
            form_codes=["arbeid"],
            sector_code="bouw",
            route_step_code="werving",
            entities=links((a, "slachtoffer")),
        ),
        "s6": make_signal(  # after the period
            received_on=date(2026, 1, 1),
            form_codes=["crimineel"],
            entities=links((b, "slachtoffer")),
        ),
    }
    register_services.merge_entities(acting_user=None, source=e, target=d, reason="dubbel")
    partner = organisation("Gemeente Utrecht")

    def make_case(code: str, opened: date, signals: list[Signal]) -> Case:
        case = case_services.create_case(
            acting_user=None,
            case_type=case_type(code),
            title=f"Casus {opened}",
            signals=signals,
            occurred_at=moment(opened),
        )
        add_partner(case, partner)
        return case

    def intervene(case: Case, code: str, started: date | None) -> Intervention:
        data = case_services.InterventionInput(
            type=intervention_type(code),
            responsible=partner,
            status=InterventionStatus.RUNNING if started else InterventionStatus.PLANNED,
            started_on=started,
            planned_on=None if started else date(2025, 6, 1),
        )
        return case_services.add_intervention(acting_user=None, case=case, data=data)

    cases = {
        # Labour case from two signals, with two kinds of intervention (one twice).
        "k1": make_case("mensenhandel-arbeid", date(2025, 3, 1), [s["s1"], s["s2"]]),
        # Sexual exploitation from s4, no started intervention.
        "k2": make_case("mensenhandel-seksueel", date(2025, 7, 1), [s["s4"]]),
        # Opened before the period; its intervention starts inside it.
        "k3": make_case("mensenhandel-arbeid", date(2024, 6, 1), [s["s5"]]),
        # No signals at all.
        "k4": make_case("mensenhandel-crimineel", date(2025, 12, 1), []),
    }
    intervene(cases["k1"], "inspectie", date(2025, 3, 10))
    intervene(cases["k1"], "inspectie", date(2025, 4, 2))
    intervene(cases["k1"], "bibob-advies", date(2026, 1, 15))  # after the period
    intervene(cases["k2"], "aangifte", None)  # planned, never started
    intervene(cases["k3"], "sluiting-pand", date(2025, 2, 1))
    persons = {"a": a, "b": b, "c": c, "d": d, "e": e}
    return Register(signals=s, persons=persons, cases=cases)


# --- The plaintext reference ---------------------------------------------------------------------


def _values(values: set[str]) -> set[str]:
    return values or {UNKNOWN}


def _signal_rows(signal: Signal) -> list[dict[str, str]]:
    """One row per combination of the signal's values (forms and indicators are sets)."""
    forms = _values({f.code for f in signal.forms.all()})
    indicators = _values(
        {o.indicator.code for o in signal.observations.all() if o.observation == "observed"}
    )
    rows = []
    for form, indicator in itertools.product(sorted(forms), sorted(indicators)):
        rows.append(
            {
                "form": form,
                "indicator": indicator,
                "sector": signal.sector.code if signal.sector else UNKNOWN,
                "route_step": signal.route_step.code if signal.route_step else UNKNOWN,
                "quarter": quarter_code(signal.received_on),
            }
        )
    return rows


def _case_rows(case: Case) -> list[dict[str, str]]:
    form = case.case_type.exploitation_form
    types = _values({i.type.code for i in case.interventions.all() if i.started_on})
    pairs = [
        (
            link.signal.sector.code if link.signal.sector else UNKNOWN,
            link.signal.route_step.code if link.signal.route_step else UNKNOWN,
        )
        for link in case.signal_links.all()
    ] or [(UNKNOWN, UNKNOWN)]
    return [
        {
            "form": form.code if form else UNKNOWN,
            "quarter": quarter_code(case.started_on),
            "intervention_type": kind,
            "sector": sector,
            "route_step": step,
        }
        for kind in sorted(types)
        for sector, step in pairs
    ]


def records(spec: StudySpec) -> Iterator[list[dict[str, str]]]:
    """Every counted record of the period, as its rows of values."""
    start, end = spec.period_start, spec.period_end
    if spec.metric == "signals":
        for signal in Signal.objects.all():
            if start <= signal.received_on <= end:
                yield _signal_rows(signal)
    elif spec.metric == "cases":
        for case in Case.objects.all():
            if start <= case.started_on <= end:
                yield _case_rows(case)
    elif spec.metric == "interventions":
        for intervention in Intervention.objects.all():
            if intervention.started_on and start <= intervention.started_on <= end:
                rows = _case_rows(intervention.case)
                for row in rows:
                    row["intervention_type"] = intervention.type.code
                    row["quarter"] = quarter_code(intervention.started_on)
                yield rows
    else:
        for entity in Entity.objects.all():
            if entity.kind != EntityKind.PERSON or entity.merged_into_id is not None:
                continue
            rows = []
            for link in entity.links.all():
                if start <= link.signal.received_on <= end:
                    for row in _signal_rows(link.signal):
                        row["age_band"] = age_band_for(entity.birth_date, start)
                        rows.append(row)
            if rows:
                yield rows


def reference_table(spec: StudySpec) -> list[int]:
    table = dict.fromkeys(spec.cells(), 0)
    for rows in records(spec):
        cells = set()
        for row in rows:
            if any(row[code] not in allowed for code, allowed in spec.filters):
                continue
            cell = []
            for dimension in spec.dimensions:
                value = row[dimension.code]
                if value in dimension.codes:
                    cell.append(value)
                elif UNKNOWN in dimension.codes:
                    cell.append(UNKNOWN)
                else:
                    break
            else:
                cells.add(tuple(cell))
        for key in cells:  # once per cell, however many rows fall in it
            table[key] += 1
    return [table[key] for key in spec.cells()]


# --- Hand-counted --------------------------------------------------------------------------------


def test_a_signal_with_two_forms_counts_once_under_each(register: Register) -> None:
    table = counts(spec_for("signals", ["form"]))
    assert table == {
        ("seksueel",): 2,  # s2, s4
        ("arbeid",): 2,  # s1, s2
        ("crimineel",): 0,  # s6 is after the period
        ("orgaan",): 0,
        ("benadeling",): 0,
        (UNKNOWN,): 1,  # s3 names no form
    }


def test_cells_follow_the_spec_order(register: Register) -> None:
    spec = spec_for("signals", ["quarter", "sector"])
    table = local.local_table(spec)
    assert len(table) == spec.cell_count()
    by_cell = dict(zip(spec.cells(), table, strict=True))
    assert spec.cells()[0] == ("2025-K1", "landbouw-tuinbouw")
    assert table[0] == 1  # s1
    assert by_cell[("2025-K1", "horeca")] == 1  # s2
    assert by_cell[("2025-K2", UNKNOWN)] == 1  # s3
    assert by_cell[("2025-K4", "horeca")] == 1  # s4
    assert sum(table) == 4


def test_filters_restrict_records_and_breakdown(register: Register) -> None:
    # A filter on another dimension: only signals naming "arbeid".
    table = counts(spec_for("signals", ["sector"], {"form": ["arbeid"]}))
    assert {cell: n for cell, n in table.items() if n} == {
        ("landbouw-tuinbouw",): 1,
        ("horeca",): 1,
    }
    # A filter on the breakdown itself: only those values are counted; s2 (arbeid +
    # seksueel) counts under arbeid only, and "_onbekend" matches signals without a form.
    spec = spec_for("signals", ["form"], {"form": ["arbeid", UNKNOWN]})
    assert counts(spec) == {("arbeid",): 2, (UNKNOWN,): 1}
    # Several filters: all must hold.
    table = counts(spec_for("signals", ["quarter"], {"form": ["seksueel"], "sector": ["horeca"]}))
    assert table == {("2025-K1",): 1, ("2025-K2",): 0, ("2025-K3",): 0, ("2025-K4",): 1}


def test_only_observed_indicators_count(register: Register) -> None:
    table = counts(spec_for("signals", ["indicator"]))
    assert table[("G01",)] == 2  # s1, s2
    assert table[("G02",)] == 0  # not observed in s1, unknown in s4
    assert table[("G03",)] == 1
    assert table[(UNKNOWN,)] == 2  # s3 and s4 have no observed indicator
    assert sum(table.values()) == 5


def test_entities_are_distinct_persons_by_age_at_the_start(register: Register) -> None:
    table = counts(spec_for("entities", ["age_band"]))
    # Anna (two signals in the period) once; the company is no person; Eva was merged into
    # Dirk, whose link as witness moved to him: still one person.
    assert table == {
        ("<18",): 1,  # Bram
        ("18-22",): 0,
        ("23-29",): 1,  # Anna
        ("30-49",): 0,
        ("50+",): 1,  # Dirk
        (UNKNOWN,): 1,  # Chris
    }


def test_entities_by_form(register: Register) -> None:
    table = counts(spec_for("entities", ["form"]))
    assert table[("arbeid",)] == 2  # Anna (s1, s2), Bram (s2)
    assert table[("seksueel",)] == 3  # Anna and Bram (s2), Dirk (s4)
    assert table[(UNKNOWN,)] == 1  # Chris (s3)


def test_cases_and_their_interventions(register: Register) -> None:
    table = counts(spec_for("cases", ["intervention_type"]))
    nonzero = {cell: n for cell, n in table.items() if n}
    # k1 has inspectie twice (once counted) and bibob-advies later (started, so counted);
    # k2 has only a planned one; k4 none; k3 opened before the period.
    assert nonzero == {("bibob-advies",): 1, ("inspectie",): 1, (UNKNOWN,): 2}
    by_sector = counts(spec_for("cases", ["sector", "route_step"]))
    nonzero = {cell: n for cell, n in by_sector.items() if n}
    # Values of one signal stay together: k1 is not in (landbouw-tuinbouw, werving).
    assert nonzero == {
        ("landbouw-tuinbouw", "huisvesting"): 1,
        ("horeca", "werving"): 1,
        ("horeca", "arbeid"): 1,
        (UNKNOWN, UNKNOWN): 1,  # k4 has no signals
    }


def test_interventions_are_counted_when_started(register: Register) -> None:
    table = counts(spec_for("interventions", ["quarter", "form"]))
    nonzero = {cell: n for cell, n in table.items() if n}
    # sluiting-pand (k3, opened before the period) and the first inspectie (k1) in K1, the
    # second inspectie in K2; bibob-advies starts in 2026 and the aangifte never started.
    assert nonzero == {("2025-K1", "arbeid"): 2, ("2025-K2", "arbeid"): 1}


def test_values_outside_the_spec_go_to_unknown_or_are_left_out(register: Register) -> None:
    # A spec drafted on a hub whose catalogue knew only "bouw" and "horeca" as sectors.
    old = Dimension(
        "sector",
        (Category("bouw", "Bouw"), Category("horeca", "Horeca"), Category(UNKNOWN, "Onbekend")),
    )
    spec = dataclasses.replace(spec_for("signals", ["sector"]), dimensions=(old,))
    assert counts(spec) == {("bouw",): 0, ("horeca",): 2, (UNKNOWN,): 2}  # s1's sector, s3
    without_unknown = Dimension("sector", old.categories[:2])
    spec = dataclasses.replace(spec, dimensions=(without_unknown,))
    assert counts(spec) == {("bouw",): 0, ("horeca",): 2}


def test_two_uncategorised_values_count_once_under_unknown(register: Register) -> None:
    only_crime = Dimension("form", (Category("crimineel", "Crimineel"), Category(UNKNOWN, "?")))
    spec = dataclasses.replace(spec_for("signals", ["form"]), dimensions=(only_crime,))
    # s2 has arbeid and seksueel, neither a category: once under _onbekend, not twice.
    assert counts(spec) == {("crimineel",): 0, (UNKNOWN,): 4}


def test_preview_lists_non_zero_cells_with_labels(register: Register) -> None:
    spec = spec_for("signals", ["form"])
    assert local.preview(spec) == [
        (("Seksuele uitbuiting",), 2),
        (("Arbeidsuitbuiting",), 2),
        (("Geen of onbekende vorm",), 1),
    ]


def test_an_empty_register_gives_zeros(db: None) -> None:
    spec = spec_for("entities", ["age_band", "quarter"])
    assert local.local_table(spec) == [0] * spec.cell_count()


def test_a_count_above_max_cell_is_refused(register: Register, monkeypatch) -> None:
    monkeypatch.setattr(local, "MAX_CELL", 1)
    with pytest.raises(local.CellOverflowError) as caught:
        local.local_table(spec_for("signals", ["form"]))
    assert caught.value.code == "cell_overflow"
    assert MAX_CELL == 10**9


# --- Against the reference, for many specs -------------------------------------------------------


def test_the_hand_counted_tables_agree_with_the_reference(register: Register) -> None:
    for metric, dimensions in COMPATIBLE.items():
        for code in sorted(dimensions):
            spec = spec_for(metric, [code])
            assert local.local_table(spec) == reference_table(spec), (metric, code)


PERIODS = [YEAR, (date(2025, 2, 1), date(2025, 6, 30)), (date(2024, 7, 1), date(2026, 6, 30))]


@st.composite
def random_specs(draw: Any) -> StudySpec:
    metric = draw(st.sampled_from(sorted(COMPATIBLE)))
    start, end = draw(st.sampled_from(PERIODS))
    compatible = sorted(COMPATIBLE[metric])
    codes = draw(st.lists(st.sampled_from(compatible), min_size=1, max_size=3, unique=True))
    filters: dict[str, list[str]] = {}
    for code in draw(st.lists(st.sampled_from(compatible), max_size=2, unique=True)):
        available = [c.code for c in categories_for(code, start, end)]
        filters[code] = draw(
            st.lists(st.sampled_from(available), min_size=1, max_size=4, unique=True)
        )
    try:
        spec = spec_for(metric, codes, filters, period_start=start, period_end=end)
    except SpecError:  # more than MAX_CELLS cells (indicator x sector x form, say)
        reject()
    # Sometimes the hub's catalogue was older: drop categories of an unfiltered breakdown.
    dimensions = []
    for dimension in spec.dimensions:
        if dimension.code not in filters and dimension.code != "quarter" and draw(st.booleans()):
            kept = draw(st.lists(st.sampled_from(dimension.categories), min_size=1, unique=True))
            dimension = Dimension(
                dimension.code, tuple(c for c in dimension.categories if c in kept)
            )
        dimensions.append(dimension)
    return dataclasses.replace(spec, dimensions=tuple(dimensions))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=random_specs())
def test_local_table_equals_the_plaintext_reference(register: Register, spec: StudySpec) -> None:
    assert local.local_table(spec) == reference_table(spec)
