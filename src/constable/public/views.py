"""The public side's JSON API (included under ``/api``).

Public (no sign-in; rate-limited; read-only)::

    GET /public/postcodes/{postcode}         where a postcode is: its neighbourhood's page
    GET /public/neighbourhoods/{slug}        a neighbourhood page's data (cached, with an ETag)

Staff (signed in; recording needs ``record_community`` for the district)::

    GET|POST /priorities/meetings            meetings and consultations, with what was agreed
    GET  /priorities/meetings/{id}
    GET  /priorities                         by district, status and neighbourhood
    GET  /priorities/open                    a district's open priorities, for patrol plans
    GET  /priorities/quarter                 per district, for the board pack
    GET|PATCH /priorities/{id}               review date, owner, resolve or close
    POST /priorities/{id}/actions            report back what was done
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import require, require_for_district
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.community.service import district_or_none, parse_quarter, today
from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood
from constable.public import priorities as service
from constable.public.models import NeighbourhoodPriority, PublicMeeting
from constable.public.neighbourhood import build_page, directory, find_by_postcode
from constable.public.schemas import (
    ActionCreate,
    ActionRead,
    MeetingCreate,
    MeetingKind,
    MeetingRead,
    NeighbourhoodFound,
    PriorityRead,
    PriorityStatus,
    PriorityUpdate,
)
from constable.public.site import (
    NO_STORE,
    cacheable,
    clear_public_pages,
    rate_limited_api,
    site_of,
)

public_router = APIRouter(dependencies=[Depends(rate_limited_api)])
"""Public: no sign-in. WARNING: every route here must be read-only and show public data only."""

router = APIRouter()
"""Staff: every route needs a signed-in user."""

Reader = Annotated[Principal, Depends(require(Action.READ))]
Recorder = Annotated[Principal, Depends(require(Action.RECORD_COMMUNITY))]
DistrictQuery = Annotated[
    str | None, Query(description="a district's slug, name or ONS code (default: all)")
]


@contextmanager
def _answering() -> Iterator[None]:
    try:
        yield
    except ConstableError as exc:
        raise http_error(exc) from exc


# -- Public -----------------------------------------------------------------------------------


@public_router.get(
    "/public/postcodes/{postcode}",
    summary="The neighbourhood of a postcode",
    response_model=NeighbourhoodFound,
    responses={
        404: {"description": "Not a postcode of the force"},
        422: {"description": "Not a postcode"},
    },
)
def postcode_neighbourhood(
    postcode: str, session: SessionDep, settings: SettingsDep, response: Response
) -> NeighbourhoodFound:
    """Where the postcode is (any spacing or case): 422 when it is not a postcode at all, 404
    when it is not in the directory or not in the force's area."""
    force = force_or_503(session, settings.force)
    with _answering():
        entry = find_by_postcode(session, force, postcode)
    response.headers.update(NO_STORE)
    return NeighbourhoodFound(
        neighbourhood=entry.code,
        name=entry.name,
        district=entry.district_name,
        url=f"/neighbourhood/{entry.slug}",
    )


@public_router.get(
    "/public/neighbourhoods/{slug}",
    summary="A neighbourhood's public page, as data",
    responses={404: {"description": "No such neighbourhood"}},
)
def neighbourhood_data(
    slug: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Exactly what the page ``/neighbourhood/{slug}`` shows (a slug or an LSOA code): the
    neighbourhood, its team, priorities, meetings, crime and ASB counts (small counts null) and
    how to contact the team."""
    site = site_of(request)
    day = today()
    key = ("neighbourhood-json", slug)
    hit = site.cache.get(key, day)
    if hit is None:
        force = force_or_503(session, settings.force)
        with _answering():
            entry = directory(session, force).get(slug)
        page = build_page(
            session,
            force,
            entry,
            on=day,
            months=settings.public_months,
            below=settings.public_suppress_below,
            snap_metres=settings.public_snap_metres,
            contact_phone=settings.public_contact_phone,
            report_url=settings.public_report_url,
        )
        body = json.dumps(page.data, separators=(",", ":")).encode()
        hit = site.cache.put(key, day, body, "application/json")
    return cacheable(request, hit, site.cache_seconds)


# -- Staff ------------------------------------------------------------------------------------


def _priority_read(session: Session, priority: NeighbourhoodPriority, on: Any) -> PriorityRead:
    district = session.get(District, priority.district_id)
    hood = session.get(Neighbourhood, priority.neighbourhood_id)
    assert district is not None and hood is not None
    return PriorityRead(
        id=priority.id,
        meeting_id=priority.meeting_id,
        district=district.slug,
        neighbourhood=hood.code,
        neighbourhood_name=hood.name,
        title=priority.title,
        detail=priority.detail,
        owner=priority.owner_name,
        agreed_on=priority.agreed_on,
        review_on=priority.review_on,
        review_due=priority.status == PriorityStatus.OPEN and priority.review_on < on,
        status=PriorityStatus(priority.status),
        closed_on=priority.closed_on,
        result=priority.result,
        actions=[
            ActionRead(done_on=a.done_on, text=a.text, recorded_by=a.recorded_by)
            for a in priority.actions
        ],
    )


def _meeting_read(session: Session, meeting: PublicMeeting) -> MeetingRead:
    district = session.get(District, meeting.district_id)
    hood = session.get(Neighbourhood, meeting.neighbourhood_id)
    assert district is not None and hood is not None
    on = today()
    return MeetingRead(
        id=meeting.id,
        district=district.slug,
        neighbourhood=hood.code,
        neighbourhood_name=hood.name,
        kind=MeetingKind(meeting.kind),
        held_on=meeting.held_on,
        place=meeting.place,
        attendance=meeting.attendance,
        issues_raised=list(meeting.issues_raised),
        recorded_by=meeting.recorded_by,
        recorded_at=meeting.recorded_at,
        priorities=[_priority_read(session, p, on) for p in meeting.priorities],
    )


def _district_of_neighbourhood(session: Session, force: Force, code: str) -> District:
    district = session.scalar(
        select(District)
        .join(Neighbourhood, Neighbourhood.district_id == District.id)
        .where(District.force_id == force.id, Neighbourhood.code == code.strip().upper())
    )
    if district is None:
        raise HTTPException(
            status_code=404,
            detail=f"neighbourhood: {code!r} is not a neighbourhood of {force.name}",
        )
    return district


@router.post(
    "/priorities/meetings",
    summary="Record a public meeting or online consultation",
    response_model=MeetingRead,
    status_code=201,
)
def create_meeting(
    data: MeetingCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> MeetingRead:
    """The meeting, what was raised and the priorities agreed (each with an owner, a post of the
    district, and a review date), at most ``public_max_priorities`` open per neighbourhood.
    All or nothing."""
    force = force_or_503(session, settings.force)
    district = _district_of_neighbourhood(session, force, data.neighbourhood)
    require_for_district(principal, Action.RECORD_COMMUNITY, district.id, district.name)
    with _answering():
        meeting = service.record_meeting(
            session=session,
            force=force,
            data=data,
            actor=principal.username,
            max_open=settings.public_max_priorities,
        )
    clear_public_pages(request)
    return _meeting_read(session, meeting)


@router.get(
    "/priorities/meetings", summary="Meetings and consultations", response_model=list[MeetingRead]
)
def list_meetings(
    session: SessionDep, settings: SettingsDep, principal: Reader, district: DistrictQuery = None
) -> list[MeetingRead]:
    """Newest first (at most 200), in the force or one district."""
    force = force_or_503(session, settings.force)
    with _answering():
        found = district_or_none(session=session, force=force, district=district)
    meetings = service.list_meetings(session=session, force=force, district=found)
    return [_meeting_read(session, m) for m in meetings]


@router.get("/priorities/meetings/{meeting_id}", summary="One meeting", response_model=MeetingRead)
def read_meeting(
    meeting_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> MeetingRead:
    """The meeting with this id and its priorities."""
    force = force_or_503(session, settings.force)
    with _answering():
        meeting = service.get_meeting_or_raise(session=session, force=force, meeting_id=meeting_id)
    return _meeting_read(session, meeting)


@router.get("/priorities/open", summary="A district's open priorities, for patrol plans")
def open_priorities(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: Annotated[str, Query(description="a district's slug, name or ONS code")],
) -> dict[str, Any]:
    """Each open priority with its neighbourhood's LSOA code, and the weights a patrol plan
    takes (``priority_neighbourhoods``: open priorities per neighbourhood)."""
    force = force_or_503(session, settings.force)
    with _answering():
        found = district_or_none(session=session, force=force, district=district)
    if found is None:  # an empty ?district= names none: a patrol plan is for one district
        raise HTTPException(status_code=422, detail="district: name the district")
    listed = service.open_priorities(session, found)
    return {
        "district": found.slug,
        "priorities": [
            {
                "neighbourhood": p.neighbourhood_code,
                "neighbourhood_name": p.neighbourhood_name,
                "title": p.title,
                "owner": p.owner,
                "agreed_on": p.agreed_on.isoformat(),
                "review_on": p.review_on.isoformat(),
                "review_due": p.review_due,
            }
            for p in listed
        ],
        "priority_neighbourhoods": service.priority_weights(listed),
    }


@router.get("/priorities/quarter", summary="Priorities of a quarter by district (board pack)")
def quarter(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    quarter: Annotated[str, Query(description="a calendar quarter, e.g. 2026Q3")],
) -> dict[str, Any]:
    """Per district, the priorities open at some time in the quarter, as they stood at its
    end, with the actions taken in it."""
    force = force_or_503(session, settings.force)
    with _answering():
        period = parse_quarter(quarter)
    found = service.quarter_priorities(
        service.priority_records(session, force), period.start, period.end
    )
    return {
        "quarter": period.label,
        "districts": {slug: [r.as_dict() for r in rows] for slug, rows in found.items()},
    }


@router.get("/priorities", summary="Neighbourhood priorities", response_model=list[PriorityRead])
def list_priorities(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: DistrictQuery = None,
    status: PriorityStatus | None = None,
    neighbourhood: Annotated[str | None, Query(description="an LSOA code")] = None,
) -> list[PriorityRead]:
    """By review date, soonest first."""
    force = force_or_503(session, settings.force)
    with _answering():
        found = district_or_none(session=session, force=force, district=district)
    hood_id = None
    if neighbourhood:
        hood_id = session.scalar(
            select(Neighbourhood.id).where(Neighbourhood.code == neighbourhood.strip().upper())
        )
        if hood_id is None:
            raise HTTPException(404, detail=f"neighbourhood: {neighbourhood!r} is not known")
    rows = service.list_priorities(
        session=session, force=force, district=found, status=status, neighbourhood_id=hood_id
    )
    on = today()
    return [_priority_read(session, p, on) for p in rows]


@router.get("/priorities/{priority_id}", summary="One priority", response_model=PriorityRead)
def read_priority(
    priority_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> PriorityRead:
    """The priority with this id and what was done about it."""
    force = force_or_503(session, settings.force)
    with _answering():
        priority = service.get_priority_or_raise(
            session=session, force=force, priority_id=priority_id
        )
    return _priority_read(session, priority, today())


def _editable(
    session: Session, force: Force, principal: Principal, priority_id: int
) -> NeighbourhoodPriority:
    with _answering():
        priority = service.get_priority_or_raise(
            session=session, force=force, priority_id=priority_id
        )
    district = session.get(District, priority.district_id)
    require_for_district(
        principal, Action.RECORD_COMMUNITY, priority.district_id, district.name if district else "?"
    )
    return priority


@router.patch("/priorities/{priority_id}", summary="Change a priority", response_model=PriorityRead)
def update_priority(
    priority_id: int,
    data: PriorityUpdate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> PriorityRead:
    """Its review date or owner, or its end: ``status`` resolved or closed with a ``result``
    (what was done, published as "we did")."""
    force = force_or_503(session, settings.force)
    priority = _editable(session, force, principal, priority_id)
    with _answering():
        service.update_priority(
            session=session,
            priority=priority,
            data=data,
            actor=principal.username,
            max_open=settings.public_max_priorities,
        )
    clear_public_pages(request)
    return _priority_read(session, priority, today())


@router.post(
    "/priorities/{priority_id}/actions",
    summary="Report back what was done",
    response_model=PriorityRead,
    status_code=201,
)
def add_action(
    priority_id: int,
    data: ActionCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Recorder,
) -> PriorityRead:
    """Something done about the priority, shown on the neighbourhood page under "we did"."""
    force = force_or_503(session, settings.force)
    priority = _editable(session, force, principal, priority_id)
    with _answering():
        service.add_action(session=session, priority=priority, data=data, actor=principal.username)
    clear_public_pages(request)
    return _priority_read(session, priority, today())
