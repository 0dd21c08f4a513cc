"""The day's top boxes of a district, for its board page: a forecast over the store's crimes,
cached per district and day so that the page stays fast.

The forecast is the kernel density (the default of :mod:`constable.analysis.forecasters`) of the
district's 12 newest months of crime, for the day; the boxes are chosen as a patrol plan chooses
them (spread, so that they are not all on one street). The cache is keyed by the database, the
district, the day and the newest crime's id: a new crime in the store makes a new forecast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.analysis import patrol, patrol_service
from constable.analysis.events import transformer
from constable.crime.models import Crime
from constable.errors import ConstableError
from constable.force.geography import WGS84
from constable.force.models import District, Force, Neighbourhood

TOP_BOXES = 10
"""Boxes shown on the district page."""

HISTORY_MONTHS = 12

_RULES = patrol.PatrolRules(
    boxes=TOP_BOXES,
    units=1,
    minutes_per_unit=24 * 60,
    minutes_per_box=15.0,
    speed_kmh=200.0,
    repeat_discount=0.0,
)
"""Ten boxes, no two touching; time is no limit here (a plan sets the budget)."""


@dataclass(frozen=True)
class ShownBox:
    """One box as the page shows it."""

    rank: int
    cell: str
    neighbourhood: str | None
    neighbourhood_name: str | None
    relative: float
    """The box's score as a share of the top box's (1 for the top box)."""
    latitude: float
    longitude: float


@dataclass(frozen=True)
class TopBoxes:
    """The district's boxes for a day, or why there are none."""

    day: dt.date
    boxes: list[ShownBox] = field(default_factory=list)
    history_from: dt.date | None = None
    history_to: dt.date | None = None
    history_events: int = 0
    message: str | None = None
    stale: bool = False
    """Whether the newest crimes are older than last month (the boxes reflect that time)."""


_CACHE: dict[tuple[str, int, dt.date, int | None], TopBoxes] = {}
_LOCK = Lock()


def clear_cache() -> None:
    """Forget every cached forecast."""
    with _LOCK:
        _CACHE.clear()


def top_boxes(*, session: Session, force: Force, district: District, day: dt.date) -> TopBoxes:
    """The day's top boxes of ``district`` (from the cache when it has them)."""
    newest_id = session.scalar(select(func.max(Crime.id)))
    key = (str(session.get_bind().engine.url), district.id, day, newest_id)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    found = _compute(session, force, district, day)
    with _LOCK:
        _CACHE[key] = found
    return found


def _compute(session: Session, force: Force, district: District, day: dt.date) -> TopBoxes:
    latest = patrol_service.latest_month(session, force, district)
    if latest is None:
        return TopBoxes(
            day=day,
            message=(
                f"The store has no located crimes for {district.name}, so there is no forecast "
                "to choose boxes from: import police.uk data or record crimes."
            ),
        )
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    try:
        forecast = patrol_service.forecast_district(
            session,
            force,
            district,
            start=start,
            end=start + dt.timedelta(days=1),
            history_months=HISTORY_MONTHS,
            history_to=min(latest, day.replace(day=1) - dt.timedelta(days=1)),
        )
        chosen = patrol.plan_patrols(forecast.scores, _RULES, cell_areas=forecast.areas)
    except ConstableError as exc:
        return TopBoxes(day=day, message=f"No forecast for {district.name}: {exc}.")
    names = dict(
        session.execute(
            select(Neighbourhood.code, Neighbourhood.name).where(
                Neighbourhood.district_id == district.id
            )
        ).all()
    )
    to_wgs84 = transformer(chosen.crs, WGS84)
    shown = []
    top = max(box.score for box in chosen.boxes)
    for box in sorted(chosen.boxes, key=lambda b: b.rank)[:TOP_BOXES]:
        lon, lat = to_wgs84.transform(*box.centre)
        shown.append(
            ShownBox(
                rank=box.rank,
                cell=box.cell,
                neighbourhood=box.area,
                neighbourhood_name=names.get(box.area) if box.area else None,
                relative=box.score / top if top > 0 else 0.0,
                latitude=round(float(lat), 5),
                longitude=round(float(lon), 5),
            )
        )
    return TopBoxes(
        day=day,
        boxes=shown,
        history_from=forecast.history_from,
        history_to=forecast.history_to,
        history_events=forecast.history_events,
        stale=forecast.history_to < patrol_service.add_months(day.replace(day=1), -1),
    )
