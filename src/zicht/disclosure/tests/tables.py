"""Table strategies and plain references shared by the disclosure-control tests."""

import itertools
from fractions import Fraction

from hypothesis import strategies as st

from zicht.disclosure import TOTAL, Dimension, Table

# Many small values, as in regional counts: a quarter zeros, half 1-4, a quarter 0-50.
COUNTS = st.one_of(st.just(0), st.integers(1, 4), st.integers(1, 4), st.integers(0, 50))


@st.composite
def tables(draw, *, ndim=None, min_sizes=(1, 1, 1), max_sizes=(6, 6, 3), counts=COUNTS):
    """A random table with 1-3 dimensions (or exactly ``ndim``)."""
    n = ndim if ndim is not None else draw(st.sampled_from([1, 2, 3]))
    # sampled_from rather than integers(): sizes uniform over the range, not mostly tiny.
    sizes = [
        draw(st.sampled_from(range(min_sizes[axis], max_sizes[axis] + 1))) for axis in range(n)
    ]
    dims = [
        Dimension(f"dim{axis}", tuple(f"{'abc'[axis]}{i}" for i in range(size)))
        for axis, size in enumerate(sizes)
    ]
    cells = list(itertools.product(*(d.labels for d in dims)))
    values = draw(st.lists(counts, min_size=len(cells), max_size=len(cells)))
    return Table(dims, dict(zip(cells, values, strict=True)))


def make(rows, *, names=("rij", "kolom")):
    """A 2-D table from a list of rows (or a 1-D table from a flat list)."""
    if rows and not isinstance(rows[0], list | tuple):
        labels = tuple(f"c{j}" for j in range(len(rows)))
        return Table(
            [Dimension(names[0], labels)], {(lab,): v for lab, v in zip(labels, rows, strict=True)}
        )
    row_labels = tuple(f"r{i}" for i in range(len(rows)))
    col_labels = tuple(f"c{j}" for j in range(len(rows[0])))
    counts = {
        (r, c): value
        for r, row in zip(row_labels, rows, strict=True)
        for c, value in zip(col_labels, row, strict=True)
    }
    return Table([Dimension(names[0], row_labels), Dimension(names[1], col_labels)], counts)


def naive_line_pattern(table, *, k=5):
    """Primary suppression plus the line rule alone, smallest first: the textbook heuristic."""
    values = table.entry_values
    suppressed = {i for i, v in enumerate(values) if 0 < v < k}
    changed = True
    while changed:
        changed = False
        for line in table.lines:
            inside = [e for e in line.entries if e in suppressed]
            if len(inside) == 1:
                options = [e for e in line.entries if e not in suppressed and values[e] > 0]
                if options:
                    suppressed.add(min(options, key=lambda e: (values[e], e)))
                    changed = True
    return [table.entry_keys[i] for i in sorted(suppressed)]


def echelon(rows):
    """Row echelon form over the rationals, by plain Gaussian elimination: (rows, pivots)."""
    matrix = [[Fraction(x) for x in row] for row in rows]
    pivots = []
    r = 0
    width = len(matrix[0]) if matrix else 0
    for c in range(width):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c]), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        for i in range(r + 1, len(matrix)):
            factor = matrix[i][c] / matrix[r][c]
            if factor:
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(c)
        r += 1
    return matrix[:r], pivots


def rank(rows):
    return len(echelon(rows)[1])


def in_row_space(echelon_form, vector):
    """Is ``vector`` a combination of the rows of an echelon form?"""
    rows, pivots = echelon_form
    rest = [Fraction(x) for x in vector]
    for row, c in zip(rows, pivots, strict=True):
        if rest[c]:
            factor = rest[c] / row[c]
            rest = [a - factor * b for a, b in zip(rest, row, strict=True)]
    return not any(rest)


def derivable_by_rank(published):
    """Reference for exactly_derivable: e is derivable iff its unit vector is in the row space."""
    shape = published.shape
    unknown = [shape.index[r.key] for r in published.suppressed]
    column = {e: j for j, e in enumerate(unknown)}
    rows = []
    for line in shape.lines:
        row = [0] * len(unknown)
        for e, a in line.coefficients().items():
            if e in column:
                row[column[e]] = a
        rows.append(row)
    form = echelon(rows)
    found = []
    for e in unknown:
        unit = [0] * len(unknown)
        unit[column[e]] = 1
        if in_row_space(form, unit):
            found.append(shape.entry_keys[e])
    return tuple(found)


def is_margin(key):
    return any(c is TOTAL for c in key)
