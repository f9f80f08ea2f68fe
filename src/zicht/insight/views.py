"""The regional dashboard (node only): figures, charts and map, and their downloads.

The page shows exact figures: it is for the region's own analysts. Downloads leave the
application, so they are built from disclosure-controlled tables (:mod:`zicht.insight.tables`)
and every download is audited.
"""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.insight import charts, figures, tables
from zicht.insight.forms import FilterForm
from zicht.reference.models import Municipality
from zicht.reference.svgmap import MapFeature, SvgMap, build_map

CREDIT = "Kadaster / Centraal Bureau voor de Statistiek, 2024"
PURPOSE = "Zicht op de problematiek in de regio (fenomeenbeeld)"
LEGAL_GROUND = "Wgs (Stb. 2024, 198) en Privacyprotocol RIECs-LIEC"
PROCESSING_ACTIVITY = "fenomeenbeeld-mensenhandel"
MAP = "kaart"
CHART_NAMES = (*tables.TABLE_NAMES, *tables.CASE_TABLE_NAMES, MAP)


@functools.lru_cache(maxsize=4)
def region_map(region: str) -> SvgMap:
    """The projected municipalities of the region; reference data change only on deploy."""
    features = [
        MapFeature(key=m.code, title=m.name, geometry=m.boundary)
        for m in Municipality.objects.filter(region__code=region)
        if m.boundary
    ]
    return build_map(features, size=460)


def _filters(request: HttpRequest) -> tuple[FilterForm, figures.Filters]:
    form = FilterForm(request.GET or None)
    return form, form.filters() if request.GET else figures.Filters()


def _data(rows: list[figures.Row]) -> list[charts.Datum]:
    return [charts.Datum(row.label, row.count, str(row.count)) for row in rows]


def _exported_data(spec: tables.TableSpec) -> list[charts.Datum]:
    rows, _total, _suppressed = tables.protected(spec)
    return [charts.Datum(row.label, row.value, row.text) for row in rows]


def _chart(spec: tables.TableSpec, data: list[charts.Datum]) -> str:
    draw = charts.line_chart if spec.chart == "line" else charts.bar_chart
    return draw(
        data,
        chart_id=f"chart-{spec.name}",
        title=spec.title,
        description=_("De cijfers staan in de tabel bij deze grafiek."),
    )


def _map(spec: tables.TableSpec, *, exported: bool) -> str:
    region = settings.ZICHT_REGION
    drawing = region_map(region) if region else SvgMap(0, 0, [])
    values: dict[str, float | None] = {}
    texts: dict[str, str] = {}
    if exported:
        rows, _total, _n = tables.protected(spec)
        for row in rows:
            values[row.key] = row.rate
            texts[row.key] = (
                _("%(n)s signalen, %(rate)s per 100.000") % {"n": row.text, "rate": row.rate_text}
                if row.rate is not None
                else _("%(n)s signalen") % {"n": row.text}
            )
    else:
        for item in spec.rows:
            values[item.key] = item.rate
            texts[item.key] = _("%(n)s signalen, %(rate)s per 100.000") % {
                "n": item.count,
                "rate": tables.format_rate(item.rate),
            }
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


@require_GET
@permission_required("insight.view_dashboard", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, selected = _filters(request)
    found = figures.dashboard(selected)
    query = selected.as_query()
    case_sections = [
        {
            "spec": spec,
            # charts.py escapes every text it writes.
            "svg": mark_safe(_chart(spec, _data(spec.rows))),
            "header": tables.header(spec),
        }
        for spec in tables.case_specs().values()
    ]
    return render(
        request,
        "insight/dashboard.html",
        {
            "form": form,
            "figures": found,
            "figures_html": _figures_html(found),
            "case_sections": case_sections,
            "query": query,
            "k": tables.K,
        },
    )


def _figures_html(found: figures.Figures) -> str:
    """The charts, map and tables of the signals, rendered once per view and register
    version: drawing a dozen SVGs and tables costs more than the rest of the request."""
    key = figures.cache_key(found.filters, found.version) + ":html"
    store = figures.figures_cache()
    cached = store.get(key)
    if isinstance(cached, str):
        return mark_safe(cached)  # our own rendering, stored by the line below
    specs = tables.specs(found)
    sections = [
        {
            "spec": specs[name],
            "svg": mark_safe(_chart(specs[name], _data(specs[name].rows))),
            "header": tables.header(specs[name]),
        }
        for name in tables.TABLE_NAMES
    ]
    municipalities = specs["gemeenten"]
    html = render_to_string(
        "insight/partials/figures.html",
        {
            "sections": sections,
            "map_svg": mark_safe(_map(municipalities, exported=False)),
            "map_spec": municipalities,
            "map_header": tables.header(municipalities),
            "query_string": urlencode(found.filters.as_query()),
            "credit": CREDIT,
        },
    )
    store.set(key, str(html), figures.CACHE_SECONDS)
    return mark_safe(html)


def _audit_export(
    request: HttpRequest, *, name: str, fmt: str, query: dict[str, str], n: int
) -> None:
    record(
        action=AuditAction.EXPORT,
        actor=request.user,
        object_type="insight.table",
        object_id=name,
        purpose=PURPOSE,
        legal_ground=LEGAL_GROUND,
        processing_activity=PROCESSING_ACTIVITY,
        detail={"format": fmt, "filters": query, "k": tables.K, "suppressed": n},
    )


def _attachment(content: str, content_type: str, name: str, extension: str) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="zicht-inzicht-{name}-{stamp}.{extension}"'
    )
    return response


def _specs(name: str, selected: figures.Filters) -> dict[str, tables.TableSpec]:
    if name in tables.CASE_TABLE_NAMES:
        return tables.case_specs()
    return tables.specs(figures.dashboard(selected))


def _too_small() -> HttpResponse:
    return HttpResponse(
        _(
            "Deze tabel is te klein om te publiceren: ook met onderdrukte cellen zou een "
            "aantal af te leiden zijn. Kies een ruimere periode of minder filters."
        ),
        status=409,
        content_type="text/plain; charset=utf-8",
    )


@require_GET
@permission_required("insight.view_dashboard", raise_exception=True)
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in tables.TABLE_NAMES and table not in tables.CASE_TABLE_NAMES:
        raise Http404
    _form, selected = _filters(request)
    spec = _specs(table, selected)[table]
    try:
        text, suppressed = tables.csv_text(spec)
    except tables.TooSmallToPublishError:
        return _too_small()
    _audit_export(request, name=table, fmt="csv", query=selected.as_query(), n=suppressed)
    return _attachment(text, "text/csv; charset=utf-8", table, "csv")


@require_GET
@permission_required("insight.view_dashboard", raise_exception=True)
def chart_svg(request: HttpRequest, chart: str) -> HttpResponse:
    if chart not in CHART_NAMES:
        raise Http404
    _form, selected = _filters(request)
    specs = _specs(chart, selected)
    if chart == MAP:
        spec = specs["gemeenten"]
        svg = _map(spec, exported=True)
    else:
        spec = specs[chart]
        svg = _chart(spec, _exported_data(spec))
    try:
        _rows, _total, suppressed = tables.protected(spec, for_export=True)
    except tables.TooSmallToPublishError:
        return _too_small()
    _audit_export(request, name=chart, fmt="svg", query=selected.as_query(), n=suppressed)
    return _attachment(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg, "image/svg+xml", chart, "svg"
    )
