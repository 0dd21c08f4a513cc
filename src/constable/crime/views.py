"""Crime recording's JSON API (included under ``/api``); every route needs a signed-in user.

``GET /offences``, ``GET /outcome-types``, ``POST /crimes``, ``GET /crimes``,
``GET /crimes/{id}``, ``POST /crimes/{id}/outcomes``, ``GET /crimes/detections``,
``GET /repeat-victims``, ``POST /repeat-victims/{id}/review``,
``GET /stop-search/arrest-rates``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import require, require_for_district
from constable.auth.needtoknow import Personal, may_see, seen
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.community import asb
from constable.control import service as control_service
from constable.crime import detections as detection_measures
from constable.crime import recording, stopsearch
from constable.crime.models import Crime, RepeatVictim
from constable.crime.offences import ASB_CATEGORY, offences
from constable.crime.outcomes import table as outcome_table
from constable.crime.schemas import (
    CrimeCreate,
    CrimeRead,
    OutcomeCreate,
    OutcomeRead,
    RepeatVictimRead,
    Review,
    VictimRead,
)
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force, Neighbourhood

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Action.READ))]
Recorder = Annotated[Principal, Depends(require(Action.RECORD_CRIME))]


def _district_id(session: Session, force: Force, slug: str | None) -> int | None:
    if slug is None:
        return None
    try:
        return force_service.get_district_or_raise(session=session, force=force, district=slug).id
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


def _victim(crime: Crime, principal: Principal) -> VictimRead | None:
    if not may_see(principal, Personal.VICTIM, district_id=crime.district_id) or not any(
        (crime.victim_name, crime.victim_address, crime.victim_postcode)
    ):
        return None
    return VictimRead(
        name=crime.victim_name,
        date_of_birth=crime.victim_date_of_birth,
        address=crime.victim_address,
        postcode=crime.victim_postcode,
    )


def outcome_read(outcome: Any) -> OutcomeRead:
    """An outcome as the API shows it."""
    kind = outcome_table().type(outcome.outcome_type)
    return OutcomeRead(
        outcome_type=kind.code,
        label=kind.label,
        sanction_detection=kind.sanction,
        brought_to_justice=kind.brought_to_justice,
        outcome_on=outcome.outcome_on,
        recorded_by=outcome.recorded_by,
        note=outcome.note,
    )


def crime_read(
    session: Session, crime: Crime, principal: Principal, *, detail: bool = False
) -> CrimeRead:
    """A record as the API shows it to ``principal``."""
    found = offences().get(crime.offence_code or "")
    district = session.get(District, crime.district_id) if crime.district_id else None
    hood = session.get(Neighbourhood, crime.neighbourhood_id) if crime.neighbourhood_id else None
    history = recording.outcomes_of(session=session, crime=crime)
    kinds = {t.code: t for t in outcome_table().types}
    assert crime.reference is not None
    return CrimeRead(
        id=crime.id,
        reference=crime.reference,
        asb=crime.category == ASB_CATEGORY,
        offence_code=crime.offence_code,
        offence=found.description if found else None,
        offence_group=found.group if found else None,
        offence_subgroup=found.subgroup if found else None,
        category=crime.category,
        description=crime.description,
        occurred_at=crime.occurred_at,
        district=district.slug if district else None,
        neighbourhood=hood.code if hood else None,
        location=crime.location,
        incident_id=crime.incident_id,
        recorded_at=crime.recorded_at,
        recorded_by=crime.recorded_by,
        repeat_victim=crime.repeat_victim,
        last_outcome=crime.last_outcome,
        sanction_detection=any(kinds[o.outcome_type].sanction for o in history),
        outcomes=[outcome_read(o) for o in history] if detail else [],
        victim=_victim(crime, principal) if detail else None,
        subject_name=seen(principal, Personal.SUBJECT, crime.district_id, crime.subject_name),
    )


@router.get("/offences", summary="Home Office offence codes")
def list_offences(principal: Reader) -> list[dict[str, str]]:
    """Every offence code with its description, group, subgroup and police.uk category."""
    return [
        {
            "code": o.code,
            "description": o.description,
            "group": o.group,
            "subgroup": o.subgroup,
            "police_uk_category": o.police_uk_category,
        }
        for o in offences().values()
    ]


@router.get("/outcome-types", summary="Home Office outcome types")
def list_outcome_types(principal: Reader) -> list[dict[str, Any]]:
    """The outcome types; ``sanction`` and ``brought_to_justice`` are derived from the type."""
    return [t.model_dump() for t in outcome_table().types]


@router.post("/crimes", summary="Record a crime or ASB report", status_code=201)
def record_crime(
    data: CrimeCreate, session: SessionDep, settings: SettingsDep, principal: Recorder
) -> CrimeRead:
    """Record a crime (Home Office ``offence_code``) or an ASB report (``asb: true``), from an
    incident (``incident_id``) or with its own location. The answer says whether the victim is
    a repeat victim (``repeat_victim``)."""
    force = force_or_503(session, settings.force)
    try:
        recorded = recording.record(
            session=session, force=force, data=data, actor=principal.username
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    crime = recorded.crime
    district = session.get(District, crime.district_id) if crime.district_id else None
    if district is not None:
        # Raises 403, and the request's transaction (with the record) is rolled back.
        require_for_district(principal, Action.RECORD_CRIME, district.id, district.name)
    cases = asb.on_new_report(session=session, force=force, crime=crime)
    shown = crime_read(session, crime, principal, detail=True)
    shown.asb_cases = [c.reference for c in cases]
    return shown


@router.get("/crimes", summary="The force's crimes and ASB reports")
def list_crimes(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: Annotated[Literal["crime", "asb", "all"], Query()] = "all",
    repeat_victim: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[CrimeRead]:
    """Newest first, by district, dates (when they happened) and kind."""
    force = force_or_503(session, settings.force)
    query = select(Crime).where(Crime.force == records_name(force), Crime.reference.is_not(None))
    district_id = _district_id(session, force, district)
    if district_id is not None:
        query = query.where(Crime.district_id == district_id)
    if start is not None:
        query = query.where(Crime.occurred_at >= dt.datetime.combine(start, dt.time(), dt.UTC))
    if end is not None:
        day_after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(Crime.occurred_at < day_after)
    if kind == "asb":
        query = query.where(Crime.category == ASB_CATEGORY)
    elif kind == "crime":
        query = query.where(Crime.category != ASB_CATEGORY)
    if repeat_victim is not None:
        query = query.where(Crime.repeat_victim.is_(repeat_victim))
    rows = session.scalars(query.order_by(Crime.occurred_at.desc(), Crime.id.desc()).limit(limit))
    return [crime_read(session, c, principal) for c in rows]


@router.get("/crimes/detections", summary="Sanction detections and offences brought to justice")
def crime_detections(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    start: dt.date,
    end: dt.date,
    district: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """Crimes recorded, sanction detection rate and offences brought to justice, by district and
    offence group (definitions in docs/crimes.md)."""
    force = force_or_503(session, settings.force)
    if end < start:
        raise HTTPException(status_code=422, detail="The end date is before the start date")
    groups = {o.group for o in offences().values()}
    if group is not None and group not in groups:
        raise HTTPException(
            status_code=422,
            detail=f"Unknown offence group {group!r}; the groups are {', '.join(sorted(groups))}",
        )
    report = detection_measures.detections(
        session=session,
        force=force,
        start=start,
        end=end,
        district_id=_district_id(session, force, district),
        group=group,
    )
    return report.as_dict()


@router.get("/crimes/{crime_id}", summary="One crime or ASB report")
def read_crime(
    crime_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> CrimeRead:
    """The record with its outcomes (and its victim, for the roles that may see it)."""
    force = force_or_503(session, settings.force)
    try:
        crime = recording.get_or_raise(session=session, force=force, crime_id=crime_id)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return crime_read(session, crime, principal, detail=True)


@router.post("/crimes/{crime_id}/outcomes", summary="Give a crime an outcome", status_code=201)
def add_outcome(
    crime_id: int,
    data: OutcomeCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> CrimeRead:
    """A Home Office outcome type with its date; the history is kept."""
    force = force_or_503(session, settings.force)
    try:
        crime = recording.get_or_raise(session=session, force=force, crime_id=crime_id)
        if crime.district_id is not None:
            district = session.get(District, crime.district_id)
            require_for_district(
                principal,
                Action.RECORD_CRIME,
                crime.district_id,
                district.name if district else "?",
            )
        recording.add_outcome(
            session=session, force=force, crime=crime, data=data, actor=principal.username
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return crime_read(session, crime, principal, detail=True)


def repeat_read(
    session: Session, principal: Principal, entry: RepeatVictim, crime: Crime, previous: Crime
) -> RepeatVictimRead:
    district = session.get(District, entry.district_id) if entry.district_id else None
    assert crime.reference is not None and previous.reference is not None
    return RepeatVictimRead(
        id=entry.id,
        district=district.slug if district else None,
        matched_on=entry.matched_on,
        earlier_records=entry.earlier,
        crime=crime.reference,
        crime_id=crime.id,
        category=crime.category,
        occurred_at=crime.occurred_at,
        previous=previous.reference,
        previous_category=previous.category,
        previous_occurred_at=previous.occurred_at,
        victim=_victim(crime, principal),
        flagged_at=entry.flagged_at,
        reviewed_at=entry.reviewed_at,
        reviewed_by=entry.reviewed_by,
        review_note=entry.review_note,
    )


@router.get("/repeat-victims", summary="The repeat-victim worklist")
def repeat_victims(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    state: Annotated[Literal["open", "all"], Query()] = "open",
) -> list[RepeatVictimRead]:
    """Records whose victim had another crime or ASB report within the window, newest first;
    ``open``: not yet reviewed."""
    force = force_or_503(session, settings.force)
    district_id = _district_id(session, force, district)
    rows = recording.repeat_worklist(
        session=session, district_id=district_id, open_only=state == "open"
    )
    return [repeat_read(session, principal, *row) for row in rows]


@router.post("/repeat-victims/{entry_id}/review", summary="Review a repeat victim")
def review_repeat_victim(
    entry_id: int,
    data: Review,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require(Action.RECORD_COMMUNITY))],
) -> RepeatVictimRead:
    """Say what was done for the victim; the entry leaves the open worklist."""
    force = force_or_503(session, settings.force)
    entry = session.get(RepeatVictim, entry_id)
    crime = session.get(Crime, entry.crime_id) if entry else None
    if entry is None or crime is None or crime.force != records_name(force):
        raise HTTPException(status_code=404, detail=f"There is no repeat victim entry {entry_id}")
    if entry.district_id is not None:
        district = session.get(District, entry.district_id)
        require_for_district(
            principal,
            Action.RECORD_COMMUNITY,
            entry.district_id,
            district.name if district else "?",
        )
    try:
        recording.review_repeat(
            session=session, repeat=entry, actor=principal.username, note=data.note
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    previous = session.get(Crime, entry.previous_id)
    assert previous is not None
    return repeat_read(session, principal, entry, crime, previous)


@router.get("/stop-search/arrest-rates", summary="Stop and search arrest rates by ethnicity")
def arrest_rates(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    ethnicity: Annotated[Literal["officer", "self"], Query()] = "officer",
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
) -> dict[str, Any]:
    """Searches, arrests, the arrest rate and its Wilson interval by officer- or self-defined
    ethnicity, for the force and each district (seed 002's SPI 3c)."""
    force = force_or_503(session, settings.force)
    return stopsearch.arrest_rates(
        session=session,
        force_name=records_name(force),
        locator=control_service.locator(session, force),
        start=start,
        end=end,
        basis=ethnicity,
        confidence=confidence,
    ).as_dict()
