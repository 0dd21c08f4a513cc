"""Pages of victim care (signed in).

``GET /victims``                   updates due, per officer, overdue first (``?district``,
                                   ``?officer``; ``?officer=me`` for your own)
``GET /victims/{crime_id}``        a crime's victim care: assessment, updates, referrals
``POST /victims/{crime_id}/assessment``, ``…/updates``, ``…/referrals``  the forms on it
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503
from constable.api.signin import PageUser, staff_router
from constable.auth.needtoknow import Personal, may_see, sees_any
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.config import Settings
from constable.crime import recording
from constable.crime.models import Crime
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import Force
from constable.public import referrals, victims
from constable.public.victims_views import care_read
from constable.web import get_templates

page_router = staff_router()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    return get_templates().TemplateResponse(request, template, context, status_code=status)


@page_router.get("/victims", response_class=HTMLResponse, name="victims_due_page")
def victims_due_page(
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    district: str | None = None,
    officer: str | None = None,
) -> Response:
    """Updates due to victims, grouped by officer; overdue ones flagged."""
    force = force_or_503(session, settings.force)
    found = None
    if district:
        try:
            found = force_service.get_district_or_raise(
                session=session, force=force, district=district
            )
        except force_service.NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
    rows = victims.due_updates(
        session=session,
        force_name=records_name(force),
        district_id=found.id if found else None,
        officer=principal.username if officer == "me" else (officer or None),
        default_days=settings.victim_update_days,
    )
    rows = [
        d
        if may_see(principal, Personal.VICTIM, district_slug=d.district)
        else replace(d, victim_name=None, preferred_contact=None)
        for d in rows
    ]
    ordered = sorted(rows, key=lambda d: (d.officer or "~", d.due, d.reference))
    groups = [(name, list(items)) for name, items in groupby(ordered, key=lambda d: d.officer)]
    return _render(
        request,
        "victims_due.html",
        {
            "principal": principal,
            "groups": groups,
            "overdue": sum(d.overdue for d in rows),
            "districts": force.districts,
            "district": found,
            "officer": officer or "",
            "show_names": sees_any(principal, Personal.VICTIM),
            "every": settings.victim_update_days,
        },
    )


def _care_page(
    request: Request,
    session: Session,
    settings: Settings,
    force: Force,
    crime: Crime,
    principal: Principal,
    errors: list[str] | None = None,
    status: int = 200,
) -> Response:
    return _render(
        request,
        "victims_care.html",
        {
            "principal": principal,
            "care": care_read(session, settings, force, crime, principal),
            "errors": errors or [],
            "may_record": principal.can(Action.RECORD_CRIME, district_id=crime.district_id)
            and may_see(principal, Personal.VICTIM, district_id=crime.district_id),
            "needs": list(victims.Need),
            "reasons": list(victims.EnhancedReason),
            "contacts": list(victims.Contact),
            "every": settings.victim_update_days,
        },
        status,
    )


def _crime(session: Session, force: Force, crime_id: int) -> Crime:
    try:
        return recording.get_or_raise(session=session, force=force, crime_id=crime_id)
    except ConstableError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@page_router.get("/victims/{crime_id}", response_class=HTMLResponse, name="victim_care_page")
def victim_care_page(
    crime_id: int, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """A crime's victim care with its forms."""
    force = force_or_503(session, settings.force)
    return _care_page(
        request, session, settings, force, _crime(session, force, crime_id), principal
    )


@page_router.post("/victims/{crime_id}/{form_name}", response_class=HTMLResponse)
async def victim_care_form(
    crime_id: int,
    form_name: str,
    request: Request,
    principal: PageUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The assessment, update, referral and closing forms; mistakes are shown on the page."""
    if form_name not in {"assessment", "updates", "referrals", "close"}:
        raise HTTPException(status_code=404, detail=f"there is no form {form_name!r}")
    force = force_or_503(session, settings.force)
    crime = _crime(session, force, crime_id)
    if not principal.can(Action.RECORD_CRIME, district_id=crime.district_id):
        raise HTTPException(status_code=403, detail="You cannot record for this district")
    raw = await request.form()
    form = {k: str(v).strip() for k, v in raw.items()}
    try:
        with session.begin_nested():
            if form_name == "assessment":
                every = form.get("update_every_days", "")
                if every and not every.isdigit():
                    raise victims.VictimCareError("update every: give a number of days")
                victims.assess(
                    session=session,
                    crime=crime,
                    data=victims.Assessment(
                        consent_to_referral=form.get("consent") == "yes",
                        needs=[str(v) for v in raw.getlist("needs")],
                        enhanced_reasons=[str(v) for v in raw.getlist("enhanced_reasons")],
                        needs_note=form.get("needs_note"),
                        preferred_contact=form.get("preferred_contact", "phone"),
                        contact_detail=form.get("contact_detail"),
                        wants_updates=form.get("wants_updates", "yes") == "yes",
                        update_every_days=int(every) if every else None,
                        officer=form.get("officer") or None,
                    ),
                    actor=principal.username,
                    default_days=settings.victim_update_days,
                )
            elif form_name == "updates":
                victims.record_update(
                    session=session,
                    crime=crime,
                    note=form.get("note", ""),
                    method=form.get("method") or None,
                    actor=principal.username,
                )
            elif form_name == "referrals":
                referrals.refer(
                    session=session,
                    settings=settings,
                    force=force,
                    crime=crime,
                    actor=principal.username,
                )
            else:
                victims.close(
                    session=session, crime=crime, reason=form.get("reason", ""),
                    actor=principal.username,
                )  # fmt: skip
    except ConstableError as exc:
        return _care_page(
            request, session, settings, force, crime, principal, [_sentence(str(exc))], 422
        )
    return RedirectResponse(f"/victims/{crime_id}", status_code=303)
