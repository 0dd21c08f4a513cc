"""The live board: open incidents by grade and age, and units by status, for a force or district.

:func:`snapshot` reads the store and returns plain data that the board page renders and the
Server-Sent Events stream sends; :func:`fingerprint` tells whether two snapshots differ in
anything but the time they were taken, so the stream sends only real changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.control import service, units
from constable.control.enums import Grade, IncidentState, UnitStatus
from constable.control.models import Contact, Deployment, Incident, UnitState
from constable.force.models import District, Force, Neighbourhood, Unit
from constable.store.base import utcnow

MAX_INCIDENTS = 300
"""Incidents listed on a board (the most urgent and oldest first); counts always cover all."""
SUMMARY_CHARS = 80
"""A description longer than this is cut at a word and shown with an ellipsis."""

STATE_WORDS: dict[str, str] = {
    IncidentState.OPEN.value: "Open",
    IncidentState.GRADED.value: "Graded, awaiting a unit",
    IncidentState.RESOURCE_ALLOCATED.value: "Resource allocated",
    IncidentState.EN_ROUTE.value: "Unit en route",
    IncidentState.AT_SCENE.value: "Unit at scene",
    IncidentState.CLEARED.value: "Cleared, to close",
    IncidentState.CLOSED.value: "Closed",
}
"""An incident's state as the board says it, by its code."""
STATUS_WORDS: dict[str, str] = {
    UnitStatus.AVAILABLE.value: "Available",
    UnitStatus.EN_ROUTE.value: "En route",
    UnitStatus.AT_SCENE.value: "At scene",
    UnitStatus.COMMITTED.value: "Committed",
    UnitStatus.OFF_DUTY.value: "Off duty",
}
"""A unit's status as the board says it."""
CHANNEL_WORDS = {"999": "999", "101": "101", "online": "Online", "walk-in": "Walk-in"}
"""How the incident's first contact came in, as the board says it."""

# Busy units first: a supervisor looks for who is tied up where.
UNIT_ORDER = (
    UnitStatus.EN_ROUTE,
    UnitStatus.AT_SCENE,
    UnitStatus.COMMITTED,
    UnitStatus.AVAILABLE,
    UnitStatus.OFF_DUTY,
)


@dataclass(frozen=True)
class DeployedUnit:
    """A unit sent to an incident and not yet cleared from it."""

    id: int
    call_sign: str
    status: str


@dataclass(frozen=True)
class BoardIncident:
    """An open incident as the board shows it."""

    id: int
    reference: str
    grade: int
    state: str
    category: str
    district: str
    district_name: str
    neighbourhood: str | None
    """The neighbourhood's name (the census area's name, not its code)."""
    location: str | None
    """The address or postcode given."""
    opened_at: str
    due_at: str | None
    attended: bool
    units: tuple[str, ...]
    """Call signs of the units deployed (as :attr:`deployed`, kept for the JSON board)."""
    channel: str | None = None
    """``999``, ``101``, ``online`` or ``walk-in``: how its first contact came in."""
    summary: str = ""
    """The description's first :data:`SUMMARY_CHARS` characters or so."""
    deployed: tuple[DeployedUnit, ...] = ()
    easting: float | None = None
    northing: float | None = None


@dataclass(frozen=True)
class BoardUnit:
    """A unit on duty (or busy) as the board shows it."""

    id: int
    call_sign: str
    kind: str
    district: str | None
    team: str
    status: str
    incident: str | None
    """The reference of the incident it is busy with."""
    district_name: str | None = None
    incident_id: int | None = None


@dataclass(frozen=True)
class UnitPosition:
    """Where a unit on duty is, for the map: reported, or its home neighbourhood (assumed)."""

    call_sign: str
    status: str
    easting: float
    northing: float
    reported: bool


@dataclass
class DistrictRow:
    """One district's line on the force board."""

    slug: str
    name: str
    open_by_grade: dict[int, int] = field(default_factory=dict)
    units_by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0


@dataclass
class Board:
    """Everything one board shows at one moment."""

    scope: str
    title: str
    generated_at: str
    open_total: int
    open_by_grade: dict[int, int]
    overdue: int
    incidents: list[BoardIncident]
    units_by_status: dict[str, int]
    units: list[BoardUnit]
    """Units on duty (a district's board) or units deployed and committed (the force board)."""
    districts: list[DistrictRow]
    positions: list[UnitPosition] = field(default_factory=list)
    """Units on duty whose position is known or assumed, for the map."""
    unplaced: int = 0
    """Units on duty with no position at all (not on the map)."""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (grades as string keys, as JSON needs)."""
        data = asdict(self)
        data["open_by_grade"] = {str(k): v for k, v in self.open_by_grade.items()}
        for row in data["districts"]:
            row["open_by_grade"] = {str(k): v for k, v in row["open_by_grade"].items()}
        data["fingerprint"] = fingerprint(self)
        return data


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(",;:.-") + "…"


def _due(config: Any, incident: Incident) -> dt.datetime | None:
    minutes = service.attendance_standard(config, incident)
    return None if minutes is None else incident.opened_at + dt.timedelta(minutes=minutes)


def snapshot(
    *,
    session: Session,
    force: Force,
    district: District | None = None,
    now: dt.datetime | None = None,
    max_incidents: int = MAX_INCIDENTS,
) -> Board:
    """The board of ``force`` (or of one ``district``) now."""
    now = now or utcnow()
    config = service.force_config(force)
    districts = {d.id: d for d in force.districts}
    district_id = district.id if district is not None else None

    open_filter = [Incident.force_id == force.id, Incident.state != IncidentState.CLOSED.value]
    if district_id is not None:
        open_filter.append(Incident.district_id == district_id)
    counts = session.execute(
        select(Incident.district_id, Incident.grade, func.count())
        .where(*open_filter)
        .group_by(Incident.district_id, Incident.grade)
    ).all()
    # Overdue: not attended yet and past the grade's standard; needs each open incident's times.
    pending = session.execute(
        select(Incident.district_id, Incident.grade, Incident.urban, Incident.opened_at).where(
            *open_filter, Incident.first_arrival_at.is_(None)
        )
    ).all()
    overdue_by_district: Counter[int] = Counter()
    for d_id, grade, urban, opened_at in pending:
        minutes = config.control.attendance[grade].minutes(urban=urban)
        if minutes is not None and now - opened_at > dt.timedelta(minutes=minutes):
            overdue_by_district[d_id] += 1

    listed = session.execute(
        select(Incident, Neighbourhood.name)
        .outerjoin(Neighbourhood, Neighbourhood.id == Incident.neighbourhood_id)
        .where(*open_filter)
        .order_by(Incident.grade, Incident.opened_at, Incident.id)
        .limit(max_incidents)
    ).all()
    ids = [incident.id for incident, _ in listed]
    views = units.unit_views(session=session, force=force, district_id=district_id, now=now)
    deployed = _deployed(session, ids)
    channels = _channels(session, ids)
    incidents = [
        BoardIncident(
            id=incident.id,
            reference=incident.reference,
            grade=incident.grade,
            state=incident.state,
            category=incident.category,
            district=districts[incident.district_id].slug,
            district_name=districts[incident.district_id].name,
            neighbourhood=neighbourhood,
            location=incident.location_text,
            opened_at=_iso(incident.opened_at) or "",
            due_at=_iso(_due(config, incident)),
            attended=incident.first_arrival_at is not None,
            units=tuple(u.call_sign for u in deployed[incident.id]),
            channel=channels.get(incident.id),
            summary=summary(incident.description),
            deployed=tuple(deployed[incident.id]),
            easting=incident.easting,
            northing=incident.northing,
        )
        for incident, neighbourhood in listed
    ]

    references = dict(
        session.execute(
            select(Incident.id, Incident.reference).where(
                Incident.id.in_(
                    {v.state.incident_id for v in views if v.state and v.state.incident_id}
                )
            )
        ).all()
    )
    unit_rows = [
        _unit_row(v, references)
        for v in views
        # The force board lists only busy units (its district rows count the rest); a district
        # board lists every unit on duty.
        if (v.status in units.BUSY) or (district is not None and v.status is UnitStatus.AVAILABLE)
    ]
    unit_rows.sort(key=lambda u: (UNIT_ORDER.index(UnitStatus(u.status)), u.call_sign))
    on_duty = [v for v in views if v.status is not UnitStatus.OFF_DUTY]
    positions = [
        UnitPosition(v.unit.call_sign, v.status.value, v.easting, v.northing, v.position_known)
        for v in on_duty
        if v.easting is not None and v.northing is not None
    ]

    rows = {
        d.id: DistrictRow(d.slug, d.name, {int(g): 0 for g in Grade}, _zero_statuses())
        for d in districts.values()
        if district_id is None or d.id == district_id
    }
    for d_id, grade, count in counts:
        rows[d_id].open_by_grade[grade] += count
    for d_id, count in overdue_by_district.items():
        rows[d_id].overdue = count
    for v in views:
        if v.district is not None and v.district.id in rows:
            rows[v.district.id].units_by_status[v.status.value] += 1

    open_by_grade = {int(g): sum(r.open_by_grade[int(g)] for r in rows.values()) for g in Grade}
    by_status = _zero_statuses()
    for v in views:
        by_status[v.status.value] += 1
    return Board(
        scope=district.slug if district is not None else "force",
        title=district.name if district is not None else force.name,
        generated_at=_iso(now) or "",
        open_total=sum(open_by_grade.values()),
        open_by_grade=open_by_grade,
        overdue=sum(overdue_by_district.values()),
        incidents=incidents,
        units_by_status=by_status,
        units=unit_rows,
        districts=sorted(rows.values(), key=lambda r: r.name),
        positions=positions,
        unplaced=len(on_duty) - len(positions),
    )


def _deployed(session: Session, ids: list[int]) -> defaultdict[int, list[DeployedUnit]]:
    """The units at work on each of the incidents, in the order they were sent, with their
    status (a busy unit's stored status is its status: busy states do not lapse)."""
    deployed: defaultdict[int, list[DeployedUnit]] = defaultdict(list)
    if not ids:
        return deployed
    for incident_id, unit_id, call_sign, status in session.execute(
        select(Deployment.incident_id, Unit.id, Unit.call_sign, UnitState.status)
        .join(Unit, Unit.id == Deployment.unit_id)
        .outerjoin(UnitState, UnitState.unit_id == Unit.id)
        .where(Deployment.incident_id.in_(ids), Deployment.cleared_at.is_(None))
        .order_by(Deployment.id)
    ):
        deployed[incident_id].append(
            DeployedUnit(unit_id, call_sign, status or UnitStatus.COMMITTED.value)
        )
    return deployed


def _channels(session: Session, ids: list[int]) -> dict[int, str]:
    """How each incident's first contact came in."""
    if not ids:
        return {}
    first = (
        select(func.min(Contact.id))
        .where(Contact.incident_id.in_(ids))
        .group_by(Contact.incident_id)
        .scalar_subquery()
    )
    return dict(
        session.execute(
            select(Contact.incident_id, Contact.channel).where(Contact.id.in_(first))
        ).all()
    )


def _unit_row(view: units.UnitView, references: dict[int, str]) -> BoardUnit:
    busy_with = (
        view.state.incident_id
        if view.state is not None and view.status in units.BUSY and view.state.incident_id
        else None
    )
    return BoardUnit(
        id=view.unit.id,
        call_sign=view.unit.call_sign,
        kind=view.unit.kind,
        district=view.district.slug if view.district else None,
        team=view.team.name,
        status=view.status.value,
        incident=references.get(busy_with) if busy_with else None,
        district_name=view.district.name if view.district else None,
        incident_id=busy_with,
    )


def _zero_statuses() -> dict[str, int]:
    return {status.value: 0 for status in UNIT_ORDER}


def fingerprint(board: Board) -> str:
    """A short hash of what the board shows, ignoring when it was taken."""
    data = asdict(board)
    data.pop("generated_at")
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
