"""What a reader of a published table knows about each suppressed value.

The protection method is public (it is in every method statement), so the analysis assumes
the attacker knows it. A cell shown as ``"< k"`` (a *primary* suppression) is between 1 and
k - 1, or between 0 and k - 1 when zeros are suppressed too. A cell shown as ``"x"`` (a
*secondary* suppression) is never zero and never below k, because only published non-zero
values of at least k are chosen as complements: it is at least k. Every published figure is
known exactly (rounding, if any, is ignored, which only makes the analysis more cautious).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Reason(Enum):
    """Why an entry is suppressed."""

    PRIMARY = "primary"  # the entry itself is below k
    SECONDARY = "secondary"  # suppressed so that primary suppressions cannot be recomputed


@dataclass(frozen=True)
class Bounds:
    """Known bounds on a suppressed value: ``low <= x <= high`` (``high`` None: unbounded)."""

    low: int
    high: int | None


def bounds_for(reason: Reason, *, k: int, suppress_zeros: bool) -> Bounds:
    """What the label of a suppressed entry reveals about its value."""
    if reason is Reason.PRIMARY:
        return Bounds(low=0 if suppress_zeros else 1, high=k - 1)
    return Bounds(low=k, high=None)
