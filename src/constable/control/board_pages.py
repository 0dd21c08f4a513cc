"""The dispatcher's working surface: the live board pages, ``/control`` for the control room and
``/control/districts/{slug}`` for one district, and the actions taken from them (a unit's
status, sending a unit). All need a signed-in user (the sign-in cookie). The boards update
through an event stream of rendered panels, so the page and its updates come from the same
template; an action asked for by the board's script (header ``X-Requested-With: board``) is
answered with a short message, any other with a redirect to ``next`` or an error page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy.orm import Session

from constable.analysis.top_boxes import top_boxes
from constable.api.deps import SessionDep, SettingsDep, StoreDep
from constable.api.signin import PageUser, staff_router
from constable.auth.roles import Action, Role
from constable.auth.service import Principal
from constable.control import board, board_map, live, service, units
from constable.control.enums import Grade, IncidentState, UnitStatus
from constable.control.shifts import LOCAL
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force, Unit
from constable.store.base import utcnow
from constable.web import get_templates

board_router = staff_router()

FROM_BOARD = "board"
"""The ``X-Requested-With`` header of the board script's requests (answered with a message)."""
SEND_CHOICES = 5
"""Recommended units offered when sending from the board."""
DISPATCHABLE = {
    IncidentState.GRADED.value,
    IncidentState.RESOURCE_ALLOCATED.value,
    IncidentState.EN_ROUTE.value,
    IncidentState.AT_SCENE.value,
    IncidentState.CLEARED.value,
}
"""States in which a unit can be sent (``units.dispatch`` refuses open and closed)."""


# --- Words and times -------------------------------------------------------------------------


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


def _span(seconds: int) -> str:
    """``4:07`` under an hour, ``2 h 05 min`` under a day, ``3 d 4 h`` beyond (board.js too)."""
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    hours, rest = divmod(seconds // 60, 60)
    if hours < 24:
        return f"{hours} h {rest:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def countdown(due_at: str | None, attended: bool, now: dt.datetime) -> str:
    """Time left to the attendance standard (``4:07 left``) or past it (``1:12 over``); the
    page's script counts it down every second from the same due time."""
    if attended:
        return "Attended"
    if due_at is None:
        return "No attendance"
    seconds = int((dt.datetime.fromisoformat(due_at) - now).total_seconds())
    return f"{_span(seconds)} left" if seconds >= 0 else f"{_span(-seconds)} over"


def local_time(iso: str, pattern: str = "%H:%M") -> str:
    """A stored UTC moment on the clock of the control room (UK time)."""
    return dt.datetime.fromisoformat(iso).astimezone(LOCAL).strftime(pattern)


# --- The board pages -------------------------------------------------------------------------


def _board_path(district: District | None, principal: Principal) -> str:
    """Where the board is: a district commander's ``/control`` is their district's board."""
    if district is not None:
        return f"/control/districts/{district.slug}"
    return "/control?board=force" if principal.role is Role.DISTRICT_COMMANDER else "/control"


def panels_context(
    current: board.Board,
    principal: Principal,
    district_ids: dict[str, int],
    board_path: str,
    outline: board_map.Outline | None,
) -> dict[str, Any]:
    """What the panels template needs besides the board."""
    now = dt.datetime.fromisoformat(current.generated_at)
    categories = {c.code: c.label for c in service.rules().categories}

    def may(action: Action) -> Callable[[str | None], bool]:
        return lambda slug: principal.can(action, district_id=district_ids.get(slug or ""))

    return {
        "board": current,
        "now": now,
        "age": lambda opened_at: _age(opened_at, now),
        "countdown": lambda due_at, attended: countdown(due_at, attended, now),
        "local_time": local_time,
        "overdue": lambda due_at: due_at is not None and dt.datetime.fromisoformat(due_at) < now,
        "grades": {int(g): g.label for g in Grade},
        "category": lambda code: categories.get(code, code),
        "state_words": board.STATE_WORDS,
        "status_words": board.STATUS_WORDS,
        "channel_words": board.CHANNEL_WORDS,
        "words": lambda code: code.replace("_", " "),
        "may_update": may(Action.UPDATE_UNIT),
        "may_dispatch": may(Action.DISPATCH),
        "dispatchable": DISPATCHABLE,
        "board_path": board_path,
        "map": board_map.place(outline, current) if outline is not None else None,
    }


def _force_or_404(session: Session, settings: Any, district: str | None) -> tuple[Force, Any]:
    try:
        force = force_service.get_or_raise(session=session, code=settings.force)
        found: District | None = None
        if district is not None:
            found = force_service.get_district_or_raise(
                session=session, force=force, district=district
            )
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return force, found


def _page(
    request: Request, principal: Principal, session: Session, settings: Any, district: str | None
) -> Response:
    force, found = _force_or_404(session, settings, district)
    current = board.snapshot(session=session, force=force, district=found, now=utcnow())
    stream = request.url_for("board_panels_stream")
    if found is not None:
        stream = stream.include_query_params(district=found.slug)
    board_path = _board_path(found, principal)
    outline = board_map.outline(session=session, force=force, district=found)
    district_ids = {d.slug: d.id for d in force.districts}
    return get_templates().TemplateResponse(
        request,
        "control_board.html",
        {
            **panels_context(current, principal, district_ids, board_path, outline),
            "force": force,
            "district": found,
            "districts": force.districts,
            "principal": principal,
            "own_district": principal.district_slug,
            "stream_url": stream.path + (f"?{stream.query}" if stream.query else ""),
            "top_boxes": None
            if found is None
            else top_boxes(session=session, force=force, district=found, day=utcnow().date()),
        },
    )


@board_router.get("/control", response_class=HTMLResponse, name="control_board")
def control_board(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    scope: Annotated[str | None, Query(alias="board")] = None,
) -> Response:
    """The force control room's board; a district commander's own district's board, unless
    they ask for the force's (``?board=force``)."""
    if principal.role is Role.DISTRICT_COMMANDER and principal.district_slug and scope != "force":
        return RedirectResponse(f"/control/districts/{principal.district_slug}", status_code=303)
    return _page(request, principal, session, settings, None)


@board_router.get(
    "/control/districts/{district}", response_class=HTMLResponse, name="district_board"
)
def district_board(
    district: str, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """One district's board."""
    return _page(request, principal, session, settings, district)


@board_router.get("/control/stream", response_class=EventSourceResponse, name="board_panels_stream")
async def board_panels_stream(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PageUser,
    district: live.BoardDistrict = None,
) -> AsyncIterator[ServerSentEvent]:
    """The board's panels as rendered HTML, now and on every change (``panels`` events)."""
    template = get_templates().get_template("components/board_panels.html")

    def prepare() -> tuple[board_map.Outline | None, dict[str, int], str]:
        with store.session() as session:
            force, found = _force_or_404(session, settings, district)
            outline = board_map.outline(session=session, force=force, district=found)
            district_ids = {d.slug: d.id for d in force.districts}
            return outline, district_ids, _board_path(found, principal)

    # On a thread: the first stream of a build draws the map's outline (a fifth of a second).
    outline, district_ids, board_path = await run_in_threadpool(prepare)

    def encode(current: board.Board) -> ServerSentEvent:
        context = panels_context(current, principal, district_ids, board_path, outline)
        return ServerSentEvent(event="panels", raw_data=template.render(context))

    async for event in live.board_events(store, settings.force, district, encode):
        yield event


# --- Actions from the board ------------------------------------------------------------------


def _from_board(request: Request) -> bool:
    return request.headers.get("x-requested-with") == FROM_BOARD


def _safe_next(value: object, default: str = "/control") -> str:
    """``next`` when it is a path on this site (never another site: ``//host`` or ``/\\host``)."""
    text = str(value or "")
    if text.startswith("/") and not text.startswith(("//", "/\\")):
        return text
    return default


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _done(request: Request, message: str, next_path: str) -> Response:
    """The action was done: a message for the board's script, or back to ``next``."""
    if _from_board(request):
        return get_templates().TemplateResponse(
            request, "components/board_message.html", {"message": message, "ok": True}
        )
    return RedirectResponse(next_path, status_code=303)


def _not_done(request: Request, status_code: int, message: str, next_path: str) -> Response:
    """The action was refused or failed: a message for the board's script, or a page that says
    what happened and leads back (never the API's JSON)."""
    if _from_board(request):
        name = "components/board_message.html"
    else:
        name = "forbidden.html" if status_code == 403 else "control_not_done.html"
    title = "You cannot do that" if status_code == 403 else "Not done"
    context = {
        "message": _sentence(message),
        "ok": False,
        "title": title,
        "next": next_path,
        # forbidden.html's names (the page the call handler's form also uses)
        "detail": _sentence(message) + ("" if message.endswith(".") else "."),
        "back_url": next_path,
        "back_text": "Go back to the incident"
        if next_path.startswith("/control/incidents/")
        else "Go back to the board",
    }
    return get_templates().TemplateResponse(request, name, context, status_code=status_code)


def _optional_int(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


@board_router.post("/control/units/{unit_id}/status", response_class=HTMLResponse)
async def set_unit_status(
    unit_id: int, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """A unit's new status (form fields ``status``, optional ``incident_id`` and ``next``): en
    route, at scene and cleared move its incident along, as through the API."""
    form = await request.form()
    next_path = _safe_next(form.get("next"))
    force, _ = _force_or_404(session, settings, None)
    try:
        view = units.get_view_or_raise(session=session, force=force, unit_id=unit_id)
    except service.IncidentNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    call_sign = view.unit.call_sign
    district_id = view.district.id if view.district is not None else None
    if not principal.can(Action.UPDATE_UNIT, district_id=district_id):
        whose = view.district.name if view.district is not None else "the force"
        role = principal.role.value.replace("_", " ")
        return _not_done(
            request,
            403,
            f"A {role} cannot change the status of {call_sign}, a unit of {whose}",
            next_path,
        )
    try:
        status = UnitStatus(str(form.get("status", "")))
    except ValueError:
        return _not_done(request, 422, f"Choose a status for {call_sign}", next_path)
    # The board may be a second old: act only if the unit is still on the incident it showed.
    incident_id = _optional_int(form.get("incident_id"))
    on_incident = view.state.incident_id if view.state is not None else None
    if incident_id is not None and view.status in units.BUSY and on_incident != incident_id:
        return _not_done(
            request, 409, f"{call_sign} is no longer on that incident: look again", next_path
        )
    try:
        with session.begin_nested():
            units.set_status(
                session=session,
                force=force,
                unit_id=unit_id,
                status=status,
                actor=principal.username,
            )
    except ConstableError as exc:
        return _not_done(request, exc.status, str(exc), next_path)
    words = board.STATUS_WORDS[status.value].lower()
    return _done(request, f"{call_sign} is {words}.", next_path)


def _incident_or_404(session: Session, force: Force, incident_id: int) -> Any:
    incident = service.get(session=session, incident_id=incident_id)
    if incident is None or incident.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"there is no incident {incident_id}")
    return incident


@board_router.get(
    "/control/board/incidents/{incident_id}/send", response_class=HTMLResponse, name="board_send"
)
def board_send(
    incident_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    next: str = "",
) -> Response:
    """The units to send to an incident, best first, each with its own distance and arrival (or
    that its position is not known); a part of the board for its script, else a page."""
    next_path = _safe_next(next)
    force, _ = _force_or_404(session, settings, None)
    incident = _incident_or_404(session, force, incident_id)
    if not principal.can(Action.DISPATCH, district_id=incident.district_id):
        role = principal.role.value.replace("_", " ")
        return _not_done(
            request, 403, f"A {role} cannot send units to {incident.reference}", next_path
        )
    ranked = (
        units.recommendations(session=session, force=force, incident=incident)
        if incident.state in DISPATCHABLE and incident.grade < Grade.RESOLVED_WITHOUT_DEPLOYMENT
        else []
    )
    names = {d.slug: d.name for d in force.districts}
    context = {
        "incident": incident,
        "recommendations": ranked[:SEND_CHOICES],
        "district_names": names,
        "grade_label": Grade(incident.grade).label,
        "next": next_path,
        "principal": principal,
    }
    name = "components/board_send.html" if _from_board(request) else "control_board_send.html"
    return get_templates().TemplateResponse(request, name, context)


@board_router.post("/control/board/incidents/{incident_id}/dispatch", response_class=HTMLResponse)
async def board_dispatch(
    incident_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Send the chosen unit (form fields ``unit_id`` and ``next``), then back to the board."""
    form = await request.form()
    next_path = _safe_next(form.get("next"))
    force, _ = _force_or_404(session, settings, None)
    incident = _incident_or_404(session, force, incident_id)
    if not principal.can(Action.DISPATCH, district_id=incident.district_id):
        role = principal.role.value.replace("_", " ")
        return _not_done(
            request, 403, f"A {role} cannot send units to {incident.reference}", next_path
        )
    unit_id = _optional_int(form.get("unit_id"))
    if unit_id is None:
        return _not_done(request, 422, "Choose a unit to send", next_path)
    try:
        with session.begin_nested():
            deployment = units.dispatch(
                session=session,
                force=force,
                incident=incident,
                unit_id=unit_id,
                actor=principal.username,
                principal=principal,
            )
            sent = session.get(Unit, deployment.unit_id)
    except ConstableError as exc:
        return _not_done(request, exc.status, str(exc), next_path)
    call_sign = sent.call_sign if sent is not None else f"unit {unit_id}"
    return _done(request, f"{call_sign} sent to {incident.reference}.", next_path)
