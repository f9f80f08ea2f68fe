"""The plaintext reference for secure aggregation: the column sums of the tables.

This is what :func:`~zicht.research.protocols.secure_aggregation.aggregate` must compute, and
the tests check that it does for random tables and participants. It applies the same input
rules (:meth:`Field.check_table`), so the two cannot disagree about what a valid table is.
Never used in production: running it means someone holds every region's table.
"""

from collections.abc import Iterable, Sequence

from zicht.research.protocols.errors import InvalidInputError
from zicht.research.protocols.field import DEFAULT_FIELD, Field


def plaintext_sum(tables: Iterable[Sequence[int]], *, field: Field = DEFAULT_FIELD) -> list[int]:
    """The cell-by-cell sum of ``tables`` (at least one, all of the same length)."""
    checked = [field.check_table(table) for table in tables]
    if not checked:
        raise InvalidInputError("plaintext_sum needs at least one table")
    if len({len(table) for table in checked}) != 1:
        raise InvalidInputError("all tables must have the same number of cells")
    return [sum(column) for column in zip(*checked, strict=True)]
