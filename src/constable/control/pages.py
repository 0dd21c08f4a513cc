"""The call handler's and incident pages: recording a contact (``/control/contacts``) and
working an incident (``/control/incidents/{id}``). The board is in ``board_pages``.

Both forms ask the THRIVE questions; the recommendation beside them is the API's
(``POST /api/triage``), kept current by ``contact.js`` and computed here on every render, so the
pages work without script. Errors are GOV.UK's: a summary linking to each field, in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import sentence
from constable.api.signin import PageUser, staff_router
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.control import page_forms as forms
from constable.control import service, units
from constable.control.enums import Channel, Grade, IncidentState
from constable.control.models import Incident
from constable.control.schemas import (
    ContactCreate,
    IncidentRead,
    LogRead,
    Reassessment,
    StateChange,
    TriageRequest,
)
from constable.control.views import incident_read, triage_read
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force, Neighbourhood
from constable.store.base import utcnow
from constable.web import get_templates

page_router = staff_router()

LOCAL = ZoneInfo("Europe/London")
"""Times on the pages are the control room's (UK) time; they are kept in UTC."""

CHANNEL_LABELS = {
    "999": "999 emergency",
    "101": "101 non-emergency",
    "online": "Online report",
    "walk-in": "Walk-in at a front counter",
}

STATE_WORDS = {
    IncidentState.OPEN: "open",
    IncidentState.GRADED: "graded, no unit sent yet",
    IncidentState.RESOURCE_ALLOCATED: "resource allocated",
    IncidentState.EN_ROUTE: "unit on its way",
    IncidentState.AT_SCENE: "unit at the scene",
    IncidentState.CLEARED: "units cleared",
    IncidentState.CLOSED: "closed",
}

# --- Shared by both pages -------------------------------------------------------------------


def _page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    return get_templates().TemplateResponse(request, template, context, status_code=status_code)


def _forbidden(
    request: Request, principal: Principal, doing: str, back: str = "/control"
) -> Response:
    """A page action the role does not allow, as a page that says so (403), not the API's JSON."""
    role = principal.role.value.replace("_", " ").capitalize()
    return _page(
        request,
        "forbidden.html",
        {
            "principal": principal,
            "title": f"You cannot {doing}",
            "detail": f"You cannot {doing}: your role is {role}.",
            "back_url": back,
        },
        status_code=403,
    )


def local_time(value: dt.datetime | None, style: str = "%d %b %Y %H:%M") -> str:
    """A stored (UTC) time in the control room's time: ``05 Mar 2025 14:03``; None → ``–``."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL).strftime(style)


def _words() -> dict[str, Any]:
    """What every template here uses to show words rather than codes."""
    rules = service.rules()
    categories = {c.code: c.label for c in rules.categories}
    return {
        "channels": CHANNEL_LABELS,
        "grades": {int(g): g.label for g in Grade},
        "questions": service.rules().questions,
        "category_label": lambda code: categories.get(code, code),
        "local": local_time,
        "words": lambda code: code.replace("_", " "),
    }


def _preview(
    *,
    channel: str,
    description: str,
    category: str | None,
    answers: dict[str, str],
) -> dict[str, Any] | None:
    """The recommendation ``POST /api/triage`` gives for these, as a dict (None if it cannot be
    given yet: no channel, or nothing said and nothing answered)."""
    if channel not in CHANNEL_LABELS or not (description.strip() or answers):
        return None
    try:
        data = TriageRequest(
            channel=Channel(channel), description=description, category=category, answers=answers
        )
        # The API's own shape, so that the page and its script show the same thing.
        return triage_read(service.preview(data=data)).model_dump(mode="json")
    except (ConstableError, ValidationError):
        return None  # an unknown category or answer: its field says so


# --- Recording a contact --------------------------------------------------------------------


def _contact_page(
    request: Request,
    session: Session,
    force: Force,
    principal: Principal,
    values: dict[str, str],
    errors: list[forms.FieldError],
    *,
    status_code: int = 200,
) -> Response:
    answers, _ = forms.answers_of(values)
    preview = _preview(
        channel=values.get("channel", ""),
        description=values.get("description", ""),
        category=values.get("category") or None,
        answers=answers,
    )
    context = {
        **_words(),
        "principal": principal,
        "values": values,
        "answers": answers,
        "errors": errors,
        "preview": preview,
        "categories": service.rules().categories,
    }
    return _page(request, "control_contact.html", context, status_code=status_code)


@page_router.get("/control/contacts/new", response_class=HTMLResponse, name="new_contact")
def new_contact(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The call handler's form for a new contact."""
    if not principal.can(Action.RECORD_CONTACT):
        return _forbidden(request, principal, "record contacts")
    force = force_service.get_or_raise(session=session, code=settings.force)
    values = {"channel": "999", "answered_at": utcnow().isoformat(timespec="seconds")}
    return _contact_page(request, session, force, principal, values, [])


def _neighbourhood_code(session: Session, force: Force, text: str) -> str:
    """A neighbourhood given by its name (``Maidstone 004D``) or code, as its code; an unknown
    one is left for the locator to say so."""
    wanted = " ".join(text.split()).casefold()
    for area in service.locator(session, force).areas:
        if area.name.casefold() == wanted:
            return area.code
    return text


def _contact_data(
    session: Session, force: Force, principal: Principal, values: dict[str, str]
) -> tuple[ContactCreate | None, list[forms.FieldError]]:
    """The contact the form describes, or what to put right, every problem at once."""
    answers, errors = forms.answers_of(values)
    errors += forms.required(values, ("channel", "description"))
    errors += forms.place_checks(values)
    preview = _preview(
        channel=values.get("channel", ""),
        description=values.get("description", ""),
        category=values.get("category") or None,
        answers=answers,
    )
    grade, override_errors = forms.override_of(values, preview)
    errors += override_errors
    fields: dict[str, Any] = {
        k: v
        for k, v in values.items()
        if v and k in ContactCreate.model_fields and k not in ("grade", "override_reason")
    }
    if fields.get("neighbourhood"):
        fields["neighbourhood"] = _neighbourhood_code(session, force, fields["neighbourhood"])
    if "answered_at" in fields:
        fields["call_started_at"] = fields["answered_at"]
    if grade is not None:
        fields |= {"grade": grade, "override_reason": values.get("override_reason")}
    fields["answers"] = answers
    try:
        data = ContactCreate.model_validate(fields)
    except ValidationError as exc:
        told = {e.name for e in errors} | {"location"}  # said once, by the checks above
        errors += [e for e in map(forms.in_words, exc.errors()) if e.name not in told]
        return None, errors
    return (None if errors else data), errors


@page_router.post("/control/contacts", response_class=HTMLResponse, name="record_contact")
async def record_contact(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Record the contact, then show its incident with the grade and the reasons."""
    if not principal.can(Action.RECORD_CONTACT):
        return _forbidden(request, principal, "record contacts")
    form = await request.form()
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    force = force_service.get_or_raise(session=session, code=settings.force)
    data, errors = _contact_data(session, force, principal, values)
    if data is not None:
        try:
            with session.begin_nested():
                incident = service.create_contact(
                    session=session, force=force, data=data, actor=principal.username
                )
        except ConstableError as exc:
            errors = [forms.place_error(exc, values)]
        else:
            return RedirectResponse(f"/control/incidents/{incident.id}?new=1", status_code=303)
    return _contact_page(request, session, force, principal, values, errors, status_code=422)


# --- Working an incident --------------------------------------------------------------------


def _answer_lines(answers: dict[str, str] | None) -> list[tuple[str, str]]:
    """An assessment's answers as (question, answer) in words, in the questions' order."""
    answers = answers or {}
    return [
        (q.ask, q.choices.get(answers[q.key], answers[q.key]))
        for q in service.rules().questions
        if answers.get(q.key)
    ]


def _places(session: Session, incident: Incident) -> tuple[str, str | None]:
    """The incident's district and neighbourhood by name."""
    district = session.get(District, incident.district_id)
    hood = (
        None
        if incident.neighbourhood_id is None
        else session.get(Neighbourhood, incident.neighbourhood_id)
    )
    return (district.name if district else "?"), (hood.name if hood else None)


LOG_WORDS = {
    "reference": "",
    "grade": "",
    "state": "",
    "category": "",
    "district": "",
    "recommended_grade": "recommended",
    "closing_category": "closed as",
    "unit": "unit",
}
"""How a log entry's fields read: "" shows the value alone (``Grade 1 emergency``)."""


def _log_line(entry: LogRead, words: dict[str, Any], districts: dict[str, str]) -> str:
    """A log entry in words: ``State: unit on its way`` rather than ``state en_route``."""

    def value(key: str, raw: object) -> str:
        if key in ("category", "closing_category"):
            return str(words["category_label"](raw))
        if key in ("grade", "recommended_grade") and isinstance(raw, int):
            return str(words["grades"].get(raw, raw))
        if key == "state" and raw in STATE_WORDS:
            return STATE_WORDS[IncidentState(str(raw))]
        if key == "district":
            return districts.get(str(raw), str(raw))
        if key == "channel":
            return CHANNEL_LABELS.get(str(raw), str(raw))
        return str(raw)

    def part(key: str, raw: object) -> str:
        label = LOG_WORDS.get(key, key.replace("_", " "))
        return f"{label} {value(key, raw)}".strip()

    what = entry.action.replace("_", " ").capitalize()
    if not entry.after:
        return what
    return f"{what}: " + "; ".join(part(k, v) for k, v in entry.after.items() if v is not None)


def _deployed_units(
    session: Session, force: Force, principal: Principal, incident: Incident
) -> dict[int, dict[str, Any]]:
    """The units still deployed to the incident whose status ``principal`` may change, by id:
    what ``components/unit_actions.html`` needs (id, call sign, status now)."""
    found = {}
    for deployment in incident.deployments:
        if deployment.cleared_at is not None:
            continue
        view = units.get_view_or_raise(session=session, force=force, unit_id=deployment.unit_id)
        district_id = view.district.id if view.district is not None else None
        if principal.can(Action.UPDATE_UNIT, district_id=district_id):
            unit = view.unit
            found[unit.id] = {"id": unit.id, "call_sign": unit.call_sign, "status": view.status}
    return found


def _incident_context(
    session: Session, force: Force, principal: Principal, incident: Incident
) -> dict[str, Any]:
    duplicates = service.possible_duplicates(
        session=session, incident=incident, config=service.force_config(force)
    )
    shown: IncidentRead = incident_read(
        session, force, incident, principal, detail=True, duplicates=duplicates
    )
    open_now = incident.state != IncidentState.CLOSED.value
    may_dispatch = principal.can(Action.DISPATCH, district_id=incident.district_id) and open_now
    ranked = (
        units.recommendations(session=session, force=force, incident=incident)
        if may_dispatch and incident.grade < 4
        else []
    )
    district_name, neighbourhood_name = _places(session, incident)
    words = _words()
    districts = {d.slug: d.name for d in force.districts}
    return {
        **words,
        "principal": principal,
        "incident": shown,
        "district_name": district_name,
        "neighbourhood_name": neighbourhood_name,
        "districts": districts,
        "state": STATE_WORDS.get(IncidentState(incident.state), incident.state),
        "show_caller": any(c.caller is not None for c in shown.contacts),
        "recommendations": ranked[:10],
        "may_dispatch": may_dispatch,
        "deployed_units": _deployed_units(session, force, principal, incident),
        "may_close": principal.can(Action.CLOSE_INCIDENT, district_id=incident.district_id)
        and open_now,
        "may_grade": principal.can(Action.GRADE, district_id=incident.district_id) and open_now,
        "closing_categories": service.rules().categories,
        "answer_lines": _answer_lines,
        "log_line": lambda entry: _log_line(entry, words, districts),
        "channel": incident.contacts[0].channel if incident.contacts else Channel.NON_EMERGENCY,
    }


def _incident_page(
    request: Request,
    session: Session,
    force: Force,
    principal: Principal,
    incident_id: int,
    *,
    errors: list[forms.FieldError] | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
    open_form: str | None = None,
    status_code: int = 200,
) -> Response:
    incident = _incident_or_404(session, force, incident_id)
    context = _incident_context(session, force, principal, incident)
    answers = (
        forms.answers_of(values)[0] if values is not None else service.latest_answers(incident)
    )
    preview = _preview(
        channel=str(context["channel"]),
        description=service.words_so_far(incident, (values or {}).get("description", "")),
        category=incident.category,
        answers=answers,
    )
    context |= {
        "said": service.words_so_far(incident, ""),
        "errors": errors or [],
        "values": values or {},
        "answers": answers,
        "preview": preview,
        "notice": notice,
        "open_form": open_form,
    }
    return _page(request, "control_incident.html", context, status_code=status_code)


def _incident_or_404(session: Session, force: Force, incident_id: int) -> Incident:
    try:
        incident = service.load_detail(session=session, incident_id=incident_id)
    except service.IncidentNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    if incident.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"there is no incident {incident_id}")
    return incident


@page_router.get(
    "/control/incidents/{incident_id}", response_class=HTMLResponse, name="incident_page"
)
def incident_page(
    incident_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    new: int = 0,
) -> Response:
    """An incident: grade and reasons, THRIVE, duplicates, units to send, deployments, log."""
    force = force_service.get_or_raise(session=session, code=settings.force)
    notice = "Contact recorded." if new else None
    return _incident_page(request, session, force, principal, incident_id, notice=notice)


async def _incident_action(
    request: Request,
    principal: Principal,
    session: Session,
    settings: Any,
    incident_id: int,
    action: Action,
    doing: str,
) -> tuple[Principal, Force, Incident, dict[str, str]] | Response:
    """Who asks, the incident and the form, or the page to answer instead (sign in, refused)."""
    force = force_service.get_or_raise(session=session, code=settings.force)
    incident = service.get(session=session, incident_id=incident_id)
    if incident is None or incident.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"there is no incident {incident_id}")
    if not principal.can(action, district_id=incident.district_id):
        return _forbidden(request, principal, doing, back=f"/control/incidents/{incident_id}")
    form = await request.form()
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    return principal, force, incident, values


def _failed(exc: ConstableError) -> list[forms.FieldError]:
    return [forms.FieldError("form", sentence(str(exc)), "main-content")]


@page_router.post(
    "/control/incidents/{incident_id}/assessments",
    response_class=HTMLResponse,
    name="reassess_incident",
)
async def reassess_incident(
    incident_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Assess again with the same questions; the earlier assessments are kept."""
    found = await _incident_action(
        request, principal, session, settings, incident_id, Action.GRADE, "grade incidents"
    )
    if isinstance(found, Response):
        return found
    principal, force, incident, values = found
    answers, errors = forms.answers_of(values)
    channel = incident.contacts[0].channel if incident.contacts else Channel.NON_EMERGENCY.value
    preview = _preview(
        channel=channel,
        description=service.words_so_far(incident, values.get("description", "")),
        category=incident.category,
        answers=answers,
    )
    grade, override_errors = forms.override_of(values, preview)
    errors += override_errors
    if not errors:
        try:
            data = Reassessment.model_validate(
                {
                    "answers": answers,
                    "description": values.get("description") or None,
                    "grade": grade,
                    "override_reason": values.get("override_reason") if grade else None,
                    "version": values.get("version") or None,
                }
            )
            with session.begin_nested():
                service.reassess(
                    session=session, incident=incident, data=data, actor=principal.username
                )
        except ValidationError as exc:
            # "What has changed" is the field ``description`` on this form, ``#change`` on the page.
            errors = [
                replace(e, anchor="change") if e.name == "description" else e
                for e in map(forms.in_words, exc.errors())
            ]
        except ConstableError as exc:
            errors = _failed(exc)
        else:
            return RedirectResponse(f"/control/incidents/{incident_id}#assessments", 303)
    session.expire_all()
    return _incident_page(
        request,
        session,
        force,
        principal,
        incident_id,
        errors=errors,
        values=values,
        status_code=422,
    )


@page_router.post("/control/incidents/{incident_id}/dispatch", response_class=HTMLResponse)
async def dispatch_unit(
    incident_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Send the chosen unit; if another dispatcher took it first, say so and offer the rest."""
    found = await _incident_action(
        request,
        principal,
        session,
        settings,
        incident_id,
        Action.DISPATCH,
        "send units to this incident",
    )
    if isinstance(found, Response):
        return found
    principal, force, incident, values = found
    try:
        unit_id = int(values.get("unit_id", ""))
        with session.begin_nested():
            units.dispatch(
                session=session,
                force=force,
                incident=incident,
                unit_id=unit_id,
                actor=principal.username,
                principal=principal,
            )
    except ValueError:
        errors = [forms.FieldError("unit_id", "Choose a unit to send", "recommendations")]
    except ConstableError as exc:
        errors = _failed(exc)
    else:
        return RedirectResponse(f"/control/incidents/{incident_id}", status_code=303)
    session.expire_all()
    return _incident_page(
        request, session, force, principal, incident_id, errors=errors, status_code=409
    )


@page_router.post("/control/incidents/{incident_id}/close", response_class=HTMLResponse)
async def close_incident(
    incident_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Close the incident with a closing category and the result."""
    found = await _incident_action(
        request,
        principal,
        session,
        settings,
        incident_id,
        Action.CLOSE_INCIDENT,
        "close this incident",
    )
    if isinstance(found, Response):
        return found
    principal, force, incident, values = found
    fields = {k: v for k, v in values.items() if v}
    try:
        data = StateChange.model_validate({**fields, "state": IncidentState.CLOSED.value})
        with session.begin_nested():
            service.change_state(
                session=session, incident=incident, data=data, actor=principal.username
            )
    except ValidationError as exc:
        errors = [forms.in_words(e) for e in exc.errors()]
    except ConstableError as exc:
        errors = _failed(exc)
    else:
        return RedirectResponse(f"/control/incidents/{incident_id}", status_code=303)
    session.expire_all()
    return _incident_page(
        request,
        session,
        force,
        principal,
        incident_id,
        errors=errors,
        open_form="close",
        status_code=422,
    )
