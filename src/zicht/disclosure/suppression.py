"""Primary and secondary cell suppression for tables of counts.

Primary suppression hides every entry (cell or margin) below k; zeros only when asked.
Secondary suppression then adds *complements* until three conditions hold:

1. **witness** — every primary suppression has a witness move (:mod:`.witness`): a change of
   the table, invisible in everything published and within what the markers reveal, that
   changes the value. So the value can be neither derived from the equations nor pinned by
   the bounds (two "< 5" cells whose row leaves 2 for them are both 1). Primary suppressions
   are taken in entry order; each gets the cheapest move (sum of the values newly
   suppressed, then their number, then a fixed order), where entries already suppressed cost
   nothing. The smallest moves are the hypercubes of Repsilber's method. In a 3-D table
   where no network cycle exists, an exact linear programme looks for a general move, first
   among what is already suppressed (:meth:`_Search._vertex_witness`).
2. **lines** — no line of the extended table holds exactly one suppressed entry; a lone
   suppression would equal its total minus its published members. The smallest published
   non-zero entry of such a line is added (cells before margins, then entry order).
3. **linear** — no suppressed entry, primary or not, is determined by all the lines'
   equations together, decided exactly with :mod:`.linalg`. Where one is, the cheapest single
   complement that frees it is added (or, if none suffices alone, the cheapest one on its
   lines), and rules 2 and 3 are applied again.

Complements are always published non-zero values, so at least k: a complement that could be 0
would be known to be 0, since a value from 1 to k - 1 would have been primary. Every entry a
witness move changes is free in rule 3 and every line through it holds two of them, so rules
2 and 3 act only on what rule 1 does not cover (requested suppressions, unprotected values);
they are still what the result is checked against. A primary value for which no witness is
found is reported as *unprotected*; in 1-D and 2-D tables that means none exists even with
every eligible entry suppressed (see section 5 of ``docs/protocols/disclosure-control.md``).

Every choice is deterministic and the search only ever adds suppressions, so it ends: in the
worst case with every non-zero entry suppressed, where nothing is derivable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import linalg, lp, witness
from .knowledge import Bounds, Reason, bounds_for
from .published import Rule, SuppressionRecord, is_sensitive, validate_settings
from .table import EntryKey, Line, Table, level

#: The largest group of interdependent entries handed to the linear-programming fallback.
MAX_LP_UNKNOWNS = 60


@dataclass(frozen=True)
class Pattern:
    """Which entries to suppress, and which primary suppressions have no witness move."""

    suppressed: tuple[SuppressionRecord, ...]  # in entry order
    unprotected: tuple[EntryKey, ...]


def suppression_pattern(
    table: Table,
    *,
    k: int = 5,
    suppress_zeros: bool = False,
    also_suppress: Iterable[EntryKey] = (),
) -> Pattern:
    """The primary and secondary suppressions for ``table``, as a fix-point of the three rules.

    ``also_suppress`` adds entries to start from (for example a previous pattern, or figures
    already suppressed in a linked table); they are kept.
    """
    validate_settings(k=k, suppress_zeros=suppress_zeros, round_to=None)
    search = _Search(table, k=k, suppress_zeros=suppress_zeros)
    for key in also_suppress:
        i = table.index.get(key)
        if i is None:
            raise ValueError(f"{key!r} is not an entry of the table")
        if not (search.sensitive[i] or search.eligible[i]):
            raise ValueError(f"{key!r} is 0 and zeros are shown; it cannot be suppressed")
        if i not in search.status:
            search.add(i, Rule.REQUESTED)
    return search.run()


class _Search:
    def __init__(self, table: Table, *, k: int, suppress_zeros: bool) -> None:
        self.table = table
        self.values = table.entry_values
        n = len(self.values)
        self.sensitive = [is_sensitive(v, k=k, suppress_zeros=suppress_zeros) for v in self.values]
        self.eligible = [not s and v > 0 for s, v in zip(self.sensitive, self.values, strict=True)]
        primary = bounds_for(Reason.PRIMARY, k=k, suppress_zeros=suppress_zeros)
        secondary = bounds_for(Reason.SECONDARY, k=k, suppress_zeros=suppress_zeros)
        # What each entry's marker would reveal if it were suppressed (None: cannot be).
        self.bounds: list[Bounds | None] = [
            primary if self.sensitive[i] else secondary if self.eligible[i] else None
            for i in range(n)
        ]
        keys = table.entry_keys
        self.rank = sorted(range(n), key=lambda i: (level(keys[i]), self.values[i], i))
        self.lines_of: list[list[Line]] = [[] for _ in range(n)]
        for line in table.lines:
            for e in line.entries:
                self.lines_of[e].append(line)
        self.equations = [line.coefficients() for line in table.lines]
        self.status: dict[int, tuple[Reason, Rule]] = {
            i: (Reason.PRIMARY, Rule.BELOW_K) for i in range(n) if self.sensitive[i]
        }
        # Entries changed by a chosen witness move: never linearly determined (the move is a
        # solution of the homogeneous equations that changes them), so rule 3 skips them.
        self.covered: set[int] = set()

    def add(self, i: int, rule: Rule) -> None:
        if i not in self.status:
            reason = Reason.PRIMARY if self.sensitive[i] else Reason.SECONDARY
            self.status[i] = (reason, rule)

    def run(self) -> Pattern:
        pending = self._witnesses()
        self._settle()
        unprotected = []
        if pending and self.table.ndim == 3:  # 1-D, 2-D: layers are complete
            everything = {i for i, b in enumerate(self.bounds) if b is not None}
            for entry in pending:
                # First a move among what is already suppressed, else one that adds some.
                move = self._vertex_witness(entry, movable=set(self.status))
                if move is None:
                    move = self._vertex_witness(entry, movable=everything)
                if move is None:
                    unprotected.append(entry)
                    continue
                self.covered.update(move)
                for corner in move:
                    self.add(corner, Rule.WITNESS)
            self._settle()
        else:
            unprotected = pending
        keys = self.table.entry_keys
        return Pattern(
            suppressed=tuple(
                SuppressionRecord(key=keys[i], reason=reason, rule=rule)
                for i, (reason, rule) in sorted(self.status.items())
            ),
            unprotected=tuple(keys[i] for i in sorted(unprotected)),
        )

    def _settle(self) -> None:
        while True:
            self._lines()
            if not self._linear():
                break

    def _cheapest(self, among: Iterable[int]) -> int | None:
        allowed = {i for i in among if self.eligible[i] and i not in self.status}
        return next((i for i in self.rank if i in allowed), None)

    # Rule 1: a witness move through every primary suppression. Whether an entry may change
    # does not depend on what is suppressed (its bounds are fixed), so one pass suffices:
    # suppressions added later never undo a witness.
    def _witnesses(self) -> list[int]:
        unprotected = []
        primaries = sorted(i for i, (reason, _) in self.status.items() if reason is Reason.PRIMARY)
        finder = witness.Finder(self.table, self._can_change)
        for entry in primaries:
            best = finder.cheapest_move(entry, self._cost)
            if best is None:
                unprotected.append(entry)
                continue
            for corner, _ in best[1]:
                self.covered.add(corner)
                self.add(corner, Rule.WITNESS)
        return unprotected

    def _vertex_witness(self, entry: int, *, movable: set[int]) -> list[int] | None:
        """A general move found by linear programming, for 3-D tables where no layer has one.

        Writes a move of the ``movable`` entries as ``u - v`` with ``u, v >= 0`` within each
        entry's bounds, every line still balanced, and ``entry`` moved by exactly +1 or -1;
        minimises ``sum(cost * (u + v))``, where an entry costs 1 plus its value unless it is
        already suppressed. Returns the entries an integral optimal vertex changes; a
        fractional vertex is not used. Only for groups of at most MAX_LP_UNKNOWNS
        interdependent entries.
        """
        unknown = movable
        component = {entry}
        frontier = [entry]
        while frontier:
            e = frontier.pop()
            for line in self.lines_of[e]:
                for other in line.entries:
                    if other in unknown and other not in component:
                        component.add(other)
                        frontier.append(other)
        if len(component) > MAX_LP_UNKNOWNS:
            return None
        # Variable 2i is u_i (increase of entry i), 2i + 1 is v_i (decrease).
        equations: list[lp.Equation] = []
        for eq in self.equations:
            terms = {c: a for c, a in eq.items() if c in component}
            if terms:
                moved = {2 * c: a for c, a in terms.items()} | {
                    2 * c + 1: -a for c, a in terms.items()
                }
                equations.append((moved, 0))
        objective = {}
        for i in component:
            price = 1 if i in self.status else 1 + self.values[i]
            objective[2 * i] = objective[2 * i + 1] = price
        for direction in (1, -1):
            bounds: dict[int, Bounds] = {}
            for i in sorted(component):
                b = self.bounds[i]
                if b is None:  # pragma: no cover - component holds only eligible entries
                    continue
                x = self.values[i]
                up = None if b.high is None else b.high - x
                down = x - b.low
                if i == entry:
                    up, down = (1, 0) if direction == 1 else (0, 1)
                    bounds[2 * i] = Bounds(up, up)
                    bounds[2 * i + 1] = Bounds(down, down)
                else:
                    bounds[2 * i] = Bounds(0, up)
                    bounds[2 * i + 1] = Bounds(0, down)
            polytope = lp.Polytope(equations, bounds)
            if not polytope.feasible:
                continue
            _, point = polytope.optimise(objective, maximise=False)
            if all(x.denominator == 1 for x in point.values()):
                return sorted(i for i in component if point[2 * i] != point[2 * i + 1])
        return None

    def _can_change(self, entry: int, delta: int) -> bool:
        bounds = self.bounds[entry]
        if bounds is None:
            return False
        moved = self.values[entry] + delta
        return moved >= bounds.low and (bounds.high is None or moved <= bounds.high)

    def _cost(self, entry: int) -> witness.Cost:
        return (0, 0) if entry in self.status else (self.values[entry], 1)

    # Rule 2: no line with exactly one suppressed entry.
    def _lines(self) -> None:
        changed = True
        while changed:
            changed = False
            for line in self.table.lines:
                if sum(1 for e in line.entries if e in self.status) == 1:
                    complement = self._cheapest(line.entries)
                    if complement is not None:
                        self.add(complement, Rule.LINE)
                        changed = True

    # Rule 3: no suppressed entry determined by the equations. Adds at most one complement.
    def _linear(self) -> bool:
        unknown = set(self.status)
        if unknown <= self.covered:
            return False
        restricted = [{c: a for c, a in eq.items() if c in unknown} for eq in self.equations]
        reduced = linalg.reduce([row for row in restricted if row], sorted(unknown))
        determined = reduced.determined(unknown)
        if not determined:
            return False
        entry = determined[0]
        # Carry every other column through the same elimination to see, at once, which single
        # extra suppression would free this entry (see linalg.Reduced.fixes).
        full = linalg.reduce(self.equations, sorted(unknown))
        complement = next(
            (
                c
                for c in self.rank
                if self.eligible[c] and c not in self.status and full.fixes(entry, c)
            ),
            None,
        )
        if complement is None:  # no single complement suffices: make progress near the entry
            near = {e for line in self.lines_of[entry] for e in line.entries}
            complement = self._cheapest(near)
        if complement is None:
            complement = self._cheapest(range(len(self.values)))
        if complement is None:  # pragma: no cover - all non-zero entries suppressed is safe
            raise AssertionError("no complement left for a derivable entry")
        self.add(complement, Rule.LINEAR)
        return True
