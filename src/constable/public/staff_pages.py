"""Staff pages for neighbourhood priorities, behind sign-in.

``GET /priorities``                    open priorities (review due first) and recent meetings,
                                       by district
``GET|POST /priorities/record``        record a meeting or consultation and what was agreed
``POST /priorities/{id}/report``       report back: something done, or the priority's end

Recording needs ``record_community`` for the neighbourhood's district (community safety staff
and district commanders of it, administrators anywhere).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.signin import PageUser, staff_router
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.community.service import CommunityError, district_or_none, get_force, today
from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood
from constable.public import priorities as service
from constable.public.neighbourhood import public_slug
from constable.public.schemas import (
    ActionCreate,
    MeetingCreate,
    MeetingKind,
    PriorityStatus,
    PriorityUpdate,
)
from constable.public.site import clear_public_pages
from constable.web import get_templates

page_router = staff_router()

PRIORITY_ROWS = 3
"""Rows for priorities on the meeting form."""


def _start(
    request: Request, principal: Principal, session: Session, code: str
) -> tuple[Principal, Force]:
    try:
        return principal, get_force(session=session, code=code)
    except CommunityError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


def _errors(exc: ValidationError) -> list[str]:
    found = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        found.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return found


@page_router.get("/priorities", name="priorities_page")
def priorities_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Open priorities and recent meetings of the force or a district."""
    started = _start(request, principal, session, settings.force)
    principal, force = started
    wanted = request.query_params.get("district", "").strip() or principal.district_slug
    return _priorities_response(request, session, principal, force, wanted, [])


def _priorities_response(
    request: Request,
    session: Session,
    principal: Principal,
    force: Force,
    wanted: str | None,
    errors: list[str],
) -> Response:
    """The priorities page of the district ``wanted`` (or the force), with ``errors`` shown at
    its top (status 422 when there are any)."""
    errors = list(errors)
    district = None
    try:
        district = district_or_none(session=session, force=force, district=wanted)
    except CommunityError:
        errors.append("Choose a district from the list")
    open_rows = service.list_priorities(
        session=session, force=force, district=district, status=PriorityStatus.OPEN
    )
    names = dict(session.execute(select(Neighbourhood.id, Neighbourhood.name)).all())
    slugs = {key: public_slug(name) for key, name in names.items()}
    meetings = service.list_meetings(session=session, force=force, district=district, limit=30)
    return get_templates().TemplateResponse(
        request,
        "public_priorities.html",
        {
            "principal": principal,
            "force": force,
            "districts": sorted(force.districts, key=lambda d: d.name),
            "district": district,
            "errors": errors,
            "priorities": open_rows,
            "meetings": meetings,
            "names": names,
            "slugs": slugs,
            "today": today(),
            "done": request.query_params.get("done"),
        },
        status_code=422 if errors else 200,
    )


def _form_context(
    principal: Principal, force: Force, values: dict[str, Any], errors: list[str]
) -> dict[str, Any]:
    return {
        "principal": principal,
        "force": force,
        "values": values,
        "errors": errors,
        "kinds": list(MeetingKind),
        "rows": range(PRIORITY_ROWS),
        "today": today(),
    }


@page_router.get("/priorities/record", name="priorities_record_page")
def record_form(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The form for a meeting and its priorities."""
    started = _start(request, principal, session, settings.force)
    principal, force = started
    values = {"kind": MeetingKind.PUBLIC_MEETING.value, "held_on": today().isoformat()}
    return get_templates().TemplateResponse(
        request, "public_meeting_form.html", _form_context(principal, force, values, [])
    )


def _meeting_from(values: dict[str, str]) -> dict[str, Any]:
    priorities = []
    for row in range(PRIORITY_ROWS):
        title = values.get(f"p{row}_title", "").strip()
        if not title:
            continue
        priorities.append(
            {
                "title": title,
                "detail": values.get(f"p{row}_detail", "").strip() or None,
                "owner": values.get(f"p{row}_owner", "").strip(),
                "review_on": values.get(f"p{row}_review_on", "").strip() or None,
            }
        )
    return {
        "neighbourhood": values.get("neighbourhood", "").strip(),
        "kind": values.get("kind", ""),
        "held_on": values.get("held_on", "").strip() or None,
        "place": values.get("place", "").strip() or None,
        "attendance": values.get("attendance", "").strip() or None,
        "issues_raised": [
            line.strip() for line in values.get("issues", "").splitlines() if line.strip()
        ],
        "priorities": priorities,
    }


@page_router.post("/priorities/record", name="priorities_record_post")
async def record_post(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Record the meeting, or show the form again with what to fix."""
    started = _start(request, principal, session, settings.force)
    principal, force = started
    form = await request.form()
    values = {key: str(value) for key, value in form.items()}
    errors: list[str] = []
    try:
        data = MeetingCreate.model_validate(_meeting_from(values))
    except ValidationError as exc:
        errors = _errors(exc)
    if not errors:
        district = session.scalar(
            select(District)
            .join(Neighbourhood, Neighbourhood.district_id == District.id)
            .where(Neighbourhood.code == data.neighbourhood.strip().upper())
        )
        if district is not None and not principal.can(
            Action.RECORD_COMMUNITY, district_id=district.id
        ):
            errors.append(f"You cannot record meetings in {district.name}")
    if not errors:
        try:
            meeting = service.record_meeting(
                session=session,
                force=force,
                data=data,
                actor=principal.username,
                max_open=settings.public_max_priorities,
            )
        except ConstableError as exc:
            errors.append(str(exc))
    if errors:
        return get_templates().TemplateResponse(
            request,
            "public_meeting_form.html",
            _form_context(principal, force, values, errors),
            status_code=422,
        )
    clear_public_pages(request)
    slug = session.get(District, meeting.district_id)
    return RedirectResponse(
        f"/priorities?district={slug.slug if slug else ''}&done=recorded", status_code=303
    )


@page_router.post("/priorities/{priority_id}/report", name="priorities_report_post")
async def report_post(
    priority_id: int,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Add what was done, or resolve or close the priority with its result."""
    started = _start(request, principal, session, settings.force)
    principal, force = started
    form = {key: str(value).strip() for key, value in (await request.form()).items()}
    try:
        priority = service.get_priority_or_raise(
            session=session, force=force, priority_id=priority_id
        )
    except ConstableError as exc:
        raise HTTPException(status_code=exc.status, detail=str(exc)) from exc
    if not principal.can(Action.RECORD_COMMUNITY, district_id=priority.district_id):
        raise HTTPException(status_code=403, detail="You cannot change this district's priorities")
    district = session.get(District, priority.district_id)
    back = f"/priorities?district={district.slug if district else ''}"
    try:
        if form.get("status") in {PriorityStatus.RESOLVED.value, PriorityStatus.CLOSED.value}:
            update = PriorityUpdate.model_validate(
                {"status": form["status"], "result": form.get("text") or None}
            )
            service.update_priority(
                session=session,
                priority=priority,
                data=update,
                actor=principal.username,
                max_open=settings.public_max_priorities,
            )
        else:
            action = ActionCreate.model_validate(
                {
                    "done_on": form.get("done_on") or dt.date.isoformat(today()),
                    "text": form.get("text", ""),
                }
            )
            service.add_action(
                session=session, priority=priority, data=action, actor=principal.username
            )
    except ValidationError as exc:
        problems = [f"{priority.title}: {problem}" for problem in _errors(exc)]
    except ConstableError as exc:
        problems = [f"{priority.title}: {exc}"]
    else:
        clear_public_pages(request)
        return RedirectResponse(f"{back}&done=reported", status_code=303)
    # Nothing was written: the page again, with what to fix, as the meeting form does.
    slug = district.slug if district is not None else None
    session.rollback()
    return _priorities_response(request, session, principal, force, slug, problems)
