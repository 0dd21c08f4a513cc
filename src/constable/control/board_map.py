"""The board's map: the force's districts (or one district's neighbourhoods) drawn as SVG, with
open incidents by grade and units on duty by status as markers.

Drawing the outlines is the slow part (shapely and thousands of points, about 100 ms for the
force); it is done once per build of the force and area, and kept (:data:`_outlines`). Placing
the markers is a multiplication per point, done on every render.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from constable.control import board, service
from constable.force import service as force_service
from constable.force.models import District, Force
from constable.web import svg

WIDTH = 600.0
"""Pixels across the drawing (the page scales it to its column)."""
MAX_HEIGHT = 640.0
PADDING = 8.0
RADIUS = {1: 7.0, 2: 5.5, 3: 4.5, 4: 4.5}
"""An incident marker's radius by grade: the more urgent, the larger (and drawn last)."""


@dataclass(frozen=True)
class Area:
    """One outline: a shape's path data and its name (a tooltip)."""

    key: str
    d: str
    name: str
    css_class: str


@dataclass(frozen=True)
class Outline:
    """The background of a board's map, drawn once per build of the force."""

    frame: svg.Frame
    areas: tuple[Area, ...]
    title: str
    drawn: Markup = field(default=Markup(""), compare=False)
    """The areas as SVG paths, written once (a board renders them on every update)."""

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox`` attribute."""
        return self.frame.view_box


@dataclass(frozen=True)
class Marker:
    """A point on the map: where, what it is (CSS class), its tooltip, and the row it stands for."""

    x: str
    y: str
    css_class: str
    title: str
    incident_id: int | None = None
    size: float = 3.5
    """A circle's radius, a square's half side (pixels)."""


@dataclass(frozen=True)
class BoardMap:
    """Everything the map component needs."""

    outline: Outline
    incidents: list[Marker]
    units: list[Marker]
    unplaced: int


def _draw(session: Session, force: Force, district: District | None) -> Outline | None:
    if district is None:
        shapes = force_service.outlines(session=session, force=force)
        names = {d.slug: d.name for d in force.districts}
        title = f"Map of {force.name}: open incidents by grade and units by status"
        css = "board-district"
    else:
        shapes = force_service.neighbourhood_outlines(session=session, district=district)
        names = {n.code: n.name for n in district.neighbourhoods}
        title = f"Map of {district.name}: open incidents by grade and units by status"
        css = "board-neighbourhood"
    if not shapes:
        return None
    drawn = svg.draw(shapes, WIDTH, max_height=MAX_HEIGHT, padding=PADDING)
    areas = tuple(
        Area(key, drawn.paths[key], names.get(key, key), css) for key in sorted(drawn.paths)
    )
    paths = "".join(
        f'<path class="{a.css_class}" d="{a.d}"><title>{escape(a.name)}</title></path>'
        for a in areas
    )
    return Outline(drawn.frame, areas, title, Markup(paths))


class _Outlines:
    """Outlines by force build and area, drawn once by one thread while the others wait."""

    def __init__(self) -> None:
        # The control area's per-build memory (the same one the locator uses).
        self.by_build: service._PerBuild[dict[str, Outline | None]] = service._PerBuild(
            lambda _session, _force: {}
        )
        self.lock = threading.Lock()

    def __call__(self, session: Session, force: Force, district: District | None) -> Outline | None:
        drawn: dict[str, Outline | None] = self.by_build(session, force)
        key = district.slug if district is not None else ""
        if key not in drawn:
            with self.lock:
                if key not in drawn:
                    drawn[key] = _draw(session, force, district)
        return drawn[key]


_outlines = _Outlines()


def _xy(frame: svg.Frame, easting: float, northing: float) -> tuple[str, str]:
    x, y = frame.point(easting, northing)
    return svg.number(x), svg.number(y)


def outline(*, session: Session, force: Force, district: District | None) -> Outline | None:
    """The drawn outline of the force's or the district's board (None: no boundaries)."""
    return _outlines(session, force, district)


def place(outline: Outline, current: board.Board) -> BoardMap:
    """The markers of the board ``current`` on its outline."""
    frame = outline.frame
    incidents = []
    # Least urgent first, so that a Grade 1 is drawn on top of any marker it overlaps.
    for incident in sorted(current.incidents, key=lambda i: -i.grade):
        if incident.easting is None or incident.northing is None:
            continue
        x, y = _xy(frame, incident.easting, incident.northing)
        state = board.STATE_WORDS.get(incident.state, incident.state)
        incidents.append(
            Marker(
                x,
                y,
                f"incident grade-{incident.grade}",
                f"{incident.reference}, Grade {incident.grade}: {incident.summary} ({state})",
                incident.id,
                RADIUS.get(incident.grade, 4.5),
            )
        )
    units = []
    for unit in current.positions:
        x, y = _xy(frame, unit.easting, unit.northing)
        words = board.STATUS_WORDS.get(unit.status, unit.status)
        where = "" if unit.reported else ", position assumed: its home neighbourhood"
        units.append(
            Marker(
                x,
                y,
                f"unit status-{unit.status}{'' if unit.reported else ' assumed'}",
                f"{unit.call_sign}: {words}{where}",
            )
        )
    return BoardMap(outline, incidents, units, current.unplaced)
