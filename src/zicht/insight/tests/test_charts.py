"""The SVG charts: valid, accessible, escaped, and free of inline styles."""

import re
import xml.etree.ElementTree as ET

from zicht.insight import charts
from zicht.reference.svgmap import MapFeature, build_map

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def _square(x: float, y: float) -> dict[str, object]:
    ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_bar_chart_is_accessible_and_scaled() -> None:
    data = [charts.Datum("Bouw", 10, "10"), charts.Datum("Horeca", 5, "5")]
    svg = charts.bar_chart(data, chart_id="c1", title="Per sector")
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    title = root.find(f"{NS}title")
    assert title is not None
    assert title.text == "Per sector"
    bars = root.findall(f"{NS}rect")
    assert len(bars) == 2
    assert float(bars[0].get("width", "")) == 2 * float(bars[1].get("width", ""))


def test_suppressed_value_has_no_bar_but_its_marker() -> None:
    data = [charts.Datum("Bouw", 10, "10"), charts.Datum("Horeca", None, "< 5")]
    svg = charts.bar_chart(data, chart_id="c", title="t")
    assert len(_parse(svg).findall(f"{NS}rect")) == 1
    assert "&lt; 5" in svg


def test_text_is_escaped_and_no_inline_style() -> None:
    data = [charts.Datum('<script>alert("x")</script>', 1, "1")]
    svg = charts.bar_chart(data, chart_id='x"y', title="<b>")
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert not re.search(r"\sstyle=|<style", svg)
    _parse(svg)


def test_line_chart_points_and_gaps() -> None:
    data = [
        charts.Datum("2026-01", 2, "2"),
        charts.Datum("2026-02", 4, "4"),
        charts.Datum("2026-03", None, "x"),
        charts.Datum("2026-04", 1, "1"),
    ]
    root = _parse(charts.line_chart(data, chart_id="m", title="Per maand"))
    assert len(root.findall(f"{NS}circle")) == 3
    # The suppressed month breaks the line: one segment of two points, a lone point after.
    assert len(root.findall(f"{NS}path")) == 1
    assert len(_parse(charts.line_chart([], chart_id="e", title="leeg")).findall(f"{NS}path")) == 0


def test_nice_max_and_classes() -> None:
    assert charts.nice_max(0) == 1
    assert charts.nice_max(7) == 10
    assert charts.nice_max(180) == 200
    assert charts.nice_max(23) == 25
    legend = charts.equal_classes([0.0, 3.3, 9.5])
    assert legend.bounds == (0.0, 2.0, 4.0, 6.0, 8.0)
    assert [legend.class_of(v) for v in (0, 1.9, 2.0, 9.5)] == [0, 0, 1, 4]


def test_choropleth_shades_by_value_with_legend_and_credit() -> None:
    drawing = build_map(
        [
            MapFeature("GM1", "Een", _square(5.0, 52.0)),
            MapFeature("GM2", "Twee", _square(5.1, 52.0)),
            MapFeature("GM3", "Drie", _square(5.2, 52.0)),
        ]
    )
    svg = charts.choropleth(
        drawing,
        {"GM1": 1.0, "GM2": 9.0, "GM3": None},
        {"GM1": "1", "GM2": "9"},
        chart_id="kaart",
        title="Per 100.000",
        legend_title="Per 100.000 inwoners",
        no_data_label="onbekend",
        credit="Kadaster / Centraal Bureau voor de Statistiek, 2024",
    )
    root = _parse(svg)
    fills = {p.get("data-key"): p.get("fill") for p in root.iter(f"{NS}path")}
    assert fills == {"GM1": charts.SCALE[0], "GM2": charts.SCALE[4], "GM3": charts.NO_DATA}
    assert len(root.findall(f"{NS}rect")) == len(charts.SCALE) + 1  # legend swatches
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in svg
