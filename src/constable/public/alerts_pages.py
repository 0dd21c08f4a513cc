"""Pages of community alerts.

Public (no sign-in; rate-limited, never cached):

``GET /alerts/signup``         the sign-up form; ``POST`` checks it and sends the confirmation
``GET /alerts/confirm?token``  asks to confirm; ``POST`` confirms (link scanners only GET)
``GET /alerts/unsubscribe?token``  asks to unsubscribe; ``POST`` unsubscribes (RFC 8058 one-click:
                               ``List-Unsubscribe=One-Click`` with the token in the address)

Staff (signed in):

``GET /community-alerts``               alerts, newest first, by district
``GET /community-alerts/new``           write one (``?incident=ID``, ``?trend=…&district=…``,
                                        ``?patrol=…&district=…`` start it from something)
``GET /community-alerts/{id}``          one alert with its sending; ``POST …/send`` sends it
``GET /community-alerts/inbox``         replies filed as intelligence; ``POST …/{id}/review``
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503
from constable.api.signin import PageUser, staff_router
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.control.models import Incident
from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood
from constable.public import alert_replies, alert_writing, alerts
from constable.public.alert_mail import MailError
from constable.public.alert_models import IntelligenceSubmission
from constable.public.alert_tokens import TokenError
from constable.public.alerts_views import (
    alert_read,
    district_of,
    start_sending,
    submission_read,
)
from constable.public.site import NO_STORE, check_rate
from constable.web import get_templates

page_router = staff_router()
# Public: signing up, confirming and unsubscribing (rate-limited, never cached, showing nothing
# stored); each route is listed in constable.api.signin.PUBLIC.
public_router = APIRouter(include_in_schema=False)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    answer = get_templates().TemplateResponse(
        request,
        template,
        {"topics": alerts.TOPIC_LABELS, **context},
        status_code=status,
    )
    answer.headers.update(NO_STORE)
    return answer


def _limited(request: Request) -> Response | None:
    decision = check_rate(request)
    if decision.allowed:
        return None
    answer = _render(
        request,
        "alerts_public.html",
        {
            "title": "Too many requests",
            "message": f"Too many requests from your address: wait "
            f"{decision.retry_after_seconds} seconds and try again.",
        },
        429,
    )
    answer.headers["Retry-After"] = str(decision.retry_after_seconds)
    return answer


def _force(session: Session, name: str) -> Force:
    return force_or_503(session, name)


# ---- Public ---------------------------------------------------------------------------------


def _signup_page(
    request: Request,
    force: Force,
    form: dict[str, Any],
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    return _render(
        request,
        "alerts_signup.html",
        {"force": force, "districts": force.districts, "form": form, "errors": errors or []},
        status,
    )


@public_router.get("/alerts/signup", response_class=HTMLResponse, name="alerts_signup_page")
def signup_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The sign-up form."""
    limited = _limited(request)
    if limited is not None:
        return limited
    form = {"email": "", "postcode": "", "neighbourhoods": "", "districts": [], "topics": []}
    return _signup_page(request, _force(session, settings.force), form)


_FIELDS = {"email": "email", "postcode": "postcode", "areas": "postcode", "topics": "topic-appeal"}


@public_router.post("/alerts/signup", response_class=HTMLResponse)
async def signup(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Check the form and send the confirmation message; nothing is stored."""
    limited = _limited(request)
    if limited is not None:
        return limited
    force = _force(session, settings.force)
    raw = await request.form()
    form: dict[str, Any] = {
        "email": str(raw.get("email", "")).strip(),
        "postcode": str(raw.get("postcode", "")).strip(),
        "neighbourhoods": str(raw.get("neighbourhoods", "")).strip(),
        "districts": [str(v) for v in raw.getlist("districts")],
        "topics": [str(v) for v in raw.getlist("topics")],
    }
    try:
        signup = alerts.sign_up(
            session=session,
            settings=settings,
            force=force,
            email=str(form["email"]),
            postcode=str(form["postcode"]) or None,
            neighbourhoods=str(form["neighbourhoods"]).replace(",", " ").split(),
            districts=form["districts"],
            topics=form["topics"],
        )
        alerts.send_confirmation(session=session, settings=settings, force=force, signup=signup)
    except MailError:
        return _render(
            request,
            "alerts_public.html",
            {
                "title": "We cannot send email at the moment",
                "message": "Your sign-up was not taken: nothing was kept. Try again later.",
            },
            503,
        )
    except ConstableError as exc:
        field, _, text = str(exc).partition(": ")
        anchor = _FIELDS.get(field, "email") if text else "email"
        return _signup_page(request, force, form, [(anchor, _sentence(text or field))], 422)
    return _render(
        request,
        "alerts_public.html",
        {
            "title": "Check your email",
            "message": f"We have sent a link to {signup.email}. Open it and press Confirm to "
            f"start your alerts for {signup.areas}. Until you do, nothing is kept.",
        },
    )


def _token_page(request: Request, action: str, token: str, status: int = 200) -> Response:
    return _render(request, "alerts_confirm.html", {"action": action, "token": token}, status)


def _bad_link(request: Request, exc: ConstableError) -> Response:
    return _render(
        request,
        "alerts_public.html",
        {"title": "This link does not work", "message": _sentence(str(exc)) + "."},
        400,
    )


@public_router.get("/alerts/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, token: str = "") -> Response:
    """Ask to confirm (a GET changes nothing: mail scanners follow links)."""
    limited = _limited(request)
    if limited is not None:
        return limited
    if not token:
        return _bad_link(request, TokenError("this link has no token: copy the whole link"))
    return _token_page(request, "confirm", token)


@public_router.post("/alerts/confirm", response_class=HTMLResponse)
async def confirm(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Confirm the address: the subscription starts."""
    limited = _limited(request)
    if limited is not None:
        return limited
    token = str((await request.form()).get("token", ""))
    force = _force(session, settings.force)
    try:
        found = alerts.confirm(session=session, settings=settings, force=force, token=token)
    except ConstableError as exc:
        return _bad_link(request, exc)
    wanted = ", ".join(alerts.TOPIC_LABELS[t] for t in found.topics)
    return _render(
        request,
        "alerts_public.html",
        {
            "title": "Your alerts have started",
            "message": f"You will get {wanted} for {found.areas}. Every message has a link to "
            "stop them.",
        },
    )


@public_router.get("/alerts/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str = "") -> Response:
    """Ask to unsubscribe."""
    limited = _limited(request)
    if limited is not None:
        return limited
    if not token:
        return _bad_link(request, TokenError("this link has no token: copy the whole link"))
    return _token_page(request, "unsubscribe", token)


@public_router.post("/alerts/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(
    request: Request, session: SessionDep, settings: SettingsDep, token: str = ""
) -> Response:
    """Unsubscribe: from the page's button, or one click from a mail program (RFC 8058)."""
    limited = _limited(request)
    if limited is not None:
        return limited
    token = token or str((await request.form()).get("token", ""))
    try:
        removed = alerts.unsubscribe(session=session, settings=settings, token=token)
    except ConstableError as exc:
        return _bad_link(request, exc)
    message = (
        "You will get no more alerts, and your email address has been deleted."
        if removed
        else "This address was not subscribed (it may have been unsubscribed already)."
    )
    return _render(request, "alerts_public.html", {"title": "Unsubscribed", "message": message})


# ---- Staff ----------------------------------------------------------------------------------


@page_router.get("/community-alerts", response_class=HTMLResponse, name="alerts_staff_page")
def alerts_staff_page(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    district: str | None = None,
) -> Response:
    """Alerts, newest first, with how far each got."""
    force = _force(session, settings.force)
    found = district_of(session, force, district)
    rows = alert_writing.list_alerts(
        session=session, force=force, district_id=found.id if found else None
    )
    return _render(
        request,
        "alerts_staff_list.html",
        {
            "principal": principal,
            "alerts": [alert_read(session, a) for a in rows],
            "districts": force.districts,
            "district": found,
            "subscribers": alerts.subscriber_count(session),
            "may_write": principal.can(Action.RECORD_COMMUNITY, district_id=principal.district_id),
        },
    )


def _new_page(
    request: Request,
    session: Session,
    force: Force,
    principal: Principal,
    form: dict[str, Any],
    errors: list[str] | None = None,
    status: int = 200,
) -> Response:
    return _render(
        request,
        "alerts_staff_new.html",
        {
            "principal": principal,
            "districts": force.districts,
            "form": form,
            "errors": errors or [],
            "origins": [o.value for o in alerts.Origin],
        },
        status,
    )


@page_router.get("/community-alerts/new", response_class=HTMLResponse, name="alerts_new_page")
def alerts_new_page(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    incident: int | None = None,
    trend: str | None = None,
    patrol: str | None = None,
    district: str | None = None,
) -> Response:
    """The form, filled in from an incident, a trend signal or a patrol result when named."""
    force = _force(session, settings.force)
    form: dict[str, Any] = {
        "topic": "appeal", "title": "", "body": "", "neighbourhoods": "",
        "district": district or principal.district_slug or "", "whole_district": False,
        "origin_kind": "", "origin_ref": "", "incident_id": "",
    }  # fmt: skip
    if incident is not None:
        found = session.get(Incident, incident)
        if found is None or found.force_id != force.id:
            raise HTTPException(status_code=404, detail=f"there is no incident {incident}")
        hood = (
            session.get(Neighbourhood, found.neighbourhood_id) if found.neighbourhood_id else None
        )
        place = session.get(District, found.district_id)
        form.update(
            origin_kind="incident",
            incident_id=str(found.id),
            origin_ref=found.reference,
            neighbourhoods=hood.code if hood else "",
            district=place.slug if place else form["district"],
            title=f"Can you help? {found.category.replace('_', ' ')} in "
            f"{hood.name if hood else (place.name if place else 'your area')}",
        )
    elif trend:
        form.update(origin_kind="trend_signal", origin_ref=trend, topic="prevention")
    elif patrol:
        form.update(origin_kind="patrol_result", origin_ref=patrol, topic="result")
    return _new_page(request, session, force, principal, form)


@page_router.post("/community-alerts", response_class=HTMLResponse)
async def alerts_create(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Save the draft; mistakes are shown on the form with what was typed."""
    force = _force(session, settings.force)
    raw = await request.form()
    form: dict[str, Any] = {k: str(v).strip() for k, v in raw.items()}
    form["whole_district"] = form.get("whole_district") == "yes"
    incident_id = form.get("incident_id") or ""
    errors: list[str] = []
    if incident_id and not incident_id.isdigit():
        errors.append("Incident: give the incident's number")
    draft = alert_writing.AlertDraft(
        topic=form.get("topic", ""),
        title=form.get("title", ""),
        body=form.get("body", ""),
        neighbourhoods=form.get("neighbourhoods", "").replace(",", " ").split(),
        district=form.get("district") or None,
        whole_district=form["whole_district"],
        origin_kind=form.get("origin_kind") or None,
        origin_ref=form.get("origin_ref") or None,
        incident_id=int(incident_id) if incident_id.isdigit() else None,
    )
    if not errors:
        try:
            with session.begin_nested():
                alert = alert_writing.create(
                    session=session, force=force, draft=draft, actor=principal.username
                )
                if not principal.can(Action.RECORD_COMMUNITY, district_id=alert.district_id):
                    raise alerts.AlertError(
                        "district: you can write alerts for your own district only"
                    )
        except ConstableError as exc:
            errors.append(_sentence(str(exc)))
    if errors:
        return _new_page(request, session, force, principal, form, errors, 422)
    return RedirectResponse(f"/community-alerts/{alert.id}", status_code=303)


def _detail(
    request: Request,
    session: Session,
    principal: Principal,
    alert_id: int,
    force: Force,
    errors: list[str] | None = None,
    status: int = 200,
) -> Response:
    try:
        alert = alert_writing.get_or_raise(session=session, force=force, alert_id=alert_id)
    except ConstableError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return _render(
        request,
        "alerts_staff_detail.html",
        {
            "principal": principal,
            "alert": alert_read(session, alert),
            "errors": errors or [],
            "may_send": principal.can(Action.RECORD_COMMUNITY, district_id=alert.district_id)
            and alert.state != alerts.SENT,
        },
        status,
    )


@page_router.get("/community-alerts/inbox", response_class=HTMLResponse, name="alerts_inbox_page")
def alerts_inbox_page(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    district: str | None = None,
) -> Response:
    """Replies to alerts not yet reviewed, newest first."""
    return _inbox(request, session, _force(session, settings.force), principal, district)


def _inbox(
    request: Request,
    session: Session,
    force: Force,
    principal: Principal,
    district: str | None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Response:
    found = district_of(session, force, district)
    rows = alert_replies.inbox(
        session=session, force=force, district_id=found.id if found else None
    )
    return _render(
        request,
        "alerts_inbox.html",
        {
            "principal": principal,
            "items": [submission_read(session, s, principal) for s in rows],
            "may_review": {
                s.id: principal.can(Action.RECORD_COMMUNITY, district_id=s.district_id)
                for s in rows
            },
            "districts": force.districts,
            "district": found,
            "errors": errors or [],
        },
        status,
    )


@page_router.post("/community-alerts/inbox/{submission_id}/review", response_class=HTMLResponse)
async def alerts_inbox_review(
    submission_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Record what was done with a submission; back to the inbox."""
    force = _force(session, settings.force)
    item = session.get(IntelligenceSubmission, submission_id)
    if item is None:
        raise HTTPException(status_code=404, detail=f"there is no submission {submission_id}")
    district = session.get(District, item.district_id)
    if not principal.can(Action.RECORD_COMMUNITY, district_id=item.district_id):
        raise HTTPException(status_code=403, detail="You cannot review this district's inbox")
    note = str((await request.form()).get("note", ""))
    try:
        with session.begin_nested():
            alert_replies.review(
                session=session, submission=item, actor=principal.username, note=note
            )
    except ConstableError as exc:
        slug = district.slug if district else None
        return _inbox(request, session, force, principal, slug, [_sentence(str(exc))], 422)
    target = f"/community-alerts/inbox?district={district.slug}" if district else ""
    return RedirectResponse(target or "/community-alerts/inbox", status_code=303)


@page_router.get(
    "/community-alerts/{alert_id}", response_class=HTMLResponse, name="alerts_detail_page"
)
def alerts_detail_page(
    alert_id: int, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """One alert: what it says, who it is for, and its sending."""
    return _detail(request, session, principal, alert_id, _force(session, settings.force))


@page_router.post("/community-alerts/{alert_id}/send", response_class=HTMLResponse)
def alerts_send(
    alert_id: int,
    request: Request,
    principal: PageUser,
    tasks: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Start sending in the background; the alert's page shows the progress."""
    force = _force(session, settings.force)
    try:
        alert = alert_writing.get_or_raise(session=session, force=force, alert_id=alert_id)
        start_sending(request, session, settings, alert, principal, tasks)
    except ConstableError as exc:
        return _detail(request, session, principal, alert_id, force, [_sentence(str(exc))], 422)
    return RedirectResponse(f"/community-alerts/{alert_id}", status_code=303)
