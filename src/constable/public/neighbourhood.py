"""Your Neighbourhood: from a postcode (or a pick on the map) to a neighbourhood's public page
data: the neighbourhood and district, its named officers and PCSO, its priorities and what was
done about them, crime and ASB by month and type with the trend, and how to contact the team.

Public addresses use a slug made from the neighbourhood's ONS name (``Sevenoaks 001A`` →
``sevenoaks-001a``), never a database id. The data of a page is checked by
:func:`constable.public.privacy.check_public` before it is rendered.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.control.service import locator
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force.enums import TeamKind
from constable.force.locate import LocationError
from constable.force.models import District, Force, Neighbourhood, Person, Team
from constable.force.postcodes import PostcodeError, normalise_postcode
from constable.public import figures
from constable.public.figures import CrimeFigures
from constable.public.models import NeighbourhoodPriority, PublicMeeting
from constable.public.privacy import check_public
from constable.public.schemas import MeetingKind, PriorityStatus
from constable.web import svg

MAP_WIDTH = 640
MAP_MAX_HEIGHT = 480
MAP_PADDING = 16
HISTORY_DAYS = 365
"""Meetings, and priorities ended, within this many days are shown (with the open ones)."""


class NeighbourhoodNotFound(ConstableError):
    """A public address or postcode that leads to no neighbourhood of the force."""

    status = 404


class PostcodeNotUnderstood(ConstableError):
    """Text that is not a postcode at all."""

    status = 422


def public_slug(name: str) -> str:
    """``Sevenoaks 001A`` → ``sevenoaks-001a``; ``Tonbridge and Malling 014C`` →
    ``tonbridge-and-malling-014c``."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


@dataclass(frozen=True)
class Entry:
    """A neighbourhood's public names, and the officers named for it."""

    code: str
    name: str
    slug: str
    district_slug: str
    district_name: str
    pcso: str | None
    officer: str | None
    sergeant: str | None
    inspector: str | None
    team: str | None


class Directory:
    """Every neighbourhood of a force by slug and by code, with its named officers: built once
    from the store (the force model changes only when the force is rebuilt)."""

    def __init__(self, force_name: str, entries: list[Entry]) -> None:
        self.force_name = force_name
        self.by_slug = {e.slug: e for e in entries}
        self.by_code = {e.code: e for e in entries}
        self.districts: dict[str, list[Entry]] = {}
        for entry in entries:
            self.districts.setdefault(entry.district_slug, []).append(entry)

    @classmethod
    def from_store(cls, session: Session, force: Force) -> Directory:
        """Read the force's neighbourhoods, teams and posts."""
        districts = {d.id: d for d in force.districts}
        hoods = session.execute(
            select(Neighbourhood, Person.name)
            .outerjoin(Person, Person.id == Neighbourhood.pcso_id)
            .where(Neighbourhood.district_id.in_(list(districts)))
            .order_by(Neighbourhood.msoa_code, Neighbourhood.code)
        ).all()
        posts = session.execute(
            select(Team.district_id, Team.kind, Team.name, Person.role, Person.name)
            .join(Person, Person.team_id == Team.id)
            .where(Team.force_id == force.id, Team.district_id.is_not(None))
            .order_by(Person.id)
        ).all()
        constables: dict[int, list[str]] = {}
        sergeants: dict[int, str] = {}
        inspectors: dict[int, str] = {}
        teams: dict[int, str] = {}
        for team_district, kind, team_name, role, name in posts:
            if team_district is None:
                continue
            district_id = team_district
            if kind == TeamKind.COMMUNITY_POLICING:
                teams[district_id] = team_name
                if role == "Constable":
                    constables.setdefault(district_id, []).append(name)
                elif role == "Sergeant":
                    sergeants.setdefault(district_id, name)
            elif kind == TeamKind.COMMUNITY_SAFETY and role == "Community Support Inspector":
                inspectors.setdefault(district_id, name)
        by_district: dict[int, list[tuple[Neighbourhood, str | None]]] = {}
        for hood, pcso in hoods:
            by_district.setdefault(hood.district_id, []).append((hood, pcso))
        entries = []
        for hood_district, rows in by_district.items():
            district = districts[hood_district]
            # The Community Policing Team's constables share the district's neighbourhoods in
            # the order the PCSOs were given theirs (MSOA, then code): neighbours stay together.
            officers = constables.get(district.id, [])
            shares = np.array_split(np.arange(len(rows)), len(officers)) if officers else []
            officer_of = {int(i): officers[n] for n, share in enumerate(shares) for i in share}
            for index, (hood, pcso_name) in enumerate(rows):
                entries.append(
                    Entry(
                        code=hood.code,
                        name=hood.name,
                        slug=public_slug(hood.name),
                        district_slug=district.slug,
                        district_name=district.name,
                        pcso=pcso_name,
                        officer=officer_of.get(index),
                        sergeant=sergeants.get(district.id),
                        inspector=inspectors.get(district.id),
                        team=teams.get(district.id),
                    )
                )
        return cls(force.name, entries)

    def get(self, slug_or_code: str) -> Entry:
        """The neighbourhood with this public slug or LSOA code."""
        text = slug_or_code.strip()
        found = self.by_slug.get(text.casefold()) or self.by_code.get(text.upper())
        if found is None:
            raise NeighbourhoodNotFound(
                f"{self.force_name} has no neighbourhood {text!r}: find yours by postcode"
            )
        return found


_ONE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postcodes")
"""Postcodes are placed on one thread of their own: pyproj's transformers (used to place them)
build a PROJ context for each new thread that uses them (about 0.2 s) and slow down about a
hundredfold when many threads share them, as the server's pool of threads would. A look-up
takes about 0.1 ms, so one thread answers thousands a second."""

_DIRECTORIES: dict[tuple[str, int], Directory] = {}
_LOCK = threading.Lock()


def directory(session: Session, force: Force) -> Directory:
    """The force's directory, built once per database and force."""
    key = (str(session.get_bind().engine.url), force.id)
    with _LOCK:
        if key not in _DIRECTORIES:
            _DIRECTORIES[key] = Directory.from_store(session, force)
        return _DIRECTORIES[key]


def find_by_postcode(session: Session, force: Force, text: str) -> Entry:
    """The neighbourhood a postcode is in. A postcode that is malformed is a
    :class:`PostcodeNotUnderstood`; one that is not in the directory or not in the force's area
    is a :class:`NeighbourhoodNotFound`; each message says what to do."""
    if not text.strip():
        raise PostcodeNotUnderstood("Enter a postcode, like ME14 1XX")
    try:
        normal = normalise_postcode(text)
    except PostcodeError as exc:
        raise PostcodeNotUnderstood(
            "Enter a real postcode, like ME14 1XX: a postcode is letters and numbers, "
            "with 5 to 7 characters"
        ) from exc
    places = locator(session, force)
    try:
        location = _ONE_THREAD.submit(places.at_postcode, normal).result()
    except PostcodeError as exc:
        raise NeighbourhoodNotFound(
            f"We could not find the postcode {normal}: check it, or pick your area on the map"
        ) from exc
    except LocationError as exc:
        raise NeighbourhoodNotFound(
            f"{normal} is not in the area {force.name} polices: contact the police force "
            "for that area, or pick a place on the map"
        ) from exc
    return directory(session, force).get(location.neighbourhood_code)


# -- The page's data --------------------------------------------------------------------------


@dataclass(frozen=True)
class MapPicture:
    """The neighbourhood's outline and its snapped crime points, in pixels."""

    view_box: str
    outline: str
    points: list[dict[str, Any]]
    scale: svg.ScaleBar
    scale_y: float
    title: str


@dataclass(frozen=True)
class NeighbourhoodPage:
    """Everything a neighbourhood's public page shows: ``data`` is public (checked), the map and
    the chart are drawings of it."""

    data: dict[str, Any]
    crime: CrimeFigures
    picture: MapPicture | None


def _priorities(session: Session, hood: Neighbourhood, on: dt.date) -> list[dict[str, Any]]:
    since = on - dt.timedelta(days=HISTORY_DAYS)
    rows = session.scalars(
        select(NeighbourhoodPriority)
        .where(NeighbourhoodPriority.neighbourhood_id == hood.id)
        .order_by(NeighbourhoodPriority.agreed_on.desc(), NeighbourhoodPriority.title)
    ).all()
    shown = []
    for p in rows:
        if p.status != PriorityStatus.OPEN and p.closed_on is not None and p.closed_on < since:
            continue
        shown.append(
            {
                "title": p.title,
                "detail": p.detail,
                "owner": p.owner_name,
                "agreed_on": p.agreed_on.isoformat(),
                "review_on": p.review_on.isoformat(),
                "status": p.status,
                "closed_on": p.closed_on.isoformat() if p.closed_on else None,
                "result": p.result,
                "actions": [{"done_on": a.done_on.isoformat(), "text": a.text} for a in p.actions],
            }
        )
    return shown


def _meetings(session: Session, hood: Neighbourhood, on: dt.date) -> list[dict[str, Any]]:
    since = on - dt.timedelta(days=HISTORY_DAYS)
    rows = session.scalars(
        select(PublicMeeting)
        .where(PublicMeeting.neighbourhood_id == hood.id, PublicMeeting.held_on >= since)
        .order_by(PublicMeeting.held_on.desc())
    ).all()
    labels = {
        MeetingKind.PUBLIC_MEETING.value: "Public meeting",
        MeetingKind.ONLINE_CONSULTATION.value: "Online consultation",
    }
    return [
        {
            "held_on": m.held_on.isoformat(),
            "kind": labels.get(m.kind, m.kind),
            "place": m.place,
            "attendance": m.attendance,
            "issues_raised": list(m.issues_raised),
        }
        for m in rows
    ]


def _picture(hood: Neighbourhood, crime: CrimeFigures, below: int) -> MapPicture | None:
    if hood.boundary_bng is None:
        return None
    frame = svg.fit([hood.boundary_bng], MAP_WIDTH, max_height=MAP_MAX_HEIGHT, padding=MAP_PADDING)
    points = []
    for point in crime.points:
        x, y = frame.point(point.easting, point.northing)
        if not (0 <= x <= frame.width and 0 <= y <= frame.height):
            continue
        size = point.count if point.count is not None else 1
        told = str(point.count) if point.count is not None else f"fewer than {below}"
        points.append(
            {
                "x": svg.number(x),
                "y": svg.number(y),
                "r": svg.number(min(18.0, 5.0 + 2.0 * size**0.5)),
                "title": f"{told} crimes and ASB reports near here: "
                + ", ".join(c.lower() for c in point.categories),
            }
        )
    return MapPicture(
        view_box=f"0 0 {svg.number(frame.width)} {svg.number(frame.height + svg.SCALE_STRIP)}",
        outline=svg.path_d(hood.boundary_bng, frame),
        points=points,
        scale=svg.scale_bar(frame),
        scale_y=round(frame.height + svg.SCALE_STRIP / 2, 1),
        title=f"Map of {hood.name}, with crime and ASB shown at approximate points",
    )


def build_page(
    session: Session,
    force: Force,
    entry: Entry,
    *,
    on: dt.date,
    months: int,
    below: int,
    snap_metres: float,
    contact_phone: str,
    report_url: str,
) -> NeighbourhoodPage:
    """The public page of the neighbourhood ``entry`` as it stands on ``on``."""
    hood = session.scalar(select(Neighbourhood).where(Neighbourhood.code == entry.code))
    if hood is None:
        raise NeighbourhoodNotFound(f"{entry.name} is no longer a neighbourhood of {force.name}")
    district = session.get(District, hood.district_id)
    assert district is not None
    name = records_name(force)
    last = figures.latest_month(session, name) or on.replace(day=1)
    window = figures.month_window(last, months)
    records = figures.load_records(session, name, entry.code, window)
    crime = figures.crime_figures(records, window, below=below, snap_metres=snap_metres)
    officers = [
        {"role": "Neighbourhood officer", "name": entry.officer},
        {"role": "Police Community Support Officer (PCSO)", "name": entry.pcso},
        {"role": "Team sergeant", "name": entry.sergeant},
        {"role": "Community Support Inspector", "name": entry.inspector},
    ]
    data: dict[str, Any] = {
        "force": force.name,
        "neighbourhood": {
            "code": entry.code,
            "name": entry.name,
            "slug": entry.slug,
            "population": hood.population,
            "households": hood.households,
            "hectares": round(hood.hectares, 1),
            "urban": hood.urban,
        },
        "district": {"slug": district.slug, "name": district.name},
        "team": entry.team,
        "officers": [o for o in officers if o["name"]],
        "priorities": _priorities(session, hood, on),
        "meetings": _meetings(session, hood, on),
        "crime": crime.as_dict(),
        "contact": {
            "emergency": "999",
            "non_emergency": contact_phone,
            "report_online": report_url,
        },
        "as_of": on.isoformat(),
    }
    check_public(data, "neighbourhood page")
    return NeighbourhoodPage(data=data, crime=crime, picture=_picture(hood, crime, below))
