"""The table model: validation, margins, entry order and lines."""

import pytest

from zicht.disclosure import TOTAL, Dimension, Table

from .tables import make


def test_margins_are_sums_of_cells():
    table = make([[1, 2, 3], [4, 5, 6]])
    assert table.value(("r0", TOTAL)) == 6
    assert table.value((TOTAL, "c2")) == 9
    assert table.value((TOTAL, TOTAL)) == 21
    assert table.margins() == {
        ("r0", TOTAL): 6,
        ("r1", TOTAL): 15,
        (TOTAL, "c0"): 5,
        (TOTAL, "c1"): 7,
        (TOTAL, "c2"): 9,
        (TOTAL, TOTAL): 21,
    }


def test_entry_order_runs_labels_then_total_with_the_last_dimension_fastest():
    table = make([[1, 2], [3, 4]])
    assert table.entry_keys == (
        ("r0", "c0"),
        ("r0", "c1"),
        ("r0", TOTAL),
        ("r1", "c0"),
        ("r1", "c1"),
        ("r1", TOTAL),
        (TOTAL, "c0"),
        (TOTAL, "c1"),
        (TOTAL, TOTAL),
    )


def test_lines_are_every_row_column_and_margin_equation():
    table = make([[1, 2, 3], [4, 5, 6]])
    # Along rows: 2 rows + the column-total row; along columns: 3 columns + the total column.
    assert len(table.lines) == 3 + 4
    for line in table.lines:
        members = sum(table.entry_values[m] for m in line.members)
        assert members == table.entry_values[line.total]


def test_three_dimensional_margins():
    dims = [Dimension("a", ("x", "y")), Dimension("b", ("p", "q")), Dimension("c", ("u",))]
    table = Table(dims, {("x", "p", "u"): 2, ("y", "q", "u"): 3})
    assert table.value(("x", TOTAL, TOTAL)) == 2
    assert table.value((TOTAL, "q", "u")) == 3
    assert table.value((TOTAL, TOTAL, TOTAL)) == 5
    assert len(table.entry_keys) == 3 * 3 * 2
    assert all(
        sum(table.entry_values[m] for m in line.members) == table.entry_values[line.total]
        for line in table.lines
    )


def test_missing_cells_count_zero():
    table = Table([Dimension("a", ("x", "y"))], {("x",): 4})
    assert table.cells == {("x",): 4, ("y",): 0}


@pytest.mark.parametrize(
    ("dims", "counts", "error"),
    [
        ([], {}, ValueError),
        ([Dimension(n, ("x",)) for n in "abcd"], {}, ValueError),
        ([Dimension("a", ("x",)), Dimension("a", ("y",))], {}, ValueError),
        ([Dimension("a", ("x",))], {("z",): 1}, ValueError),
        ([Dimension("a", ("x",))], {("x", "x"): 1}, ValueError),
        ([Dimension("a", ("x",))], {("x",): -1}, ValueError),
        ([Dimension("a", ("x",))], {("x",): 1.5}, TypeError),
        ([Dimension("a", ("x",))], {("x",): True}, TypeError),
    ],
)
def test_invalid_tables_are_refused(dims, counts, error):
    with pytest.raises(error):
        Table(dims, counts)


@pytest.mark.parametrize("labels", [(), ("x", "x"), ("x", 1)])
def test_invalid_dimensions_are_refused(labels):
    with pytest.raises((ValueError, TypeError)):
        Dimension("a", labels)


def test_tables_compare_by_content():
    assert make([[1, 2]]) == make([[1, 2]])
    assert make([[1, 2]]) != make([[2, 1]])
