"""The dashboard's tables: what each shows on screen and what leaves the node in an export.

On screen the region's own analysts see exact counts. Every export (CSV and SVG) is built
from :func:`protected`, which passes the counts through :func:`zicht.disclosure.protect`
(cells below k = 5 suppressed, plus complementary cells so a suppressed count cannot be
recomputed from the total). Rates per 100,000 in an export are computed from the published
count, so a rate never reveals a suppressed count.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from zicht.disclosure import TOTAL, Dimension, ProtectedTable, Table, protect
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


def case_specs() -> dict[str, TableSpec]:
    """Cases of the whole region, from :mod:`zicht.cases.figures` (not filtered, not cached:
    a region has hundreds of cases, not hundreds of thousands)."""
    from zicht.cases import figures as case_figures
    from zicht.cases.models import CasePhase

    phases = dict(CasePhase.choices)
    per_phase = case_figures.cases_per_status()
    found = [
        TableSpec(
            "casusfasen",
            _("Casussen per fase"),
            _("Fase"),
            [Row(code, str(phases[code]), n) for code, n in per_phase.items()],
            "bar",
            True,
        ),
        TableSpec(
            "casustypen",
            _("Casussen per soort"),
            _("Soort casus"),
            [Row(t.code, t.name, t.total) for t in case_figures.cases_per_type()],
            "bar",
            True,
        ),
        TableSpec(
            "interventies",
            _("Interventies per soort"),
            _("Interventie"),
            [Row(i.code, i.name, i.total) for i in case_figures.interventions_per_type()],
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


def protected(
    spec: TableSpec, *, k: int = K, for_export: bool = False
) -> tuple[list[ExportRow], ExportRow | None, int]:
    """The rows as they may be exported, the total row (additive tables), and how many
    entries were suppressed."""
    if not spec.rows:
        return [], None, 0
    labels = spec.labels()
    table = Table(
        [Dimension(spec.dimension, tuple(labels))],
        {(label,): row.count for label, row in zip(labels, spec.rows, strict=True)},
    )
    published: ProtectedTable = protect(table, k=k)
    if for_export and published.unprotected:
        # E.g. four "< 5" cells under a "< 5" total must all be 1: refuse rather than publish.
        raise TooSmallToPublishError(spec.dimension)
    rows = []
    for label, row in zip(labels, spec.rows, strict=True):
        value = published.entries[(label,)]
        count = value if isinstance(value, int) else None
        rate = None
        rate_text = ""
        if spec.with_rate and row.population:
            if count is None:
                rate_text = str(value)
            else:
                rate = round(count * PER_INHABITANTS / row.population, 1)
                rate_text = f"{rate:.1f}"
        rows.append(ExportRow(row.key, label, count, str(value), rate, rate_text, row.population))
    total_row = None
    if spec.additive:
        value = published.entries[(TOTAL,)]
        total_row = ExportRow(
            "", _("Totaal"), value if isinstance(value, int) else None, str(value), None, "", None
        )
    return rows, total_row, len(published.suppressed)


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
