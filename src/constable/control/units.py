"""Units: who is on duty, their status and position, recommendations and dispatch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.control import dispatch as ranking
from constable.control import service
from constable.control.enums import Grade, IncidentState, UnitStatus
from constable.control.models import Deployment, Incident, UnitState
from constable.control.service import IncidentConflict, IncidentError, IncidentNotFound
from constable.control.shifts import on_duty
from constable.force.geography import to_bng, to_wgs84
from constable.force.models import District, Force, Neighbourhood, Team, Unit
from constable.store.base import utcnow

BUSY = {UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE, UnitStatus.COMMITTED}
# A unit that booked on outside its rota (overtime) stays available this long after its update.
BOOKED_ON_HOURS = 12
# Units a grade may be given: PCSOs and foot patrols do not answer emergencies.
KINDS_FOR_GRADE = {
    1: {"patrol_car", "special"},
    2: {"patrol_car", "special", "foot_patrol"},
    3: {"patrol_car", "special", "foot_patrol", "pcso"},
    4: set(),
}


class UnitForbidden(IncidentError):
    """A unit the user may not command (another district's, or a force unit)."""

    status = 403


@dataclass
class UnitView:
    """A unit with its effective status now.

    ``easting`` and ``northing``: where it reported it is (``position_known``), else its home
    neighbourhood's centre (a PCSO's beat), else None: nothing is known, and nothing is made up
    (a patrol car placed at its district's centre once gave every car the same distance).
    """

    unit: Unit
    team: Team
    district: District | None
    state: UnitState | None
    status: UnitStatus
    on_rota: bool
    easting: float | None
    northing: float | None
    position_known: bool


def _effective(state: UnitState | None, rota: bool, now: dt.datetime) -> UnitStatus:
    """Busy states are kept; otherwise the unit is available only while on its rota, or when
    it booked on itself recently (overtime), and off duty when it booked off."""
    if state is not None:
        status = UnitStatus(state.status)
        if status in BUSY or status is UnitStatus.OFF_DUTY:
            return status
        if rota or now - state.updated_at < dt.timedelta(hours=BOOKED_ON_HOURS):
            return UnitStatus.AVAILABLE
        return UnitStatus.OFF_DUTY
    return UnitStatus.AVAILABLE if rota else UnitStatus.OFF_DUTY


def unit_views(
    *,
    session: Session,
    force: Force,
    district_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[UnitView]:
    """Every unit of the force (or a district) with its status and position now."""
    now = now or utcnow()
    rota = service.force_config(force).control.rota
    query = (
        select(Unit, Team, District, UnitState, Neighbourhood)
        .join(Team, Team.id == Unit.team_id)
        .outerjoin(District, District.id == Team.district_id)
        .outerjoin(UnitState, UnitState.unit_id == Unit.id)
        .outerjoin(Neighbourhood, Neighbourhood.id == Unit.home_neighbourhood_id)
        .where(Team.force_id == force.id)
        .order_by(Unit.call_sign)
    )
    if district_id is not None:
        query = query.where(Team.district_id == district_id)
    views = []
    # One answer per shift (a handful), not one per unit: a force has over a thousand units.
    on_rota: dict[str | None, bool] = {}
    for unit, team, district, state, home in session.execute(query):
        if unit.shift not in on_rota:
            on_rota[unit.shift] = on_duty(rota, unit.shift, now)
        rota_now = on_rota[unit.shift]
        known = state is not None and state.easting is not None
        if known:
            assert state is not None
            easting, northing = state.easting, state.northing
        elif home is not None:
            easting, northing = home.easting, home.northing
        else:
            easting = northing = None
        views.append(
            UnitView(
                unit,
                team,
                district,
                state,
                _effective(state, rota_now, now),
                rota_now,
                easting,
                northing,
                known,
            )
        )
    return views


def get_view_or_raise(*, session: Session, force: Force, unit_id: int) -> UnitView:
    """One unit's view, or :class:`IncidentNotFound`."""
    unit = session.get(Unit, unit_id)
    team = session.get(Team, unit.team_id) if unit is not None else None
    if unit is None or team is None or team.force_id != force.id:
        raise IncidentNotFound(f"there is no unit {unit_id} in {force.name}")
    views = unit_views(session=session, force=force, district_id=team.district_id)
    return next(v for v in views if v.unit.id == unit_id)


def recommendations(
    *,
    session: Session,
    force: Force,
    incident: Incident,
    now: dt.datetime | None = None,
    limit: int = 10,
) -> list[ranking.Recommendation]:
    """Available units for the incident, ranked by estimated arrival, with reasons."""
    config = service.force_config(force)
    kinds = KINDS_FOR_GRADE[incident.grade]
    district = session.get(District, incident.district_id)
    assert district is not None
    candidates = [
        ranking.Candidate(
            unit_id=v.unit.id,
            call_sign=v.unit.call_sign,
            kind=v.unit.kind,
            district_slug=v.district.slug,
            easting=v.easting,
            northing=v.northing,
            position_known=v.position_known,
            district_name=v.district.name,
        )
        for v in unit_views(session=session, force=force, now=now)
        # A unit whose position is unknown is still offered (it says so, with no estimate).
        if v.status is UnitStatus.AVAILABLE and v.unit.kind in kinds and v.district is not None
    ]
    return ranking.rank(
        candidates,
        easting=incident.easting,
        northing=incident.northing,
        urban=incident.urban,
        district_slug=district.slug,
        grade=incident.grade,
        travel=config.control.travel,
        limit=limit,
    )


def _claim(
    session: Session, view: UnitView, incident: Incident, actor: str, now: dt.datetime
) -> None:
    """Mark the unit committed to the incident, only if it is still available: of two
    dispatchers sending the same unit, exactly one succeeds."""
    conflict = IncidentConflict(
        f"unit {view.unit.call_sign} is no longer available: choose another unit"
    )
    if view.state is None:
        try:
            with session.begin_nested():
                session.add(
                    UnitState(
                        unit_id=view.unit.id,
                        status=UnitStatus.COMMITTED.value,
                        incident_id=incident.id,
                        updated_at=now,
                        updated_by=actor,
                    )
                )
        except IntegrityError:
            raise conflict from None
        return
    changed = cast(
        "CursorResult[Any]",
        session.execute(
            update(UnitState)
            .where(
                UnitState.unit_id == view.unit.id,
                UnitState.status == view.state.status,
                UnitState.updated_at == view.state.updated_at,
            )
            .values(
                status=UnitStatus.COMMITTED.value,
                incident_id=incident.id,
                updated_at=now,
                updated_by=actor,
            )
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed != 1:
        raise conflict


def dispatch(
    *,
    session: Session,
    force: Force,
    incident: Incident,
    unit_id: int,
    actor: str,
    principal: Principal | None = None,
    now: dt.datetime | None = None,
) -> Deployment:
    """Send a unit to the incident; the unit must be available and suited to the grade, and, when
    a user sends it (``principal``), theirs to command: a district's unit by those who may act in
    that district, a force unit (no district) by those who may act force-wide."""
    now = now or utcnow()
    if incident.grade == Grade.RESOLVED_WITHOUT_DEPLOYMENT:
        raise IncidentConflict(
            f"incident {incident.reference} is Grade 4: it is resolved without deployment"
        )
    if incident.state in (IncidentState.CLOSED.value, IncidentState.OPEN.value):
        raise IncidentConflict(
            f"incident {incident.reference} is {incident.state}: it cannot be dispatched"
        )
    view = get_view_or_raise(session=session, force=force, unit_id=unit_id)
    if principal is not None and not principal.can(
        Action.DISPATCH, district_id=view.district.id if view.district else None
    ):
        whose = f"{view.district.name}'s" if view.district else "a force"
        raise UnitForbidden(
            f"{view.unit.call_sign} is {whose} unit: a {principal.role.value.replace('_', ' ')}"
            f" of {principal.district_slug or 'no district'} cannot send it"
        )
    if view.status is not UnitStatus.AVAILABLE:
        raise IncidentConflict(
            f"unit {view.unit.call_sign} is {view.status.value.replace('_', ' ')}, not available"
        )
    if view.unit.kind not in KINDS_FOR_GRADE[incident.grade]:
        raise IncidentError(
            f"a {view.unit.kind.replace('_', ' ')} is not sent to a Grade {incident.grade} incident"
        )
    choice = next(
        (
            r
            for r in recommendations(
                session=session, force=force, incident=incident, now=now, limit=10_000
            )
            if r.unit_id == unit_id
        ),
        None,
    )
    _claim(session, view, incident, actor, now)
    deployment = Deployment(
        incident_id=incident.id,
        unit_id=unit_id,
        assigned_at=now,
        assigned_by=actor,
        eta_minutes=choice.eta_minutes if choice else None,
        distance_km=choice.distance_km if choice else None,
    )
    session.add(deployment)
    if incident.state in (IncidentState.GRADED.value, IncidentState.CLEARED.value):
        service.move(
            session=session,
            incident=incident,
            to=IncidentState.RESOURCE_ALLOCATED,
            actor=actor,
            at=now,
            extra={"unit": view.unit.call_sign},
        )
    else:
        incident.version += 1
        service._log(
            session,
            incident,
            actor=actor,
            action="dispatched",
            before=None,
            after={"unit": view.unit.call_sign},
            at=now,
        )
    session.flush()
    return deployment


def set_status(
    *,
    session: Session,
    force: Force,
    unit_id: int,
    status: UnitStatus,
    actor: str,
    latitude: float | None = None,
    longitude: float | None = None,
    now: dt.datetime | None = None,
) -> UnitView:
    """A unit's new status (and position); it moves its incident along: en route, at scene,
    and cleared when every unit has left."""
    now = now or utcnow()
    view = get_view_or_raise(session=session, force=force, unit_id=unit_id)
    state = view.state
    if state is None:
        state = UnitState(
            unit_id=unit_id, status=view.status.value, updated_at=now, updated_by=actor
        )
        session.add(state)
    deployment = None
    if state.incident_id is not None:
        deployment = session.scalar(
            select(Deployment).where(
                Deployment.unit_id == unit_id,
                Deployment.incident_id == state.incident_id,
                Deployment.cleared_at.is_(None),
            )
        )
    if status in (UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE) and deployment is None:
        raise IncidentConflict(
            f"unit {view.unit.call_sign} has no incident: dispatch it before it is {status.value}"
        )
    if status is UnitStatus.COMMITTED and deployment is None:
        raise IncidentError("committed is set by dispatch; send the unit to an incident instead")
    if latitude is not None and longitude is not None:
        easting, northing = to_bng([longitude], [latitude])
        state.easting, state.northing = float(easting[0]), float(northing[0])
        state.latitude, state.longitude = latitude, longitude
    if deployment is not None:
        incident = session.get(Incident, deployment.incident_id)
        assert incident is not None
        _progress(session, incident, deployment, status, actor, now, view.unit.call_sign)
        if status in (UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY):
            state.incident_id = None
    state.status = status.value
    state.updated_at = now
    state.updated_by = actor
    session.flush()
    return get_view_or_raise(session=session, force=force, unit_id=unit_id)


def _progress(
    session: Session,
    incident: Incident,
    deployment: Deployment,
    status: UnitStatus,
    actor: str,
    now: dt.datetime,
    call_sign: str,
) -> None:
    state = IncidentState(incident.state)
    if status is UnitStatus.EN_ROUTE:
        deployment.en_route_at = deployment.en_route_at or now
        if state is IncidentState.RESOURCE_ALLOCATED:
            service.move(
                session=session,
                incident=incident,
                to=IncidentState.EN_ROUTE,
                actor=actor,
                at=now,
                extra={"unit": call_sign},
            )
    elif status is UnitStatus.AT_SCENE:
        deployment.at_scene_at = deployment.at_scene_at or now
        if incident.first_arrival_at is None:
            incident.first_arrival_at = now
        if state in (IncidentState.RESOURCE_ALLOCATED, IncidentState.EN_ROUTE):
            service.move(
                session=session,
                incident=incident,
                to=IncidentState.AT_SCENE,
                actor=actor,
                at=now,
                extra={"unit": call_sign},
            )
    elif status in (UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY):
        deployment.cleared_at = now
        session.flush()
        others = service.active_deployments(session=session, incident=incident)
        if not others:
            # Arrived: the incident is cleared. Stood down before arriving: back in the queue.
            target = (
                IncidentState.CLEARED if state is IncidentState.AT_SCENE else IncidentState.GRADED
            )
            service.move(
                session=session,
                incident=incident,
                to=target,
                actor=actor,
                at=now,
                extra={"unit": call_sign},
            )


def position_of(view: UnitView) -> tuple[float | None, float | None]:
    """Latitude and longitude of the unit's known or assumed position."""
    if view.easting is None or view.northing is None:
        return None, None
    longitude, latitude = to_wgs84([view.easting], [view.northing])
    return float(latitude[0]), float(longitude[0])
