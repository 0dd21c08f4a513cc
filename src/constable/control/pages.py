"""The live board pages: ``/control`` for the control room, ``/control/districts/{slug}`` for one
district. Both need a signed-in user (the sign-in cookie); they update through an event stream
of rendered panels, so the page and its updates come from the same template."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import ValidationError
from sqlalchemy.orm import Session

from constable.analysis.top_boxes import top_boxes
from constable.api.deps import SessionDep, SettingsDep, StoreDep
from constable.auth.deps import CurrentPrincipal, sign_in_redirect, signed_in
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.control import board, live, service, units
from constable.control.enums import Grade, IncidentState
from constable.control.schemas import ContactCreate, StateChange
from constable.control.views import incident_read
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force
from constable.store.base import utcnow
from constable.web import get_templates

page_router = APIRouter(include_in_schema=False)


def _age(opened_at: str, now: dt.datetime) -> str:
    """``3 min``, ``2 h 05 min``, ``3 days 4 h``: how long an incident has been open."""
    minutes = max(0, int((now - dt.datetime.fromisoformat(opened_at)).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} day{'s' if days != 1 else ''} {hours} h"


def _context(current: board.Board) -> dict[str, Any]:
    """What the panels template needs besides the board."""
    now = dt.datetime.fromisoformat(current.generated_at)
    categories = {c.code: c.label for c in service.rules().categories}
    return {
        "board": current,
        "now": now,
        "age": lambda opened_at: _age(opened_at, now),
        "overdue": lambda due_at: due_at is not None and dt.datetime.fromisoformat(due_at) < now,
        "grades": {int(g): g.label for g in Grade},
        "category": lambda code: categories.get(code, code),
        "words": lambda code: code.replace("_", " "),
    }


def _page(
    request: Request, session: SessionDep, settings: SettingsDep, district: str | None
) -> Response:
    principal = signed_in(request, session)
    if principal is None:
        return sign_in_redirect(request)
    try:
        force = force_service.get_or_raise(session=session, code=settings.force)
        found: District | None = None
        if district is not None:
            found = force_service.get_district_or_raise(
                session=session, force=force, district=district
            )
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    current = board.snapshot(session=session, force=force, district=found, now=utcnow())
    stream = request.url_for("board_panels_stream")
    if found is not None:
        stream = stream.include_query_params(district=found.slug)
    return get_templates().TemplateResponse(
        request,
        "control_board.html",
        {
            **_context(current),
            "force": force,
            "district": found,
            "districts": force.districts,
            "principal": principal,
            "stream_url": stream.path + (f"?{stream.query}" if stream.query else ""),
            "top_boxes": None
            if found is None
            else top_boxes(session=session, force=force, district=found, day=utcnow().date()),
        },
    )


@page_router.get("/control", response_class=HTMLResponse, name="control_board")
def control_board(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The force control room's board."""
    return _page(request, session, settings, None)


@page_router.get(
    "/control/districts/{district}", response_class=HTMLResponse, name="district_board"
)
def district_board(
    district: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """One district's board."""
    return _page(request, session, settings, district)


@page_router.get("/control/stream", response_class=EventSourceResponse, name="board_panels_stream")
async def board_panels_stream(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    district: live.BoardDistrict = None,
) -> AsyncIterator[ServerSentEvent]:
    """The board's panels as rendered HTML, now and on every change (``panels`` events)."""
    template = get_templates().get_template("components/board_panels.html")

    def encode(current: board.Board) -> ServerSentEvent:
        return ServerSentEvent(event="panels", raw_data=template.render(_context(current)))

    async for event in live.board_events(store, settings.force, district, encode):
        yield event


# --- Recording a contact and working an incident -------------------------------------------------

CHANNEL_LABELS = {
    "999": "999 emergency",
    "101": "101 non-emergency",
    "online": "Online report",
    "walk-in": "Walk-in at a front counter",
}


def _form_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    return get_templates().TemplateResponse(request, template, context, status_code=status_code)


def _contact_context(
    principal: Principal, values: dict[str, str], errors: list[str]
) -> dict[str, Any]:
    return {
        "principal": principal,
        "values": values,
        "errors": errors,
        "channels": CHANNEL_LABELS,
        "categories": service.rules().categories,
        "grades": {int(g): g.label for g in Grade},
        "words": lambda code: code.replace("_", " "),
    }


def _errors_of(exc: ValidationError) -> list[str]:
    """Pydantic's errors as sentences a call handler can act on."""
    messages = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"] if p != "__root__")
        text = str(error["msg"]).removeprefix("Value error, ")
        messages.append(f"{where.replace('_', ' ')}: {text}" if where else text)
    return [m[:1].upper() + m[1:] for m in messages]


@page_router.get("/control/contacts/new", response_class=HTMLResponse, name="new_contact")
def new_contact(request: Request, session: SessionDep) -> Response:
    """The call handler's form for a new contact."""
    principal = signed_in(request, session)
    if principal is None:
        return sign_in_redirect(request)
    values = {"channel": "999", "answered_at": utcnow().isoformat(timespec="seconds")}
    return _form_page(request, "control_contact.html", _contact_context(principal, values, []))


@page_router.post("/control/contacts", response_class=HTMLResponse, name="record_contact")
async def record_contact(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Record the contact, then show its incident with the grade and the reasons."""
    principal = signed_in(request, session)
    if principal is None:
        return sign_in_redirect(request)
    form = await request.form()
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    if not principal.can(Action.RECORD_CONTACT):
        raise HTTPException(
            status_code=403,
            detail=f"A {principal.role.value.replace('_', ' ')} cannot record contacts",
        )
    fields = {k: v for k, v in values.items() if v and k in ContactCreate.model_fields}
    if "answered_at" in fields:
        fields["call_started_at"] = fields["answered_at"]
    try:
        data = ContactCreate.model_validate(fields)
        force = force_service.get_or_raise(session=session, code=settings.force)
        with session.begin_nested():
            incident = service.create_contact(
                session=session, force=force, data=data, actor=principal.username
            )
    except ValidationError as exc:
        errors = _errors_of(exc)
    except ConstableError as exc:
        message = str(exc)
        errors = [message[:1].upper() + message[1:]]
    else:
        return RedirectResponse(f"/control/incidents/{incident.id}?new=1", status_code=303)
    return _form_page(
        request,
        "control_contact.html",
        _contact_context(principal, values, errors),
        status_code=422,
    )


def _incident_page(
    request: Request,
    session: Session,
    force: Force,
    principal: Principal,
    incident_id: int,
    *,
    errors: list[str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        incident = service.load_detail(session=session, incident_id=incident_id)
    except service.IncidentNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    if incident.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"there is no incident {incident_id}")
    duplicates = service.possible_duplicates(
        session=session, incident=incident, config=service.force_config(force)
    )
    shown = incident_read(session, force, incident, principal, detail=True, duplicates=duplicates)
    may_dispatch = principal.can(Action.DISPATCH, district_id=incident.district_id)
    open_now = incident.state != IncidentState.CLOSED.value
    ranked = (
        units.recommendations(session=session, force=force, incident=incident)
        if may_dispatch and open_now and incident.grade < 4
        else []
    )
    categories = {c.code: c.label for c in service.rules().categories}
    return _form_page(
        request,
        "control_incident.html",
        {
            "principal": principal,
            "incident": shown,
            "district_name": session.get(District, incident.district_id).name,  # type: ignore[union-attr]
            "category": categories.get(shown.category, shown.category),
            "recommendations": ranked[:10],
            "may_dispatch": may_dispatch and open_now,
            "may_close": principal.can(Action.CLOSE_INCIDENT, district_id=incident.district_id)
            and open_now,
            "closing_categories": service.rules().categories,
            "errors": errors or [],
            "notice": notice,
            "words": lambda code: code.replace("_", " "),
        },
        status_code=status_code,
    )


@page_router.get(
    "/control/incidents/{incident_id}", response_class=HTMLResponse, name="incident_page"
)
def incident_page(
    incident_id: int, request: Request, session: SessionDep, settings: SettingsDep, new: int = 0
) -> Response:
    """An incident: grade and reasons, THRIVE, duplicates, units to send, deployments, log."""
    principal = signed_in(request, session)
    if principal is None:
        return sign_in_redirect(request)
    force = force_service.get_or_raise(session=session, code=settings.force)
    notice = "Contact recorded." if new else None
    return _incident_page(request, session, force, principal, incident_id, notice=notice)


@page_router.post("/control/incidents/{incident_id}/dispatch", response_class=HTMLResponse)
async def dispatch_unit(
    incident_id: int, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Send the chosen unit; if another dispatcher took it first, say so and offer the rest."""
    principal = signed_in(request, session)
    if principal is None:
        return sign_in_redirect(request)
    force = force_service.get_or_raise(session=session, code=settings.force)
    form = await request.form()
    incident = service.get(session=session, incident_id=incident_id)
    if incident is None or incident.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"there is no incident {incident_id}")
    if not principal.can(Action.DISPATCH, district_id=incident.district_id):
        raise HTTPException(status_code=403, detail="You cannot dispatch to this incident")
    try:
        unit_id = int(str(form.get("unit_id", "")))
        with session.begin_nested():
            units.dispatch(
                session=session,
                force=force,
                incident=incident,
                unit_id=unit_id,
                actor=principal.username,
            )
    except ValueError:
        errors = ["Choose a unit to send"]
    except ConstableError as exc:
        message = str(exc)
        errors = [message[:1].upper() + message[1:]]
    else:
        return RedirectResponse(f"/control/incidents/{incident_id}", status_code=303)
    session.expire_all()
    return _incident_page(
        request, session, force, principal, incident_id, errors=errors, status_code=409
    )


@page_router.post("/control/incidents/{incident_id}/close", response_class=HTMLResponse)
async def close_incident(
    incident_id: int, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Close the incident with a closing category and the result."""
    principal = signed_in(request, session)
    if principal is None:
        return sign_in_redirect(request)
    force = force_service.get_or_raise(session=session, code=settings.force)
    form = await request.form()
    incident = service.get(session=session, incident_id=incident_id)
    if incident is None or incident.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"there is no incident {incident_id}")
    if not principal.can(Action.CLOSE_INCIDENT, district_id=incident.district_id):
        raise HTTPException(status_code=403, detail="You cannot close this incident")
    fields = {k: str(v).strip() for k, v in form.items() if isinstance(v, str) and str(v).strip()}
    try:
        data = StateChange.model_validate({**fields, "state": IncidentState.CLOSED.value})
        with session.begin_nested():
            service.change_state(
                session=session, incident=incident, data=data, actor=principal.username
            )
    except ValidationError as exc:
        errors = _errors_of(exc)
    except ConstableError as exc:
        message = str(exc)
        errors = [message[:1].upper() + message[1:]]
    else:
        return RedirectResponse(f"/control/incidents/{incident_id}", status_code=303)
    session.expire_all()
    return _incident_page(
        request, session, force, principal, incident_id, errors=errors, status_code=422
    )
