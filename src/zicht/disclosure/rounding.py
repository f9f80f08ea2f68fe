"""Rounding of published counts to a base, after suppression.

Every published figure, cell or margin, is rounded on its own to the nearest multiple of the
base, halves upwards (``round_to_base(5, 10) == 10``), except that a non-zero count never
becomes 0: it becomes the base. Margins are the rounded true totals, not sums of rounded
cells, so rows need not add up; the method statement says so. Rounding margins from rounded
cells would leak: a total minus the published cells would give a suppressed cell's rounded
value. This is deterministic conventional rounding, not controlled rounding (which keeps
tables additive by solving an optimisation problem; Hundepool et al. 2012).

Rounding only ever widens what a reader can infer, so the disclosure analysis is done on the
unrounded publication and remains valid after rounding.
"""

from __future__ import annotations


def round_to_base(value: int, base: int) -> int:
    """``value`` to the nearest multiple of ``base``, halves up; non-zero never becomes 0."""
    if base < 2:
        raise ValueError("the rounding base is at least 2")
    if value < 0:
        raise ValueError("counts are not negative")
    if value == 0:
        return 0
    return max(base, (value + base // 2) // base * base)
