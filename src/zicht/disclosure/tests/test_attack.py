"""The attack checker: it finds what naive suppression leaks, and agrees with references."""

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.disclosure import (
    TOTAL,
    Dimension,
    EntryKey,
    Table,
    exactly_derivable,
    feasibility_intervals,
    pinned_entries,
    protect,
    publish,
)
from zicht.disclosure.knowledge import Bounds
from zicht.disclosure.lp import ranges

from .tables import derivable_by_rank, make, naive_line_pattern, tables

FAST = settings(max_examples=60, deadline=None)


def primaries(table, k=5):
    return [key for key, v in zip(table.entry_keys, table.entry_values, strict=True) if 0 < v < k]


def test_a_lone_suppression_in_a_one_way_table_is_derivable():
    table = make([3, 10, 20])
    published = publish(table, [("c0",)])
    assert exactly_derivable(published) == (("c0",),)


def test_a_lone_suppression_in_a_two_way_table_is_derivable():
    table = make([[2, 10, 12], [8, 9, 15], [20, 30, 40]])
    published = publish(table, [("r0", "c0")])
    assert exactly_derivable(published) == (("r0", "c0"),)


def test_a_rectangle_of_suppressions_is_not_derivable():
    table = make([[2, 10, 12], [8, 9, 15], [20, 30, 40]])
    published = publish(table, [("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")])
    assert exactly_derivable(published) == ()


def test_a_bridge_between_two_rectangles_is_derivable_though_every_line_has_two():
    # Every row and column holds 0 or at least 2 suppressions, yet (r0, c2) is the sum of
    # row totals r0 and r1 minus column totals c0 and c1 plus published cells.
    rows = [[10] * 4 for _ in range(4)]
    rows[0][2] = 2
    table = make(rows)
    keys = [
        ("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1"),
        ("r2", "c2"), ("r2", "c3"), ("r3", "c2"), ("r3", "c3"),
        ("r0", "c2"),
    ]  # fmt: skip
    published = publish(table, keys)
    for line in table.lines:
        inside = [e for e in line.entries if table.entry_keys[e] in keys]
        assert len(inside) != 1
    assert exactly_derivable(published) == (("r0", "c2"),)


def test_a_suppressed_three_way_cell_is_derivable_from_its_margins():
    dims = [Dimension("a", ("x", "y")), Dimension("b", ("p", "q")), Dimension("c", ("u", "v"))]
    table = Table(
        dims, dict.fromkeys(itertools.product("xy", "pq", "uv"), 10) | {("x", "p", "u"): 3}
    )
    published = publish(table, [("x", "p", "u")])
    assert exactly_derivable(published) == (("x", "p", "u"),)


def test_two_small_cells_in_a_row_are_pinned_though_not_derivable():
    # Row r0 leaves 2 for its two suppressed cells; both are at least 1, so both are 1.
    table = make([[1, 1, 30], [10, 12, 14]])
    published = publish(table, [("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")])
    assert exactly_derivable(published) == ()
    assert set(pinned_entries(published)) >= {("r0", "c0"), ("r0", "c1")}
    intervals = feasibility_intervals(published)
    assert intervals[("r0", "c0")].low == intervals[("r0", "c0")].high == 1


def test_intervals_of_a_protected_table():
    table = make([[1, 1, 30], [10, 12, 14]])
    protected = protect(table)
    assert exactly_derivable(protected) == ()
    assert pinned_entries(protected) == ()
    intervals = feasibility_intervals(protected)
    assert intervals[("r0", "c0")].low == 1
    high = intervals[("r0", "c0")].high
    assert high is not None
    assert high >= 2


def test_intervals_refuse_rounded_tables_and_large_components():
    table = make([[1, 1, 30], [10, 12, 14]])
    with pytest.raises(ValueError, match="unrounded"):
        feasibility_intervals(protect(table, round_to=5))
    with pytest.raises(ValueError, match="max_unknowns"):
        feasibility_intervals(protect(table), max_unknowns=2)


@given(tables(max_sizes=(5, 4, 3)))
@FAST
def test_naive_primary_only_publications_leak_every_lone_suppression(table):
    # Non-vacuity: the checker reports every primary suppression that is alone on a line.
    published = publish(table, primaries(table))
    found = set(exactly_derivable(published))
    for line in table.lines:
        inside = [e for e in line.entries if table.entry_keys[e] in set(primaries(table))]
        if len(inside) == 1:
            assert table.entry_keys[inside[0]] in found


@given(tables(max_sizes=(5, 4, 3)))
@FAST
def test_linear_checker_agrees_with_a_rank_reference(table):
    for keys in (primaries(table), naive_line_pattern(table)):
        published = publish(table, keys)
        assert exactly_derivable(published) == derivable_by_rank(published)


def test_the_line_rule_alone_leaks_for_some_tables():
    # The textbook heuristic (primary plus "two per line") is not enough; the checker sees it.
    leaky = 0
    for seed in range(60):
        rows = [[(seed * 7 + i * 5 + j * 3) % 13 for j in range(5)] for i in range(5)]
        table = make(rows)
        published = publish(table, naive_line_pattern(table))
        if exactly_derivable(published) or pinned_entries(published, max_unknowns=200):
            leaky += 1
    assert leaky > 0


# The linear-programming reference against brute force on small 1-D and 2-D tables, where
# the integer ranges and the LP ranges coincide (network matrices are totally unimodular).


def brute_force_ranges(table, published):
    """Integer min and max of each suppressed cell, by enumerating the suppressed cells."""
    shape = published.shape
    suppressed_cells = [r.key for r in published.suppressed if TOTAL not in r.key]
    bounds = published.bounds
    total = table.value(shape.entry_keys[-1])
    choices = []
    for key in suppressed_cells:
        b = bounds[key]
        high = total if b.high is None else min(b.high, total)
        choices.append(range(b.low, high + 1))
    lows: dict[EntryKey, int] = {}
    highs: dict[EntryKey, int] = {}
    for values in itertools.product(*choices):
        counts = dict(table.cells)
        counts.update(zip(suppressed_cells, values, strict=True))
        candidate = Table(table.dimensions, counts)
        ok = True
        for key, shown in published.entries.items():
            value = candidate.value(key)
            if isinstance(shown, int):
                ok = value == shown
            else:
                b = bounds[key]
                ok = value >= b.low and (b.high is None or value <= b.high)
            if not ok:
                break
        if ok:
            for key in bounds:
                value = candidate.value(key)
                lows[key] = min(lows.get(key, value), value)
                highs[key] = max(highs.get(key, value), value)
    return lows, highs


small_counts = st.one_of(st.integers(0, 4), st.integers(5, 9))


@given(tables(ndim=2, max_sizes=(3, 3), counts=small_counts), st.data())
@settings(max_examples=40, deadline=None)
def test_lp_ranges_match_brute_force_on_small_tables(table, data):
    eligible = [k for k, v in zip(table.entry_keys, table.entry_values, strict=True) if v >= 5]
    extra = data.draw(st.lists(st.sampled_from(eligible), max_size=3) if eligible else st.just([]))
    grand = table.entry_keys[-1]
    keys = set(primaries(table)) | (set(extra) - {grand})
    if grand in keys or sum(1 for key in keys if TOTAL not in key) > 4:
        return  # keep the enumeration small and bounded
    published = publish(table, sorted(keys, key=table.entry_keys.index))
    lows, highs = brute_force_ranges(table, published)
    intervals = feasibility_intervals(published)
    assert set(intervals) == set(lows)
    for key, interval in intervals.items():
        assert interval.low == lows[key]
        assert interval.high == highs[key]


def test_lp_ranges_of_small_systems():
    # x + y = 3 with 1 <= x, y <= 4.
    assert ranges([({0: 1, 1: 1}, 3)], {0: Bounds(1, 4), 1: Bounds(1, 4)}) == {
        0: (Fraction(1), Fraction(2)),
        1: (Fraction(1), Fraction(2)),
    }
    # x - y = 0 with x >= 5 and no upper bound: unbounded above.
    assert ranges([({0: 1, 1: -1}, 0)], {0: Bounds(5, None), 1: Bounds(0, None)}) == {
        0: (Fraction(5), None),
        1: (Fraction(5), None),
    }
    # x + y = 1 with x, y >= 1: infeasible.
    assert ranges([({0: 1, 1: 1}, 1)], {0: Bounds(1, 4), 1: Bounds(1, 4)}) is None
