"""Victim care's JSON API (included under ``/api``); every route needs a signed-in user.

``GET /victims/due``, ``GET /victims/on-time``, ``GET /victims/{crime_id}``,
``PUT /victims/{crime_id}/assessment``, ``POST /victims/{crime_id}/updates``,
``POST /victims/{crime_id}/referrals``, ``POST /victims/{crime_id}/close``.
Recording needs the role that records crimes (of the crime's district for district roles);
analysts see the figures but not the victims.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import require, require_for_district
from constable.auth.needtoknow import Personal, may_see
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.config import Settings
from constable.crime import recording
from constable.crime.models import Crime
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force
from constable.public import referrals, victims
from constable.public.victim_models import VictimCare

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Action.READ))]
Recorder = Annotated[Principal, Depends(require(Action.RECORD_CRIME))]


class AssessmentIn(BaseModel):
    """The victim's needs assessment (it replaces an earlier one)."""

    model_config = ConfigDict(extra="forbid")

    consent_to_referral: bool = Field(
        description="whether the victim agrees to be referred to the support service"
    )
    needs: list[victims.Need] = Field(default_factory=list)
    enhanced_reasons: list[victims.EnhancedReason] = Field(
        default_factory=list, description="why they have enhanced rights (Victims' Code), if so"
    )
    needs_note: str | None = Field(default=None, max_length=2000)
    preferred_contact: victims.Contact = victims.Contact.PHONE
    contact_detail: str | None = Field(default=None, max_length=200)
    wants_updates: bool = True
    update_every_days: int | None = Field(
        default=None, ge=1, le=365, description="agreed with the victim (default: the setting)"
    )
    officer: str | None = Field(
        default=None, max_length=100, description="who keeps them informed (default: you)"
    )


class UpdateIn(BaseModel):
    """News given to the victim."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)
    method: victims.Contact | None = None
    made_at: AwareDatetime | None = None


class CloseIn(BaseModel):
    """Why the victim's care ends."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


def _care_dict(session: Session, care: VictimCare, settings: Settings) -> dict[str, Any]:
    return {
        "officer": care.officer,
        "needs": care.needs,
        "enhanced_reasons": care.enhanced_reasons,
        "enhanced_rights": bool(care.enhanced_reasons),
        "needs_note": care.needs_note,
        "consent_to_referral": care.consent_to_referral,
        "preferred_contact": care.preferred_contact,
        "contact_detail": care.contact_detail,
        "wants_updates": care.wants_updates,
        "update_every_days": care.update_every_days,
        "assessed_at": care.assessed_at.isoformat(),
        "assessed_by": care.assessed_by,
        "closed_at": care.closed_at.isoformat() if care.closed_at else None,
        "closed_reason": care.closed_reason,
        "updates": [
            {
                "made_at": u.made_at.isoformat(),
                "made_by": u.made_by,
                "method": u.method,
                "note": u.note,
            }
            for u in victims.updates_of(session, care)
        ],
        "referrals": [
            {
                "reference": r.reference,
                "service": r.service,
                "channel": r.channel,
                "sent_at": r.sent_at.isoformat(),
                "sent_by": r.sent_by,
            }
            for r in referrals.referrals_of(session, care)
        ],
    }


def care_read(
    session: Session, settings: Settings, force: Force, crime: Crime, principal: Principal
) -> dict[str, Any]:
    """The victim care of a crime as the API shows it to ``principal``."""
    care = victims.care_of(session, crime)
    due = [
        d
        for d in victims.due_updates(
            session=session, force_name=records_name(force), district_id=crime.district_id,
            default_days=settings.victim_update_days,
        )
        if d.crime_id == crime.id
    ]  # fmt: skip
    hidden = not may_see(principal, Personal.VICTIM, district_id=crime.district_id)
    shown = _care_dict(session, care, settings) if care is not None else None
    if shown is not None and hidden:
        shown["contact_detail"] = None
        shown["needs_note"] = None
    return {
        "crime_id": crime.id,
        "reference": crime.reference,
        "has_victim": victims.has_victim(crime),
        "victim_name": None if hidden else crime.victim_name,
        "assessed": care is not None,
        "care": shown,
        "next_update": (due[0].as_dict() | ({"victim_name": None} if hidden else {}))
        if due
        else None,
        "referral_service": settings.victim_referral_service,
    }


def crime_of(session: Session, force: Force, crime_id: int) -> Crime:
    """One of the force's own crimes, or 404."""
    try:
        return recording.get_or_raise(session=session, force=force, crime_id=crime_id)
    except ConstableError as exc:
        raise http_error(exc) from exc


def check_district(session: Session, principal: Principal, crime: Crime) -> None:
    """403 unless ``principal`` may record for the crime's district."""
    if crime.district_id is None:
        return
    district = session.get(District, crime.district_id)
    require_for_district(
        principal, Action.RECORD_CRIME, crime.district_id, district.name if district else "?"
    )


def assessment_of(data: AssessmentIn) -> victims.Assessment:
    """The service's assessment from the API's shape."""
    return victims.Assessment(
        consent_to_referral=data.consent_to_referral,
        needs=[n.value for n in data.needs],
        enhanced_reasons=[r.value for r in data.enhanced_reasons],
        needs_note=data.needs_note,
        preferred_contact=data.preferred_contact.value,
        contact_detail=data.contact_detail,
        wants_updates=data.wants_updates,
        update_every_days=data.update_every_days,
        officer=data.officer,
    )


@router.get("/victims/due", summary="Updates due to victims")
def due(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    officer: str | None = None,
    state: Annotated[Literal["all", "overdue"], Query()] = "all",
) -> list[dict[str, Any]]:
    """The next update owed to each victim whose care is open, most overdue first; by district
    and officer (``officer=me`` for your own). Victims not assessed yet have no officer."""
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
        officer=principal.username if officer == "me" else officer,
        default_days=settings.victim_update_days,
    )
    shown = []
    for row in rows:
        if state == "overdue" and not row.overdue:
            continue
        item = row.as_dict()
        if not may_see(principal, Personal.VICTIM, district_slug=row.district):
            item["victim_name"] = None
            item["preferred_contact"] = None
        shown.append(item)
    return shown


@router.get("/victims/on-time", summary="Victims updated on time")
def on_time(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    start: dt.date,
    end: dt.date,
    district: str | None = None,
) -> dict[str, Any]:
    """Of the victims with an update due from ``start`` up to (not including) ``end``, how many
    had every one on time (docs/victims.md)."""
    force = force_or_503(session, settings.force)
    found = None
    if district:
        try:
            found = force_service.get_district_or_raise(
                session=session, force=force, district=district
            )
        except force_service.NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
    try:
        numerator, denominator = victims.victims_updated_on_time(
            session, start, end, found, default_days=settings.victim_update_days
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "district": found.slug if found else None,
        "updated_on_time": numerator,
        "victims_due_an_update": denominator,
        "share": numerator / denominator if denominator else None,
    }


@router.get("/victims/{crime_id}", summary="A crime's victim care")
def read_care(
    crime_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """The needs assessment, updates, referrals and next update due."""
    force = force_or_503(session, settings.force)
    crime = crime_of(session, force, crime_id)
    return care_read(session, settings, force, crime, principal)


@router.put("/victims/{crime_id}/assessment", summary="Record a victim's needs assessment")
def assess(
    crime_id: int,
    data: AssessmentIn,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> dict[str, Any]:
    """Needs, consent to referral, preferred contact and how often to update them."""
    force = force_or_503(session, settings.force)
    crime = crime_of(session, force, crime_id)
    check_district(session, principal, crime)
    try:
        victims.assess(
            session=session, crime=crime, data=assessment_of(data), actor=principal.username,
            default_days=settings.victim_update_days,
        )  # fmt: skip
    except ConstableError as exc:
        raise http_error(exc) from exc
    return care_read(session, settings, force, crime, principal)


@router.post("/victims/{crime_id}/updates", summary="Record an update given", status_code=201)
def add_update(
    crime_id: int,
    data: UpdateIn,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> dict[str, Any]:
    """What the victim was told, and how; the next update falls due from now."""
    force = force_or_503(session, settings.force)
    crime = crime_of(session, force, crime_id)
    check_district(session, principal, crime)
    try:
        victims.record_update(
            session=session, crime=crime, note=data.note,
            method=data.method.value if data.method else None, actor=principal.username,
            made_at=data.made_at,
        )  # fmt: skip
    except ConstableError as exc:
        raise http_error(exc) from exc
    return care_read(session, settings, force, crime, principal)


@router.post("/victims/{crime_id}/referrals", summary="Refer a victim", status_code=201)
def refer(
    crime_id: int, session: SessionDep, settings: SettingsDep, principal: Recorder
) -> dict[str, Any]:
    """Send the referral to the support service: 422 without the victim's consent (nothing is
    sent), 502 when the service does not take it (nothing is recorded)."""
    force = force_or_503(session, settings.force)
    crime = crime_of(session, force, crime_id)
    check_district(session, principal, crime)
    try:
        referrals.refer(
            session=session, settings=settings, force=force, crime=crime, actor=principal.username
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return care_read(session, settings, force, crime, principal)


@router.post("/victims/{crime_id}/close", summary="Close a victim's care")
def close(
    crime_id: int,
    data: CloseIn,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> dict[str, Any]:
    """No more updates fall due (the case is finished, or passed to the Witness Care Unit)."""
    force = force_or_503(session, settings.force)
    crime = crime_of(session, force, crime_id)
    check_district(session, principal, crime)
    try:
        victims.close(session=session, crime=crime, reason=data.reason, actor=principal.username)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return care_read(session, settings, force, crime, principal)
