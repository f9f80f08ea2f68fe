"""The dashboard's charts, map and tables drawn for a page or for an export.

On a page the region's own analysts see exact figures (:func:`exact_data`, :func:`map_svg`).
Anything that leaves the node is drawn from a protected table (:func:`export_data`,
:func:`exported_map_svg`), built by :func:`zicht.insight.tables.export_table`. The dashboard,
its downloads and the phenomenon-picture report all draw through here, so a chart looks the
same wherever it appears.
"""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from zicht.insight import charts, figures, tables
from zicht.reference.models import Municipality
from zicht.reference.svgmap import MapFeature, SvgMap, build_map

CREDIT = "Kadaster / Centraal Bureau voor de Statistiek, 2024"
MAP = "kaart"
MAP_TABLE = "gemeenten"


@functools.lru_cache(maxsize=4)
def region_map(region: str) -> SvgMap:
    """The projected municipalities of the region; reference data change only on deploy."""
    features = [
        MapFeature(key=m.code, title=m.name, geometry=m.boundary)
        for m in Municipality.objects.filter(region__code=region)
        if m.boundary
    ]
    return build_map(features, size=460)


def exact_data(spec: tables.TableSpec) -> list[charts.Datum]:
    return [charts.Datum(row.label, row.count, str(row.count)) for row in spec.rows]


def export_data(table: tables.ExportTable) -> list[charts.Datum]:
    return [charts.Datum(row.label, row.value, row.text) for row in table.rows]


def chart(spec: tables.TableSpec, data: list[charts.Datum]) -> str:
    draw = charts.line_chart if spec.chart == "line" else charts.bar_chart
    return draw(
        data,
        chart_id=f"chart-{spec.name}",
        title=spec.title,
        description=_("De cijfers staan in de tabel bij deze grafiek."),
    )


def _choropleth(values: dict[str, float | None], texts: dict[str, str], *, exported: bool) -> str:
    region = settings.ZICHT_REGION
    drawing = region_map(region) if region else SvgMap(0, 0, [])
    return charts.choropleth(
        drawing,
        values,
        texts,
        chart_id="chart-kaart",
        title=_("Signalen per 100.000 inwoners per gemeente"),
        legend_title=_("Per 100.000 inwoners"),
        no_data_label=_("onderdrukt of onbekend") if exported else _("onbekend"),
        credit=CREDIT,
        description=_("Kaart van de gemeenten in de regio; de cijfers staan in de tabel."),
    )


def map_svg(spec: tables.TableSpec) -> str:
    """The choropleth of the municipalities table, with exact figures (on screen only)."""
    values: dict[str, float | None] = {}
    texts: dict[str, str] = {}
    for item in spec.rows:
        values[item.key] = item.rate
        texts[item.key] = _("%(n)s signalen, %(rate)s per 100.000") % {
            "n": item.count,
            "rate": tables.format_rate(item.rate),
        }
    return _choropleth(values, texts, exported=False)


def exported_map_svg(table: tables.ExportTable) -> str:
    """The choropleth of a protected municipalities table: rates of published counts only."""
    values: dict[str, float | None] = {}
    texts: dict[str, str] = {}
    for row in table.rows:
        values[row.key] = row.rate
        texts[row.key] = (
            _("%(n)s signalen, %(rate)s per 100.000") % {"n": row.text, "rate": row.rate_text}
            if row.rate is not None
            else _("%(n)s signalen") % {"n": row.text}
        )
    return _choropleth(values, texts, exported=True)


def figures_html(found: figures.Figures, *, downloads: bool = True) -> SafeString:
    """The charts, map and tables of the signals with exact figures, rendered once per view
    and register version: drawing a dozen SVGs and tables costs more than the rest of the
    request. ``downloads`` adds the dashboard's protected CSV and SVG download links."""
    key = figures.cache_key(found.filters, found.version) + (":html" if downloads else ":page")
    store = figures.figures_cache()
    cached = store.get(key)
    if isinstance(cached, str):
        return mark_safe(cached)  # our own rendering, stored by the line below
    specs = tables.specs(found)
    sections = [
        {
            "spec": specs[name],
            # charts.py escapes every text it writes.
            "svg": mark_safe(chart(specs[name], exact_data(specs[name]))),
            "header": tables.header(specs[name]),
        }
        for name in tables.TABLE_NAMES
    ]
    municipalities = specs[MAP_TABLE]
    html = render_to_string(
        "insight/partials/figures.html",
        {
            "sections": sections,
            "map_svg": mark_safe(map_svg(municipalities)),
            "map_spec": municipalities,
            "map_header": tables.header(municipalities),
            "query_string": urlencode(found.filters.as_query()),
            "credit": CREDIT,
            "downloads": downloads,
        },
    )
    store.set(key, str(html), figures.CACHE_SECONDS)
    return mark_safe(html)


def case_sections(specs: dict[str, tables.TableSpec]) -> list[dict[str, object]]:
    """The case tables with their charts, exact (on screen only)."""
    return [
        {
            "spec": spec,
            "svg": mark_safe(chart(spec, exact_data(spec))),  # escaped by charts.py
            "header": tables.header(spec),
        }
        for spec in specs.values()
    ]
