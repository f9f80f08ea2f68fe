"""Turning GeoJSON polygons into SVG path data for a small server-side map.

Pure Python, no Django: the view passes features in and the template writes the ``<svg>``
(so all text goes through template autoescaping). No JavaScript and no tile server are
needed, which keeps the map inside the Content-Security-Policy and usable offline.

The projection is equirectangular with the x axis shrunk by cos(latitude) at the middle of
the map. For an area the size of the Netherlands the distortion is under a few percent,
which is fine for recognising municipalities; it is not a surveying projection.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...]


@dataclass(frozen=True)
class MapFeature:
    key: str
    title: str
    geometry: dict[str, Any]  # GeoJSON Polygon or MultiPolygon, WGS84


@dataclass(frozen=True)
class Shape:
    key: str
    title: str
    d: str  # SVG path data


@dataclass(frozen=True)
class SvgMap:
    width: float
    height: float
    shapes: list[Shape]

    # Strings for the SVG attributes: a template would localise a float ("246,0" in Dutch),
    # which SVG does not understand.
    @property
    def view_box(self) -> str:
        return f"0 0 {_fmt(self.width)} {_fmt(self.height)}"

    @property
    def width_attr(self) -> str:
        return _fmt(self.width)

    @property
    def height_attr(self) -> str:
        return _fmt(self.height)


def polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    """The polygons (each a list of rings) of a Polygon or MultiPolygon geometry."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        return list(coordinates)
    raise ValueError(f"unsupported geometry type {kind!r}")


def _points(geometry: dict[str, Any]) -> Iterable[Sequence[float]]:
    for polygon in polygons(geometry):
        for ring in polygon:
            yield from ring


def _fmt(value: float) -> str:
    # One decimal in a viewBox of a few hundred units is well below a screen pixel, and
    # keeps the inline SVG of a region around a hundred kilobytes.
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def build_map(features: Sequence[MapFeature], *, size: float = 600, margin: float = 4) -> SvgMap:
    """Project ``features`` to fit a ``size`` x ``size`` box, keeping the aspect ratio.

    The returned width and height are those of the drawing (at most ``size``), so a long,
    narrow region such as Limburg is not stretched to the full width.
    """
    lons: list[float] = []
    lats: list[float] = []
    for feature in features:
        for point in _points(feature.geometry):
            lons.append(float(point[0]))
            lats.append(float(point[1]))
    if not lons:
        return SvgMap(width=0, height=0, shapes=[])

    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = (max_lon - min_lon) * x_factor
    span_y = max_lat - min_lat
    inner = size - 2 * margin
    # A point or a straight line has no extent in one direction: scale by the other one.
    scale = min(inner / span for span in (span_x, span_y) if span > 0) if span_x or span_y else 1
    width = round(span_x * scale + 2 * margin, 1)
    height = round(span_y * scale + 2 * margin, 1)

    def project(lon: float, lat: float) -> tuple[str, str]:
        x = margin + (lon - min_lon) * x_factor * scale
        y = margin + (max_lat - lat) * scale  # SVG y grows downwards, latitude upwards
        return _fmt(x), _fmt(y)

    shapes: list[Shape] = []
    for feature in features:
        parts: list[str] = []
        for polygon in polygons(feature.geometry):
            for ring in polygon:
                projected: list[tuple[str, str]] = []
                for point in ring:
                    xy = project(float(point[0]), float(point[1]))
                    if not projected or projected[-1] != xy:
                        projected.append(xy)
                if len(projected) < 3:
                    continue  # collapsed to (less than) a line at this scale: invisible anyway
                parts.append("M" + "L".join(f"{x} {y}" for x, y in projected) + "Z")
        shapes.append(Shape(key=feature.key, title=feature.title, d="".join(parts)))
    return SvgMap(width=width, height=height, shapes=shapes)
