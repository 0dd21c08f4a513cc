"""ASB cases, orders and alerts: the JSON API (included under ``/api``).

``GET /asb/ladder``, ``POST /asb/cases``, ``GET /asb/cases``, ``GET /asb/cases/{id}``,
``POST /asb/cases/{id}/stages``, ``POST /asb/cases/{id}/close``,
``POST /asb/cases/{id}/reports``, ``POST /asb/orders``, ``GET /asb/orders``, ``GET /alerts``,
``POST /alerts/{id}/read``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import CurrentPrincipal, require, require_for_district
from constable.auth.needtoknow import Personal, seen
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.community import asb
from constable.community.models import AsbCase, AsbOrder
from constable.errors import ConstableError
from constable.force.models import District, Force, Team

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Action.READ))]
Worker = Annotated[Principal, Depends(require(Action.RECORD_COMMUNITY))]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseCreate(_In):
    """A new case."""

    district: str
    team: Literal["cpt", "csu"] = Field(
        description="cpt: Community Policing Team; csu: Community Safety Unit"
    )
    subject_name: str = Field(min_length=2, max_length=200)
    summary: str = Field(min_length=3, max_length=5000)
    owner: str | None = Field(default=None, description="a username (default: you)")
    reports: list[int] = Field(default=[], description="ASB reports (crime ids) to link")


class StageTaken(_In):
    """A stage reached."""

    stage: str
    taken_on: dt.date
    note: str | None = Field(default=None, max_length=5000)
    skip_reason: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class CaseClose(_In):
    """Closing a case."""

    reason: str = Field(min_length=3, max_length=2000)
    version: int | None = None


class ReportLink(_In):
    """An ASB report to link by hand."""

    crime_id: int


class OrderCreate(_In):
    """A dispersal or closure order."""

    district: str
    kind: Literal["dispersal", "closure"]
    place: str = Field(min_length=3, max_length=300)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    authorised_by: str = Field(min_length=2, max_length=200)
    reason: str = Field(min_length=3, max_length=5000)
    case_id: int | None = None


def _may_change(session: Session, principal: Principal, district_id: int) -> None:
    district = session.get(District, district_id)
    require_for_district(
        principal, Action.RECORD_COMMUNITY, district_id, district.name if district else "?"
    )


def case_read(
    session: Session, case: AsbCase, principal: Principal, *, detail: bool = False
) -> dict[str, Any]:
    """A case as the API shows it to ``principal``."""
    ladder = asb.ladders()[case.ladder]
    district = session.get(District, case.district_id)
    team = session.get(Team, case.team_id)
    labels = {s.code: s.label for s in ladder.stages}
    data: dict[str, Any] = {
        "id": case.id,
        "reference": case.reference,
        "district": district.slug if district else None,
        "team": team.name if team else None,
        "owner": case.owner,
        "subject_name": seen(principal, Personal.SUBJECT, case.district_id, case.subject_name),
        "summary": case.summary,
        "ladder": case.ladder,
        "stage": case.stage,
        "stage_label": labels.get(case.stage or ""),
        "next_stage": next(
            (
                s.code
                for s in ladder.stages
                if ladder.position(s.code) > (ladder.position(case.stage) if case.stage else 0)
            ),
            None,
        ),
        "status": case.status,
        "opened_at": case.opened_at,
        "opened_by": case.opened_by,
        "closed_at": case.closed_at,
        "closing_reason": case.closing_reason,
        "version": case.version,
    }
    if detail:
        data["steps"] = [
            {
                "stage": s.stage,
                "label": labels.get(s.stage, s.stage),
                "position": s.position,
                "taken_on": s.taken_on,
                "recorded_by": s.recorded_by,
                "note": s.note,
                "skipped": s.skipped.split(", ") if s.skipped else [],
                "skip_reason": s.skip_reason,
            }
            for s in case.steps
        ]
        data["reports"] = [
            {
                "crime_id": crime.id,
                "reference": crime.reference,
                "occurred_at": crime.occurred_at,
                "description": crime.description,
                "automatic": link.automatic,
                "linked_at": link.linked_at,
            }
            for link, crime in asb.reports_of(session=session, case=case)
        ]
        data["orders"] = [
            order_read(session, o)
            for o in session.scalars(select(AsbOrder).where(AsbOrder.case_id == case.id))
        ]
    return data


def order_read(session: Session, order: AsbOrder) -> dict[str, Any]:
    """An order as the API shows it."""
    district = session.get(District, order.district_id)
    return {
        "id": order.id,
        "kind": order.kind,
        "district": district.slug if district else None,
        "place": order.place,
        "starts_at": order.starts_at,
        "ends_at": order.ends_at,
        "authorised_by": order.authorised_by,
        "reason": order.reason,
        "case_id": order.case_id,
        "recorded_by": order.recorded_by,
    }


@router.get("/asb/ladder", summary="The staged approach to ASB")
def ladder(session: SessionDep, settings: SettingsDep, principal: Reader) -> dict[str, Any]:
    """The force's ladder: its stages lowest first, and where it comes from."""
    name, found = asb.ladder_of(force_or_503(session, settings.force))
    return {"name": name, "source": found.source, "stages": [s.model_dump() for s in found.stages]}


@router.post("/asb/cases", summary="Open an ASB case", status_code=201)
def open_case(
    data: CaseCreate, session: SessionDep, settings: SettingsDep, principal: Worker
) -> dict[str, Any]:
    """A case about one person, owned by a district's CPT or CSU; reports may be linked."""
    force = force_or_503(session, settings.force)
    try:
        district = asb.district_or_raise(session, force, data.district)
        _may_change(session, principal, district.id)
        case = asb.open_case(
            session=session,
            force=force,
            district=data.district,
            team=data.team,
            subject_name=data.subject_name,
            summary=data.summary,
            owner=data.owner,
            reports=data.reports,
            actor=principal.username,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return case_read(session, case, principal, detail=True)


@router.get("/asb/cases", summary="ASB cases")
def list_cases(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    status: Annotated[Literal["open", "closed", "all"], Query()] = "open",
) -> list[dict[str, Any]]:
    """The force's (or a district's) cases, newest first."""
    force = force_or_503(session, settings.force)
    try:
        district_id = asb.district_or_raise(session, force, district).id if district else None
    except ConstableError as exc:
        raise http_error(exc) from exc
    cases = asb.list_cases(
        session=session,
        force=force,
        district_id=district_id,
        status=None if status == "all" else status,
    )
    return [case_read(session, c, principal) for c in cases]


def _case(session: Session, force: Force, case_id: int) -> AsbCase:
    try:
        return asb.get_or_raise(session=session, force=force, case_id=case_id)
    except ConstableError as exc:
        raise http_error(exc) from exc


@router.get("/asb/cases/{case_id}", summary="One ASB case")
def read_case(
    case_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """The case with its stages, linked reports and orders."""
    case = _case(session, force_or_503(session, settings.force), case_id)
    return case_read(session, case, principal, detail=True)


@router.post("/asb/cases/{case_id}/stages", summary="Take a case up the ladder")
def take_stage(
    case_id: int,
    data: StageTaken,
    session: SessionDep,
    settings: SettingsDep,
    principal: Worker,
) -> dict[str, Any]:
    """The next stage, or a higher one with a ``skip_reason``; never back down."""
    force = force_or_503(session, settings.force)
    case = _case(session, force, case_id)
    _may_change(session, principal, case.district_id)
    try:
        asb.advance(
            session=session,
            case=case,
            stage=data.stage,
            taken_on=data.taken_on,
            actor=principal.username,
            note=data.note,
            skip_reason=data.skip_reason,
            version=data.version,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    session.refresh(case)
    return case_read(session, case, principal, detail=True)


@router.post("/asb/cases/{case_id}/close", summary="Close an ASB case")
def close_case(
    case_id: int, data: CaseClose, session: SessionDep, settings: SettingsDep, principal: Worker
) -> dict[str, Any]:
    """Close the case, saying why."""
    force = force_or_503(session, settings.force)
    case = _case(session, force, case_id)
    _may_change(session, principal, case.district_id)
    try:
        asb.close(
            session=session,
            case=case,
            reason=data.reason,
            actor=principal.username,
            version=data.version,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return case_read(session, case, principal, detail=True)


@router.post("/asb/cases/{case_id}/reports", summary="Link an ASB report", status_code=201)
def link_report(
    case_id: int, data: ReportLink, session: SessionDep, settings: SettingsDep, principal: Worker
) -> dict[str, Any]:
    """Link an ASB report to the case by hand (reports naming the subject are linked anyway)."""
    force = force_or_503(session, settings.force)
    case = _case(session, force, case_id)
    _may_change(session, principal, case.district_id)
    try:
        asb.link_report(
            session=session,
            force=force,
            case=case,
            crime_id=data.crime_id,
            actor=principal.username,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return case_read(session, case, principal, detail=True)


@router.post("/asb/orders", summary="Record a dispersal or closure order", status_code=201)
def record_order(
    data: OrderCreate, session: SessionDep, settings: SettingsDep, principal: Worker
) -> dict[str, Any]:
    """A dispersal order (an area, at most 48 hours) or closure order (premises, at most three
    months), with who authorised it."""
    force = force_or_503(session, settings.force)
    try:
        district = asb.district_or_raise(session, force, data.district)
        _may_change(session, principal, district.id)
        order = asb.record_order(
            session=session,
            force=force,
            district=data.district,
            kind=data.kind,
            place=data.place,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            authorised_by=data.authorised_by,
            reason=data.reason,
            case_id=data.case_id,
            actor=principal.username,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return order_read(session, order)


@router.get("/asb/orders", summary="Dispersal and closure orders")
def list_orders(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    kind: Literal["dispersal", "closure"] | None = None,
) -> list[dict[str, Any]]:
    """Orders, newest first."""
    force = force_or_503(session, settings.force)
    query = select(AsbOrder).where(AsbOrder.force_id == force.id)
    if district is not None:
        try:
            query = query.where(
                AsbOrder.district_id == asb.district_or_raise(session, force, district).id
            )
        except ConstableError as exc:
            raise http_error(exc) from exc
    if kind is not None:
        query = query.where(AsbOrder.kind == kind)
    orders = session.scalars(query.order_by(AsbOrder.starts_at.desc(), AsbOrder.id.desc()))
    return [order_read(session, o) for o in orders]


@router.get("/asb/alerts", summary="My ASB alerts")
def my_alerts(
    session: SessionDep, principal: CurrentPrincipal, state: Literal["unread", "all"] = "unread"
) -> list[dict[str, Any]]:
    """Alerts for the signed-in user (a case owner told of new reports), newest first."""
    return [
        {
            "id": a.id,
            "kind": a.kind,
            "message": a.message,
            "created_at": a.created_at,
            "case_id": a.case_id,
            "crime_id": a.crime_id,
            "read_at": a.read_at,
        }
        for a in asb.alerts_for(
            session=session, username=principal.username, unread_only=state == "unread"
        )
    ]


@router.post("/asb/alerts/{alert_id}/read", summary="Mark an ASB alert read")
def read_alert(alert_id: int, session: SessionDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """The alert leaves the unread list."""
    try:
        alert = asb.mark_read(session=session, alert_id=alert_id, username=principal.username)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return {"id": alert.id, "read_at": alert.read_at}
