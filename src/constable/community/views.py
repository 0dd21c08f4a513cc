"""The community records' JSON API (included under ``/api``); every route needs a signed-in user.

Everyone signed in may read. Recording needs ``record_community``: community safety staff and
district commanders for their own district's records, administrators for any.

``GET|POST /s136``, ``GET /s136/monthly``, ``GET|PATCH /s136/{id}``,
``GET|POST /speedwatch/sites``, ``GET /speedwatch/sites/{id}``,
``GET|POST /speedwatch/sites/{id}/sessions``, ``GET /speedwatch/sessions``,
``GET /speedwatch/sessions/{id}``, ``GET /speedwatch/flagged``,
``POST /speedwatch/flagged/{registration}/visits``, ``GET /speedwatch/visits``,
``GET /speedwatch/effectiveness``, ``GET|POST /volunteers``, ``GET|PATCH /volunteers/{id}``,
``GET|POST /volunteers/{id}/duties``, ``GET|POST /schools``, ``PATCH /schools/{id}``,
``GET|POST /schools/{id}/engagements``, ``GET /community/report``,
``GET /community/vocabularies``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import require, require_for_district
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.community import report, s136, speedwatch, volunteers
from constable.community.enums import (
    SPEED_LIMITS_MPH,
    DutyType,
    EngagementKind,
    PlaceOfSafety,
    S136Outcome,
    VolunteerRole,
)
from constable.community.models import SpeedwatchSession, SpeedwatchSite
from constable.community.schemas import (
    DetectionRead,
    DutyCreate,
    DutyRead,
    EffectivenessRead,
    EngagementCreate,
    EngagementRead,
    FlaggedRead,
    S136Create,
    S136Monthly,
    S136Read,
    S136Update,
    SchoolCreate,
    SchoolRead,
    SchoolUpdate,
    SessionCreate,
    SessionRead,
    SiteCreate,
    SiteRead,
    VisitCreate,
    VisitRead,
    VolunteerCreate,
    VolunteerRead,
    VolunteerUpdate,
    normalise_registration,
)
from constable.community.service import (
    Names,
    Period,
    district_or_none,
    get_district,
    month_span,
    neighbourhood_codes,
    parse_quarter,
    period_of,
    rules,
    today,
)
from constable.errors import ConstableError
from constable.force.models import District, Force

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Action.READ))]
Recorder = Annotated[Principal, Depends(require(Action.RECORD_COMMUNITY))]
DistrictQuery = Annotated[
    str | None, Query(description="a district's slug, name or ONS code (default: all)")
]
MonthQuery = Annotated[str | None, Query(description="a month, YYYY-MM")]
QuarterQuery = Annotated[str | None, Query(description="a calendar quarter, e.g. 2017Q3")]
YearQuery = Annotated[str | None, Query(description="a calendar year, e.g. 2022")]


@contextmanager
def _answering() -> Iterator[None]:
    """A user's mistake (a :class:`ConstableError`) becomes a 422 or 404 naming the field."""
    try:
        yield
    except ConstableError as exc:
        raise http_error(exc) from exc


def _allow(principal: Principal, district_id: int, session: Session) -> None:
    district = session.get(District, district_id)
    require_for_district(
        principal, Action.RECORD_COMMUNITY, district_id, district.name if district else "?"
    )


def _filters(
    session: Session,
    force: Force,
    district: str | None,
    month: str | None = None,
    quarter: str | None = None,
    year: str | None = None,
) -> tuple[District | None, Period | None]:
    with _answering():
        found = district_or_none(session=session, force=force, district=district)
        return found, period_of(month=month, quarter=quarter, year=year)


# -- Section 136 ------------------------------------------------------------------------------


def _s136_read(session: Session, force: Force, rows: list[Any]) -> list[S136Read]:
    names = Names.of(session, force)
    codes = neighbourhood_codes(session, {r.neighbourhood_id for r in rows if r.neighbourhood_id})
    return [S136Read(**s136.read(r, names, codes)) for r in rows]


@router.get("/s136", summary="Section 136 detentions", response_model=list[S136Read])
def list_s136(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[S136Read]:
    """Detentions (newest first, at most 1,000), by district and month, quarter or year."""
    force = force_or_503(session, settings.force)
    found, period = _filters(session, force, district, month, quarter, year)
    rows = s136.list_detentions(session=session, force=force, district=found, period=period)
    return _s136_read(session, force, rows)


@router.post("/s136", summary="Record a s.136 detention", response_model=S136Read, status_code=201)
def create_s136(
    data: S136Create, session: SessionDep, settings: SettingsDep, principal: Recorder
) -> S136Read:
    """Placed by neighbourhood (LSOA code), point or postcode, which gives the district; the
    end and outcome may come now or later (``PATCH``)."""
    force = force_or_503(session, settings.force)
    with _answering():
        placement = s136.locate(session=session, force=force, data=data)
    _allow(principal, placement.district.id, session)
    with _answering():
        detention = s136.create(
            session=session,
            force=force,
            data=data,
            placement=placement,
            actor=principal.username,
        )
    return _s136_read(session, force, [detention])[0]


@router.get(
    "/s136/monthly", summary="Detentions per month per district", response_model=S136Monthly
)
def s136_monthly(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    first: Annotated[str | None, Query(alias="from", description="first month, YYYY-MM")] = None,
    last: Annotated[str | None, Query(alias="to", description="last month, YYYY-MM")] = None,
) -> S136Monthly:
    """Counts per month (local time) for each district (or one), zeros included, and their
    total; by default the twelve months to this one."""
    force = force_or_503(session, settings.force)
    now = today()
    last = last or f"{now:%Y-%m}"
    if first is None:
        months = now.year * 12 + now.month - 1 - 11
        first = f"{months // 12:04d}-{months % 12 + 1:02d}"
    with _answering():
        period = month_span(first, last)
        found = district_or_none(session=session, force=force, district=district)
    series = s136.monthly(session=session, force=force, period=period, district=found)
    return S136Monthly(**series.as_dict())


@router.get("/s136/{detention_id}", summary="One s.136 detention", response_model=S136Read)
def read_s136(
    detention_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> S136Read:
    """The detention with this id."""
    force = force_or_503(session, settings.force)
    with _answering():
        detention = s136.get_or_raise(session=session, force=force, detention_id=detention_id)
    return _s136_read(session, force, [detention])[0]


@router.patch("/s136/{detention_id}", summary="Change a s.136 detention", response_model=S136Read)
def update_s136(
    detention_id: int,
    data: S136Update,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> S136Read:
    """Usually its end and outcome, given together; fields left out are kept."""
    force = force_or_503(session, settings.force)
    with _answering():
        detention = s136.get_or_raise(session=session, force=force, detention_id=detention_id)
    _allow(principal, detention.district_id, session)
    with _answering():
        s136.update(
            session=session, force=force, detention=detention, data=data, actor=principal.username
        )
    return _s136_read(session, force, [detention])[0]


# -- Speedwatch -------------------------------------------------------------------------------


def _site_read(view: speedwatch.SiteView, names: Names, codes: dict[int, str]) -> SiteRead:
    site = view.site
    return SiteRead(
        id=site.id,
        district=names.slugs.get(site.district_id, "?"),
        district_name=names.names.get(site.district_id, "?"),
        neighbourhood=codes.get(site.neighbourhood_id or 0),
        road=site.road,
        speed_limit_mph=site.speed_limit_mph,
        latitude=site.latitude,
        longitude=site.longitude,
        location_text=site.location_text,
        sessions=view.sessions,
        vehicles_checked=view.vehicles_checked,
        vehicles_detected=view.vehicles_detected,
        last_session=view.last_session,
        created_by=site.created_by,
        created_at=site.created_at,
    )


def _sites_read(session: Session, force: Force, views: list[speedwatch.SiteView]) -> list[SiteRead]:
    names = Names.of(session, force)
    codes = neighbourhood_codes(
        session, {v.site.neighbourhood_id for v in views if v.site.neighbourhood_id}
    )
    return [_site_read(v, names, codes) for v in views]


@router.get("/speedwatch/sites", summary="Speedwatch sites", response_model=list[SiteRead])
def list_sites(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[SiteRead]:
    """Sites by district and road, with their sessions' totals (in the period, if given)."""
    force = force_or_503(session, settings.force)
    found, period = _filters(session, force, district, month, quarter, year)
    views = speedwatch.list_sites(session=session, force=force, district=found, period=period)
    return _sites_read(session, force, views)


def _one_site(session: Session, force: Force, site: SpeedwatchSite) -> SiteRead:
    views = speedwatch.list_sites(session=session, force=force, site_id=site.id)
    return _sites_read(session, force, views)[0]


@router.post(
    "/speedwatch/sites",
    summary="Add a Speedwatch site",
    response_model=SiteRead,
    status_code=201,
)
def create_site(
    data: SiteCreate, session: SessionDep, settings: SettingsDep, principal: Recorder
) -> SiteRead:
    """A road and its speed limit, placed by neighbourhood, point or postcode."""
    force = force_or_503(session, settings.force)
    with _answering():
        placement = speedwatch.locate(session=session, force=force, data=data)
    _allow(principal, placement.district.id, session)
    site = speedwatch.create_site(
        session=session, force=force, data=data, placement=placement, actor=principal.username
    )
    return _one_site(session, force, site)


def _site(session: Session, force: Force, site_id: int) -> SpeedwatchSite:
    with _answering():
        return speedwatch.get_site_or_raise(session=session, force=force, site_id=site_id)


@router.get("/speedwatch/sites/{site_id}", summary="One Speedwatch site", response_model=SiteRead)
def read_site(
    site_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> SiteRead:
    """The site with its sessions' totals."""
    force = force_or_503(session, settings.force)
    return _one_site(session, force, _site(session, force, site_id))


def _session_read(
    view: speedwatch.SessionView, names: Names, *, detail: bool = False
) -> SessionRead:
    held = view.held
    return SessionRead(
        id=held.id,
        site_id=view.site.id,
        road=view.site.road,
        district=names.slugs.get(view.site.district_id, "?"),
        held_on=held.held_on,
        volunteers=held.volunteers,
        hours=held.hours,
        volunteer_hours=view.volunteer_hours,
        vehicles_checked=held.vehicles_checked,
        vehicles_detected=view.vehicles_detected,
        letters_sent=view.letters_sent,
        untaxed_referrals=view.untaxed_referrals,
        no_mot_referrals=view.no_mot_referrals,
        recorded_by=held.recorded_by,
        detections=[
            DetectionRead(
                registration=d.registration,
                speed_mph=d.speed_mph,
                letter_sent=d.letter_sent,
                untaxed=d.untaxed,
                no_mot=d.no_mot,
            )
            for d in held.detections
        ]
        if detail
        else None,
    )


def _one_session(session: Session, force: Force, held: SpeedwatchSession) -> SessionRead:
    views = speedwatch.list_sessions(session=session, force=force, site=held.site)
    view = next(v for v in views if v.held.id == held.id)
    return _session_read(view, Names.of(session, force), detail=True)


@router.get(
    "/speedwatch/sites/{site_id}/sessions",
    summary="A site's sessions",
    response_model=list[SessionRead],
)
def list_site_sessions(
    site_id: int,
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[SessionRead]:
    """The site's sessions, newest first, with their counts."""
    force = force_or_503(session, settings.force)
    site = _site(session, force, site_id)
    _, period = _filters(session, force, None, month, quarter, year)
    views = speedwatch.list_sessions(session=session, force=force, site=site, period=period)
    names = Names.of(session, force)
    return [_session_read(v, names) for v in views]


@router.post(
    "/speedwatch/sites/{site_id}/sessions",
    summary="Record a Speedwatch session",
    response_model=SessionRead,
    status_code=201,
)
def create_session(
    site_id: int,
    data: SessionCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> SessionRead:
    """Date, volunteers, hours, vehicles checked and every vehicle detected over the limit
    (registration, speed, letter sent, untaxed, no MOT): all recorded, or nothing."""
    force = force_or_503(session, settings.force)
    site = _site(session, force, site_id)
    _allow(principal, site.district_id, session)
    with _answering():
        held = speedwatch.create_session(
            session=session, site=site, data=data, actor=principal.username
        )
    session.refresh(held)
    return _one_session(session, force, held)


@router.get("/speedwatch/sessions", summary="Speedwatch sessions", response_model=list[SessionRead])
def list_sessions(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[SessionRead]:
    """Sessions at every site (or a district's), newest first, at most 1,000."""
    force = force_or_503(session, settings.force)
    found, period = _filters(session, force, district, month, quarter, year)
    views = speedwatch.list_sessions(session=session, force=force, district=found, period=period)
    names = Names.of(session, force)
    return [_session_read(v, names) for v in views]


@router.get(
    "/speedwatch/sessions/{session_id}",
    summary="One Speedwatch session with its detections",
    response_model=SessionRead,
)
def read_session(
    session_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> SessionRead:
    """The session, its counts and every vehicle detected."""
    force = force_or_503(session, settings.force)
    with _answering():
        held = speedwatch.get_session_or_raise(session=session, force=force, session_id=session_id)
    return _one_session(session, force, held)


@router.get(
    "/speedwatch/flagged",
    summary="Repeat vehicles to visit (the worklist)",
    response_model=list[FlaggedRead],
)
def list_flagged(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    threshold: Annotated[
        int | None, Query(ge=1, le=1000, description="occasions (default: the force's rule, 5)")
    ] = None,
    include_visited: bool = False,
) -> list[FlaggedRead]:
    """Vehicles detected over the limit on the threshold number of occasions or more and not
    visited since their latest detection (all of them with ``include_visited``); for a
    district, those last detected at its sites."""
    force = force_or_503(session, settings.force)
    found, _ = _filters(session, force, district)
    with _answering():
        vehicles = speedwatch.flagged(
            session=session,
            force=force,
            threshold=threshold or rules(force).repeat_detections,
            district=found,
            include_visited=include_visited,
        )
    names = Names.of(session, force)
    return [FlaggedRead(**v.as_dict(names)) for v in vehicles]


@router.post(
    "/speedwatch/flagged/{registration}/visits",
    summary="Record a visit to a flagged vehicle's keeper",
    response_model=VisitRead,
    status_code=201,
)
def create_visit(
    registration: str,
    data: VisitCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> VisitRead:
    """By the staff of the district where the vehicle was last detected; it leaves the
    worklist until it is detected again."""
    force = force_or_503(session, settings.force)
    try:
        mark = normalise_registration(registration)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"registration: {exc}") from exc
    threshold = rules(force).repeat_detections
    found = speedwatch.flagged(
        session=session, force=force, threshold=threshold, include_visited=True, registration=mark
    )
    if not found:
        raise HTTPException(
            status_code=404,
            detail=f"registration: {mark} is not flagged (detected on fewer than {threshold} "
            "occasions)",
        )
    vehicle = found[0]
    _allow(principal, vehicle.district_id, session)
    with _answering():
        visit = speedwatch.record_visit(
            session=session, force=force, vehicle=vehicle, data=data, actor=principal.username
        )
    return _visit_read(visit, Names.of(session, force))


def _visit_read(visit: Any, names: Names) -> VisitRead:
    return VisitRead(
        id=visit.id,
        registration=visit.registration,
        district=names.slugs.get(visit.district_id, "?"),
        visited_on=visit.visited_on,
        spoke_to_driver=visit.spoke_to_driver,
        notes=visit.notes,
        recorded_by=visit.recorded_by,
    )


@router.get(
    "/speedwatch/visits", summary="Visits to flagged vehicles", response_model=list[VisitRead]
)
def list_visits(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[VisitRead]:
    """Visits recorded, newest first."""
    force = force_or_503(session, settings.force)
    found, period = _filters(session, force, district, month, quarter, year)
    names = Names.of(session, force)
    return [
        _visit_read(v, names)
        for v in speedwatch.visits(session=session, force=force, period=period, district=found)
    ]


@router.get(
    "/speedwatch/effectiveness",
    summary="Vehicles sent a letter and not detected again",
    response_model=EffectivenessRead,
)
def effectiveness(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> EffectivenessRead:
    """Of the vehicles sent a letter in the period (ever, without one), the share with no
    detection over the limit on a later date, anywhere in the force."""
    force = force_or_503(session, settings.force)
    found, period = _filters(session, force, district, month, quarter, year)
    result = speedwatch.letter_effectiveness(
        session=session, force=force, period=period, district=found
    )
    return EffectivenessRead(**result.as_dict())


# -- Volunteers, specials and school officers -------------------------------------------------


def _volunteer_reads(
    session: Session, force: Force, views: list[volunteers.VolunteerView], day: dt.date
) -> list[VolunteerRead]:
    names = Names.of(session, force)
    return [VolunteerRead(**v.as_dict(names, day)) for v in views]


def _one_volunteer(session: Session, force: Force, person_id: int) -> VolunteerRead:
    with _answering():
        person = volunteers.get_or_raise(session=session, force=force, volunteer_id=person_id)
    views = volunteers.list_volunteers(
        session=session, force=force, include_left=True, volunteer_id=person.id
    )
    return _volunteer_reads(session, force, views, today())[0]


@router.get(
    "/volunteers",
    summary="Special Constables, volunteers and school officers",
    response_model=list[VolunteerRead],
)
def list_volunteers(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    role: VolunteerRole | None = None,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
    include_left: bool = False,
) -> list[VolunteerRead]:
    """People by district, role and name, with their duties and hours in the period (or ever);
    ``independent`` is as of the period's last day (or today)."""
    force = force_or_503(session, settings.force)
    found, period = _filters(session, force, district, month, quarter, year)
    views = volunteers.list_volunteers(
        session=session,
        force=force,
        district=found,
        role=role,
        period=period,
        include_left=include_left,
    )
    day = min(period.last_day, today()) if period else today()
    return _volunteer_reads(session, force, views, day)


@router.post(
    "/volunteers",
    summary="Add a Special Constable, volunteer or school officer",
    response_model=VolunteerRead,
    status_code=201,
)
def create_volunteer(
    data: VolunteerCreate, session: SessionDep, settings: SettingsDep, principal: Recorder
) -> VolunteerRead:
    """A person joining a district in a role (Special Constables may be independent already)."""
    force = force_or_503(session, settings.force)
    with _answering():
        district = get_district(session=session, force=force, district=data.district)
    _allow(principal, district.id, session)
    with _answering():
        person = volunteers.create_volunteer(
            session=session, force=force, district=district, data=data, actor=principal.username
        )
    return _one_volunteer(session, force, person.id)


@router.get("/volunteers/{volunteer_id}", summary="One person", response_model=VolunteerRead)
def read_volunteer(
    volunteer_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> VolunteerRead:
    """The person with every duty's hours added up."""
    force = force_or_503(session, settings.force)
    return _one_volunteer(session, force, volunteer_id)


@router.patch(
    "/volunteers/{volunteer_id}", summary="Change a person's record", response_model=VolunteerRead
)
def update_volunteer(
    volunteer_id: int,
    data: VolunteerUpdate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> VolunteerRead:
    """A name, the day they left (``left_on``) or independent patrol (``independent_since``)."""
    force = force_or_503(session, settings.force)
    with _answering():
        person = volunteers.get_or_raise(session=session, force=force, volunteer_id=volunteer_id)
    _allow(principal, person.district_id, session)
    with _answering():
        volunteers.update_volunteer(
            session=session, person=person, data=data, actor=principal.username
        )
    return _one_volunteer(session, force, person.id)


@router.get(
    "/volunteers/{volunteer_id}/duties", summary="A person's duties", response_model=list[DutyRead]
)
def list_duties(
    volunteer_id: int,
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[DutyRead]:
    """Duties, newest first (in the period, if given)."""
    force = force_or_503(session, settings.force)
    with _answering():
        person = volunteers.get_or_raise(session=session, force=force, volunteer_id=volunteer_id)
    _, period = _filters(session, force, None, month, quarter, year)
    duties = volunteers.list_duties(session=session, person=person, period=period)
    return [DutyRead(**volunteers.duty_read(d)) for d in duties]


@router.post(
    "/volunteers/{volunteer_id}/duties",
    summary="Log hours on a duty",
    response_model=DutyRead,
    status_code=201,
)
def create_duty(
    volunteer_id: int,
    data: DutyCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> DutyRead:
    """Date, hours (more than 0; at most 24 in a day, all duties together) and the duty's type."""
    force = force_or_503(session, settings.force)
    with _answering():
        person = volunteers.get_or_raise(session=session, force=force, volunteer_id=volunteer_id)
    _allow(principal, person.district_id, session)
    with _answering():
        duty = volunteers.record_duty(
            session=session, person=person, data=data, actor=principal.username
        )
    return DutyRead(**volunteers.duty_read(duty))


@router.get(
    "/schools", summary="Schools and their school officers", response_model=list[SchoolRead]
)
def list_schools(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[SchoolRead]:
    """Schools by name with their officer and engagements (in the period, if given)."""
    force = force_or_503(session, settings.force)
    found, period = _filters(session, force, district, month, quarter, year)
    names = Names.of(session, force)
    return [
        SchoolRead(**v.as_dict(names))
        for v in volunteers.list_schools(
            session=session, force=force, district=found, period=period
        )
    ]


def _one_school(session: Session, force: Force, school_id: int) -> SchoolRead:
    views = volunteers.list_schools(session=session, force=force, school_id=school_id)
    return SchoolRead(**views[0].as_dict(Names.of(session, force)))


@router.post("/schools", summary="Add a school", response_model=SchoolRead, status_code=201)
def create_school(
    data: SchoolCreate, session: SessionDep, settings: SettingsDep, principal: Recorder
) -> SchoolRead:
    """A school of a district, with its school officer if there is one."""
    force = force_or_503(session, settings.force)
    with _answering():
        district = get_district(session=session, force=force, district=data.district)
    _allow(principal, district.id, session)
    with _answering():
        school = volunteers.create_school(
            session=session, force=force, district=district, data=data, actor=principal.username
        )
    return _one_school(session, force, school.id)


@router.patch(
    "/schools/{school_id}", summary="Change a school's officer", response_model=SchoolRead
)
def update_school(
    school_id: int,
    data: SchoolUpdate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> SchoolRead:
    """Give the school another school officer (``null``: none)."""
    force = force_or_503(session, settings.force)
    with _answering():
        school = volunteers.get_school_or_raise(session=session, force=force, school_id=school_id)
    _allow(principal, school.district_id, session)
    with _answering():
        volunteers.update_school(
            session=session, force=force, school=school, data=data, actor=principal.username
        )
    return _one_school(session, force, school.id)


@router.get(
    "/schools/{school_id}/engagements",
    summary="A school's engagements",
    response_model=list[EngagementRead],
)
def list_engagements(
    school_id: int,
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    month: MonthQuery = None,
    quarter: QuarterQuery = None,
    year: YearQuery = None,
) -> list[EngagementRead]:
    """Lessons, assemblies and visits, newest first (in the period, if given)."""
    force = force_or_503(session, settings.force)
    with _answering():
        school = volunteers.get_school_or_raise(session=session, force=force, school_id=school_id)
    _, period = _filters(session, force, None, month, quarter, year)
    return [
        EngagementRead(**volunteers.engagement_read(e, school))
        for e in volunteers.list_engagements(session=session, school=school, period=period)
    ]


@router.post(
    "/schools/{school_id}/engagements",
    summary="Record an engagement at a school",
    response_model=EngagementRead,
    status_code=201,
)
def create_engagement(
    school_id: int,
    data: EngagementCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> EngagementRead:
    """Date, kind and attendees; by the school's officer unless ``officer_id`` names another."""
    force = force_or_503(session, settings.force)
    with _answering():
        school = volunteers.get_school_or_raise(session=session, force=force, school_id=school_id)
    _allow(principal, school.district_id, session)
    with _answering():
        engagement = volunteers.record_engagement(
            session=session, force=force, school=school, data=data, actor=principal.username
        )
    return EngagementRead(**volunteers.engagement_read(engagement, school))


# -- Report -----------------------------------------------------------------------------------


@router.get("/community/report", summary="The quarter's community figures")
def community_report(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    quarter: Annotated[str, Query(description="a calendar quarter, e.g. 2017Q3")],
    district: DistrictQuery = None,
) -> dict[str, Any]:
    """The data of ``constable report community --json``: one entry per section (s.136,
    Speedwatch, volunteers, schools) with its figures and breakdowns."""
    force = force_or_503(session, settings.force)
    with _answering():
        found = district_or_none(session=session, force=force, district=district)
        period = parse_quarter(quarter)
    return report.build(session=session, force=force, quarter=period, district=found).as_dict()


@router.get("/community/vocabularies", summary="The documented lists of values")
def vocabularies(principal: Reader) -> dict[str, Any]:
    """Places of safety, s.136 outcomes, roles, duty types, engagement kinds and speed limits,
    each value with its label."""

    def listed(kind: Any) -> list[dict[str, str]]:
        return [{"value": v.value, "label": v.label} for v in kind]

    return {
        "place_of_safety": listed(PlaceOfSafety),
        "s136_outcome": listed(S136Outcome),
        "volunteer_role": listed(VolunteerRole),
        "duty_type": listed(DutyType),
        "engagement_kind": listed(EngagementKind),
        "speed_limit_mph": list(SPEED_LIMITS_MPH),
    }
