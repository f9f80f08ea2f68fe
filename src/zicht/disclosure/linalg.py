"""Exact linear algebra over the rationals for the attack checker.

An attacker who sees a table with some entries suppressed has one linear equation per line
of the extended table. A suppressed entry ``e`` is *exactly derivable* from those equations
when the unit vector of ``e`` lies in the row space of the constraint matrix restricted to
the suppressed columns. Gauss-Jordan elimination over :class:`fractions.Fraction` decides
that without rounding error: after reducing, ``e`` is derivable exactly when its pivot row
has no other non-zero entry among the suppressed columns.

Columns that are not suppressed can be carried through the same elimination (without being
used as pivots). That answers "which one extra suppression would make ``e`` underivable?"
for every candidate at once; see :meth:`Reduced.fixes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from fractions import Fraction

Number = int | Fraction  # integers stay int until a division makes a fraction
Row = dict[int, Number]


@dataclass
class Reduced:
    """A matrix in reduced row echelon form with respect to some pivot columns."""

    rows: list[Row]
    pivot_row: dict[int, int]  # pivot column -> index of its row

    def determined(self, unknown: Set[int]) -> list[int]:
        """The columns in ``unknown`` whose value the equations fix, in ascending order."""
        result = []
        for column, r in self.pivot_row.items():
            if column in unknown and all(c == column or c not in unknown for c in self.rows[r]):
                result.append(column)
        return sorted(result)

    def fixes(self, column: int, candidate: int) -> bool:
        """Would also treating ``candidate`` as unknown make the determined ``column`` free?

        Writing ``A`` for the matrix over the unknown columns and ``a`` for the candidate's
        column: ``column`` stays determined unless ``a`` lies in the column space of ``A``
        (every row without a pivot is zero at the candidate) and the combination of rows that
        yields the unit vector of ``column`` is non-zero at the candidate.
        """
        if not self.rows[self.pivot_row[column]].get(candidate):
            return False
        pivot_rows = set(self.pivot_row.values())
        return all(not row.get(candidate) for r, row in enumerate(self.rows) if r not in pivot_rows)


def reduce(matrix: Sequence[Mapping[int, int]], pivot_columns: Iterable[int]) -> Reduced:
    """Gauss-Jordan elimination of a sparse integer matrix, pivoting only on the given columns.

    ``matrix`` is a list of rows, each a mapping from column to coefficient. Columns not in
    ``pivot_columns`` are transformed along but never pivoted on. The next pivot is the
    column held by the fewest rows not yet used, in the shortest such row (a Markowitz-style
    choice that keeps the rows sparse); ties go to the lowest index. The answers of
    :meth:`Reduced.determined` and :meth:`Reduced.fixes` do not depend on the pivot order.
    """
    rows: list[Row] = [{c: v for c, v in row.items() if v} for row in matrix]
    holders: dict[int, set[int]] = {}
    for i, row in enumerate(rows):
        for c in row:
            holders.setdefault(c, set()).add(i)
    remaining = set(pivot_columns)
    pivot_row: dict[int, int] = {}
    used: set[int] = set()
    while remaining:
        best: tuple[int, int, int, int] | None = None
        for column in remaining:
            free_rows = holders.get(column, set()) - used
            if not free_rows:
                continue
            r = min(free_rows, key=lambda i: (len(rows[i]), i))
            key = (len(free_rows), len(rows[r]), column, r)
            if best is None or key < best:
                best = key
        if best is None:
            break
        _, _, column, r = best
        remaining.discard(column)
        pivot = rows[r]
        scale = pivot[column]
        if scale == -1:
            pivot = {c: -v for c, v in pivot.items()}
            rows[r] = pivot
        elif scale != 1:
            pivot = {c: Fraction(v) / scale for c, v in pivot.items()}
            rows[r] = pivot
        for i in sorted(holders[column] - {r}):
            row = rows[i]
            factor = row[column]
            for c, v in pivot.items():
                updated = row.get(c, 0) - factor * v
                if updated:
                    if c not in row:
                        holders.setdefault(c, set()).add(i)
                    row[c] = updated
                else:
                    del row[c]
                    holders[c].discard(i)
        used.add(r)
        pivot_row[column] = r
    return Reduced(rows=rows, pivot_row=pivot_row)
