"""The guarantees of protect(), as properties over random 1-D, 2-D and 3-D tables.

Asserted on every output:

- no published entry (cell or margin) is a value from 1 to k - 1, nor 0 when zeros are
  suppressed; every marker tells the truth (a primary value is below k, a complement is at
  least k);
- the exact attack checker finds no suppressed entry that the published figures determine;
- no line of the extended table holds exactly one suppressed entry;
- protecting again, starting from the result, suppresses nothing more; the output is
  deterministic;
- no value below k can be pinned by the published figures plus the markers' bounds, unless
  protect() reports it as unprotected (checked with the exact linear programme where the
  tables are small enough); in 1-D and 2-D tables an unprotected value is pinned whatever
  else is suppressed.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.disclosure import (
    Reason,
    Suppressed,
    exactly_derivable,
    pinned_entries,
    protect,
    publish,
    round_to_base,
    suppression_pattern,
)

from .tables import tables

SETTINGS = settings(max_examples=200, deadline=None)
SMALL = settings(max_examples=60, deadline=None)

KS = st.sampled_from([5, 5, 3, 10])


def check_published_values(table, protected):
    k = protected.k
    for key, value in zip(table.entry_keys, table.entry_values, strict=True):
        shown = protected.entries[key]
        if isinstance(shown, Suppressed):
            if shown.reason is Reason.PRIMARY:
                assert value < k
                assert value > 0 or protected.suppress_zeros
            else:
                assert value >= k
        else:
            assert value >= k or (value == 0 and not protected.suppress_zeros), key
            assert shown == value


def check_lines(table, protected):
    suppressed = {table.index[r.key] for r in protected.suppressed}
    for line in table.lines:
        assert sum(1 for e in line.entries if e in suppressed) != 1


@given(tables(), KS, st.booleans())
@SETTINGS
def test_guarantees(table, k, suppress_zeros):
    protected = protect(table, k=k, suppress_zeros=suppress_zeros)
    check_published_values(table, protected)
    check_lines(table, protected)
    assert exactly_derivable(protected) == ()
    assert protect(table, k=k, suppress_zeros=suppress_zeros) == protected
    again = suppression_pattern(
        table,
        k=k,
        suppress_zeros=suppress_zeros,
        also_suppress=[r.key for r in protected.suppressed],
    )
    assert [(r.key, r.reason) for r in again.suppressed] == [
        (r.key, r.reason) for r in protected.suppressed
    ]


@given(
    st.sampled_from([2, 3]).flatmap(
        lambda n: tables(ndim=n, min_sizes=(4, 4, 2), max_sizes=(6, 6, 3))
    ),
    KS,
)
@settings(max_examples=60, deadline=None)
def test_guarantees_on_larger_tables(table, k):
    protected = protect(table, k=k)
    check_published_values(table, protected)
    check_lines(table, protected)
    assert exactly_derivable(protected) == ()


@given(tables(max_sizes=(5, 4, 2)), st.booleans())
@SMALL
def test_no_value_below_k_is_pinned_by_bounds(table, suppress_zeros):
    protected = protect(table, suppress_zeros=suppress_zeros)
    pinned = set(pinned_entries(protected, max_unknowns=200))
    primaries = {r.key for r in protected.suppressed if r.reason is Reason.PRIMARY}
    assert pinned & primaries <= set(protected.unprotected)


@given(tables(ndim=2, max_sizes=(4, 4)))
@SMALL
def test_unprotected_values_in_two_way_tables_are_pinned_whatever_is_suppressed(table):
    protected = protect(table)
    if not protected.unprotected:
        return
    everything = [
        key for key, value in zip(table.entry_keys, table.entry_values, strict=True) if value > 0
    ]
    most = publish(table, everything)
    assert set(protected.unprotected) <= set(pinned_entries(most, max_unknowns=200))


@given(tables(), st.sampled_from([5, 10]))
@SMALL
def test_rounding_changes_published_values_only(table, base):
    exact = protect(table)
    rounded = protect(table, round_to=base)
    assert rounded.suppressed == exact.suppressed
    for key, value in zip(table.entry_keys, table.entry_values, strict=True):
        shown = rounded.entries[key]
        if isinstance(shown, int):
            assert shown == round_to_base(value, base)
            assert shown % base == 0
            assert (shown == 0) == (value == 0)
            assert abs(shown - value) <= base // 2 or shown == base
