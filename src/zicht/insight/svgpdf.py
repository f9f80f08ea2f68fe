"""The dashboard's SVG charts as reportlab drawings, for the PDF export.

The PDF shows the very charts the page and the HTML export show: :mod:`zicht.insight.charts`
draws them once, as SVG, and this module redraws that SVG with reportlab's graphics. It
reads only the small subset of SVG that ``charts.py`` writes (``line``, ``rect``,
``circle``, ``text``, ``path`` with M/L/Z commands, presentation attributes) and refuses
anything else, so a change to the charts that this module cannot draw fails the tests
instead of silently dropping part of a chart. A general SVG converter (svglib) would add
four dependencies and fall back to fonts without the characters the charts use (≥, …).

The input is our own output, never a user's file: the parser is the standard library's.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, Literal

from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Path,
    Rect,
    String,
)
from reportlab.lib import colors

SVG = "{http://www.w3.org/2000/svg}"
SKIPPED = frozenset({"title", "desc"})  # tooltips and accessible names: not printed
COMMAND = re.compile(r"([MLZ])([^MLZ]*)")
# Where an SVG "dominant-baseline: middle" puts the baseline, as a share of the font size.
MIDDLE = 0.35
# reportlab.graphics.shapes.FILL_EVEN_ODD (missing from its type stubs; a test compares).
FILL_EVEN_ODD: Literal[0] = 0
ANCHORS: dict[str, Literal["start", "middle", "end"]] = {
    "start": "start",
    "middle": "middle",
    "end": "end",
}


class UnsupportedSvgError(ValueError):
    """The SVG uses something outside the subset that charts.py writes."""


def _number(element: ET.Element, name: str, default: float = 0.0) -> float:
    value = element.get(name)
    return default if value is None else float(value)


def _colour(value: str | None) -> Any:
    if value is None or value == "none":
        return None
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise UnsupportedSvgError(f"colour {value!r}")
    return colors.HexColor(value)


def _anchor(value: str) -> Literal["start", "middle", "end"]:
    if value not in ANCHORS:
        raise UnsupportedSvgError(f"text-anchor {value!r}")
    return ANCHORS[value]


def _local(tag: str) -> str:
    return tag[len(SVG) :] if tag.startswith(SVG) else tag


class _Canvas:
    """Turns SVG coordinates (y down) into reportlab's (y up) for a drawing of ``height``."""

    def __init__(self, height: float, fonts: tuple[str, str], root: ET.Element) -> None:
        self.height = height
        self.regular, self.bold = fonts
        self.font_size = _number(root, "font-size", 12)
        self.text_fill = root.get("fill", "#000000")

    def y(self, value: float) -> float:
        return self.height - value

    def text(self, element: ET.Element) -> String:
        size = _number(element, "font-size", self.font_size)
        y = _number(element, "y")
        if element.get("dominant-baseline") == "middle":
            y += size * MIDDLE
        return String(
            _number(element, "x"),
            self.y(y),
            element.text or "",  # the <title> child is a tooltip, not printed
            fontName=self.bold if element.get("font-weight") == "bold" else self.regular,
            fontSize=size,
            fillColor=_colour(element.get("fill", self.text_fill)),
            textAnchor=_anchor(element.get("text-anchor", "start")),
        )

    def rect(self, element: ET.Element) -> Rect:
        height = _number(element, "height")
        shape = Rect(
            _number(element, "x"),
            self.y(_number(element, "y") + height),
            _number(element, "width"),
            height,
        )
        shape.fillColor = _colour(element.get("fill"))
        shape.strokeColor = _colour(element.get("stroke"))
        shape.strokeWidth = _number(element, "stroke-width", 0)
        return shape

    def line(self, element: ET.Element) -> Line:
        return Line(
            _number(element, "x1"),
            self.y(_number(element, "y1")),
            _number(element, "x2"),
            self.y(_number(element, "y2")),
            strokeColor=_colour(element.get("stroke")),
            strokeWidth=_number(element, "stroke-width", 1),
        )

    def circle(self, element: ET.Element) -> Circle:
        return Circle(
            _number(element, "cx"),
            self.y(_number(element, "cy")),
            _number(element, "r"),
            fillColor=_colour(element.get("fill")),
            strokeColor=_colour(element.get("stroke")),
        )

    def path(self, element: ET.Element) -> Path:
        stroke = _colour(element.get("stroke"))
        shape = Path(
            fillColor=_colour(element.get("fill")),
            strokeColor=stroke,
            strokeWidth=_number(element, "stroke-width", 1) if stroke else 0,
            fillMode=FILL_EVEN_ODD,  # a municipality with an enclave keeps its hole
        )
        for command, arguments in COMMAND.findall(element.get("d", "")):
            numbers = [float(n) for n in arguments.replace(",", " ").split()]
            if command == "Z":
                shape.closePath()
                continue
            if len(numbers) != 2:
                raise UnsupportedSvgError(f"path command {command}{arguments}")
            x, y = numbers
            if command == "M":
                shape.moveTo(x, self.y(y))
            else:
                shape.lineTo(x, self.y(y))
        return shape


def _shapes(root: ET.Element, canvas: _Canvas) -> Iterator[Any]:
    draw = {
        "text": canvas.text,
        "rect": canvas.rect,
        "line": canvas.line,
        "circle": canvas.circle,
        "path": canvas.path,
    }
    for element in root:
        name = _local(element.tag)
        if name in SKIPPED:
            continue
        if name not in draw:
            raise UnsupportedSvgError(f"element <{name}>")
        for child in element:
            if _local(child.tag) != "title":
                raise UnsupportedSvgError(f"<{_local(child.tag)}> inside <{name}>")
        yield draw[name](element)


def to_drawing(svg: str, *, fonts: tuple[str, str], max_width: float, max_height: float) -> Drawing:
    """The chart as a reportlab Drawing, scaled down (never up) to fit the given box."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output (charts.py), not user input
    if _local(root.tag) != "svg":
        raise UnsupportedSvgError(f"root <{_local(root.tag)}>")
    width, height = _number(root, "width"), _number(root, "height")
    canvas = _Canvas(height, fonts, root)
    scale = min(1.0, max_width / width, max_height / height) if width and height else 1.0
    group = Group(*_shapes(root, canvas))
    group.transform = (scale, 0, 0, scale, 0, 0)
    drawing = Drawing(width * scale, height * scale)
    drawing.add(group)
    return drawing
