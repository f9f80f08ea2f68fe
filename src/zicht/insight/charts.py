"""Server-side SVG charts: horizontal bars, a line over time and a choropleth map.

Pure Python without Django, the one charting approach of the dashboard. The output is a
complete ``<svg>`` element that works inline in a page and as a downloaded file:

- no JavaScript, no inline ``style`` attributes or ``<style>`` elements: colours and fonts
  are SVG presentation attributes, so the Content-Security-Policy (``style-src 'self'``)
  holds and a downloaded file looks the same as the page;
- accessible: ``role="img"`` with ``aria-labelledby`` pointing at ``<title>`` and
  ``<desc>``; the page puts the same figures in a table beside each chart;
- every text is escaped here (:func:`html.escape`), so callers may mark the result safe.

Numbers are written with a decimal point whatever the page language: SVG needs that.
A value may be ``None`` (suppressed in an export): it gets no bar or point, only its text.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from zicht.reference.svgmap import SvgMap

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
TEXT = "#1b1b1b"
MUTED = "#595959"
AXIS = "#8c8c8c"
BAR = "#154273"  # Rijkshuisstijl dark blue, 10:1 contrast on white
# Sequential blues (ColorBrewer "Blues", 5 classes): distinguishable in greyscale and by
# readers with the common colour-vision deficiencies.
SCALE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#f2f2f2"
EDGE = "#ffffff"


@dataclass(frozen=True)
class Datum:
    label: str
    value: float | None  # None: not shown (suppressed), ``text`` says why
    text: str  # what is written beside the bar or point, e.g. "12" or "< 5"


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _open(chart_id: str, title: str, description: str, width: float, height: float) -> str:
    cid = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{cid}" class="chart" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" font-family="{escape(FONT)}" '
        f'font-size="12" fill="{TEXT}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(description)}</desc>'
    )


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def nice_max(value: float) -> float:
    """A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def bar_chart(
    data: Sequence[Datum],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    width: float = 640,
    label_width: float = 220,
    row_height: float = 22,
) -> str:
    """Horizontal bars, one row per datum, in the given order."""
    top, bottom = 8.0, 8.0
    height = top + bottom + max(1, len(data)) * row_height
    plot_width = width - label_width - 60
    largest = max((d.value for d in data if d.value is not None), default=0.0)
    scale = plot_width / nice_max(largest)
    parts = [_open(chart_id, title, description or title, width, height)]
    parts.append(
        f'<line x1="{_num(label_width)}" y1="{_num(top)}" x2="{_num(label_width)}" '
        f'y2="{_num(height - bottom)}" stroke="{AXIS}" stroke-width="1"/>'
    )
    for i, datum in enumerate(data):
        y = top + i * row_height
        middle = y + row_height / 2
        parts.append(
            f'<text x="{_num(label_width - 6)}" y="{_num(middle)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_truncate(datum.label, 34))}'
            f"<title>{escape(datum.label)}</title></text>"
        )
        bar = 0.0
        if datum.value is not None and datum.value > 0:
            bar = max(1.0, datum.value * scale)
            parts.append(
                f'<rect class="chart__bar" x="{_num(label_width)}" y="{_num(y + 3)}" '
                f'width="{_num(bar)}" height="{_num(row_height - 6)}" fill="{BAR}">'
                f"<title>{escape(datum.label)}: {escape(datum.text)}</title></rect>"
            )
        parts.append(
            f'<text x="{_num(label_width + bar + 4)}" y="{_num(middle)}" '
            f'dominant-baseline="middle" fill="{MUTED}">{escape(datum.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    data: Sequence[Datum],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    width: float = 640,
    height: float = 240,
) -> str:
    """A line over time (months or quarters), with points; gaps where a value is None."""
    left, right, top, bottom = 44.0, 12.0, 12.0, 40.0
    plot_w = width - left - right
    plot_h = height - top - bottom
    largest = nice_max(max((d.value for d in data if d.value is not None), default=0.0))
    parts = [_open(chart_id, title, description or title, width, height)]
    for tick in range(5):
        value = largest * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(width - right)}" y2="{_num(y)}" '
            f'stroke="{AXIS}" stroke-width="{"1" if tick == 0 else "0.3"}"/>'
            f'<text x="{_num(left - 4)}" y="{_num(y)}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{MUTED}">{_num(value)}</text>'
        )
    if not data:
        parts.append("</svg>")
        return "".join(parts)
    step = plot_w / max(1, len(data) - 1) if len(data) > 1 else 0.0
    every = max(1, math.ceil(len(data) / 12))  # at most about twelve axis labels
    segments: list[list[str]] = [[]]
    for i, datum in enumerate(data):
        x = left + (i * step if len(data) > 1 else plot_w / 2)
        if i % every == 0 or i == len(data) - 1:
            parts.append(
                f'<text x="{_num(x)}" y="{_num(height - bottom + 16)}" text-anchor="middle" '
                f'fill="{MUTED}" font-size="10">{escape(datum.label)}</text>'
            )
        if datum.value is None:
            # Suppressed: no point, but its marker on the axis so the gap is explained.
            parts.append(
                f'<text class="chart__marker" x="{_num(x)}" y="{_num(top + plot_h - 4)}" '
                f'text-anchor="middle" fill="{MUTED}" font-size="9">{escape(datum.text)}'
                f"<title>{escape(datum.label)}: {escape(datum.text)}</title></text>"
            )
            segments.append([])
            continue
        y = top + plot_h - (datum.value / largest) * plot_h
        segments[-1].append(f"{_num(x)} {_num(y)}")
        parts.append(
            f'<circle class="chart__point" cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="{BAR}">'
            f"<title>{escape(datum.label)}: {escape(datum.text)}</title></circle>"
        )
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<path class="chart__line" d="M{"L".join(segment)}" fill="none" '
                f'stroke="{BAR}" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Legend:
    """Class boundaries of a choropleth: class i holds values in [bounds[i], bounds[i+1])."""

    bounds: tuple[float, ...]

    def class_of(self, value: float) -> int:
        for i in range(len(self.bounds) - 1, 0, -1):
            if value >= self.bounds[i]:
                return i
        return 0

    def labels(self) -> list[str]:
        edges = self.bounds
        result = []
        for i, low in enumerate(edges):
            if i + 1 < len(edges):
                result.append(f"{_num(low)} – {_num(edges[i + 1])}")
            else:
                result.append(f"≥ {_num(low)}")
        return result


def equal_classes(values: Sequence[float], classes: int = len(SCALE)) -> Legend:
    """Equal-width classes from 0 to a round maximum: easy to read, stable between views."""
    top = nice_max(max(values, default=0.0))
    width = top / classes
    return Legend(tuple(round(width * i, 1) for i in range(classes)))


def choropleth(
    drawing: SvgMap,
    values: Mapping[str, float | None],
    texts: Mapping[str, str],
    *,
    chart_id: str,
    title: str,
    legend_title: str,
    no_data_label: str,
    credit: str,
    description: str = "",
) -> str:
    """The shapes of ``drawing`` shaded by ``values`` (by shape key), with legend and credit.

    A key without a value (missing or None) is drawn in the no-data grey; ``texts`` gives the
    tooltip text per key (e.g. "12 signalen, 8,3 per 100.000").
    """
    legend = equal_classes([v for v in values.values() if v is not None])
    legend_w = 170.0
    credit_h = 20.0
    width = drawing.width + legend_w
    height = max(drawing.height, 30 + 18 * (len(SCALE) + 1)) + credit_h
    parts = [_open(chart_id, title, description or title, width, height)]
    for shape in drawing.shapes:
        value = values.get(shape.key)
        fill = NO_DATA if value is None else SCALE[legend.class_of(value)]
        tooltip = f"{shape.title}: {texts.get(shape.key, no_data_label)}"
        parts.append(
            f'<path class="chart__area" d="{escape(shape.d)}" fill="{fill}" stroke="{AXIS}" '
            f'stroke-width="0.5" data-key="{escape(shape.key)}">'
            f"<title>{escape(tooltip)}</title></path>"
        )
    x0 = drawing.width + 12
    parts.append(f'<text x="{_num(x0)}" y="16" font-weight="bold">{escape(legend_title)}</text>')
    entries = [*zip(SCALE, legend.labels(), strict=True), (NO_DATA, no_data_label)]
    for i, (colour, label) in enumerate(entries):
        y = 26 + i * 18
        parts.append(
            f'<rect class="chart__legend" x="{_num(x0)}" y="{_num(y)}" width="14" height="14" '
            f'fill="{colour}" stroke="{AXIS}" stroke-width="0.5"/>'
            f'<text x="{_num(x0 + 20)}" y="{_num(y + 7)}" dominant-baseline="middle">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<text class="chart__credit" x="4" y="{_num(height - 6)}" font-size="10" '
        f'fill="{MUTED}">{escape(credit)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
