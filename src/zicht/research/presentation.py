"""How joint research looks to people: released tables, chart, map, CSV and run history.

The hub's release page and a node's request page show the same thing, so both render from
the same document: :func:`zicht.research.access.release_document` of a
:class:`~zicht.research.models.Release` (on the hub) or the copy the hub sent to a node
(``RunRequest.release``). Everything in it is already protected (small-cell suppression and,
if the study chose it, DP noise), so it may be shown on either role.

A document from elsewhere is checked against the run's spec
(:func:`zicht.research.release.check_document`) before anything is drawn: a page never
renders a table whose shape differs from what the steward approved.

Numbers are written as plain integers (no thousands separator), as in the insight tables,
so a figure reads the same on screen and in the CSV.
"""

import csv
import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from zicht.insight import charts
from zicht.reference.models import Region
from zicht.reference.svgmap import MapFeature, SvgMap, build_map
from zicht.regions import REGIONS
from zicht.research import release
from zicht.research.models import RunEvent
from zicht.research.study import DIMENSIONS, METRICS, StudySpec, epsilon_text

CREDIT = "Kadaster / Centraal Bureau voor de Statistiek, 2024"
REGION_NAMES: dict[str, str] = {r.code: r.name for r in REGIONS}

Coordinates = tuple[str | None, ...]  # category codes; None is the total of that dimension


class DocumentError(ValueError):
    """A release document that does not fit the run's spec; the message is Dutch."""


def region_name(code: str) -> str:
    return REGION_NAMES.get(code, code)


# -- the protected table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    code: str
    label: str
    categories: tuple[tuple[str, str], ...]  # (code, label) in display order


@dataclass(frozen=True)
class Figure:
    text: str  # what is shown: the number or the suppression marker
    value: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Line:
    label: str
    figures: tuple[Figure, ...]
    is_total: bool = False


@dataclass(frozen=True)
class CrossTable:
    caption: str
    corner: str  # header of the label column: the row dimension
    columns: tuple[str, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Document:
    """A parsed protected table (:func:`zicht.research.release.protected_document`)."""

    metric: str
    k: int
    axes: tuple[Axis, ...]
    entries: tuple[tuple[Coordinates, Figure], ...]  # in document order

    @functools.cached_property
    def _index(self) -> dict[Coordinates, Figure]:
        return dict(self.entries)

    def figure(self, key: Coordinates) -> Figure:
        return self._index[key]

    @property
    def metric_label(self) -> str:
        return METRICS.get(self.metric, self.metric)

    @property
    def suppressed(self) -> int:
        return sum(1 for _key, figure in self.entries if figure.suppressed)

    def markers(self) -> list[str]:
        """What each suppression marker in the table means, in Dutch."""
        found = sorted({f.text for _key, f in self.entries if f.suppressed})
        notes = []
        for marker in found:
            if marker == f"< {self.k}":
                notes.append(
                    _("‘%(m)s’: een aantal van 1 tot en met %(k1)s, onderdrukt.")
                    % {"m": marker, "k1": self.k - 1}
                )
            elif marker == "x":
                notes.append(
                    _(
                        "‘x’: onderdrukt zodat een klein aantal niet uit de totalen terug te "
                        "rekenen is."
                    )
                )
            else:
                notes.append(_("‘%(m)s’: onderdrukt.") % {"m": marker})
        return notes


def _figure(value: object) -> Figure:
    if isinstance(value, int) and not isinstance(value, bool):
        return Figure(str(value), value)
    return Figure(str(value), None)


def parse_document(spec: StudySpec, data: object) -> Document:
    """``data`` as a :class:`Document`, if it is a protected table of ``spec``."""
    problem = release.check_document(spec, data)
    if problem:
        raise DocumentError(
            _("Deze tabel past niet bij het onderzoek (%(problem)s).") % {"problem": problem}
        )
    if not isinstance(data, dict):  # pragma: no cover - check_document refuses it first
        raise DocumentError(_("Deze tabel is onleesbaar."))
    axes = tuple(
        Axis(
            code=str(d["code"]),
            label=DIMENSIONS.get(str(d["code"]), str(d["code"])),
            categories=tuple((str(code), str(label)) for code, label in d["categories"]),
        )
        for d in data["dimensions"]
    )
    entries = tuple(
        (tuple(None if c is None else str(c) for c in key), _figure(value))
        for key, value in data["entries"]
    )
    return Document(metric=str(data["metric"]), k=int(data["k"]), axes=axes, entries=entries)


def _cross_table(
    document: Document, rows: Axis, columns: Axis | None, fixed: Coordinates, caption: str
) -> CrossTable:
    """Rows of ``rows`` (plus the total), columns of ``columns`` (plus the total) or one column
    of counts; ``fixed`` are the coordinates of the dimensions after those two."""
    total = _("Totaal")
    row_keys: list[tuple[str | None, str]] = [*rows.categories, (None, total)]
    if columns is None:
        headers: tuple[str, ...] = (_("Aantal"),)
        column_keys: list[str | None] = [None]
    else:
        headers = (*(label for _code, label in columns.categories), total)
        column_keys = [*(code for code, _label in columns.categories), None]
    lines = []
    for row_code, row_label in row_keys:
        figures: tuple[Figure, ...]
        if columns is None:
            figures = (document.figure((row_code, *fixed)),)
        else:
            figures = tuple(document.figure((row_code, c, *fixed)) for c in column_keys)
        lines.append(Line(row_label, figures, is_total=row_code is None))
    return CrossTable(caption=caption, corner=rows.label, columns=headers, lines=tuple(lines))


def cross_tables(document: Document, *, caption: str) -> list[CrossTable]:
    """The table for reading: the first dimension as rows, the second as columns.

    A 3-D table becomes one cross table per category of the third dimension, and one for
    all of them together (its margin).
    """
    axes = document.axes
    if len(axes) == 1:
        return [_cross_table(document, axes[0], None, (), caption)]
    if len(axes) == 2:
        return [_cross_table(document, axes[0], axes[1], (), caption)]
    third = axes[2]
    tables = [
        _cross_table(document, axes[0], axes[1], (code,), f"{caption} — {third.label}: {label}")
        for code, label in third.categories
    ]
    everything = _("alle categorieën samen")
    tables.append(
        _cross_table(
            document, axes[0], axes[1], (None,), f"{caption} — {third.label}: {everything}"
        )
    )
    return tables


def margin(document: Document) -> list[charts.Datum]:
    """The first dimension's totals, for the chart; suppressed ones without a value."""
    rest: Coordinates = (None,) * (len(document.axes) - 1)
    data = []
    for code, label in document.axes[0].categories:
        figure = document.figure((code, *rest))
        data.append(charts.Datum(label, figure.value, figure.text))
    return data


def chart_svg(document: Document, *, chart_id: str) -> SafeString:
    first = document.axes[0]
    title = _("%(metric)s per %(dimension)s") % {
        "metric": document.metric_label,
        "dimension": first.label.lower(),
    }
    svg = charts.bar_chart(
        margin(document),
        chart_id=chart_id,
        title=title,
        description=_("De cijfers staan in de tabel op deze pagina."),
    )
    return mark_safe(svg)  # charts.py escapes every text it writes


# -- the map of regions -----------------------------------------------------------------------

PARTICIPATED = "participated"
LEFT_OUT = "left_out"
NOT_ASKED = "not_asked"

# Dark, medium and light: told apart in greyscale and with the common colour-vision deficiencies.
STATUS_FILL = {PARTICIPATED: "#08519c", LEFT_OUT: "#fdae61", NOT_ASKED: "#f2f2f2"}


def status_labels() -> dict[str, str]:
    return {
        PARTICIPATED: _("telt mee in de som"),
        LEFT_OUT: _("gevraagd, telt niet mee"),
        NOT_ASKED: _("niet gevraagd"),
    }


@dataclass(frozen=True)
class RegionStatus:
    code: str
    name: str
    status: str
    label: str
    reason: str
    is_own: bool = False


def region_statuses(
    *,
    asked: Sequence[str],
    participants: Sequence[str],
    left_out: Mapping[str, str],
    own: str | None = None,
) -> list[RegionStatus]:
    labels = status_labels()
    result = []
    for info in REGIONS:
        if info.code in participants:
            status, reason = PARTICIPATED, ""
        elif info.code in asked or info.code in left_out:
            status = LEFT_OUT
            reason = left_out.get(info.code, _("geen besluit voor de start"))
        else:
            status, reason = NOT_ASKED, ""
        result.append(
            RegionStatus(
                info.code, info.name, status, labels[status], reason, is_own=info.code == own
            )
        )
    return result


_national_map: SvgMap | None = None


def national_map() -> SvgMap:
    """The ten region outlines (the municipalities dissolved per region), projected once.

    The outlines are the reference app's region boundaries, which its loader builds from the
    municipal boundaries: one path per region instead of 342 keeps the page small and draws
    no municipal borders inside a region. Reference data change only on deploy.
    """
    global _national_map  # a process-wide cache of static reference data
    if _national_map is None:
        features = [
            MapFeature(key=r.code, title=r.name, geometry=r.boundary)
            for r in Region.objects.all()
            if r.boundary
        ]
        drawing = build_map(features, size=420)
        if not drawing.shapes:
            return drawing  # not loaded (yet): do not cache an empty map
        _national_map = drawing
    return _national_map


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def map_svg(statuses: Sequence[RegionStatus], *, chart_id: str) -> SafeString:
    """The Netherlands by region, coloured by whether the region's figures are in the sum."""
    drawing = national_map()
    by_code = {s.code: s for s in statuses}
    legend_width, credit_height = 210.0, 22.0
    width = drawing.width + legend_width
    height = max(drawing.height, 40.0 + 20 * len(STATUS_FILL)) + credit_height
    title = _("Deelnemende regio's")
    description = _(
        "Kaart van Nederland met de tien RIEC-regio's: welke regio's meetellen in de som, welke "
        "gevraagd zijn maar niet meetellen, en welke niet gevraagd zijn. Dezelfde gegevens "
        "staan in de tabel bij de kaart."
    )
    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{cid}" class="chart" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" font-family="{escape(charts.FONT)}" '
        f'font-size="12" fill="{charts.TEXT}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(description)}</desc>'
    ]
    for shape in drawing.shapes:
        status = by_code.get(shape.key)
        code = status.status if status else NOT_ASKED
        tooltip = shape.title
        if status is not None:
            tooltip = f"{status.name}: {status.label}"
            if status.reason:
                tooltip += f" ({status.reason})"
        parts.append(
            f'<path class="chart__area" d="{escape(shape.d)}" fill="{STATUS_FILL[code]}" '
            f'stroke="{charts.AXIS}" stroke-width="0.6" fill-rule="evenodd" '
            f'data-region="{escape(shape.key)}" data-status="{code}">'
            f"<title>{escape(tooltip)}</title></path>"
        )
    x0 = drawing.width + 12
    parts.append(f'<text x="{_num(x0)}" y="16" font-weight="bold">{escape(_("Regio’s"))}</text>')
    for i, (status_code, label) in enumerate(status_labels().items()):
        y = 28 + i * 20
        parts.append(
            f'<rect class="chart__legend" x="{_num(x0)}" y="{_num(y)}" width="14" height="14" '
            f'fill="{STATUS_FILL[status_code]}" stroke="{charts.AXIS}" stroke-width="0.5"/>'
            f'<text x="{_num(x0 + 20)}" y="{_num(y + 7)}" dominant-baseline="middle">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<text class="chart__credit" x="4" y="{_num(height - 6)}" font-size="10" '
        f'fill="{charts.MUTED}">{escape(CREDIT)}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


# -- CSV --------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    # Spreadsheet formula injection: a text cell must not start with a formula character.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(document: Document) -> str:
    """The protected table in long form: one row per cell and margin, as published."""
    total = _("Totaal")
    labels = [dict(axis.categories) for axis in document.axes]
    out = io.StringIO()
    writer = csv.writer(out)
    header = [axis.label for axis in document.axes]
    header.append(_("Aantal %(metric)s") % {"metric": document.metric_label.lower()})
    writer.writerow([_cell(h) for h in header])
    for key, figure in document.entries:
        names = [total if c is None else labels[i][c] for i, c in enumerate(key)]
        writer.writerow([*(_cell(n) for n in names), _cell(figure.text)])
    return out.getvalue()


# -- everything the release partial shows -----------------------------------------------------


@dataclass(frozen=True)
class ColumnView:
    region: str
    name: str
    tables: list[CrossTable]
    markers: list[str]


def release_context(
    spec: StudySpec, document: Mapping[str, Any], *, own_region: str | None = None
) -> dict[str, Any]:
    """The context of ``research/partials/release.html`` for a release document.

    Raises :class:`DocumentError` when the document does not fit ``spec``.
    """
    try:
        table = parse_document(spec, document["table"])
        participants = [str(r) for r in document["participants"]]
        left_out = {str(r): str(why) for r, why in dict(document["left_out"]).items()}
        method = [str(line) for line in document["method"]]
        columns_data = dict(document.get("columns") or {})
    except DocumentError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DocumentError(_("Het resultaat is onvolledig of onleesbaar.")) from exc
    caption = _("%(metric)s, som over %(n)s regio's") % {
        "metric": table.metric_label,
        "n": len(participants),
    }
    columns = []
    for region in sorted(columns_data):
        column = parse_document(spec, columns_data[region])
        name = region_name(region)
        columns.append(
            ColumnView(
                region=region,
                name=name,
                tables=cross_tables(
                    column,
                    caption=_("%(metric)s, alleen regio %(name)s")
                    % {"metric": column.metric_label, "name": name},
                ),
                markers=column.markers(),
            )
        )
    statuses = region_statuses(
        asked=spec.regions, participants=participants, left_out=left_out, own=own_region
    )
    margin_data = margin(table)
    return {
        "document": table,
        "tables": cross_tables(table, caption=caption),
        "markers": table.markers(),
        "chart": chart_svg(table, chart_id="chart-resultaat"),
        "chart_has_gaps": any(d.value is None for d in margin_data),
        "map": map_svg(statuses, chart_id="kaart-regios"),
        "statuses": statuses,
        "participants": [region_name(r) for r in participants],
        "left_out": [(region_name(r), why) for r, why in sorted(left_out.items())],
        "method": method,
        "columns": columns,
        "epsilon": _epsilon(document.get("epsilon")),
        "released_at": parse_datetime(str(document.get("released_at") or "")),
        "credit": CREDIT,
    }


def _epsilon(value: object) -> str | None:
    """Epsilon as a Dutch decimal ("0,5"), whether the release stored "0.500" or "0.5"."""
    if value is None or value == "":
        return None
    try:
        return epsilon_text(Decimal(str(value))).replace(".", ",")
    except InvalidOperation as exc:
        raise DocumentError(_("Het resultaat is onvolledig of onleesbaar.")) from exc


# -- the run's history on the hub -------------------------------------------------------------


def _names(codes: object) -> str:
    if not isinstance(codes, list | tuple):
        return ""
    return ", ".join(region_name(str(c)) for c in codes)


def _round(detail: Mapping[str, Any]) -> int:
    epoch = detail.get("epoch", 0)
    return (epoch if isinstance(epoch, int) else 0) + 1


def event_text(event: RunEvent) -> str:
    """One line of a run's history in plain Dutch."""
    d: Mapping[str, Any] = event.detail if isinstance(event.detail, dict) else {}
    region = region_name(str(d.get("region", "")))
    match event.event:
        case "offered":
            return _("Aangeboden aan %(regions)s.") % {"regions": _names(d.get("regions"))}
        case "decision":
            if d.get("decision") == "approved":
                text = _("%(region)s keurde goed") % {"region": region}
                if d.get("region_column"):
                    text += _(", ook de eigen kolom")
                return text + "."
            return _("%(region)s wees af.") % {"region": region}
        case "started":
            return _("Gestart met %(regions)s.") % {"regions": _names(d.get("participants"))}
        case "shared":
            return _("%(region)s heeft zijn aandelen verstuurd (ronde %(round)s).") % {
                "region": region,
                "round": _round(d),
            }
        case "share_phase_closed":
            return _(
                "Alle aandelen zijn verstuurd (ronde %(round)s); de regio's sturen hun deelsom."
            ) % {"round": _round(d)}
        case "partial_sum":
            return _("Deelsom van %(region)s ontvangen.") % {"region": region}
        case "restarted":
            return _("Opnieuw gestart zonder %(regions)s (ronde %(round)s).") % {
                "regions": _names(d.get("dropped")),
                "round": _round(d),
            }
        case "withdrawn":
            return _("%(region)s doet niet mee: %(reason)s") % {
                "region": region,
                "reason": d.get("reason", ""),
            }
        case "released":
            return _("Vrijgegeven; %(n)s cellen of totalen onderdrukt.") % {
                "n": d.get("suppressed", 0)
            }
        case "columns_published":
            return _("Eigen kolommen gepubliceerd van %(regions)s.") % {
                "regions": _names(d.get("regions"))
            }
        case "columns_withheld":
            return _(
                "Eigen kolommen van %(regions)s niet gepubliceerd: dan zou de som van één andere "
                "regio af te leiden zijn."
            ) % {"regions": _names(d.get("regions"))}
        case "failed":
            return _("Mislukt: %(reason)s") % {"reason": d.get("reason", "")}
        case "cancelled":
            return _("Ingetrokken: %(reason)s") % {"reason": d.get("reason", "")}
    return event.event


def dp_accuracy(spec: StudySpec) -> str | None:
    """With DP: the plain-Dutch accuracy a reader of the release can expect, else None.

    Computed for all invited regions, the worst case for the persons metric (whose
    sensitivity grows with the number of participants), so nobody is told too rosy a figure.
    """
    half_width = release.expected_accuracy(spec, len(spec.regions))
    if half_width is None:
        return None
    return (
        f"Verwachte nauwkeurigheid: met 95% zekerheid wijkt een gepubliceerde cel niet meer "
        f"dan {half_width:.0f} af van de werkelijke som (ruis voor differential privacy)."
    )
