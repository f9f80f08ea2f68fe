"""The modulus and the input bounds: sums never wrap, bad tables are refused before sharing."""

import pytest

from zicht.research.protocols.errors import InvalidInputError, InvalidParametersError
from zicht.research.protocols.field import (
    DEFAULT_FIELD,
    MAX_CELL,
    MAX_CELLS,
    MAX_PARTIES,
    MIN_PARTICIPANTS,
    MODULUS,
    Field,
)
from zicht.research.protocols.reference import plaintext_sum
from zicht.research.protocols.simulation import simulate_run


def test_default_bounds_keep_every_sum_below_the_modulus():
    assert MODULUS == 2**61 - 1
    assert MAX_PARTIES * MAX_CELL < MODULUS
    assert DEFAULT_FIELD.max_total == MAX_PARTIES * MAX_CELL
    assert MIN_PARTICIPANTS == 3


@pytest.mark.parametrize(
    ("modulus", "max_cell", "max_parties"),
    [
        (100, 10, 10),  # 10 * 10 = 100 would wrap to 0
        (2**61 - 1, 2**58, 8),  # 8 * 2**58 = 2**61 > p
        (101, 0, 10),
        (101, 10, 2),  # fewer parties than the protocol's minimum
        (101.0, 10, 10),
        (True, 1, 3),
    ],
)
def test_parameters_where_a_sum_could_wrap_are_refused(modulus, max_cell, max_parties):
    with pytest.raises(InvalidParametersError):
        Field(modulus=modulus, max_cell=max_cell, max_parties=max_parties)


def test_largest_possible_sum_is_exact_in_a_tight_field():
    # p - 1 = 100 = 10 parties * max_cell 10: the extreme case just fits.
    field = Field(modulus=101, max_cell=10, max_parties=10)
    tables = {f"region-{i}": [10, 0, 10] for i in range(10)}
    outcome = simulate_run(tables, field=field)
    assert outcome.totals == (100, 0, 100)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([0, -1], "cell 1 is -1"),
        ([MAX_CELL + 1], f"outside [0, {MAX_CELL}]"),
        ([1.5], "not an integer"),
        ([True, 0], "not an integer"),
        (["3"], "not an integer"),
        ([], "1 to"),
        ([0] * (MAX_CELLS + 1), "1 to"),
    ],
)
def test_tables_outside_the_bounds_are_refused_with_a_clear_error(table, message):
    with pytest.raises(InvalidInputError, match=message.replace("[", r"\[")):
        DEFAULT_FIELD.check_table(table)


def test_bounds_themselves_are_accepted():
    assert DEFAULT_FIELD.check_table([0, MAX_CELL]) == [0, MAX_CELL]


def test_reference_applies_the_same_input_rules():
    with pytest.raises(InvalidInputError):
        plaintext_sum([[MAX_CELL + 1]])
    with pytest.raises(InvalidInputError):
        plaintext_sum([[1, 2], [3]])
    with pytest.raises(InvalidInputError):
        plaintext_sum([])
    assert plaintext_sum([[1, 2]]) == [1, 2]
