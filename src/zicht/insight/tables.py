"""The dashboard's tables: what each shows on screen and what leaves the node in an export.

On screen the region's own analysts see exact counts. Every export (CSV, SVG and the
phenomenon-picture report) is built from :func:`export_table`, which passes the counts
through :func:`zicht.disclosure.protect` (cells below k = 5 suppressed, plus complementary
cells so a suppressed count cannot be recomputed from the total). Rates per 100,000 in an
export are computed from the published count, so a rate never reveals a suppressed count.
A report exports months and quarters together (:func:`export_months_and_quarters`): a
quarter is the sum of its months, so the two are protected as one table.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from zicht.disclosure import (
    TOTAL,
    Dimension,
    ProtectedTable,
    Published,
    Reason,
    Suppressed,
    Table,
    protect,
)
from zicht.insight.figures import PER_INHABITANTS, Figures, Row

K = 5


@dataclass(frozen=True)
class TableSpec:
    name: str  # slug in URLs (table-csv, chart-svg)
    title: str
    dimension: str  # header of the category column
    rows: list[Row]
    chart: str  # "bar" or "line"
    # The rows split the signals (each signal in exactly one row): a total is meaningful.
    additive: bool
    with_rate: bool = False
    note: str = ""

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    def labels(self) -> list[str]:
        """Row labels made unique (disclosure control needs distinct category labels)."""
        seen: set[str] = set()
        result = []
        for row in self.rows:
            label = row.label if row.label not in seen else f"{row.label} ({row.key})"
            seen.add(label)
            result.append(label)
        return result


TABLE_NAMES = (
    "vormen",
    "sectoren",
    "gemeenten",
    "maanden",
    "kwartalen",
    "indicatoren",
    "combinaties",
    "routestappen",
    "melders",
)


def specs(figures: Figures) -> dict[str, TableSpec]:
    pairs = [Row(f"{p.first}+{p.second}", p.label, p.count) for p in figures.indicator_pairs]
    found = [
        TableSpec(
            "vormen",
            _("Signalen per uitbuitingsvorm"),
            _("Uitbuitingsvorm"),
            figures.by_form,
            "bar",
            additive=False,
            note=_("Een signaal met meer vormen telt bij elke vorm."),
        ),
        TableSpec(
            "sectoren", _("Signalen per sector"), _("Sector"), figures.by_sector, "bar", True
        ),
        TableSpec(
            "gemeenten",
            _("Signalen per gemeente"),
            _("Gemeente"),
            figures.by_municipality,
            "bar",
            additive=True,
            with_rate=True,
        ),
        TableSpec(
            "maanden",
            _("Signalen per maand van ontvangst"),
            _("Maand"),
            figures.by_month,
            "line",
            True,
        ),
        TableSpec(
            "kwartalen",
            _("Signalen per kwartaal van ontvangst"),
            _("Kwartaal"),
            figures.by_quarter,
            "line",
            True,
        ),
        TableSpec(
            "indicatoren",
            _("Waargenomen indicatoren"),
            _("Indicator"),
            figures.by_indicator,
            "bar",
            additive=False,
            note=_("Aantal signalen waarin de indicator is waargenomen."),
        ),
        TableSpec(
            "combinaties",
            _("Meest voorkomende combinaties van indicatoren"),
            _("Combinatie"),
            pairs,
            "bar",
            additive=False,
            note=_("Aantal signalen waarin beide indicatoren zijn waargenomen (stapeling)."),
        ),
        TableSpec(
            "routestappen",
            _("Signalen per stap in de route"),
            _("Stap"),
            figures.by_route_step,
            "bar",
            True,
        ),
        TableSpec(
            "melders",
            _("Signalen per soort melder"),
            _("Soort organisatie"),
            figures.by_partner_type,
            "bar",
            True,
        ),
    ]
    return {spec.name: spec for spec in found}


CASE_TABLE_NAMES = ("casusfasen", "casustypen", "interventies")


def case_rows() -> dict[str, list[Row]]:
    """Cases of the whole region, from :mod:`zicht.cases.figures` (not filtered, not cached:
    a region has hundreds of cases, not hundreds of thousands)."""
    from zicht.cases import figures as case_figures
    from zicht.cases.models import CasePhase

    phases = dict(CasePhase.choices)
    return {
        "casusfasen": [
            Row(code, str(phases[code]), n) for code, n in case_figures.cases_per_status().items()
        ],
        "casustypen": [Row(t.code, t.name, t.total) for t in case_figures.cases_per_type()],
        "interventies": [
            Row(i.code, i.name, i.total) for i in case_figures.interventions_per_type()
        ],
    }


def case_specs(rows: dict[str, list[Row]] | None = None) -> dict[str, TableSpec]:
    """The case tables, from ``rows`` (as :func:`case_rows` returns them) or the register."""
    found_rows = case_rows() if rows is None else rows
    found = [
        TableSpec(
            "casusfasen",
            _("Casussen per fase"),
            _("Fase"),
            found_rows["casusfasen"],
            "bar",
            True,
        ),
        TableSpec(
            "casustypen",
            _("Casussen per soort"),
            _("Soort casus"),
            found_rows["casustypen"],
            "bar",
            True,
        ),
        TableSpec(
            "interventies",
            _("Interventies per soort"),
            _("Interventie"),
            found_rows["interventies"],
            "bar",
            True,
            note=_("Aantal interventies; een casus kan er meer hebben."),
        ),
    ]
    return {spec.name: spec for spec in found}


def format_rate(rate: float | None) -> str:
    return "" if rate is None else number_format(rate, decimal_pos=1)


@dataclass(frozen=True)
class ExportRow:
    key: str
    label: str
    value: int | None  # None: suppressed
    text: str  # the published count or its marker
    rate: float | None
    rate_text: str
    population: int | None


class TooSmallToPublishError(Exception):
    """Some value of the table stays knowable whatever is suppressed (see zicht.disclosure)."""


def _one_dimensional(spec: TableSpec, labels: list[str]) -> Table:
    return Table(
        [Dimension(spec.dimension, tuple(labels))],
        {(label,): row.count for label, row in zip(labels, spec.rows, strict=True)},
    )


def _export_row(spec: TableSpec, row: Row, label: str, value: Published) -> ExportRow:
    count = value if isinstance(value, int) else None
    rate = None
    rate_text = ""
    if spec.with_rate and row.population:
        if count is None:
            rate_text = str(value)
        else:
            rate = round(count * PER_INHABITANTS / row.population, 1)
            rate_text = f"{rate:.1f}"
    return ExportRow(row.key, label, count, str(value), rate, rate_text, row.population)


def _total_row(value: Published) -> ExportRow:
    return ExportRow(
        "", _("Totaal"), value if isinstance(value, int) else None, str(value), None, "", None
    )


@dataclass(frozen=True)
class ExportTable:
    """A table as it may leave the node, with how many of its shown entries were suppressed
    because they were small (primary) and to protect those (secondary)."""

    spec: TableSpec
    rows: list[ExportRow]
    total: ExportRow | None
    primary: int
    secondary: int

    @property
    def suppressed(self) -> int:
        return self.primary + self.secondary


def _tally(values: Sequence[Published]) -> tuple[int, int]:
    markers = [v for v in values if isinstance(v, Suppressed)]
    primary = sum(1 for v in markers if v.reason is Reason.PRIMARY)
    return primary, len(markers) - primary


def export_table(spec: TableSpec, *, k: int = K, refuse: bool = True) -> ExportTable:
    """The table as every export builds it, through :func:`zicht.disclosure.protect`.

    Raises :class:`TooSmallToPublishError` for a table whose small values could be pinned
    down whatever is suppressed, unless ``refuse`` is False (a caller that only draws the
    protected figures and refuses the download itself).
    """
    if not spec.rows:
        return ExportTable(spec, [], None, 0, 0)
    labels = spec.labels()
    published: ProtectedTable = protect(_one_dimensional(spec, labels), k=k)
    if refuse and published.unprotected:
        # E.g. four "< 5" cells under a "< 5" total must all be 1: refuse rather than publish.
        raise TooSmallToPublishError(spec.dimension)
    values = [published.entries[(label,)] for label in labels]
    total = published.entries[(TOTAL,)]
    rows = [
        _export_row(spec, row, label, value)
        for label, row, value in zip(labels, spec.rows, values, strict=True)
    ]
    shown = [*values, total] if spec.additive else values
    return ExportTable(spec, rows, _total_row(total) if spec.additive else None, *_tally(shown))


def protected(
    spec: TableSpec, *, k: int = K, for_export: bool = False
) -> tuple[list[ExportRow], ExportRow | None, int]:
    """The rows as they may be exported, the total row (additive tables), and how many
    of the shown entries were suppressed."""
    table = export_table(spec, k=k, refuse=for_export)
    return table.rows, table.total, table.suppressed


MONTHS_OF_QUARTER = ("1", "2", "3")


def _quarter_and_position(month_key: str) -> tuple[str, str]:
    year, month = month_key.split("-")
    index = int(month) - 1
    return f"{year}-K{index // 3 + 1}", MONTHS_OF_QUARTER[index % 3]


def export_months_and_quarters(
    months: TableSpec, quarters: TableSpec, *, k: int = K
) -> tuple[ExportTable, ExportTable]:
    """The month and quarter tables protected together, as one table.

    A quarter is the sum of its three months. Protected one at a time, a published quarter
    and the other months of it would give away a month suppressed in the month table. As one
    table of quarter by month of the quarter, the quarters are its row totals, and
    :func:`zicht.disclosure.protect` sees every relation between the two. (The column totals,
    "every first month of a quarter", are not shown: protecting them too only costs a few
    extra suppressions.)
    """
    if not months.rows:
        return ExportTable(months, [], None, 0, 0), ExportTable(quarters, [], None, 0, 0)
    positions = [_quarter_and_position(row.key) for row in months.rows]
    table = Table(
        [
            Dimension(quarters.dimension, tuple(row.key for row in quarters.rows)),
            Dimension(_("Maand van het kwartaal"), MONTHS_OF_QUARTER),
        ],
        {position: row.count for position, row in zip(positions, months.rows, strict=True)},
    )
    published = protect(table, k=k)
    if published.unprotected:
        raise TooSmallToPublishError(months.dimension)
    month_values = [published.entries[position] for position in positions]
    quarter_values = [published.entries[(row.key, TOTAL)] for row in quarters.rows]
    total = published.entries[(TOTAL, TOTAL)]
    month_table = ExportTable(
        months,
        [
            _export_row(months, row, row.label, value)
            for row, value in zip(months.rows, month_values, strict=True)
        ],
        _total_row(total),
        *_tally([*month_values, total]),
    )
    quarter_table = ExportTable(
        quarters,
        [
            _export_row(quarters, row, row.label, value)
            for row, value in zip(quarters.rows, quarter_values, strict=True)
        ],
        _total_row(total),
        *_tally([*quarter_values, total]),
    )
    return month_table, quarter_table


def _cell(text: str) -> str:
    # Spreadsheet formula injection: a cell must not start with a formula character.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def header(spec: TableSpec) -> list[str]:
    columns = [spec.dimension, _("Aantal signalen")]
    if spec.with_rate:
        columns += [_("Per 100.000 inwoners"), _("Inwoners")]
    return columns


def csv_text(spec: TableSpec, *, k: int = K) -> tuple[str, int]:
    """The protected table as CSV (comma-separated, decimal point), and the suppressions."""
    rows, total_row, suppressed = protected(spec, k=k, for_export=True)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(spec))
    for row in [*rows, *([total_row] if total_row else [])]:
        line = [_cell(row.label), row.text]
        if spec.with_rate:
            line += [row.rate_text, str(row.population or "")]
        writer.writerow(line)
    return out.getvalue(), suppressed
