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
from constable.control.models import Deployment, Incident
from constable.force.models import District, Force, Neighbourhood, Unit
from constable.store.base import utcnow

MAX_INCIDENTS = 300
"""Incidents listed on a board (the most urgent and oldest first); counts always cover all."""

# Busy units first: a supervisor looks for who is tied up where.
UNIT_ORDER = (
    UnitStatus.EN_ROUTE,
    UnitStatus.AT_SCENE,
    UnitStatus.COMMITTED,
    UnitStatus.AVAILABLE,
    UnitStatus.OFF_DUTY,
)


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
    location: str | None
    opened_at: str
    due_at: str | None
    attended: bool
    units: tuple[str, ...]


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
    deployed: dict[int, list[str]] = defaultdict(list)
    if ids:
        for incident_id, call_sign in session.execute(
            select(Deployment.incident_id, Unit.call_sign)
            .join(Unit, Unit.id == Deployment.unit_id)
            .where(Deployment.incident_id.in_(ids), Deployment.cleared_at.is_(None))
            .order_by(Deployment.id)
        ):
            deployed[incident_id].append(call_sign)
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
            units=tuple(deployed[incident.id]),
        )
        for incident, neighbourhood in listed
    ]

    views = units.unit_views(session=session, force=force, district_id=district_id, now=now)
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
        BoardUnit(
            id=v.unit.id,
            call_sign=v.unit.call_sign,
            kind=v.unit.kind,
            district=v.district.slug if v.district else None,
            team=v.team.name,
            status=v.status.value,
            incident=(
                references.get(v.state.incident_id)
                if v.state is not None and v.status in units.BUSY and v.state.incident_id
                else None
            ),
        )
        for v in views
        # The force board lists only busy units (its district rows count the rest); a district
        # board lists every unit on duty.
        if (v.status in units.BUSY) or (district is not None and v.status is UnitStatus.AVAILABLE)
    ]
    unit_rows.sort(key=lambda u: (UNIT_ORDER.index(UnitStatus(u.status)), u.call_sign))

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
    )


def _zero_statuses() -> dict[str, int]:
    return {status.value: 0 for status in UNIT_ORDER}


def fingerprint(board: Board) -> str:
    """A short hash of what the board shows, ignoring when it was taken."""
    data = asdict(board)
    data.pop("generated_at")
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
