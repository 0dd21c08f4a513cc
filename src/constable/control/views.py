"""The control room's JSON API (included under ``/api``); every route needs a signed-in user.

``POST /contacts``, ``GET /incidents``, ``GET /incidents/{id}``,
``POST /incidents/{id}/assessments``, ``POST /incidents/{id}/state``,
``GET /incidents/{id}/recommendations``, ``POST /incidents/{id}/dispatch``, ``GET /units``,
``POST /units/{id}/status``, ``GET /categories``, ``GET /control/measures``, ``GET /board``,
``GET /board/stream`` (Server-Sent Events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep, StoreDep, Writer, in_one_session
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import (
    CurrentPrincipal,
    authorised,
    bearer_token,
    require,
    require_any,
    require_for_district,
)
from constable.auth.needtoknow import Personal, may_see
from constable.auth.roles import Action, Role
from constable.auth.service import Principal
from constable.control import board, live, measures, service, units
from constable.control.enums import IncidentState, UnitStatus
from constable.control.models import Incident
from constable.control.schemas import (
    AssessmentRead,
    CallerRead,
    CategoryRead,
    ContactCreate,
    ContactRead,
    DeploymentRead,
    DispatchRequest,
    DuplicateRead,
    IncidentRead,
    LogRead,
    QuestionRead,
    Reassessment,
    RecommendationRead,
    StateChange,
    TriageRead,
    TriageRequest,
    UnitRead,
    UnitStatusUpdate,
)
from constable.control.service import IncidentError
from constable.control.triage import Recommendation
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force, Unit

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Action.READ))]


def incident_read(
    session: Session,
    force: Force,
    incident: Incident,
    principal: Principal,
    *,
    detail: bool = False,
    duplicates: list[service.Duplicate] | None = None,
) -> IncidentRead:
    """The incident as the API shows it to ``principal`` (the caller only to roles that need it)."""
    config = service.force_config(force)
    places = service.places(session, force)
    latest = incident.assessments[-1] if incident.assessments else None
    data: dict[str, Any] = {
        "id": incident.id,
        "reference": incident.reference,
        "district": places.district_slugs.get(incident.district_id, "?"),
        "neighbourhood": (
            None
            if incident.neighbourhood_id is None
            else places.neighbourhood_codes.get(incident.neighbourhood_id)
        ),
        "urban": incident.urban,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "location_text": incident.location_text,
        "category": incident.category,
        "description": incident.description,
        "grade": incident.grade,
        "grade_label": service.grade_label(incident.grade),
        "reasons": latest.reasons if latest else [],
        "state": incident.state,
        "opened_at": incident.opened_at,
        "first_arrival_at": incident.first_arrival_at,
        "closed_at": incident.closed_at,
        "closing_category": incident.closing_category,
        "result": incident.result,
        "crime_reference": incident.crime_reference,
        "linked_to": incident.linked_to_id,
        "attendance_standard_minutes": service.attendance_standard(config, incident),
        "attended_within_standard": service.within_standard(config, incident),
        "version": incident.version,
    }
    if duplicates:
        data["possible_duplicates"] = [
            DuplicateRead(
                id=d.id,
                reference=d.reference,
                category=d.category,
                distance_m=d.distance_m,
                minutes_apart=d.minutes_apart,
            )
            for d in duplicates
        ]
    if detail:
        show_caller = may_see(principal, Personal.CALLER, district_id=incident.district_id)
        data["contacts"] = [
            ContactRead(
                channel=c.channel,
                call_started_at=c.call_started_at,
                answered_at=c.answered_at,
                description=c.description,
                caller=CallerRead(name=c.caller_name, phone=c.caller_phone)
                if show_caller
                else None,
            )
            for c in incident.contacts
        ]
        data["assessments"] = [
            AssessmentRead(
                at=a.at,
                by=a.by,
                thrive=service.thrive_of(a),
                derived=a.derived,
                recommended_grade=a.recommended_grade,
                grade=a.grade,
                reasons=a.reasons,
                override_reason=a.override_reason,
                answers=a.answers or {},
                rules_version=a.rules_version,
            )
            for a in incident.assessments
        ]
        call_signs = {
            d.unit_id: (session.get(Unit, d.unit_id) or Unit(call_sign="?")).call_sign
            for d in incident.deployments
        }
        data["deployments"] = [
            DeploymentRead(
                unit_id=d.unit_id,
                call_sign=call_signs[d.unit_id],
                assigned_at=d.assigned_at,
                assigned_by=d.assigned_by,
                en_route_at=d.en_route_at,
                at_scene_at=d.at_scene_at,
                cleared_at=d.cleared_at,
                eta_minutes=d.eta_minutes,
                distance_km=d.distance_km,
            )
            for d in incident.deployments
        ]
        data["log"] = [
            LogRead(at=e.at, actor=e.actor, action=e.action, before=e.before, after=e.after)
            for e in incident.log
        ]
    return IncidentRead(**data)


def _reloaded(session: Session, force: Force, incident_id: int) -> Incident:
    """The incident as it is now, after this request's changes (not the copy loaded before)."""
    session.flush()
    session.expire_all()
    return _incident(session, force, incident_id)


def _incident(session: Session, force: Force, incident_id: int) -> Incident:
    try:
        incident = service.load_detail(session=session, incident_id=incident_id)
    except IncidentError as exc:
        raise http_error(exc) from exc
    if incident.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"There is no incident {incident_id}")
    return incident


@router.get("/categories", summary="Opening categories", response_model=list[CategoryRead])
def categories(principal: Reader) -> list[CategoryRead]:
    """The documented list of opening categories (modelled on NSIR)."""
    return [CategoryRead(**c.model_dump()) for c in service.rules().categories]


@router.get("/triage/questions", summary="The risk questions", response_model=list[QuestionRead])
def triage_questions(principal: Reader) -> list[QuestionRead]:
    """The questions a call handler asks, in order, with their shortcuts and answers."""
    return [QuestionRead(**q.model_dump()) for q in service.rules().questions]


@router.post("/triage", summary="Recommend a grade (writes nothing)", response_model=TriageRead)
def triage_preview(
    data: TriageRequest,
    principal: Annotated[Principal, Depends(require_any(Action.RECORD_CONTACT, Action.GRADE))],
) -> TriageRead:
    """The grade the answers and the caller's words recommend so far, with the reasons, the
    answers read from the words (``factors``) and the answers that would lower it
    (``lowering``). The contact form and re-assessment ask it as the handler types; nothing
    is written, so any role that records contacts or grades incidents may ask.

    Example: ``{"channel": "999", "description": "he's got a knife, he's still outside"}``
    """
    try:
        return triage_read(service.preview(data=data))
    except ConstableError as exc:
        raise http_error(exc) from exc


def triage_read(result: Recommendation) -> TriageRead:
    """A recommendation as the API and the pages show it: grade and category in words."""
    return TriageRead(
        grade=int(result.grade),
        grade_label=result.grade.label,
        reasons=result.reasons,
        category=result.category,
        category_label=service.rules().category(result.category).label,
        category_suggested=result.category_suggested,
        factors=result.factors,
        lowering=result.lowering,
        thrive=result.thrive,
        rules_version=result.version,
    )


@router.post("/contacts", summary="Record a contact", response_model=IncidentRead, status_code=201)
async def create_contact(
    data: ContactCreate,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    token: Annotated[str, Depends(bearer_token)],
) -> IncidentRead:
    """Locate, assess (THRIVE), grade and open an incident; or add the contact to ``link_to``.

    The answer is the incident with ``id``, ``grade`` and the ``reasons`` for it, and any open
    incidents that may be the same event (``possible_duplicates``). Needs a role that records
    contacts: 401 without a token; a token that is not valid (401) or of another role (403) is
    checked after the body (422 first), on the thread that records the contact.
    """

    def record(session: Session, writer: Writer) -> IncidentRead:
        principal = authorised(session, token, Action.RECORD_CONTACT)
        force = force_or_503(session, settings.force)
        try:
            prepared = service.prepare_contact(
                session=session, force=force, data=data, actor=principal.username
            )
            # Every read before the write: once it is committed, the answer must not fail.
            duplicates = service.prepared_duplicates(
                session=session, force=force, prepared=prepared
            )
            service.places(session, force)
            incident = writer(
                lambda: service.write_contact(session=session, force=force, prepared=prepared)
            )
        except ConstableError as exc:
            raise http_error(exc) from exc
        return incident_read(session, force, incident, principal, duplicates=duplicates)

    # The busiest write of all: in one step on one thread (see in_one_session).
    return await in_one_session(request, store, record)


@router.get("/incidents", summary="Incidents", response_model=list[IncidentRead])
def list_incidents(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    state: Annotated[str, Query(pattern="^(open|all)$")] = "open",
) -> list[IncidentRead]:
    """Open incidents (or all, newest 500), most urgent and oldest first; by district if given."""
    force = force_or_503(session, settings.force)
    district_id = None
    if district is not None:
        try:
            found = force_service.get_district_or_raise(
                session=session, force=force, district=district
            )
        except force_service.NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        district_id = found.id
    found_incidents = service.list_incidents(
        session=session, force=force, district_id=district_id, open_only=state == "open"
    )
    return [incident_read(session, force, i, principal) for i in found_incidents]


@router.get("/incidents/{incident_id}", summary="One incident", response_model=IncidentRead)
def read_incident(
    incident_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> IncidentRead:
    """The incident with its contacts, assessments, deployments and log."""
    force = force_or_503(session, settings.force)
    incident = _incident(session, force, incident_id)
    return incident_read(session, force, incident, principal, detail=True)


def _act(principal: Principal, action: Action, session: Session, district_id: int) -> None:
    district = session.get(District, district_id)
    require_for_district(principal, action, district_id, district.name if district else "?")


@router.post(
    "/incidents/{incident_id}/assessments",
    summary="Assess again",
    response_model=IncidentRead,
)
def reassess(
    incident_id: int,
    data: Reassessment,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require(Action.GRADE))],
) -> IncidentRead:
    """A new THRIVE assessment when the situation changes; earlier ones are kept."""
    force = force_or_503(session, settings.force)
    incident = _incident(session, force, incident_id)
    _act(principal, Action.GRADE, session, incident.district_id)
    try:
        service.reassess(session=session, incident=incident, data=data, actor=principal.username)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return incident_read(
        session, force, _reloaded(session, force, incident_id), principal, detail=True
    )


@router.post("/incidents/{incident_id}/state", summary="Change state", response_model=IncidentRead)
def change_state(
    incident_id: int,
    data: StateChange,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require(Action.CLOSE_INCIDENT))],
) -> IncidentRead:
    """Move the incident along (closing needs ``closing_category`` and ``result``)."""
    force = force_or_503(session, settings.force)
    incident = _incident(session, force, incident_id)
    _act(principal, Action.CLOSE_INCIDENT, session, incident.district_id)
    if data.state not in (IncidentState.CLOSED, IncidentState.GRADED):
        raise HTTPException(
            status_code=422,
            detail="Units move incidents en route, at scene and cleared: set their status instead",
        )
    try:
        service.change_state(
            session=session, incident=incident, data=data, actor=principal.username
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return incident_read(
        session, force, _reloaded(session, force, incident_id), principal, detail=True
    )


@router.get(
    "/incidents/{incident_id}/recommendations",
    summary="Units to send",
    response_model=list[RecommendationRead],
)
def recommendations(
    incident_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> list[RecommendationRead]:
    """Available units ranked by estimated arrival, the district's own first, with reasons."""
    force = force_or_503(session, settings.force)
    incident = _incident(session, force, incident_id)
    return [
        RecommendationRead(**vars(r))
        for r in units.recommendations(session=session, force=force, incident=incident)
    ]


@router.post(
    "/incidents/{incident_id}/dispatch", summary="Send a unit", response_model=IncidentRead
)
def dispatch(
    incident_id: int,
    data: DispatchRequest,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require(Action.DISPATCH))],
) -> IncidentRead:
    """Send a unit; a unit already taken gives 409 and the dispatcher chooses another."""
    force = force_or_503(session, settings.force)
    incident = _incident(session, force, incident_id)
    _act(principal, Action.DISPATCH, session, incident.district_id)
    try:
        units.dispatch(
            session=session,
            force=force,
            incident=incident,
            unit_id=data.unit_id,
            actor=principal.username,
            principal=principal,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return incident_read(
        session, force, _reloaded(session, force, incident_id), principal, detail=True
    )


def unit_read(view: units.UnitView) -> UnitRead:
    """A unit as the API shows it."""
    latitude, longitude = units.position_of(view)
    return UnitRead(
        id=view.unit.id,
        call_sign=view.unit.call_sign,
        kind=view.unit.kind,
        team=view.team.name,
        district=view.district.slug if view.district else None,
        shift=view.unit.shift,
        status=view.status,
        on_rota=view.on_rota,
        incident_id=view.state.incident_id if view.state else None,
        latitude=latitude,
        longitude=longitude,
        updated_at=view.state.updated_at if view.state else None,
    )


@router.get("/units", summary="Units and their status", response_model=list[UnitRead])
def list_units(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    status: UnitStatus | None = None,
) -> list[UnitRead]:
    """Every unit of the force (or a district) with its status now."""
    force = force_or_503(session, settings.force)
    district_id = None
    if district is not None:
        try:
            district_id = force_service.get_district_or_raise(
                session=session, force=force, district=district
            ).id
        except force_service.NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
    views = units.unit_views(session=session, force=force, district_id=district_id)
    return [unit_read(v) for v in views if status is None or v.status is status]


@router.post("/units/{unit_id}/status", summary="Set a unit's status", response_model=UnitRead)
def set_unit_status(
    unit_id: int,
    data: UnitStatusUpdate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require(Action.UPDATE_UNIT))],
) -> UnitRead:
    """Status and position; en route, at scene and available move the unit's incident along."""
    force = force_or_503(session, settings.force)
    try:
        view = units.get_view_or_raise(session=session, force=force, unit_id=unit_id)
    except ConstableError as exc:
        raise http_error(exc) from exc
    if view.district is not None:
        _act(principal, Action.UPDATE_UNIT, session, view.district.id)
    elif principal.role is Role.DISTRICT_COMMANDER:
        raise HTTPException(
            status_code=403, detail="A district commander cannot change force units"
        )
    try:
        updated = units.set_status(
            session=session,
            force=force,
            unit_id=unit_id,
            status=data.status,
            actor=principal.username,
            latitude=data.latitude,
            longitude=data.longitude,
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return unit_read(updated)


@router.get(
    "/control/measures",
    summary="Control-room measures",
    responses={429: {"description": "Too many measures being counted at once"}},
)
async def control_measures(
    store: StoreDep,
    settings: SettingsDep,
    principal: Reader,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """Call answering against target, attendance within standard, open incidents by age, for
    the days ``start`` to ``end`` (default the last 7): days from 1990-01-01 to 2099-12-31, at
    most 366 of them (else 422 naming the field and the limit). Counted one at a time per server
    process, at most two starting a second, so that they never slow a 999 contact (429 if many
    wait)."""

    def count() -> dict[str, Any]:
        with store.session() as session:
            force = force_or_503(session, settings.force)
            return measures.summary(session=session, force=force, start=start, end=end).as_dict()

    try:
        # The period first: a bad one is answered at once, without waiting its turn.
        measures.period(start=start, end=end)
        return await measures.counted(count)
    except ConstableError as exc:
        raise http_error(exc) from exc


def _district_or_404(session: Session, force: Force, slug: str | None) -> District | None:
    if slug is None:
        return None
    try:
        return force_service.get_district_or_raise(session=session, force=force, district=slug)
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get("/board", summary="The live board now")
def read_board(
    session: SessionDep, settings: SettingsDep, principal: Reader, district: str | None = None
) -> dict[str, Any]:
    """Open incidents by grade and age and units by status, for the force or one ``district``."""
    force = force_or_503(session, settings.force)
    found = _district_or_404(session, force, district)
    return board.snapshot(session=session, force=force, district=found).as_dict()


@router.get(
    "/board/stream",
    summary="The live board as Server-Sent Events",
    response_class=EventSourceResponse,
)
async def board_stream(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    district: live.BoardDistrict = None,
) -> AsyncIterator[ServerSentEvent]:
    """A ``board`` event with the whole board (as ``GET /board``) now and on every change.

    The store is checked every second, cheaply, and the board rebuilt when something changed
    (and every 30 s, for changes of shift). The stream ends after 10 minutes; browsers reconnect
    by themselves, and the sign-in is checked again.
    """

    def encode(current: board.Board) -> ServerSentEvent:
        return ServerSentEvent(event="board", data=current.as_dict())

    async for event in live.board_events(store, settings.force, district, encode):
        yield event
