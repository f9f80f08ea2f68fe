"""What a phenomenon-picture report contains: its figures, and the document that is exported.

The figures are the dashboard's (:mod:`zicht.insight.figures`, :mod:`zicht.insight.tables`,
:mod:`zicht.insight.render`) for the report's period. A draft shows them as the register has
them now; a final report shows them as they were when it was made final (:func:`freeze`).

:func:`document` builds what leaves the node, for the PDF and the HTML export alike. Every
table in it is protected by :func:`zicht.disclosure.protect` with k = 5, as the dashboard's
downloads are, and because a report puts many tables side by side it also guards the
figures they share:

- the number of signals is the total of five tables (sector, municipality, month, route
  step, reporting organisation). It is published only when it is 0 or at least k: with
  fewer than k signals in the period no signal table is exported. With k or more, a
  one-dimensional table never needs to suppress its total (a complement is always the
  cheapest cell), and a table that did would be left out, so the shared total is the same
  published number everywhere and no table can be solved with another's total;
- months and quarters are protected as one table (a quarter is the sum of its months;
  :func:`zicht.insight.tables.export_months_and_quarters`);
- the case tables by phase and by type share the number of cases in the same way;
- a table whose small values stay knowable whatever is suppressed is left out, and the
  document says so.
"""

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zicht.core.instance import own_region
from zicht.disclosure import method_statement
from zicht.insight import figures, render, tables, workflow
from zicht.insight.figures import Figures, Filters, Row
from zicht.insight.models import Report, ReportStatus, ReportStatusChange, ReportVersion

K = tables.K
SHARED_SIGNAL_TOTAL = ("sectoren", "gemeenten", "maanden", "kwartalen", "routestappen", "melders")
SHARED_CASE_TOTAL = ("casusfasen", "casustypen")


def filters_of(report: Report) -> Filters:
    return Filters(date_from=report.period_start, date_to=report.period_end)


@dataclass(frozen=True)
class ReportFigures:
    figures: Figures
    case_rows: dict[str, list[Row]]
    computed_at: datetime
    frozen: bool

    def specs(self) -> dict[str, tables.TableSpec]:
        return tables.specs(self.figures)

    def case_specs(self) -> dict[str, tables.TableSpec]:
        return tables.case_specs(self.case_rows)


def live(report: Report) -> ReportFigures:
    """The figures of the report's period as the register has them now."""
    return ReportFigures(
        figures.dashboard(filters_of(report)), tables.case_rows(), timezone.now(), frozen=False
    )


def freeze(report: Report) -> dict[str, Any]:
    """The report's figures now, as JSON, for the status change that makes it final."""
    found = live(report)
    return {
        "figures": figures.to_json(found.figures),
        "cases": {name: [asdict(row) for row in rows] for name, rows in found.case_rows.items()},
        "computed_at": found.computed_at.isoformat(),
    }


def _thaw(change: ReportStatusChange) -> ReportFigures:
    data = change.figures
    found = figures.from_json(data["figures"])
    # Its own cache key: frozen labels are in the language of the day they were frozen.
    found = replace(found, version=f"{found.version}:frozen:{change.pk}")
    return ReportFigures(
        found,
        {name: [Row(**row) for row in rows] for name, rows in data["cases"].items()},
        datetime.fromisoformat(data["computed_at"]),
        frozen=True,
    )


def last_finalisation(report: Report) -> ReportStatusChange | None:
    return (
        report.status_changes.filter(to_status=ReportStatus.FINAL)
        .exclude(figures={})
        .order_by("-changed_at", "-id")
        .first()
    )


def figures_for(report: Report) -> ReportFigures:
    """Frozen figures once the report has been made final (also after it is withdrawn);
    a draft's figures are live."""
    if report.status != ReportStatus.DRAFT:
        change = last_finalisation(report)
        if change is not None:
            return _thaw(change)
    return live(report)


def current_version(report: Report) -> ReportVersion:
    version = report.versions.order_by("-number").first()
    if version is None:  # pragma: no cover - create_report always writes version 1
        raise ReportVersion.DoesNotExist(report.pk)
    return version


# --- The exported document -------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSection:
    """One table (with its chart) as it leaves the node, or why it was left out."""

    name: str
    title: str
    note: str
    header: list[str]
    rows: list[list[str]]  # published texts; the total row last (additive tables)
    svg: str  # the chart drawn from the published figures; "" when left out
    has_total: bool = False  # the last row is the total
    primary: int = 0
    secondary: int = 0
    omitted: str = ""  # why the table is not in the document


@dataclass(frozen=True)
class ReportDocument:
    title: str
    region: str
    period: str
    status: str
    is_draft: bool
    version: ReportVersion
    narrative: list[tuple[str, str]]
    total_text: str
    figures_note: str
    map_section: ExportSection
    sections: list[ExportSection]
    case_sections: list[ExportSection]
    method: list[str]
    generated_by: str
    generated_at: datetime
    credit: str = render.CREDIT
    case_note: str = ""

    @property
    def all_sections(self) -> list[ExportSection]:
        return [self.map_section, *self.sections, *self.case_sections]

    @property
    def suppressed(self) -> int:
        return sum(s.primary + s.secondary for s in [*self.sections, *self.case_sections])

    @property
    def omitted(self) -> list[str]:
        return [s.name for s in self.all_sections if s.omitted]


def published_count(n: int, *, k: int = K) -> str:
    return str(n) if n == 0 or n >= k else f"< {k}"


def narrative(version: ReportVersion) -> list[tuple[str, str]]:
    return [
        (_("Samenvatting"), version.summary),
        (_("Trends"), version.trends),
        (_("Modus operandi"), version.modus_operandi),
        (_("Aanbevelingen"), version.recommendations),
    ]


def period_text(report: Report) -> str:
    return _("%(start)s tot en met %(end)s") % {
        "start": date_format(report.period_start, "j F Y"),
        "end": date_format(report.period_end, "j F Y"),
    }


def _text_rows(table: tables.ExportTable) -> list[list[str]]:
    spec = table.spec
    lines = []
    for row in [*table.rows, *([table.total] if table.total else [])]:
        line = [row.label, row.text]
        if spec.with_rate:
            line += [row.rate_text, str(row.population or "")]
        lines.append(line)
    return lines


def _section(table: tables.ExportTable) -> ExportSection:
    spec = table.spec
    return ExportSection(
        name=spec.name,
        title=spec.title,
        note=spec.note,
        header=tables.header(spec),
        rows=_text_rows(table),
        svg=render.chart(spec, render.export_data(table)),
        has_total=table.total is not None,
        primary=table.primary,
        secondary=table.secondary,
    )


def _omitted(spec: tables.TableSpec, reason: str, *, name: str = "") -> ExportSection:
    return ExportSection(
        name=name or spec.name,
        title=spec.title,
        note=spec.note,
        header=tables.header(spec),
        rows=[],
        svg="",
        omitted=reason,
    )


def _too_small() -> str:
    return _("Niet opgenomen: ook met onderdrukte cellen zou een klein aantal af te leiden zijn.")


def _protect_all(
    specs: dict[str, tables.TableSpec], names: tuple[str, ...]
) -> dict[str, tables.ExportTable | str]:
    """Each named table protected for export, or the reason it is left out."""
    found: dict[str, tables.ExportTable | str] = {}
    if "maanden" in names:
        try:
            months, quarters = tables.export_months_and_quarters(
                specs["maanden"], specs["kwartalen"]
            )
        except tables.TooSmallToPublishError:
            found["maanden"] = found["kwartalen"] = _too_small()
        else:
            found["maanden"], found["kwartalen"] = months, quarters
    for name in names:
        if name in found:
            continue
        try:
            found[name] = tables.export_table(specs[name])
        except tables.TooSmallToPublishError:
            found[name] = _too_small()
    return found


def _guard_shared_total(
    found: dict[str, tables.ExportTable | str],
    specs: dict[str, tables.TableSpec],
    names: tuple[str, ...],
    total: int,
) -> None:
    """Leave out a table that would show the shared total differently from the others."""
    for name in names:
        table = found.get(name)
        if not isinstance(table, tables.ExportTable) or specs[name].total != total:
            continue
        if table.total is not None and table.total.value != total and total:
            found[name] = _(
                "Niet opgenomen: het totaal van deze tabel zou onderdrukt zijn, terwijl het "
                "in de andere tabellen staat."
            )


def _signal_sections(
    specs: dict[str, tables.TableSpec], total: int
) -> tuple[ExportSection, list[ExportSection]]:
    municipalities = specs[render.MAP_TABLE]
    map_spec = tables.TableSpec(
        render.MAP,
        _("Signalen per 100.000 inwoners per gemeente"),
        municipalities.dimension,
        municipalities.rows,
        "bar",
        additive=True,
        with_rate=True,
    )
    if 0 < total < K:
        reason = _("Niet opgenomen: minder dan %(k)s signalen in deze periode.") % {"k": K}
        return _omitted(map_spec, reason), [
            _omitted(specs[name], reason) for name in tables.TABLE_NAMES
        ]
    found = _protect_all(specs, tables.TABLE_NAMES)
    _guard_shared_total(found, specs, SHARED_SIGNAL_TOTAL, total)
    sections = [
        _section(item) if isinstance(item, tables.ExportTable) else _omitted(specs[name], item)
        for name, item in ((name, found[name]) for name in tables.TABLE_NAMES)
    ]
    places = found[render.MAP_TABLE]
    if isinstance(places, tables.ExportTable):
        map_section = ExportSection(
            name=render.MAP,
            title=map_spec.title,
            note="",
            header=[],
            rows=[],
            svg=render.exported_map_svg(places),
        )
    else:
        map_section = _omitted(map_spec, places)
    return map_section, sections


def _case_sections(specs: dict[str, tables.TableSpec]) -> list[ExportSection]:
    cases = specs["casusfasen"].total
    found: dict[str, tables.ExportTable | str]
    if 0 < cases < K:
        reason = _("Niet opgenomen: minder dan %(k)s casussen.") % {"k": K}
        found = dict.fromkeys(SHARED_CASE_TOTAL, reason)
        found.update(_protect_all(specs, ("interventies",)))
    else:
        found = _protect_all(specs, tables.CASE_TABLE_NAMES)
        _guard_shared_total(found, specs, SHARED_CASE_TOTAL, cases)
    return [
        _section(item) if isinstance(item, tables.ExportTable) else _omitted(specs[name], item)
        for name, item in ((name, found[name]) for name in tables.CASE_TABLE_NAMES)
    ]


def _method(sections: list[ExportSection], found: ReportFigures) -> list[str]:
    secondary = sum(s.secondary for s in sections)
    paragraphs = [
        _(
            "Op het scherm zien de analisten van de regio exacte aantallen. Alles wat in dit "
            "document staat (tabellen, grafieken en kaart) is beveiligd tegen onthulling "
            "volgens de methode hieronder, met k = %(k)s. Een aantal per 100.000 inwoners is "
            "alleen berekend uit een gepubliceerd aantal."
        )
        % {"k": K},
        method_statement(
            k=K,
            suppress_zeros=False,
            round_to=None,
            primary_label=f"< {K}",
            secondary_label="x",
            n_secondary=secondary,
        ),
        _(
            "Tabellen die dezelfde aantallen bevatten zijn samen beveiligd: de maand- en de "
            "kwartaaltabel als één tabel (een kwartaal is de som van zijn maanden), en het "
            "totaal aantal signalen staat alleen in het document als het 0 of ten minste "
            "%(k)s is. Een tabel waarin een klein aantal ook met onderdrukking af te leiden "
            "zou zijn, is weggelaten."
        )
        % {"k": K},
    ]
    when = date_format(timezone.localtime(found.computed_at), "j F Y H:i")
    if found.frozen:
        paragraphs.append(
            _("De cijfers zijn vastgesteld op %(when)s, toen het fenomeenbeeld definitief werd.")
            % {"when": when}
        )
    else:
        paragraphs.append(
            _(
                "Voorlopige cijfers: berekend uit het register op %(when)s. Zolang het "
                "fenomeenbeeld een concept is, kunnen ze nog veranderen."
            )
            % {"when": when}
        )
    return paragraphs


def document(report: Report, *, generated_by: str, now: datetime | None = None) -> ReportDocument:
    """The report as it may leave the node: the newest version's text and protected figures."""
    moment = timezone.localtime(now or timezone.now())
    version = current_version(report)
    found = figures_for(report)
    total = found.figures.total
    map_section, sections = _signal_sections(found.specs(), total)
    case_sections = _case_sections(found.case_specs())
    computed = date_format(timezone.localtime(found.computed_at), "j F Y")
    return ReportDocument(
        title=version.title,
        region=own_region().name,
        period=period_text(report),
        status=workflow.label(report.status),
        is_draft=report.is_draft,
        version=version,
        narrative=narrative(version),
        total_text=published_count(total),
        figures_note=(
            _("Cijfers vastgesteld op %(date)s.")
            if found.frozen
            else _("Voorlopige cijfers van %(date)s.")
        )
        % {"date": computed},
        map_section=map_section,
        sections=sections,
        case_sections=case_sections,
        method=_method([*sections, *case_sections], found),
        generated_by=generated_by,
        generated_at=moment,
        case_note=_("Alle casussen van de regio op %(date)s, niet alleen die uit deze periode.")
        % {"date": computed},
    )
