"""Patrol plans' JSON API (included under ``/api``); every route needs a signed-in user.

``GET /patrol-plans``, ``POST /patrol-plans``, ``GET /patrol-plans/design``,
``GET /patrol-plans/{id}``, ``GET /patrol-plans/{id}/geojson``, ``GET /patrol-plans/{id}/map.svg``,
``GET /patrol-plans/{id}/fairness``, ``POST /patrol-plans/{id}/visits``,
``DELETE /patrol-plans/{id}``.

Who may do what (the roles' own actions do not name patrol plans, so these are kept here):
anyone signed in reads; analysts, district commanders (their own district) and administrators
plan and delete; dispatchers, community safety staff and district commanders (their own
district) and administrators record visits.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.analysis import fairness, patrol, patrol_service
from constable.analysis.models import PatrolPlan
from constable.analysis.patrol_schemas import PlanCreate, VisitCreate
from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import require, require_for_district
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.crime.models import Crime
from constable.crime.service import parse_month, records_name
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force, Neighbourhood

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Action.READ))]


def _district(session: Session, force: Force, name: str) -> District:
    try:
        return force_service.get_district_or_raise(session=session, force=force, district=name)
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


def _plan(session: Session, force: Force, plan_id: int) -> tuple[PatrolPlan, District]:
    try:
        plan = patrol_service.get_plan_or_raise(session=session, force=force, plan_id=plan_id)
    except ConstableError as exc:
        raise http_error(exc) from exc
    district = session.get(District, plan.district_id)
    assert district is not None
    return plan, district


@router.get("/patrol-plans", summary="Patrol plans")
def list_plans(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The force's plans, newest first (of a district, from ``start`` to ``end``)."""
    force = force_or_503(session, settings.force)
    found = _district(session, force, district) if district else None
    names = {d.id: d for d in force.districts}
    return [
        patrol_service.plan_dict(plan, names[plan.district_id])
        for plan in patrol_service.list_plans(
            session=session, force=force, district=found, start=start, end=end
        )
    ]


@router.post("/patrol-plans", summary="Plan a shift's patrols", status_code=201)
def create_plan(
    data: PlanCreate, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """Forecast the shift from the district's crimes and choose its boxes under the patrol
    budget; with ``design: randomised`` and a ``seed``, a seeded half of the high-risk boxes
    is the control (not patrolled)."""
    force = force_or_503(session, settings.force)
    district = _district(session, force, data.district)
    require_for_district(principal, Action.PLAN_PATROLS, district.id, district.name)
    try:
        plan = patrol_service.create_plan(
            session=session,
            force=force,
            district=district,
            day=data.day,
            shift=data.shift,
            rules=data.rules(),
            actor=principal.username,
            method=data.method,
            cell_size=data.cell_size,
            history_months=data.history_months,
            history_to=parse_month(data.history_to) if data.history_to else None,
            design=data.design,
            seed=data.seed,
            priorities=data.priorities,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return patrol_service.plan_dict(plan, district)


@router.get("/patrol-plans/design", summary="Did patrols reduce crime? The randomised design")
def design_analysis(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str,
    start: dt.date,
    end: dt.date,
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
    permutations: Annotated[int, Query(ge=99, le=99_999)] = 9_999,
) -> dict[str, Any]:
    """Crime in treatment against control boxes over the district's randomised plans: the
    rate ratio with its exact interval and a randomisation test (docs/patrol.md)."""
    force = force_or_503(session, settings.force)
    found = _district(session, force, district)
    try:
        result, crossovers = patrol_service.analyse_design(
            session=session,
            force=force,
            district=found,
            start=start,
            end=end,
            confidence=confidence,
            permutations=permutations,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return {**result.as_dict(), "control_visits": crossovers}


@router.get("/patrol-plans/{plan_id}", summary="One patrol plan")
def read_plan(
    plan_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """The plan's boxes (unit, route order, arm) with the visits recorded in each."""
    force = force_or_503(session, settings.force)
    plan, district = _plan(session, force, plan_id)
    return patrol_service.plan_dict(plan, district)


@router.get("/patrol-plans/{plan_id}/geojson", summary="A plan's boxes as GeoJSON")
def plan_geojson(
    plan_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> Response:
    """A FeatureCollection of the boxes (WGS84 squares) with their properties."""
    force = force_or_503(session, settings.force)
    plan, _ = _plan(session, force, plan_id)
    body = json.dumps(patrol.boxes_geojson(patrol_service.boxes_of(plan), plan.crs))
    return Response(body, media_type="application/geo+json")


@router.get("/patrol-plans/{plan_id}/map.svg", summary="A plan's printable map")
def plan_map(
    plan_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> Response:
    """The district's outline with each unit's boxes numbered in route order; control boxes
    hatched."""
    force = force_or_503(session, settings.force)
    plan, district = _plan(session, force, plan_id)
    drawn = patrol.plan_svg(
        patrol_service.boxes_of(plan),
        title=f"{district.name}: {plan.shift} shift of {plan.shift_date:%d %B %Y}",
        outline=patrol_service.district_outline(session, district),
    )
    return Response(drawn, media_type="image/svg+xml")


@router.get("/patrol-plans/{plan_id}/fairness", summary="How a plan shares patrols out")
def plan_fairness(
    plan_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """The plan's patrol minutes by neighbourhood against the district's crime in the plan's
    history and its residents (docs/patrol.md, Fairness)."""
    force = force_or_503(session, settings.force)
    plan, district = _plan(session, force, plan_id)
    minutes = float(plan.rules.get("minutes_per_box", 15.0))
    attention: dict[str, float] = {}
    for box in plan.boxes:
        if box.unit is not None and box.area:
            attention[box.area] = attention.get(box.area, 0.0) + minutes
    hoods = session.execute(
        select(Neighbourhood.code, Neighbourhood.population).where(
            Neighbourhood.district_id == district.id
        )
    ).all()
    population = {code: float(people) for code, people in hoods}
    crime = {
        str(code): float(count)
        for code, count in session.execute(
            select(Crime.lsoa_code, func.count())
            .where(
                Crime.force == records_name(force),
                Crime.lsoa_code.in_(list(population)),
                Crime.month >= plan.history_from,
                Crime.month <= plan.history_to,
            )
            .group_by(Crime.lsoa_code)
        )
    }
    try:
        result = fairness.fairness(attention, crime, population)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return {"plan": plan.id, **result.as_dict(top=25)}


@router.post("/patrol-plans/{plan_id}/visits", summary="Record a visit to a box", status_code=201)
def record_visit(
    plan_id: int,
    data: VisitCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
) -> dict[str, Any]:
    """A unit's arrival in a box and the minutes it stayed; the answer is the plan."""
    force = force_or_503(session, settings.force)
    plan, district = _plan(session, force, plan_id)
    require_for_district(principal, Action.RECORD_PATROL_VISIT, district.id, district.name)
    try:
        patrol_service.record_visit(
            session=session,
            plan=plan,
            cell=data.cell,
            unit=data.unit,
            arrived_at=data.arrived_at,
            minutes=data.minutes,
            actor=principal.username,
            note=data.note,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return patrol_service.plan_dict(plan, district)


@router.delete("/patrol-plans/{plan_id}", summary="Delete a plan not yet worked", status_code=204)
def delete_plan(
    plan_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> Response:
    """Only a plan without visits can be deleted (a worked plan is a record)."""
    force = force_or_503(session, settings.force)
    plan, district = _plan(session, force, plan_id)
    require_for_district(principal, Action.PLAN_PATROLS, district.id, district.name)
    try:
        patrol_service.delete_plan(session=session, plan=plan, actor=principal.username)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return Response(status_code=204)
