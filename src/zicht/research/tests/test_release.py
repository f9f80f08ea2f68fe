"""What the hub publishes from an aggregated total: DP noise, suppression, method statement."""

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.research import release
from zicht.research.study import Category, Dimension, StudySpec

REGIONS = ("limburg", "midden-nederland", "rotterdam")
NAMES = {"limburg": "Limburg", "midden-nederland": "Midden-Nederland", "rotterdam": "Rotterdam"}


def spec(**overrides: Any) -> StudySpec:
    options: dict[str, Any] = {
        "study_id": "release-test",
        "title": "Test",
        "question": "Vraag",
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 12, 31),
        "regions": REGIONS,
        "metric": "signals",
        "dimensions": (
            Dimension("quarter", tuple(Category(f"2025-K{q}", f"K{q}") for q in range(1, 5))),
            Dimension("sector", (Category("bouw", "Bouw"), Category("_onbekend", "Onbekend"))),
        ),
        "filters": (),
        "min_cell": 10,
    }
    options.update(overrides)
    return StudySpec(**options)


def cells_of(document: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    return {tuple(key): value for key, value in document["entries"] if None not in key}


def test_without_dp_the_cells_are_the_exact_totals_above_k() -> None:
    study = spec()
    totals = [40, 50, 60, 70, 80, 90, 100, 110]
    result = release.build_release(
        study, totals, participants=REGIONS, left_out={}, region_names=NAMES
    )
    assert [cells_of(result.table)[c] for c in study.cells()] == totals
    assert result.suppressed == 0
    assert result.unprotected == 0
    assert "Limburg, Midden-Nederland, Rotterdam" in result.method[0]
    assert not any("Differential privacy" in line for line in result.method)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=8, max_size=8))
def test_no_released_cell_is_below_k(totals: list[int]) -> None:
    result = release.build_release(
        spec(), totals, participants=REGIONS, left_out={}, region_names=NAMES
    )
    for _, value in result.table["entries"]:
        assert isinstance(value, str) or value == 0 or value >= 10


def test_dp_adds_noise_and_says_so() -> None:
    study = spec(epsilon=Decimal("0.5"))
    totals = [1000] * 8
    result = release.build_release(
        study, totals, participants=REGIONS, left_out={}, region_names=NAMES
    )
    released = [cells_of(result.table)[c] for c in study.cells()]
    assert released != totals  # 8 cells of discrete Laplace noise at scale 2 are never all 0
    assert any("epsilon 0,5" in line for line in result.method)


def test_sensitivity_counts_multi_valued_breakdowns_and_regions_for_persons() -> None:
    forms = Dimension("form", (Category("arbeid", "Arbeid"), Category("seks", "Seks")))
    quarter = Dimension("quarter", (Category("2025-K1", "K1"), Category("2025-K2", "K2")))
    signals = spec(dimensions=(forms, quarter))
    assert release.l1_sensitivity(signals, 3) == 2  # a signal can have both forms
    persons = spec(metric="entities", dimensions=(forms, quarter))
    # A person can be linked to signals of both forms in both quarters, in every region.
    assert release.l1_sensitivity(persons, 3) == 2 * 2 * 3
    assert release.expected_accuracy(signals, 3) is None
    with_dp = spec(dimensions=(forms, quarter), epsilon=Decimal("1"))
    accuracy = release.expected_accuracy(with_dp, 3)
    assert accuracy is not None
    assert accuracy > 0


def test_a_region_column_must_be_a_protected_table_of_the_study() -> None:
    study = spec()
    good = release.protected_document(study, release.protect_table(study, [30] * 8))
    assert release.check_document(study, good) == ""
    leaky = {**good, "entries": [[k, 3 if None not in k else v] for k, v in good["entries"]]}
    assert "onder 10" in release.check_document(study, leaky)
    other = spec(min_cell=5)
    assert release.check_document(other, good) != ""
    assert release.check_document(study, [1, 2, 3]) == "geen tabel"
