"""Pages of the casework: crimes and ASB reports, the repeat-victim worklist, ASB cases.

``GET /crimes``                  the force's records, filtered by district, kind and repeat flag
``GET /crimes/{id}``             one record with its outcomes
``GET /repeat-victims``          the worklist; ``POST /repeat-victims/{id}/review`` works an entry
``GET /asb/cases``               ASB cases; ``GET /asb/cases/{id}`` one case with its stages
``POST /asb/cases/{id}/stages``  take the case up the ladder

Pages show what the API shows to the same user (victims hidden from analysts), and need a
sign-in: without one the browser goes to ``/login?next=…`` and comes back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503
from constable.api.signin import PageUser, staff_router
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.community import asb
from constable.community.asb_views import case_read
from constable.community.models import AsbCase
from constable.crime import recording
from constable.crime.models import Crime, RepeatVictim
from constable.crime.offences import ASB_CATEGORY
from constable.crime.service import records_name
from constable.crime.views import crime_read, repeat_read
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force
from constable.web import get_templates

page_router = staff_router()


def _words(code: str) -> str:
    return code.replace("_", " ").replace("-", " ")


def _render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    return get_templates().TemplateResponse(
        request, template, {"words": _words, **context}, status_code=status_code
    )


def _district(session: Session, force: Force, slug: str | None) -> District | None:
    if not slug:
        return None
    try:
        return force_service.get_district_or_raise(session=session, force=force, district=slug)
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@page_router.get("/crimes", response_class=HTMLResponse, name="crimes_page")
def crimes_page(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    district: str | None = None,
    kind: str = "all",
    repeat: str = "",
) -> Response:
    """The force's records, newest first (200 at most)."""
    force = force_or_503(session, settings.force)
    found = _district(session, force, district)
    query = select(Crime).where(Crime.force == records_name(force), Crime.reference.is_not(None))
    if found is not None:
        query = query.where(Crime.district_id == found.id)
    if kind == "asb":
        query = query.where(Crime.category == ASB_CATEGORY)
    elif kind == "crime":
        query = query.where(Crime.category != ASB_CATEGORY)
    if repeat == "yes":
        query = query.where(Crime.repeat_victim.is_(True))
    rows = session.scalars(query.order_by(Crime.occurred_at.desc(), Crime.id.desc()).limit(200))
    return _render(
        request,
        "crime_list.html",
        {
            "principal": principal,
            "crimes": [crime_read(session, c, principal) for c in rows],
            "districts": force.districts,
            "filters": {"district": found.slug if found else "", "kind": kind, "repeat": repeat},
        },
    )


@page_router.get("/crimes/{crime_id}", response_class=HTMLResponse, name="crime_page")
def crime_page(
    crime_id: int, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """One record with its outcomes."""
    force = force_or_503(session, settings.force)
    try:
        crime = recording.get_or_raise(session=session, force=force, crime_id=crime_id)
    except ConstableError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return _render(
        request,
        "crime_detail.html",
        {"principal": principal, "crime": crime_read(session, crime, principal, detail=True)},
    )


def _worklist(
    request: Request,
    session: Session,
    force: Force,
    principal: Principal,
    district: str | None,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    found = _district(session, force, district)
    rows = recording.repeat_worklist(
        session=session, district_id=found.id if found else None, open_only=True
    )
    return _render(
        request,
        "repeat_victims.html",
        {
            "principal": principal,
            "entries": [repeat_read(session, principal, *row) for row in rows],
            "districts": force.districts,
            "district": found,
            "errors": errors or [],
            "may_review": {
                e.id: principal.can(Action.RECORD_COMMUNITY, district_id=e.district_id)
                for e, _, _ in rows
            },
        },
        status_code=status_code,
    )


@page_router.get("/repeat-victims", response_class=HTMLResponse, name="repeat_victims_page")
def repeat_victims_page(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    district: str | None = None,
) -> Response:
    """The repeat-victim worklist: entries not yet reviewed, newest first."""
    return _worklist(request, session, force_or_503(session, settings.force), principal, district)


@page_router.post("/repeat-victims/{entry_id}/review", response_class=HTMLResponse)
async def review_repeat_victim(
    entry_id: int, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Record what was done for the victim; back to the district's worklist."""
    force = force_or_503(session, settings.force)
    form = await request.form()
    note = str(form.get("note", ""))
    entry = session.get(RepeatVictim, entry_id)
    if entry is None:
        raise HTTPException(status_code=404, detail=f"there is no repeat victim entry {entry_id}")
    district = session.get(District, entry.district_id) if entry.district_id else None
    if not principal.can(Action.RECORD_COMMUNITY, district_id=entry.district_id):
        raise HTTPException(status_code=403, detail="You cannot review this district's entries")
    try:
        with session.begin_nested():
            recording.review_repeat(
                session=session, repeat=entry, actor=principal.username, note=note
            )
    except ConstableError as exc:
        message = str(exc)
        return _worklist(
            request,
            session,
            force,
            principal,
            district.slug if district else None,
            errors=[message[:1].upper() + message[1:]],
            status_code=422,
        )
    target = f"/repeat-victims?district={district.slug}" if district else "/repeat-victims"
    return RedirectResponse(target, status_code=303)


@page_router.get("/asb/cases", response_class=HTMLResponse, name="asb_cases_page")
def asb_cases_page(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    district: str | None = None,
    status: str = "open",
) -> Response:
    """ASB cases, newest first."""
    force = force_or_503(session, settings.force)
    found = _district(session, force, district)
    cases = asb.list_cases(
        session=session,
        force=force,
        district_id=found.id if found else None,
        status=status if status in (asb.OPEN, asb.CLOSED) else None,
    )
    return _render(
        request,
        "asb_cases.html",
        {
            "principal": principal,
            "cases": [case_read(session, c, principal) for c in cases],
            "districts": force.districts,
            "filters": {"district": found.slug if found else "", "status": status},
        },
    )


def _case_page(
    request: Request,
    session: Session,
    force: Force,
    principal: Principal,
    case: AsbCase,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    _, ladder = asb.ladder_of(force)
    return _render(
        request,
        "asb_case.html",
        {
            "principal": principal,
            "case": case_read(session, case, principal, detail=True),
            "ladder": asb.ladders()[case.ladder],
            "may_change": principal.can(Action.RECORD_COMMUNITY, district_id=case.district_id)
            and case.status == asb.OPEN,
            "errors": errors or [],
            "today": dt.date.today().isoformat(),
            "force_ladder": ladder,
        },
        status_code=status_code,
    )


@page_router.get("/asb/cases/{case_id}", response_class=HTMLResponse, name="asb_case_page")
def asb_case_page(
    case_id: int, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """One case: its subject, stages so far, the next stage, linked reports and orders."""
    force = force_or_503(session, settings.force)
    try:
        case = asb.get_or_raise(session=session, force=force, case_id=case_id)
    except ConstableError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return _case_page(request, session, force, principal, case)


@page_router.post("/asb/cases/{case_id}/stages", response_class=HTMLResponse)
async def asb_case_stage(
    case_id: int, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Take the case up the ladder from the form; mistakes are shown on the case's page."""
    force = force_or_503(session, settings.force)
    try:
        case = asb.get_or_raise(session=session, force=force, case_id=case_id)
    except ConstableError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    if not principal.can(Action.RECORD_COMMUNITY, district_id=case.district_id):
        raise HTTPException(status_code=403, detail="You cannot change this district's cases")
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    try:
        taken_on = dt.date.fromisoformat(form.get("taken_on", ""))
        with session.begin_nested():
            asb.advance(
                session=session,
                case=case,
                stage=form.get("stage", ""),
                taken_on=taken_on,
                actor=principal.username,
                note=form.get("note") or None,
                skip_reason=form.get("skip_reason") or None,
                version=int(form["version"]) if form.get("version") else None,
            )
    except ValueError:
        errors = ["Taken on: give the date as YYYY-MM-DD"]
    except ConstableError as exc:
        message = str(exc)
        errors = [message[:1].upper() + message[1:]]
    else:
        return RedirectResponse(f"/asb/cases/{case_id}", status_code=303)
    session.expire_all()
    case = asb.get_or_raise(session=session, force=force, case_id=case_id)
    return _case_page(request, session, force, principal, case, errors=errors, status_code=422)
