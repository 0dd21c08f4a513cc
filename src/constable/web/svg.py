"""Drawing maps as SVG: GeoJSON shapes in British National Grid metres to SVG path data.

Pure functions, no I/O. Eastings grow to the right and northings grow up the page, so the y axis
is flipped (north up). Coordinates are written in pixels rounded to one decimal place, and every
shape given is fitted into the frame. Rings are closed with ``Z`` and holes are written as extra
subpaths of the same path: draw them with ``fill-rule="evenodd"``.

Example::

    drawn = draw({"ashford": geometry, "dover": other}, width=800)
    drawn.view_box          # "0 0 800 412.3"
    drawn.paths["ashford"]  # "M12.5 300L40 280.1…Z"
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.ops import polylabel

Geometry = Mapping[str, Any]
"""A GeoJSON ``Polygon`` or ``MultiPolygon`` geometry with coordinates in metres."""

NICE_LENGTHS_M: tuple[int, ...] = (
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    50_000,
    100_000,
    200_000,
    500_000,
)
"""Lengths a scale bar may show (metres)."""


def _polygons(geometry: Geometry) -> list[Sequence[Sequence[Sequence[float]]]]:
    """The polygons of a Polygon or MultiPolygon, each a list of rings."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"geometry type == {kind!r}, must be 'Polygon' or 'MultiPolygon'")


def _points(geometry: Geometry) -> Iterator[Sequence[float]]:
    for polygon in _polygons(geometry):
        for ring in polygon:
            yield from ring


def bounds(geometries: Iterable[Geometry]) -> tuple[float, float, float, float]:
    """The box around every shape: ``(min_x, min_y, max_x, max_y)`` in metres."""
    min_x = min_y = math.inf
    max_x = max_y = -math.inf
    for geometry in geometries:
        for point in _points(geometry):
            x, y = float(point[0]), float(point[1])
            min_x, max_x = min(min_x, x), max(max_x, x)
            min_y, max_y = min(min_y, y), max(max_y, y)
    if min_x == math.inf:
        raise ValueError("no coordinates to fit: give at least one non-empty shape")
    return min_x, min_y, max_x, max_y


@dataclass(frozen=True)
class Frame:
    """How metres become pixels: ``px = offset_x + (x - min_x) * scale``, north up."""

    min_x: float
    max_y: float
    scale: float
    """Pixels per metre."""
    offset_x: float
    offset_y: float
    width: float
    height: float

    def point(self, x: float, y: float) -> tuple[float, float]:
        """The pixel position of the point at easting ``x``, northing ``y``."""
        return (
            self.offset_x + (x - self.min_x) * self.scale,
            self.offset_y + (self.max_y - y) * self.scale,
        )

    def ground(self, px: float, py: float) -> tuple[float, float]:
        """The easting and northing drawn at pixel ``(px, py)`` (the inverse of :meth:`point`)."""
        return (
            self.min_x + (px - self.offset_x) / self.scale,
            self.max_y - (py - self.offset_y) / self.scale,
        )

    def visible_bounds(self) -> tuple[float, float, float, float]:
        """The ground the frame shows: ``(min_x, min_y, max_x, max_y)`` in metres."""
        left, top = self.ground(0, 0)
        right, bottom = self.ground(self.width, self.height)
        return left, bottom, right, top

    def pixels(self, metres: float) -> float:
        """A length on the ground as a length on the map."""
        return metres * self.scale

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox`` attribute: ``0 0 width height``."""
        return f"0 0 {number(self.width)} {number(self.height)}"


def fit(
    geometries: Iterable[Geometry],
    width: float,
    *,
    max_height: float | None = None,
    padding: float = 0.0,
) -> Frame:
    """The frame that fits every shape into ``width`` pixels, ``padding`` on each side.

    The height follows from the shapes' proportions. When ``max_height`` is given and the shapes
    are too tall for it, they are scaled down to fit it and centred across the width.
    """
    if width <= 2 * padding:
        raise ValueError(f"width == {width}, must be > 2 * padding ({2 * padding})")
    min_x, min_y, max_x, max_y = bounds(geometries)
    span_x = max(max_x - min_x, 1e-9)
    span_y = max(max_y - min_y, 1e-9)
    scale = (width - 2 * padding) / span_x
    height = span_y * scale + 2 * padding
    offset_x = padding
    if max_height is not None and height > max_height:
        if max_height <= 2 * padding:
            raise ValueError(f"max_height == {max_height}, must be > 2 * padding ({2 * padding})")
        scale = (max_height - 2 * padding) / span_y
        height = max_height
        offset_x = (width - span_x * scale) / 2
    return Frame(
        min_x=min_x,
        max_y=max_y,
        scale=scale,
        offset_x=offset_x,
        offset_y=padding,
        width=float(width),
        height=round(height, 1),
    )


def number(value: float) -> str:
    """A pixel value rounded to one decimal place, without a trailing ``.0`` (``12``, ``3.5``)."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _ring_d(ring: Sequence[Sequence[float]], frame: Frame) -> str:
    points: list[tuple[str, str]] = []
    for point in ring:
        x, y = frame.point(float(point[0]), float(point[1]))
        rounded = (number(x), number(y))
        if not points or points[-1] != rounded:
            points.append(rounded)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        return ""  # smaller than a pixel once rounded: nothing to draw
    head, *rest = points
    return f"M{head[0]} {head[1]}L" + " ".join(f"{x} {y}" for x, y in rest) + "Z"


def path_d(geometry: Geometry, frame: Frame) -> str:
    """The SVG path data of a Polygon or MultiPolygon: one closed subpath per ring.

    Holes are subpaths too: fill the path with ``fill-rule="evenodd"``. Rings that shrink to
    fewer than three distinct points once rounded to 0.1 px are left out.
    """
    return "".join(
        _ring_d(ring, frame) for polygon in _polygons(geometry) for ring in polygon if ring
    )


def _largest_polygon(shaped: shapely.Geometry) -> shapely.Polygon:
    if isinstance(shaped, shapely.Polygon):
        return shaped
    if isinstance(shaped, shapely.MultiPolygon | shapely.GeometryCollection):
        parts = [_largest_polygon(part) for part in shaped.geoms if part.area > 0]
        if parts:
            return max(parts, key=lambda part: part.area)
    raise ValueError(f"geometry type == {shaped.geom_type!r}, must be a polygon")


def label_point(geometry: Geometry, frame: Frame) -> tuple[float, float]:
    """Where to write a shape's name: the centre of its largest part's widest inner circle.

    This point (the pole of inaccessibility) is always inside the shape, unlike the centroid
    of a crescent or a shape with islands. Returned in pixels, rounded to one decimal place.
    """
    return _label_point(_largest_polygon(shape(geometry)), frame)


def visible_label_point(
    geometry: Geometry, frame: Frame, *, min_size: float = 40.0
) -> tuple[float, float] | None:
    """A label point inside the part of the shape the frame shows, or None.

    For shapes drawn for context that run off the map. None when nothing is visible or the
    visible part's widest inner circle is under ``min_size`` pixels across (too small to label).
    """
    visible = shape(geometry).intersection(shapely.box(*frame.visible_bounds()))
    if visible.is_empty or visible.area <= 0:
        return None
    polygon = _largest_polygon(visible)
    centre = _pole(polygon)
    if centre is None or frame.pixels(2 * polygon.boundary.distance(centre)) < min_size:
        return None
    x, y = frame.point(centre.x, centre.y)
    return round(x, 1), round(y, 1)


def _pole(polygon: shapely.Polygon) -> shapely.Point | None:
    """The centre of the polygon's widest inner circle (None for a degenerate polygon)."""
    try:
        tolerance = max(math.sqrt(polygon.area) / 200, 1e-6)
        return polylabel(polygon, tolerance=tolerance)
    except Exception:
        return None


def _label_point(polygon: shapely.Polygon, frame: Frame) -> tuple[float, float]:
    centre = _pole(polygon) or polygon.point_on_surface()
    x, y = frame.point(centre.x, centre.y)
    return round(x, 1), round(y, 1)


def label_lines(text: str, max_chars: int = 12) -> list[str]:
    """A label broken into lines of at most about ``max_chars``, at spaces.

    ``"Tonbridge and Malling"`` → ``["Tonbridge", "and Malling"]``. A single long word is
    kept whole.
    """
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar: a round length on the ground and its length on the map."""

    metres: int
    pixels: float

    @property
    def label(self) -> str:
        """``500 m`` or ``10 km``."""
        return f"{self.metres // 1000} km" if self.metres >= 1000 else f"{self.metres} m"


def scale_bar(frame: Frame, *, max_fraction: float = 0.25) -> ScaleBar:
    """The longest round length whose bar is at most ``max_fraction`` of the map's width."""
    limit = frame.width * max_fraction
    fitting = [m for m in NICE_LENGTHS_M if frame.pixels(m) <= limit]
    metres = fitting[-1] if fitting else NICE_LENGTHS_M[0]
    return ScaleBar(metres=metres, pixels=round(frame.pixels(metres), 1))


def colour_indices(geometries: Mapping[str, Geometry], *, gap: float = 50.0) -> dict[str, int]:
    """A colour number for each shape such that shapes that touch never share one.

    Shapes closer than ``gap`` metres count as touching (boundaries generalised separately leave
    slivers). Greedy colouring, the most-connected shapes first; a map of districts needs
    four or five colours.
    """
    shapes = {key: shape(geometry).buffer(gap / 2) for key, geometry in geometries.items()}
    keys = list(shapes)
    neighbours: dict[str, set[str]] = {key: set() for key in keys}
    for index, key in enumerate(keys):
        for other in keys[index + 1 :]:
            if shapes[key].intersects(shapes[other]):
                neighbours[key].add(other)
                neighbours[other].add(key)
    colours: dict[str, int] = {}
    for key in sorted(keys, key=lambda k: (-len(neighbours[k]), k)):
        taken = {colours[n] for n in neighbours[key] if n in colours}
        colours[key] = next(c for c in range(len(keys) + 1) if c not in taken)
    return {key: colours[key] for key in geometries}


@dataclass(frozen=True)
class SvgMap:
    """Shapes drawn into one frame: path data by key, and the frame for anything else."""

    frame: Frame
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox`` attribute."""
        return self.frame.view_box


def draw(
    geometries: Mapping[str, Geometry],
    width: float,
    *,
    max_height: float | None = None,
    padding: float = 0.0,
) -> SvgMap:
    """Fit every shape into ``width`` pixels and give each one's path data, by key."""
    frame = fit(geometries.values(), width, max_height=max_height, padding=padding)
    return SvgMap(
        frame=frame, paths={key: path_d(geometry, frame) for key, geometry in geometries.items()}
    )


PALETTE_SIZE = 6
"""Fill colours the style sheet defines for shapes that must differ from their neighbours
(classes ``colour-0`` … ``colour-5``)."""

SCALE_STRIP = 34.0
"""Pixels added below a map for its scale bar."""


@dataclass(frozen=True)
class MapShape:
    """One shape as a page draws it: a link with a tooltip, and maybe a label."""

    key: str
    d: str
    href: str
    title: str
    css_class: str = ""
    label: list[str] = field(default_factory=list)
    """The label's lines (none: no label)."""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass(frozen=True)
class MapView:
    """Everything the map template needs: the shapes, shapes for context, and a scale bar."""

    title: str
    width: float
    height: float
    shapes: list[MapShape]
    context: list[MapShape]
    scale: ScaleBar
    scale_y: float
    """Where the scale bar's line is drawn, below the map."""

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox`` attribute, the scale strip included."""
        return f"0 0 {number(self.width)} {number(self.height)}"

    @classmethod
    def build(
        cls,
        frame: Frame,
        shapes: list[MapShape],
        *,
        title: str,
        context: list[MapShape] | None = None,
    ) -> MapView:
        """A map of ``shapes`` drawn in ``frame``, with a strip below it for the scale bar."""
        return cls(
            title=title,
            width=frame.width,
            height=round(frame.height + SCALE_STRIP, 1),
            shapes=shapes,
            context=context or [],
            scale=scale_bar(frame),
            scale_y=round(frame.height + SCALE_STRIP / 2, 1),
        )
