"""The entry point: protect a table of counts before it leaves the node or is exported.

:func:`protect` chooses the suppressions (:mod:`.suppression`), publishes the table with
markers, optional rounding and a Dutch method statement (:mod:`.published`), and then checks
its own output with the attack checker (:mod:`.attack`): if any suppressed entry were
linearly derivable it raises rather than return the table. That check cannot fail unless the
suppression code has a bug; it is cheap, so it stays.
"""

from __future__ import annotations

from collections.abc import Iterable

from .attack import exactly_derivable
from .published import ProtectedTable, publish
from .suppression import suppression_pattern
from .table import EntryKey, Table


class DisclosureError(Exception):
    """A table would be published with a suppressed value that can be recomputed."""


def protect(
    table: Table,
    *,
    k: int = 5,
    round_to: int | None = None,
    suppress_zeros: bool = False,
    also_suppress: Iterable[EntryKey] = (),
    primary_label: str | None = None,
    secondary_label: str = "x",
) -> ProtectedTable:
    """Suppress small counts, and enough others that they cannot be recomputed, then round.

    ``k``: counts from 1 to k - 1 (0 to k - 1 with ``suppress_zeros``) are suppressed and shown
    as ``primary_label`` (default ``"< k"``). Complementary suppressions are shown as
    ``secondary_label``. ``round_to`` (for example 5 or 10) rounds every published figure
    after suppression. ``also_suppress`` forces extra entries to be suppressed (for example to
    suppress the same figure as in a linked table).
    """
    pattern = suppression_pattern(
        table, k=k, suppress_zeros=suppress_zeros, also_suppress=also_suppress
    )
    published = publish(
        table,
        pattern.suppressed,
        k=k,
        suppress_zeros=suppress_zeros,
        round_to=round_to,
        primary_label=primary_label,
        secondary_label=secondary_label,
        unprotected=pattern.unprotected,
    )
    leaked = exactly_derivable(published)
    if leaked:  # pragma: no cover - a bug in the suppression search, never expected
        raise DisclosureError(f"suppressed entries would be derivable: {leaked!r}")
    return published
