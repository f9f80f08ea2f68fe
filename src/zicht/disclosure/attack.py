"""The attack checker: what a reader can work out from a published table alone.

Two questions, both answered exactly, from the :class:`.ProtectedTable` only (no true
values):

- :func:`exactly_derivable` — which suppressed entries follow from the published figures by
  linear equations (every line of the extended table sums to its total). Exact rational
  Gaussian elimination; any size. This is the guarantee :func:`.protect` makes for every
  suppressed entry.
- :func:`feasibility_intervals` — the range of each suppressed entry once the attacker also
  uses what the markers reveal (a primary value is 1 to k - 1, or 0 to k - 1 when zeros are
  suppressed; a complement is at least k) and that counts are not negative. Exact linear
  programming over fractions (:mod:`.lp`), per independent component, for components of at
  most ``max_unknowns`` entries. For 1-D and 2-D tables these are the exact integer ranges;
  for 3-D tables an outer bound. A range of one point is a disclosure even when the value is
  not linearly derivable.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import linalg, lp
from .published import ProtectedTable, Suppressed
from .table import EntryKey


@dataclass(frozen=True)
class Interval:
    """The values a suppressed entry can take given everything published."""

    low: Fraction
    high: Fraction | None  # None: unbounded above

    @property
    def exact(self) -> bool:
        """True when only one value is possible: the entry is disclosed."""
        return self.low == self.high


def exactly_derivable(published: ProtectedTable) -> tuple[EntryKey, ...]:
    """The suppressed entries whose value the published cells and margins determine."""
    shape = published.shape
    unknown = {shape.index[record.key] for record in published.suppressed}
    rows = [
        {c: a for c, a in line.coefficients().items() if c in unknown}
        for line in shape.lines
        if any(e in unknown for e in line.entries)
    ]
    reduced = linalg.reduce(rows, sorted(unknown))
    return tuple(shape.entry_keys[i] for i in reduced.determined(unknown))


def feasibility_intervals(
    published: ProtectedTable, *, max_unknowns: int = 60
) -> dict[EntryKey, Interval]:
    """The attacker's interval for every suppressed entry, in entry order.

    Raises ValueError for a rounded table (rounded figures are not equations; the intervals
    of the unrounded publication are narrower, so check that one), for a component of more
    than ``max_unknowns`` suppressed entries, and for figures that contradict each other.
    """
    if published.round_to is not None:
        raise ValueError("intervals are computed on the unrounded publication")
    shape = published.shape
    keys = shape.entry_keys
    unknown = {shape.index[record.key] for record in published.suppressed}
    bounds = {shape.index[key]: b for key, b in published.bounds.items()}

    equations: list[lp.Equation] = []
    parent = {u: u for u in unknown}  # union-find over entries sharing an equation

    def find(u: int) -> int:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for line in shape.lines:
        coefficients = line.coefficients()
        variables = {c: a for c, a in coefficients.items() if c in unknown}
        if not variables:
            continue
        known = sum(
            a * _value(published.entries[keys[c]])
            for c, a in coefficients.items()
            if c not in unknown
        )
        equations.append((variables, -known))
        first, *rest = variables
        for other in rest:
            parent[find(other)] = find(first)

    components: dict[int, list[int]] = {}
    for u in sorted(unknown):
        components.setdefault(find(u), []).append(u)
    result: dict[int, Interval] = {}
    for members in components.values():
        if len(members) > max_unknowns:
            raise ValueError(
                f"{len(members)} suppressed entries depend on each other; "
                f"more than max_unknowns={max_unknowns}"
            )
        inside = set(members)
        ranges = lp.ranges(
            [eq for eq in equations if next(iter(eq[0])) in inside],
            {m: bounds[m] for m in members},
        )
        if ranges is None:
            raise ValueError("the published figures contradict each other")
        for m, (low, high) in ranges.items():
            result[m] = Interval(low=low, high=high)
    return {keys[i]: result[i] for i in sorted(result)}


def pinned_entries(published: ProtectedTable, *, max_unknowns: int = 60) -> tuple[EntryKey, ...]:
    """The suppressed entries whose feasibility interval is a single value."""
    intervals = feasibility_intervals(published, max_unknowns=max_unknowns)
    return tuple(key for key, interval in intervals.items() if interval.exact)


def _value(entry: int | Suppressed) -> int:
    if isinstance(entry, Suppressed):  # pragma: no cover - only published entries are summed
        raise TypeError("a suppressed entry has no value")
    return entry
