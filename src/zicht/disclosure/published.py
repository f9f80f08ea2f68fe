"""A published table: figures and suppression markers, never a suppressed value.

:class:`ProtectedTable` is what may leave a node or be exported: every entry of the extended
table (cells and margins) is a published count or a :class:`Suppressed` marker, with the list
of what was suppressed and why, and a method statement in Dutch for reports. It holds no
suppressed value, so it can be handed to the attack checker in :mod:`.attack` as is.

:func:`publish` turns a table and a chosen set of suppressions into a :class:`ProtectedTable`
without checking that the choice protects anything (that is :func:`.protect`'s job); it does
refuse to show any value below k.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Literal

from .knowledge import Bounds, Reason, bounds_for
from .rounding import round_to_base
from .table import TOTAL, CellKey, Coordinate, Dimension, EntryKey, Table, level


class Rule(Enum):
    """Which rule caused a suppression."""

    BELOW_K = "below_k"  # primary: the value is below k
    REQUESTED = "requested"  # the caller asked for it (also_suppress)
    LINE = "line"  # a line would otherwise hold exactly one suppressed entry
    LINEAR = "linear"  # a combination of several lines would recover a suppressed value
    WITNESS = "witness"  # part of a move proving that a value below k is not disclosed


@dataclass(frozen=True)
class Suppressed:
    """The marker shown instead of a suppressed value."""

    reason: Reason
    label: str

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class SuppressionRecord:
    """One suppressed entry and why it was suppressed (never its value)."""

    key: EntryKey
    reason: Reason
    rule: Rule


Published = int | Suppressed


@dataclass(frozen=True)
class ProtectedTable:
    """A table as published: cells and margins, suppressed ones replaced by markers."""

    dimensions: tuple[Dimension, ...]
    entries: Mapping[EntryKey, Published]  # every cell and margin, in entry order
    suppressed: tuple[SuppressionRecord, ...]  # in entry order
    k: int
    suppress_zeros: bool
    round_to: int | None
    method: str  # the method statement, in Dutch
    #: Primary suppressions without a witness move: in a 1-D or 2-D table, values a reader
    #: can pin down whatever else is suppressed; in a 3-D table, values not proven safe from
    #: bounds (they are never linearly derivable). Normally empty; see
    #: docs/protocols/disclosure-control.md, section 5.
    unprotected: tuple[EntryKey, ...] = ()
    _shape: Table = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_shape", Table(self.dimensions, {}))

    @property
    def shape(self) -> Table:
        """An all-zero table with the same dimensions: its entry order and lines."""
        return self._shape

    @property
    def cells(self) -> dict[CellKey, Published]:
        return {
            tuple(str(c) for c in key): value
            for key, value in self.entries.items()
            if not level(key)
        }

    @property
    def margins(self) -> dict[EntryKey, Published]:
        return {key: value for key, value in self.entries.items() if level(key)}

    @cached_property
    def bounds(self) -> Mapping[EntryKey, Bounds]:
        """What the markers reveal about each suppressed value (see :mod:`.knowledge`)."""
        return MappingProxyType(
            {
                record.key: bounds_for(record.reason, k=self.k, suppress_zeros=self.suppress_zeros)
                for record in self.suppressed
            }
        )

    def csv_rows(
        self,
        *,
        layout: Literal["wide", "long"] = "wide",
        total_label: str = "Totaal",
        value_header: str = "Aantal",
    ) -> list[list[str]]:
        """The table as rows of strings for :mod:`csv`, a header row first.

        ``long``: one row per cell or margin, one column per dimension and a value column.
        ``wide``: the last dimension's labels (and the total) become columns; for a 1-D table
        that is the same as ``long``. Labels are written as given: a writer producing files for
        spreadsheets should neutralise labels that start with ``=``, ``+``, ``-`` or ``@``.
        """

        def name(c: Coordinate) -> str:
            return total_label if c is TOTAL else c

        names = [d.name for d in self.dimensions]
        if layout == "long" or len(self.dimensions) == 1:
            rows = [[*names, value_header]]
            rows += [[*map(name, key), str(v)] for key, v in self.entries.items()]
            return rows
        last = self.dimensions[-1]
        columns: tuple[Coordinate, ...] = (*last.labels, TOTAL)
        rows = [[*names[:-1], *last.labels, total_label]]
        prefixes: list[tuple[Coordinate, ...]] = [(*d.labels, TOTAL) for d in self.dimensions[:-1]]
        for prefix in itertools.product(*prefixes):
            values = [str(self.entries[(*prefix, c)]) for c in columns]
            rows.append([*map(name, prefix), *values])
        return rows


def is_sensitive(value: int, *, k: int, suppress_zeros: bool) -> bool:
    """Must this value be suppressed for its own sake (primary suppression)?"""
    return value < k and (value > 0 or suppress_zeros)


def validate_settings(*, k: int, suppress_zeros: bool, round_to: int | None) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError("k is an integer of at least 2")
    if k == 2 and not suppress_zeros:
        raise ValueError(
            'with k=2 and zeros shown, "< 2" reveals that the value is 1; '
            "use k >= 3 or suppress_zeros=True"
        )
    if round_to is not None and (isinstance(round_to, bool) or round_to < 2):
        raise ValueError("round_to is None or an integer base of at least 2")


def publish(
    table: Table,
    suppressed: Iterable[EntryKey | SuppressionRecord],
    *,
    k: int = 5,
    suppress_zeros: bool = False,
    round_to: int | None = None,
    primary_label: str | None = None,
    secondary_label: str = "x",
    unprotected: Iterable[EntryKey] = (),
) -> ProtectedTable:
    """Publish ``table`` with exactly the given entries suppressed (no protection is added).

    Plain keys get their reason from their value: below k is primary, anything else a
    requested secondary suppression. Raises ValueError when an entry below k would be shown,
    or when a zero would be marked as a secondary suppression while zeros are shown (the
    secondary marker promises a value of at least k).
    """
    validate_settings(k=k, suppress_zeros=suppress_zeros, round_to=round_to)
    primary_label = f"< {k}" if primary_label is None else primary_label
    records: dict[int, SuppressionRecord] = {}
    for item in suppressed:
        key = item.key if isinstance(item, SuppressionRecord) else item
        if key not in table.index:
            raise ValueError(f"{key!r} is not an entry of the table")
        value = table.value(key)
        reason = (
            Reason.PRIMARY
            if is_sensitive(value, k=k, suppress_zeros=suppress_zeros)
            else Reason.SECONDARY
        )
        if isinstance(item, SuppressionRecord):
            if item.reason is not reason:
                raise ValueError(f"{key!r} is not a {item.reason.value} suppression")
            record = item
        else:
            rule = Rule.BELOW_K if reason is Reason.PRIMARY else Rule.REQUESTED
            record = SuppressionRecord(key=key, reason=reason, rule=rule)
        if reason is Reason.SECONDARY and value == 0:
            raise ValueError(f"{key!r} is 0 and zeros are shown; it cannot be suppressed")
        records[table.index[key]] = record

    entries: dict[EntryKey, Published] = {}
    for i, (key, value) in enumerate(zip(table.entry_keys, table.entry_values, strict=True)):
        chosen = records.get(i)
        if chosen is not None:
            label = primary_label if chosen.reason is Reason.PRIMARY else secondary_label
            entries[key] = Suppressed(reason=chosen.reason, label=label)
        elif is_sensitive(value, k=k, suppress_zeros=suppress_zeros):
            raise ValueError(f"{key!r} is below {k} and would be shown")
        else:
            entries[key] = value if round_to is None else round_to_base(value, round_to)

    ordered = tuple(records[i] for i in sorted(records))
    method = method_statement(
        k=k,
        suppress_zeros=suppress_zeros,
        round_to=round_to,
        primary_label=primary_label,
        secondary_label=secondary_label,
        n_secondary=sum(1 for r in ordered if r.reason is Reason.SECONDARY),
    )
    return ProtectedTable(
        dimensions=table.dimensions,
        entries=MappingProxyType(entries),
        suppressed=ordered,
        k=k,
        suppress_zeros=suppress_zeros,
        round_to=round_to,
        method=method,
        unprotected=tuple(unprotected),
    )


def method_statement(
    *,
    k: int,
    suppress_zeros: bool,
    round_to: int | None,
    primary_label: str,
    secondary_label: str,
    n_secondary: int,
) -> str:
    """The protection applied, in Dutch, for the method section of a report."""
    low = 0 if suppress_zeros else 1
    sentences = [
        f"Cellen kleiner dan {k} zijn onderdrukt (weergegeven als “{primary_label}”; "
        f"het werkelijke aantal is {low} tot en met {k - 1}). Dit geldt ook voor totalen.",
        "Ook cellen met de waarde 0 zijn onderdrukt."
        if suppress_zeros
        else "Cellen met de waarde 0 worden wel getoond.",
    ]
    if n_secondary:
        cells = "cel" if n_secondary == 1 else "cellen"
        verb = "is" if n_secondary == 1 else "zijn"
        sentences.append(
            f"Om te voorkomen dat onderdrukte aantallen uit andere cellen en totalen kunnen "
            f"worden teruggerekend, {verb} daarnaast {n_secondary} {cells} van {k} of meer "
            f"onderdrukt (weergegeven als “{secondary_label}”)."
        )
    if round_to is not None:
        sentences.append(
            f"De getoonde aantallen zijn afgerond op een veelvoud van {round_to} (de helft naar "
            f"boven; een aantal groter dan 0 wordt niet 0). Daardoor tellen cellen niet altijd "
            f"op tot de totalen."
        )
    return " ".join(sentences)
