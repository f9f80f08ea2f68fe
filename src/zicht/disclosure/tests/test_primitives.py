"""The building blocks against plain references: witness moves and exact elimination."""

from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.disclosure import linalg, witness
from zicht.disclosure.knowledge import Reason, bounds_for

from .tables import rank, tables


def can_change_for(table, k=5):
    primary = bounds_for(Reason.PRIMARY, k=k, suppress_zeros=False)
    secondary = bounds_for(Reason.SECONDARY, k=k, suppress_zeros=False)

    def can_change(entry, delta):
        value = table.entry_values[entry]
        if value == 0:
            return False
        b = primary if value < k else secondary
        moved = value + delta
        return moved >= b.low and (b.high is None or moved <= b.high)

    return can_change


@given(tables(max_sizes=(5, 4, 3)))
@settings(max_examples=60, deadline=None)
def test_every_witness_move_is_invisible_and_within_bounds(table):
    can_change = can_change_for(table)
    finder = witness.Finder(table, can_change)
    for entry, value in enumerate(table.entry_values):
        if not 0 < value < 5:
            continue
        found = finder.cheapest_move(entry, lambda e: (table.entry_values[e], 1))
        if found is None:
            continue
        cost, move = found
        change = dict(move)
        assert len(change) == len(move)  # no entry twice
        assert change[entry] in (1, -1)
        # Invisible: every line of the extended table still balances after the move.
        for line in table.lines:
            assert sum(a * change.get(e, 0) for e, a in line.coefficients().items()) == 0
        # Within what the markers reveal, for every entry it changes.
        assert all(can_change(e, d) for e, d in move)
        assert cost == (sum(table.entry_values[e] for e in change), len(change))


@given(
    st.lists(st.lists(st.integers(-1, 1), min_size=5, max_size=5), min_size=1, max_size=6),
    st.sets(st.integers(0, 4), min_size=1),
)
@settings(max_examples=200, deadline=None)
def test_determined_columns_match_a_rank_reference(matrix, unknown):
    rows = [{c: a for c, a in enumerate(row) if a and c in unknown} for row in matrix]
    reduced = linalg.reduce(rows, sorted(unknown))
    columns = sorted(unknown)
    dense = [[row.get(c, 0) for c in columns] for row in rows]
    expected = []
    for j, c in enumerate(columns):
        unit = [1 if i == j else 0 for i in range(len(columns))]
        if rank([*dense, unit]) == rank(dense):
            expected.append(c)
    assert reduced.determined(set(unknown)) == expected


@given(
    st.lists(st.lists(st.integers(-1, 1), min_size=5, max_size=5), min_size=1, max_size=6),
    st.sets(st.integers(0, 4), min_size=1, max_size=4),
)
@settings(max_examples=200, deadline=None)
def test_fixes_matches_recomputing_with_the_candidate_unknown(matrix, unknown):
    full = [{c: a for c, a in enumerate(row) if a} for row in matrix]
    reduced = linalg.reduce(full, sorted(unknown))
    determined = reduced.determined(set(unknown))
    for entry in determined:
        for candidate in set(range(5)) - set(unknown):
            wider = set(unknown) | {candidate}
            again = linalg.reduce(
                [{c: a for c, a in row.items() if c in wider} for row in full], sorted(wider)
            )
            assert reduced.fixes(entry, candidate) == (entry not in again.determined(wider))
