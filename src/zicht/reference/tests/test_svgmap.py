"""The SVG map projection, without Django."""

import math
import re
from typing import Any

import pytest

from zicht.reference.svgmap import MapFeature, SvgMap, build_map, polygons


def square(lon: float, lat: float, size: float = 1.0) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def numbers(d: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]


def test_polygons_accepts_polygon_and_multipolygon():
    poly = square(0, 0)
    assert polygons(poly) == [poly["coordinates"]]
    multi = {"type": "MultiPolygon", "coordinates": [poly["coordinates"], poly["coordinates"]]}
    assert len(polygons(multi)) == 2
    with pytest.raises(ValueError, match="Point"):
        polygons({"type": "Point", "coordinates": [0, 0]})


def test_fits_the_box_and_keeps_the_aspect_ratio_with_cos_lat():
    # One degree square at 60 degrees north: a degree of longitude is half a degree of latitude.
    result = build_map([MapFeature("a", "A", square(10, 59.5))], size=200, margin=0)
    assert result.height == 200
    assert result.width == pytest.approx(200 * math.cos(math.radians(60)), abs=0.1)
    assert result.view_box == "0 0 100 200"
    assert (result.width_attr, result.height_attr) == ("100", "200")
    xs = numbers(result.shapes[0].d)[0::2]
    ys = numbers(result.shapes[0].d)[1::2]
    assert min(xs) == 0
    assert max(xs) == pytest.approx(100, abs=0.1)
    assert min(ys) == 0
    assert max(ys) == 200


def test_north_is_up():
    result = build_map(
        [MapFeature("n", "North", square(5, 53, 0.1)), MapFeature("s", "South", square(5, 51, 0.1))]
    )
    north, south = result.shapes
    assert max(numbers(north.d)[1::2]) < min(numbers(south.d)[1::2])


def test_path_data_and_titles():
    result = build_map([MapFeature("GM0001", "Eén & twee", square(4, 52))], size=100, margin=4)
    shape = result.shapes[0]
    assert (shape.key, shape.title) == ("GM0001", "Eén & twee")
    assert shape.d.startswith("M")
    assert shape.d.endswith("Z")
    # Only numbers, spaces and path commands: nothing that needs escaping in an attribute.
    assert re.fullmatch(r"[MLZ0-9. -]+", shape.d)
    # GeoJSON repeats the first point at the end; only consecutive duplicates are dropped,
    # so all 5 points stay (x and y each).
    assert len(numbers(shape.d)) == 10


def test_margin_is_applied():
    result = build_map([MapFeature("a", "A", square(0, 0))], size=100, margin=5)
    values = numbers(result.shapes[0].d)
    assert min(values) == 5
    assert max(values) == 95
    assert (result.width, result.height) == (100, 100)


def test_multipolygon_with_hole_gives_one_subpath_per_ring():
    outer = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]
    island = [[5, 5], [6, 5], [6, 6], [5, 5]]
    geometry = {"type": "MultiPolygon", "coordinates": [[outer, hole], [island]]}
    shape = build_map([MapFeature("a", "A", geometry)]).shapes[0]
    assert shape.d.count("M") == 3
    assert shape.d.count("Z") == 3


def test_rings_too_small_to_see_are_dropped():
    big = square(0, 0, 10)["coordinates"][0]
    tiny = square(3, 3, 0.00001)["coordinates"][0]
    geometry = {"type": "MultiPolygon", "coordinates": [[big], [tiny]]}
    shape = build_map([MapFeature("a", "A", geometry)], size=100).shapes[0]
    assert shape.d.count("M") == 1


def test_empty_input():
    assert build_map([]) == SvgMap(width=0, height=0, shapes=[])


def test_degenerate_extent_does_not_divide_by_zero():
    line = {"type": "Polygon", "coordinates": [[[5, 50], [5, 51], [5, 52], [5, 50]]]}
    result = build_map([MapFeature("a", "A", line)], size=100, margin=0)
    assert result.height == 100
    assert result.width == 0
