"""protect() on hand-made tables whose answer is known, and its options and outputs."""

import os
import subprocess
import sys

import pytest

from zicht.disclosure import (
    TOTAL,
    Dimension,
    Reason,
    Rule,
    Suppressed,
    Table,
    exactly_derivable,
    pinned_entries,
    protect,
    publish,
    round_to_base,
    suppression_pattern,
)

from .tables import make


def suppressed_keys(protected):
    return {record.key for record in protected.suppressed}


def test_nothing_small_nothing_suppressed():
    protected = protect(make([[10, 20], [30, 40]]))
    assert protected.suppressed == ()
    assert protected.entries[(TOTAL, TOTAL)] == 100
    assert protected.method.startswith("Cellen kleiner dan 5 zijn onderdrukt")


def test_one_way_table_suppresses_the_next_smallest_cell():
    protected = protect(make([3, 10, 20, 0]))
    assert suppressed_keys(protected) == {("c0",), ("c1",)}
    assert protected.entries[("c0",)] == Suppressed(Reason.PRIMARY, "< 5")
    assert protected.entries[("c1",)] == Suppressed(Reason.SECONDARY, "x")
    assert protected.entries[(TOTAL,)] == 33
    assert protected.entries[("c3",)] == 0  # zeros are shown and never used as complements


def test_one_way_table_with_a_single_small_category_suppresses_the_total_too():
    protected = protect(make([3, 0, 0]))
    assert suppressed_keys(protected) == {("c0",), (TOTAL,)}
    assert all(r.reason is Reason.PRIMARY for r in protected.suppressed)
    assert exactly_derivable(protected) == ()


def test_two_way_table_takes_the_cheapest_rectangle():
    table = make([[2, 10, 12], [8, 9, 15], [20, 30, 40]])
    protected = protect(table)
    assert suppressed_keys(protected) == {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
    rules = {r.key: r.rule for r in protected.suppressed}
    assert rules[("r0", "c0")] is Rule.BELOW_K
    assert rules[("r1", "c1")] is Rule.WITNESS
    assert all(isinstance(v, int) for k, v in protected.entries.items() if TOTAL in k)


def test_two_ones_in_a_row_get_a_complement_that_unpins_them():
    # "Two per line" would suppress a rectangle and leave row r0 with 2 for two cells >= 1.
    table = make([[1, 1, 30], [10, 12, 14]])
    protected = protect(table)
    assert suppressed_keys(protected) >= {("r0", "c0"), ("r0", "c1"), ("r0", "c2")}
    assert exactly_derivable(protected) == ()
    assert pinned_entries(protected) == ()
    assert protected.unprotected == ()


def test_values_pinned_whatever_is_suppressed_are_reported():
    # With k=5 and zeros shown, a row total "< 5" over four "< 5" cells means four ones.
    table = make([[1, 1, 1, 1], [20, 30, 40, 50]])
    protected = protect(table)
    assert set(protected.unprotected) == {("r0", c) for c in ("c0", "c1", "c2", "c3")} | {
        ("r0", TOTAL)
    }
    assert exactly_derivable(protected) == ()
    # Suppressing zeros too removes the lower bound of 1, and with it the problem.
    assert protect(table, suppress_zeros=True).unprotected == ()


def test_margins_below_k_are_suppressed():
    table = make([[1, 2], [20, 30]])
    protected = protect(table)
    assert protected.entries[("r0", TOTAL)] == Suppressed(Reason.PRIMARY, "< 5")
    assert exactly_derivable(protected) == ()


def test_zero_margins_are_shown_unless_zeros_are_suppressed():
    table = make([[0, 0], [20, 30]])
    assert protect(table).suppressed == ()
    protected = protect(table, suppress_zeros=True)
    assert protected.entries[("r0", TOTAL)] == Suppressed(Reason.PRIMARY, "< 5")
    assert protected.entries[("r0", "c0")] == Suppressed(Reason.PRIMARY, "< 5")
    assert exactly_derivable(protected) == ()
    assert "Ook cellen met de waarde 0 zijn onderdrukt." in protected.method
    assert "0 tot en met 4" in protected.method


def test_three_way_table():
    dims = [
        Dimension("vorm", ("a", "b")),
        Dimension("sector", ("p", "q")),
        Dimension("q", ("1", "2")),
    ]
    counts = {("a", "p", "1"): 3, ("a", "p", "2"): 11, ("a", "q", "1"): 12, ("a", "q", "2"): 13}
    counts |= {("b", "p", "1"): 14, ("b", "p", "2"): 15, ("b", "q", "1"): 16, ("b", "q", "2"): 17}
    protected = protect(Table(dims, counts))
    # The cheapest hypercube through (a, p, 1) is the whole 2x2x2 interior.
    assert suppressed_keys(protected) == set(counts)
    assert exactly_derivable(protected) == ()
    assert pinned_entries(protected) == ()


def test_k_ten_for_studies():
    protected = protect(make([[9, 12, 30], [15, 14, 40]]), k=10)
    assert protected.entries[("r0", "c0")] == Suppressed(Reason.PRIMARY, "< 10")
    assert protected.method.startswith("Cellen kleiner dan 10 zijn onderdrukt")
    assert "1 tot en met 9" in protected.method


def test_labels_are_configurable():
    protected = protect(make([3, 10, 20]), primary_label="<5", secondary_label=".")
    assert str(protected.entries[("c0",)]) == "<5"
    assert str(protected.entries[("c1",)]) == "."
    assert "“<5”" in protected.method
    assert "“.”" in protected.method


def test_rounding_after_suppression():
    table = make([[3, 12, 27], [8, 16, 45]])
    protected = protect(table, round_to=5)
    exact = protect(table)
    assert suppressed_keys(protected) == suppressed_keys(exact)
    for key, shown in protected.entries.items():
        if isinstance(shown, int):
            assert shown == round_to_base(table.value(key), 5)
            assert shown % 5 == 0
    assert "afgerond op een veelvoud van 5" in protected.method
    assert "niet altijd" in protected.method


@pytest.mark.parametrize(
    ("value", "base", "rounded"),
    [(0, 5, 0), (1, 5, 5), (2, 5, 5), (7, 5, 5), (8, 5, 10), (5, 10, 10), (14, 10, 10),
     (15, 10, 20), (25, 10, 30), (3, 10, 10)],
)  # fmt: skip
def test_round_to_base(value, base, rounded):
    assert round_to_base(value, base) == rounded


def test_round_to_base_refuses_nonsense():
    with pytest.raises(ValueError, match="at least 2"):
        round_to_base(3, 1)
    with pytest.raises(ValueError, match="not negative"):
        round_to_base(-3, 5)


@pytest.mark.parametrize(
    "kwargs", [{"k": 1}, {"k": 2}, {"k": 2.5}, {"k": True}, {"round_to": 1}, {"round_to": True}]
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError, match=r"k|round_to"):
        protect(make([3, 10, 20]), **kwargs)


def test_k_two_is_allowed_when_zeros_are_suppressed():
    protected = protect(make([1, 0, 20]), k=2, suppress_zeros=True)
    assert protected.entries[("c0",)] == Suppressed(Reason.PRIMARY, "< 2")
    assert protected.entries[("c1",)] == Suppressed(Reason.PRIMARY, "< 2")


def test_also_suppress_is_kept_and_protected():
    table = make([[20, 30], [40, 50]])
    protected = protect(table, also_suppress=[("r0", "c0")])
    assert ("r0", "c0") in suppressed_keys(protected)
    assert {r.rule for r in protected.suppressed if r.key == ("r0", "c0")} == {Rule.REQUESTED}
    assert exactly_derivable(protected) == ()


def test_also_suppress_refuses_unknown_entries_and_shown_zeros():
    table = make([[0, 30], [40, 50]])
    with pytest.raises(ValueError, match="not an entry"):
        protect(table, also_suppress=[("r9", "c0")])
    with pytest.raises(ValueError, match="zeros are shown"):
        protect(table, also_suppress=[("r0", "c0")])


def test_publish_never_shows_a_value_below_k():
    table = make([3, 10, 20])
    with pytest.raises(ValueError, match="below 5"):
        publish(table, [])
    with pytest.raises(ValueError, match="zeros are shown"):
        publish(make([3, 0, 20]), [("c0",), ("c1",)])


def test_csv_rows_wide_and_long():
    protected = protect(make([[2, 10, 12], [8, 9, 15], [20, 30, 40]]))
    assert protected.csv_rows() == [
        ["rij", "c0", "c1", "c2", "Totaal"],
        ["r0", "< 5", "x", "12", "24"],
        ["r1", "x", "x", "15", "32"],
        ["r2", "20", "30", "40", "90"],
        ["Totaal", "30", "49", "67", "146"],
    ]
    long = protected.csv_rows(layout="long", total_label="Total", value_header="n")
    assert long[0] == ["rij", "kolom", "n"]
    assert long[1] == ["r0", "c0", "< 5"]
    assert long[-1] == ["Total", "Total", "146"]
    assert len(long) == 1 + 16


def test_csv_rows_one_and_three_way():
    assert protect(make([3, 10, 20])).csv_rows() == [
        ["rij", "Aantal"],
        ["c0", "< 5"],
        ["c1", "x"],
        ["c2", "20"],
        ["Totaal", "33"],
    ]
    dims = [Dimension("a", ("x",)), Dimension("b", ("p", "q")), Dimension("c", ("u", "v"))]
    rows = protect(Table(dims, {("x", "p", "u"): 10})).csv_rows()
    assert rows[0] == ["a", "b", "u", "v", "Totaal"]
    assert rows[1] == ["x", "p", "10", "0", "10"]
    assert len(rows) == 1 + 2 * 3


def test_cells_and_margins_views():
    protected = protect(make([[2, 10], [8, 9]]))
    assert set(protected.cells) == {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
    assert all(TOTAL in key for key in protected.margins)
    assert len(protected.margins) == 5


def test_method_statement_counts_complements_in_dutch():
    one = protect(make([3, 10, 20]))
    assert "is daarnaast 1 cel van 5 of meer onderdrukt" in one.method
    many = protect(make([[2, 10, 12], [8, 9, 15], [20, 30, 40]]))
    assert "zijn daarnaast 3 cellen van 5 of meer onderdrukt" in many.method
    assert "Cellen met de waarde 0 worden wel getoond." in many.method


def test_pattern_is_a_fix_point():
    table = make([[1, 1, 30, 4], [10, 12, 14, 0], [2, 50, 3, 7]])
    first = suppression_pattern(table)
    again = suppression_pattern(table, also_suppress=[r.key for r in first.suppressed])
    assert {r.key for r in again.suppressed} == {r.key for r in first.suppressed}


SCRIPT = """
import itertools, random
from zicht.disclosure import Dimension, Table, protect
rng = random.Random(7)
dims = [Dimension(n, tuple(f"{n}{i}" for i in range(s))) for n, s in (("a", 5), ("b", 4), ("c", 3))]
cells = itertools.product(*(d.labels for d in dims))
table = Table(dims, {c: rng.choice([0, 1, 2, 3, 4, 7, 12, 40]) for c in cells})
print(protect(table).csv_rows())
"""


def test_output_does_not_depend_on_hash_randomisation():
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
