"""The modulus of secure aggregation and the bounds that keep every sum below it.

Shares are vectors of integers modulo a fixed prime ``p``. A table entry is a count, so it is an
integer in ``[0, max_cell]``; with at most ``max_parties`` participants the true sum of one cell
is at most ``max_parties * max_cell``. The constructor of :class:`Field` refuses parameters
where that bound reaches ``p``, so the sum modulo ``p`` *is* the sum: it never wraps, and a
reconstructed value above the bound proves that something was corrupted (see
``InconsistentAggregateError``).

The default modulus is the Mersenne prime ``2**61 - 1``: a field (so the same vectors can later
be Shamir-shared for dropout tolerance without changing the encoding), native Python integers,
and with ``MAX_CELL = 10**9`` and ``MAX_PARTIES = 64`` a margin of about ``2**25`` between the
largest possible sum and the modulus. Tests use small fields (``Field(101, 10, 10)``) to measure
distributions; the parameters are therefore values, not module constants baked into the code.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from zicht.research.protocols.errors import InvalidInputError, InvalidParametersError

MODULUS = 2**61 - 1
"""The Mersenne prime M61."""

MAX_CELL = 10**9
"""Largest count a region may put in one cell (the Netherlands has fewer than 2 * 10**7 people)."""

MAX_PARTIES = 64
"""Most participants in one run (there are ten RIEC regions)."""

MIN_PARTICIPANTS = 3
"""Fewest participants in one run: with two, each learns the other's table from the total."""

MAX_CELLS = 10_000
"""Longest table. A share of 10,000 field elements is about 210 kB of JSON, inside the
transport's 256 KiB plaintext limit for one envelope."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Field:
    """Arithmetic modulo ``modulus`` for tables of counts in ``[0, max_cell]``."""

    modulus: int = MODULUS
    max_cell: int = MAX_CELL
    max_parties: int = MAX_PARTIES

    def __post_init__(self) -> None:
        for name in ("modulus", "max_cell", "max_parties"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise InvalidParametersError(f"{name} must be a positive integer, got {value!r}")
        if self.max_parties < MIN_PARTICIPANTS:
            raise InvalidParametersError(f"max_parties must be at least {MIN_PARTICIPANTS}")
        if self.max_parties * self.max_cell >= self.modulus:
            raise InvalidParametersError(
                f"max_parties * max_cell = {self.max_parties * self.max_cell} must be below the "
                f"modulus {self.modulus}, or sums could wrap around"
            )

    @property
    def max_total(self) -> int:
        """Largest possible true sum of one cell."""
        return self.max_parties * self.max_cell

    def check_table(self, table: Sequence[int]) -> list[int]:
        """Return ``table`` as a list after checking every entry is a count in range.

        Raises :class:`InvalidInputError` naming the first bad position. ``bool`` is refused
        although it is an ``int`` subclass: a table of flags is a caller's bug, not counts.
        """
        values = list(table)
        if not 1 <= len(values) <= MAX_CELLS:
            raise InvalidInputError(f"a table has 1 to {MAX_CELLS} cells, got {len(values)}")
        for index, value in enumerate(values):
            if not _is_int(value):
                raise InvalidInputError(f"cell {index} is not an integer: {value!r}")
            if not 0 <= value <= self.max_cell:
                raise InvalidInputError(
                    f"cell {index} is {value}, outside [0, {self.max_cell}]; counts must be "
                    "non-negative and at most MAX_CELL so the sum cannot wrap the modulus"
                )
        return values

    def is_element_vector(self, vector: Sequence[int], length: int) -> bool:
        """Whether ``vector`` has ``length`` entries, each an integer in ``[0, modulus)``."""
        return len(vector) == length and all(
            _is_int(value) and 0 <= value < self.modulus for value in vector
        )


DEFAULT_FIELD = Field()
