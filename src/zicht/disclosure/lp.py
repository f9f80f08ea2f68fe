"""An exact linear-programming reference: the range of each unknown under equations and bounds.

The attacker's feasibility interval for a suppressed entry is its minimum and maximum over
all tables that agree with the published figures and the bounds in :mod:`.knowledge`. This
module computes them with a small dense simplex method over :class:`fractions.Fraction`
(two phases, Bland's rule, so it neither cycles nor rounds). It needs no feasible point, so it
works from the published table alone; it is slow, so callers split the problem into
independent components first and keep it for small ones.

For 1-D and 2-D tables the constraint matrix is a network matrix, hence totally unimodular,
and the bounds are integers: the ranges are then the exact integer ranges. For 3-D tables
they are the linear-programming relaxation: an outer bound on what an attacker who also uses
integrality could conclude.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from .knowledge import Bounds

Equation = tuple[Mapping[int, int], int]  # sum(coefficient * x[variable]) == right-hand side
Range = tuple[Fraction, Fraction | None]  # None: unbounded above


# Exact rationals: values stay int until a division needs a Fraction (pivots are mostly ±1).
Number = int | Fraction
Row = dict[int, Number]  # sparse: column -> non-zero coefficient


class Polytope:
    """``{x : equations hold, bounds hold}`` with a feasible basis, ready to optimise over."""

    def __init__(self, equations: Sequence[Equation], bounds: Mapping[int, Bounds]) -> None:
        self.variables = sorted(bounds)
        self.lows = [bounds[v].low for v in self.variables]
        column = {v: i for i, v in enumerate(self.variables)}
        with_upper = [
            (column[v], high) for v in self.variables if (high := bounds[v].high) is not None
        ]
        n = len(self.variables)
        width = n + len(with_upper)

        # Shift every variable to y = x - low >= 0; an upper bound becomes y + slack = high - low.
        rows: list[Row] = []
        rhs: list[Number] = []
        for coefficients, value in equations:
            row: Row = {}
            b: Number = value
            for variable, a in coefficients.items():
                j = column[variable]
                row[j] = row.get(j, 0) + a
                b -= a * bounds[variable].low
            row = {j: a for j, a in row.items() if a}
            if b < 0:
                row, b = {j: -a for j, a in row.items()}, -b
            rows.append(row)
            rhs.append(b)
        n_equations = len(rows)
        basis = [-1] * n_equations  # filled with artificial columns below
        for s, (j, high) in enumerate(with_upper):
            rows.append({j: 1, n + s: 1})
            rhs.append(high - self.lows[j])
            basis.append(n + s)
        self.feasible = all(b >= 0 for b in rhs)
        if self.feasible:
            # Phase 1: an artificial variable for each equation row, minimise their sum.
            for i in range(n_equations):
                rows[i][width + i] = 1
                basis[i] = width + i
            cost: list[Number] = [*([0] * width), *([1] * n_equations)]
            _minimise(rows, rhs, basis, cost)
            artificial = (rhs[i] for i, basic in enumerate(basis) if basic >= width)
            self.feasible = sum(artificial) == 0
        if self.feasible:
            # Drive the artificial variables (now zero) out of the basis; drop redundant rows.
            keep = []
            for i, basic in enumerate(basis):
                if basic >= width:
                    entering = min((c for c in rows[i] if c < width), default=None)
                    if entering is None:
                        continue
                    _pivot(rows, rhs, basis, i, entering)
                keep.append(i)
            rows = [{j: a for j, a in rows[i].items() if j < width} for i in keep]
            rhs = [rhs[i] for i in keep]
            basis = [basis[i] for i in keep]
        self._rows, self._rhs, self._basis, self._width = rows, rhs, basis, width

    def optimise(
        self, objective: Mapping[int, int], *, maximise: bool
    ) -> tuple[Fraction | None, dict[int, Fraction]]:
        """The optimum of ``sum(c * x[v])`` and a vertex attaining it (None: unbounded).

        Starts from the basis the previous call left, which is feasible.
        """
        if not self.feasible:
            raise ValueError("the polytope is empty")
        index = {v: i for i, v in enumerate(self.variables)}
        sign = -1 if maximise else 1
        cost: list[Number] = [0] * self._width
        for v, c in objective.items():
            cost[index[v]] = sign * c
        bounded = _minimise(self._rows, self._rhs, self._basis, cost)
        shifted: list[Number] = [0] * len(self.variables)
        for i, basic in enumerate(self._basis):
            if basic < len(shifted):
                shifted[basic] = self._rhs[i]
        point = {
            v: Fraction(low + y)
            for v, low, y in zip(self.variables, self.lows, shifted, strict=True)
        }
        value = sum((c * point[v] for v, c in objective.items()), Fraction(0))
        return (value if bounded else None), point


def ranges(equations: Sequence[Equation], bounds: Mapping[int, Bounds]) -> dict[int, Range] | None:
    """The minimum and maximum of every variable in ``bounds``; None when nothing is feasible."""
    polytope = Polytope(equations, bounds)
    if not polytope.feasible:
        return None
    result: dict[int, Range] = {}
    for variable in polytope.variables:
        minimum, _ = polytope.optimise({variable: 1}, maximise=False)
        maximum, _ = polytope.optimise({variable: 1}, maximise=True)
        if minimum is None:  # pragma: no cover - x >= low bounds every minimum
            raise AssertionError("a minimum is unbounded")
        result[variable] = (minimum, maximum)  # Fractions: optimise() returns them
    return result


#: Degenerate pivots in a row after which the pivot rule switches to Bland's (which cannot
#: cycle) for the rest of the run.
_STALL = 50


def _minimise(rows: list[Row], rhs: list[Number], basis: list[int], cost: Sequence[Number]) -> bool:
    """Run the simplex method from a feasible basis; False when the objective is unbounded.

    The most negative reduced cost enters (Dantzig), until pivots stall; then the lowest
    index enters (Bland). Ties in the ratio test go to the lowest basic index.
    """
    reduced = list(cost)
    for i, basic in enumerate(basis):
        factor = cost[basic]
        if factor:
            for j, a in rows[i].items():
                reduced[j] -= factor * a
    stalled = 0
    while True:
        negative = [(r, j) for j, r in enumerate(reduced) if r < 0]
        if not negative:
            return True
        entering = min(negative)[1] if stalled < _STALL else negative[0][1]
        best: tuple[Fraction, int, int] | None = None
        for i, row in enumerate(rows):
            coefficient = row.get(entering)
            if coefficient is not None and coefficient > 0:
                key = (Fraction(rhs[i]) / coefficient, basis[i], i)
                if best is None or key < best:
                    best = key
        if best is None:
            return False
        ratio, _, leaving = best
        stalled = stalled + 1 if ratio == 0 else 0
        _pivot(rows, rhs, basis, leaving, entering)
        factor = reduced[entering]
        for j, a in rows[leaving].items():
            reduced[j] -= factor * a


def _pivot(rows: list[Row], rhs: list[Number], basis: list[int], r: int, j: int) -> None:
    scale = rows[r][j]
    if scale == -1:
        rows[r] = {c: -a for c, a in rows[r].items()}
        rhs[r] = -rhs[r]
    elif scale != 1:
        rows[r] = {c: Fraction(a) / scale for c, a in rows[r].items()}
        rhs[r] = Fraction(rhs[r]) / scale
    pivot = rows[r]
    for i, row in enumerate(rows):
        factor = row.get(j)
        if i == r or factor is None:
            continue
        for c, p in pivot.items():
            updated = row.get(c, 0) - factor * p
            if updated:
                row[c] = updated
            else:
                del row[c]
        rhs[i] -= factor * rhs[r]
    basis[r] = j
