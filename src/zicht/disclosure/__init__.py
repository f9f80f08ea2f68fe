"""Statistical disclosure control for tables of counts: a small library free of Django.

Every table that leaves a node or is exported, and every released result of a joint study,
passes through :func:`protect`:

- primary suppression of counts below k (default 5; joint studies use 10), cells and totals;
- secondary suppression until no suppressed value can be recomputed from the published cells
  and margins (checked exactly, by elimination over the rationals), and until every value
  below k has a *witness*: another integer table, consistent with everything published and
  with what the markers reveal, in which that value differs;
- optional rounding to a base, after suppression;
- a Dutch method statement and CSV-ready rows.

The attack checker (:func:`exactly_derivable`, :func:`feasibility_intervals`,
:func:`pinned_entries`) takes only the published table, so callers and tests can audit any
output. Method, guarantees, threat model and limits: ``docs/protocols/disclosure-control.md``.
Standard library only (exact arithmetic with ``fractions``); no randomness, so the same table
always gives the same output.
"""

from .attack import Interval, exactly_derivable, feasibility_intervals, pinned_entries
from .knowledge import Bounds, Reason
from .protect import DisclosureError, protect
from .published import (
    ProtectedTable,
    Published,
    Rule,
    Suppressed,
    SuppressionRecord,
    method_statement,
    publish,
)
from .rounding import round_to_base
from .suppression import Pattern, suppression_pattern
from .table import TOTAL, CellKey, Dimension, EntryKey, Table

__all__ = [
    "TOTAL",
    "Bounds",
    "CellKey",
    "Dimension",
    "DisclosureError",
    "EntryKey",
    "Interval",
    "Pattern",
    "ProtectedTable",
    "Published",
    "Reason",
    "Rule",
    "Suppressed",
    "SuppressionRecord",
    "Table",
    "exactly_derivable",
    "feasibility_intervals",
    "method_statement",
    "pinned_entries",
    "protect",
    "publish",
    "round_to_base",
    "suppression_pattern",
]
