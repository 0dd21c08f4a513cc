"""Drawing BNG shapes as SVG paths: fitting, north up, rings, holes, labels, scale bars."""

from __future__ import annotations

import re
from typing import Any

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import shape

from constable.web import svg


def square(x: float, y: float, size: float) -> dict[str, Any]:
    """A square Polygon with its south-west corner at ``(x, y)``."""
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def coordinates(d: str) -> list[tuple[float, float]]:
    """The points of path data written as ``M x y L x y x y … Z``."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def test_fit_scales_the_shapes_to_the_width() -> None:
    """A 1 km square drawn 100 px wide is 100 px high: 0.1 px a metre."""
    frame = svg.fit([square(500_000, 100_000, 1000)], 100)
    assert frame.scale == pytest.approx(0.1)
    assert (frame.width, frame.height) == (100, 100)
    assert frame.view_box == "0 0 100 100"


def test_fit_keeps_every_shape_inside_the_padding() -> None:
    """Two shapes far apart both fit, ``padding`` pixels from the edges."""
    shapes = {"west": square(0, 0, 1000), "east": square(9000, 4000, 1000)}
    drawn = svg.draw(shapes, 220, padding=10)
    assert drawn.frame.height == pytest.approx(120)
    points = [p for d in drawn.paths.values() for p in coordinates(d)]
    assert min(x for x, _ in points) == 10
    assert max(x for x, _ in points) == 210
    assert min(y for _, y in points) == 10
    assert max(y for _, y in points) == 110


def test_fit_with_max_height_shrinks_a_tall_shape_and_centres_it() -> None:
    """A shape taller than ``max_height`` allows is scaled to it and centred across."""
    tall = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1000, 0], [1000, 4000], [0, 4000], [0, 0]]],
    }
    drawn = svg.draw({"tall": tall}, 400, max_height=200)
    assert drawn.frame.height == 200
    xs = [x for x, _ in coordinates(drawn.paths["tall"])]
    assert (min(xs), max(xs)) == (175, 225)


def test_north_is_up() -> None:
    """The larger the northing, the smaller the y: north at the top of the page."""
    frame = svg.fit([square(0, 0, 100)], 100)
    assert frame.point(0, 100) == (0, 0)  # north-west corner at the top left
    assert frame.point(0, 0) == (0, 100)  # south-west corner at the bottom left
    assert frame.ground(*frame.point(30, 70)) == pytest.approx((30, 70))


def test_path_d_writes_a_closed_ring_without_repeating_the_first_point() -> None:
    """``M`` the first corner, ``L`` the others, ``Z`` to close; flipped so north is up."""
    frame = svg.fit([square(0, 0, 100)], 100)
    assert svg.path_d(square(0, 0, 100), frame) == "M0 100L100 100 100 0 0 0Z"


def test_path_d_rounds_to_one_decimal() -> None:
    """Every number has at most one decimal place, and whole numbers none."""
    polygon = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [333.333, 0], [333.333, 123.456], [0, 77.777], [0, 0]]],
    }
    frame = svg.fit([polygon], 100)
    d = svg.path_d(polygon, frame)
    assert re.fullmatch(r"M[\d.]+ [\d.]+L([\d.]+ [\d.]+ ?)+Z", d)
    assert all(re.fullmatch(r"\d+(\.\d)?", n) for n in re.findall(r"[\d.]+", d))
    assert not re.search(r"\.0\b", d)
    assert svg.number(-0.04) == "0"
    assert svg.number(12.25) in ("12.2", "12.3")


def test_multipolygon_is_one_subpath_per_part() -> None:
    """Islands are drawn in the same path, each part its own closed subpath."""
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0, 100)["coordinates"], square(300, 0, 100)["coordinates"]],
    }
    d = svg.path_d(multi, svg.fit([multi], 400))
    assert d.count("M") == d.count("Z") == 2
    assert d == "M0 100L100 100 100 0 0 0ZM300 100L400 100 400 0 300 0Z"


def test_holes_are_subpaths_of_their_polygon() -> None:
    """A polygon with a hole is two subpaths: the outer ring and the hole (fill even-odd)."""
    with_hole = {
        "type": "Polygon",
        "coordinates": [
            square(0, 0, 100)["coordinates"][0],
            [[25, 25], [25, 75], [75, 75], [75, 25], [25, 25]],
        ],
    }
    d = svg.path_d(with_hole, svg.fit([with_hole], 100))
    outer, hole = d.split("ZM")
    assert outer == "M0 100L100 100 100 0 0 0"
    assert hole == "25 75L25 25 75 25 75 75Z"


def test_a_ring_smaller_than_a_pixel_is_left_out() -> None:
    """A tiny island that rounds to one point adds nothing to the path."""
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0, 10_000)["coordinates"], square(20_000, 0, 1)["coordinates"]],
    }
    d = svg.path_d(multi, svg.fit([multi], 100))
    assert d.count("M") == 1


def test_other_geometry_types_are_refused_by_name() -> None:
    """A point is not a shape to draw: the error names its type."""
    with pytest.raises(ValueError, match="'Point'"):
        svg.fit([{"type": "Point", "coordinates": [0, 0]}], 100)
    with pytest.raises(ValueError, match="no coordinates"):
        svg.fit([], 100)
    with pytest.raises(ValueError, match="width == 10"):
        svg.fit([square(0, 0, 1)], 10, padding=5)


@given(
    st.lists(
        st.tuples(st.floats(0, 700_000), st.floats(0, 1_200_000), st.floats(1, 50_000)),
        min_size=1,
        max_size=8,
    ),
    st.integers(100, 1200),
)
def test_every_point_lands_inside_the_view_box(
    squares: list[tuple[float, float, float]], width: int
) -> None:
    """Whatever the shapes, every drawn point is within ``0..width`` and ``0..height``."""
    shapes = {str(i): square(x, y, size) for i, (x, y, size) in enumerate(squares)}
    drawn = svg.draw(shapes, width, padding=5)
    for d in drawn.paths.values():
        for x, y in coordinates(d):
            assert 0 <= x <= width
            assert 0 <= y <= drawn.frame.height


def test_label_point_is_inside_a_crescent() -> None:
    """A C-shape's centroid is outside it; its label point is inside."""
    crescent = shapely.box(0, 0, 1000, 1000).difference(shapely.box(200, 200, 1000, 800))
    geometry = shapely.geometry.mapping(crescent)
    assert not crescent.contains(crescent.centroid)
    frame = svg.fit([geometry], 100)
    x, y = svg.label_point(geometry, frame)
    assert crescent.contains(shapely.Point(frame.ground(x, y)))


def test_label_point_is_in_the_largest_part() -> None:
    """A district with islands is labelled on its mainland."""
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0, 100)["coordinates"], square(500, 0, 1000)["coordinates"]],
    }
    frame = svg.fit([multi], 150)
    x, y = svg.label_point(multi, frame)
    assert shape(square(500, 0, 1000)).contains(shapely.Point(frame.ground(x, y)))


def test_visible_label_point_is_within_the_frame() -> None:
    """A neighbour drawn for context is labelled where it shows, or not at all."""
    frame = svg.fit([square(0, 0, 1000)], 100)
    big_neighbour = square(500, -5000, 10_000)
    x, y = svg.visible_label_point(big_neighbour, frame) or (-1, -1)
    assert 0 <= x <= 100 and 0 <= y <= 100
    assert svg.visible_label_point(square(5000, 5000, 100), frame) is None  # off the map
    assert svg.visible_label_point(square(990, 0, 10), frame, min_size=10) is None  # too thin


def test_label_lines_break_long_names_at_spaces() -> None:
    """Names longer than a line are split between words; a long single word is kept whole."""
    assert svg.label_lines("Dover") == ["Dover"]
    assert svg.label_lines("Tunbridge Wells") == ["Tunbridge", "Wells"]
    assert svg.label_lines("Tonbridge and Malling") == ["Tonbridge", "and Malling"]
    assert svg.label_lines("Folkestone & Hythe") == ["Folkestone &", "Hythe"]
    assert svg.label_lines("Wolverhampton") == ["Wolverhampton"]


def test_scale_bar_is_a_round_length_at_most_a_quarter_of_the_width() -> None:
    """Kent 120 km across at 800 px: a 20 km bar."""
    frame = svg.fit([square(0, 0, 120_000)], 800)
    bar = svg.scale_bar(frame)
    assert (bar.metres, bar.label) == (20_000, "20 km")
    assert bar.pixels == pytest.approx(133.3, abs=0.1)
    small = svg.scale_bar(svg.fit([square(0, 0, 2_000)], 800))
    assert small.label == "500 m"


def test_colour_indices_never_give_neighbours_the_same_colour() -> None:
    """A 3 × 3 grid of touching squares: each differs from those it touches."""
    grid = {f"{i}{j}": square(i * 100, j * 100, 100) for i in range(3) for j in range(3)}
    colours = svg.colour_indices(grid, gap=1)
    for a, first in grid.items():
        for b, second in grid.items():
            if a < b and shape(first).intersects(shape(second)):
                assert colours[a] != colours[b], (a, b)
    assert max(colours.values()) < svg.PALETTE_SIZE
    assert list(colours) == list(grid)


def test_map_view_adds_a_strip_for_the_scale_bar() -> None:
    """The view box is the frame plus the strip below it where the scale bar sits."""
    frame = svg.fit([square(0, 0, 1000)], 100)
    view = svg.MapView.build(frame, [], title="A square")
    assert view.view_box == f"0 0 100 {svg.number(100 + svg.SCALE_STRIP)}"
    assert frame.height < view.scale_y < view.height
