"""Tables of counts with their margins, as disclosure control sees them.

A :class:`Table` has one to three :class:`Dimension` s and a non-negative integer count for
every combination of their labels (a missing combination counts 0). Disclosure control works
on the *extended* table: every cell plus every margin, where a margin is a key with
:data:`TOTAL` in the summed positions. For a 2-D table that is the cells, the row totals
``(row, TOTAL)``, the column totals ``(TOTAL, column)`` and the grand total
``(TOTAL, TOTAL)``; a 3-D table also has its three 2-D marginal tables.

Every linear relation between published figures is a *line* of the extended table: fix every
coordinate but one, let that one run over its labels, and the entries sum to the entry with
``TOTAL`` in that position. Those lines are all the equations an attacker has.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Final, Literal, TypeAlias


class _Total(Enum):
    TOTAL = "TOTAL"

    def __repr__(self) -> str:
        return "TOTAL"


#: The coordinate of a summed-over dimension in a margin's key.
TOTAL: Final = _Total.TOTAL

Coordinate: TypeAlias = str | Literal[_Total.TOTAL]
#: The key of a cell: one label per dimension.
CellKey: TypeAlias = tuple[str, ...]
#: The key of any entry of the extended table: a cell, or a margin with TOTAL coordinates.
EntryKey: TypeAlias = tuple[Coordinate, ...]

#: Counts per cell; a mapping keyed by tuples of any fixed length (1 to 3) is accepted.
Counts: TypeAlias = (
    Mapping[tuple[str], int]
    | Mapping[tuple[str, str], int]
    | Mapping[tuple[str, str, str], int]
    | Mapping[CellKey, int]
)

MAX_DIMENSIONS: Final = 3


@dataclass(frozen=True)
class Dimension:
    """A breakdown variable: its name and its category labels, in display order."""

    name: str
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        labels = tuple(self.labels)
        object.__setattr__(self, "labels", labels)
        if not labels:
            raise ValueError(f"dimension {self.name!r} has no labels")
        if not all(isinstance(label, str) for label in labels):
            raise TypeError(f"labels of dimension {self.name!r} must be strings")
        if len(set(labels)) != len(labels):
            raise ValueError(f"dimension {self.name!r} has duplicate labels")


@dataclass(frozen=True)
class Line:
    """One equation of the extended table: the members sum to the total (entry indices)."""

    axis: int
    members: tuple[int, ...]
    total: int

    @property
    def entries(self) -> tuple[int, ...]:
        return (*self.members, self.total)

    def coefficients(self) -> dict[int, int]:
        """The equation as ``sum(coefficient * value) == 0`` over entry indices."""
        return {**dict.fromkeys(self.members, 1), self.total: -1}


class Table:
    """Counts over one to three dimensions, with all margins derived from them.

    Entries of the extended table are numbered in a fixed order (each dimension runs over its
    labels and then TOTAL, the last dimension fastest); that order is the stable tie-break of
    every choice disclosure control makes.
    """

    def __init__(self, dimensions: Sequence[Dimension], counts: Counts) -> None:
        dims = tuple(dimensions)
        if not 1 <= len(dims) <= MAX_DIMENSIONS:
            raise ValueError(f"a table has 1 to {MAX_DIMENSIONS} dimensions, not {len(dims)}")
        if len({d.name for d in dims}) != len(dims):
            raise ValueError("dimension names must differ")
        known = [set(d.labels) for d in dims]
        for key, count in counts.items():
            if not isinstance(key, tuple) or len(key) != len(dims):
                raise ValueError(f"cell key {key!r} needs one label per dimension")
            for axis, label in enumerate(key):
                if label not in known[axis]:
                    raise ValueError(f"{label!r} is not a label of {dims[axis].name!r}")
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError(f"count of {key!r} is not an integer")
            if count < 0:
                raise ValueError(f"count of {key!r} is negative")
        self._dimensions = dims
        given: Mapping[CellKey, int] = counts  # type: ignore[assignment]
        cells = {key: given.get(key, 0) for key in itertools.product(*(d.labels for d in dims))}
        self._cells = MappingProxyType(cells)

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return self._dimensions

    @property
    def ndim(self) -> int:
        return len(self._dimensions)

    @property
    def cells(self) -> Mapping[CellKey, int]:
        """Every cell, including zeros, in entry order."""
        return self._cells

    @cached_property
    def entry_keys(self) -> tuple[EntryKey, ...]:
        axes: list[tuple[Coordinate, ...]] = [(*d.labels, TOTAL) for d in self._dimensions]
        return tuple(itertools.product(*axes))

    @cached_property
    def index(self) -> Mapping[EntryKey, int]:
        return MappingProxyType({key: i for i, key in enumerate(self.entry_keys)})

    @cached_property
    def entry_values(self) -> tuple[int, ...]:
        values: list[int] = []
        for key in self.entry_keys:
            summed = [
                d.labels if c is TOTAL else (c,) for d, c in zip(self._dimensions, key, strict=True)
            ]
            values.append(sum(self._cells[cell] for cell in itertools.product(*summed)))
        return tuple(values)

    @cached_property
    def lines(self) -> tuple[Line, ...]:
        """Every equation of the extended table, in a fixed order."""
        result: list[Line] = []
        for axis, dim in enumerate(self._dimensions):
            others: list[tuple[Coordinate, ...]] = [
                (*d.labels, TOTAL) if a != axis else (TOTAL,)
                for a, d in enumerate(self._dimensions)
            ]
            for base in itertools.product(*others):
                members = tuple(
                    self.index[(*base[:axis], label, *base[axis + 1 :])] for label in dim.labels
                )
                result.append(Line(axis=axis, members=members, total=self.index[base]))
        return tuple(result)

    def value(self, key: EntryKey) -> int:
        """The count of a cell or a margin."""
        return self.entry_values[self.index[key]]

    def margins(self) -> dict[EntryKey, int]:
        """Every margin (an entry with at least one TOTAL), in entry order."""
        return {
            key: value
            for key, value in zip(self.entry_keys, self.entry_values, strict=True)
            if level(key)
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return self._dimensions == other._dimensions and self._cells == other._cells

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shape = "×".join(str(len(d.labels)) for d in self._dimensions)
        return f"<Table {shape} total={self.entry_values[-1]}>"


def level(key: EntryKey) -> int:
    """How many dimensions an entry sums over: 0 for a cell, the table's ndim for the total."""
    return sum(1 for c in key if c is TOTAL)
