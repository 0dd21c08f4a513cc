"""Neighbourhood priorities: staff record public meetings and online consultations (who came,
what was raised, what was agreed), each priority with an owner and a review date, and report
back what was done ("you said, we did").

Open priorities feed the district's patrol plans (:func:`open_priorities`,
:func:`priority_weights`) and the quarterly board pack (:func:`quarter_priorities`, pure, over
:func:`priority_records`). Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from constable.community.service import LOCAL_TIME, today
from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood, Person, Team
from constable.public.models import NeighbourhoodPriority, PriorityAction, PublicMeeting
from constable.public.schemas import (
    ActionCreate,
    MeetingCreate,
    PriorityIn,
    PriorityStatus,
    PriorityUpdate,
)
from constable.store import audit
from constable.store.base import utcnow


class PriorityError(ConstableError):
    """A meeting or priority that cannot be recorded as given; the message starts with the
    field at fault."""

    status = 422


class PriorityNotFound(PriorityError):
    """A meeting, priority or neighbourhood that does not exist."""

    status = 404


# Published text must not carry contact details or record references: staff are told so, and
# these catch the mistakes that can be caught.
_UNPUBLISHABLE = {
    "an email address": re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
    "a phone number": re.compile(r"(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,9}\b"),
    "a record reference": re.compile(r"\b[A-Z]{2,10}-(?:CR|ASB|INC)-\d{4,}\b"),
}


def _publishable(field_name: str, text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    for what, pattern in _UNPUBLISHABLE.items():
        if pattern.search(text):
            raise PriorityError(
                f"{field_name}: this is published on the neighbourhood page: leave out {what}"
            )
    return text


def _neighbourhood(session: Session, force: Force, code: str, field_name: str) -> Neighbourhood:
    hood = session.scalar(
        select(Neighbourhood)
        .join(District, District.id == Neighbourhood.district_id)
        .where(District.force_id == force.id, Neighbourhood.code == code.strip().upper())
    )
    if hood is None:
        raise PriorityNotFound(
            f"{field_name}: {code!r} is not a neighbourhood of {force.name}: give its LSOA code, "
            "e.g. from the district page"
        )
    return hood


def _owner(session: Session, district: District, name: str, field_name: str) -> Person:
    """A post of the district's teams by name (any case)."""
    person = session.scalar(
        select(Person)
        .join(Team, Team.id == Person.team_id)
        .where(Team.district_id == district.id, func.lower(Person.name) == name.strip().lower())
    )
    if person is None:
        example = session.scalar(
            select(Person.name)
            .join(Team, Team.id == Person.team_id)
            .where(Team.district_id == district.id, Person.role == "PCSO")
            .order_by(Person.id)
        )
        hint = f", e.g. {example!r}" if example else ""
        raise PriorityError(
            f"{field_name}: {name!r} is not a post in {district.name}: give the name of one of "
            f"its officers, PCSOs or staff{hint}"
        )
    return person


def _open_count(session: Session, neighbourhood_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(NeighbourhoodPriority)
            .where(
                NeighbourhoodPriority.neighbourhood_id == neighbourhood_id,
                NeighbourhoodPriority.status == PriorityStatus.OPEN,
            )
        )
        or 0
    )


def record_meeting(
    *,
    session: Session,
    force: Force,
    data: MeetingCreate,
    actor: str,
    max_open: int,
    now: dt.datetime | None = None,
) -> PublicMeeting:
    """Record a meeting and the priorities agreed at it, all or nothing.

    A neighbourhood may have at most ``max_open`` open priorities, counting the new ones.
    """
    now = now or utcnow()
    day = now.astimezone(LOCAL_TIME).date()
    hood = _neighbourhood(session, force, data.neighbourhood, "neighbourhood")
    district = session.get(District, hood.district_id)
    assert district is not None
    if data.held_on > day:
        raise PriorityError(
            f"held_on: {data.held_on.isoformat()} is in the future: record a meeting after it"
        )
    issues = []
    for index, issue in enumerate(data.issues_raised):
        text = _publishable(f"issues_raised[{index}]", issue)
        if not text:
            raise PriorityError(
                f"issues_raised[{index}]: is empty: write the issue or leave it out"
            )
        issues.append(text)
    place = _publishable("place", data.place)
    planned: list[tuple[PriorityIn, Neighbourhood, Person]] = []
    for index, given in enumerate(data.priorities):
        where = f"priorities[{index}]"
        target = (
            _neighbourhood(session, force, given.neighbourhood, f"{where}.neighbourhood")
            if given.neighbourhood
            else hood
        )
        if target.district_id != district.id:
            raise PriorityError(
                f"{where}.neighbourhood: {target.code} is not in {district.name}, the "
                "meeting's district"
            )
        if given.review_on < data.held_on:
            raise PriorityError(
                f"{where}.review_on: {given.review_on.isoformat()} is before the meeting "
                f"({data.held_on.isoformat()})"
            )
        _publishable(f"{where}.title", given.title)
        _publishable(f"{where}.detail", given.detail)
        owner = _owner(session, district, given.owner, f"{where}.owner")
        planned.append((given, target, owner))
    adding = Counter(target.id for _, target, _ in planned)
    for target_id, count in adding.items():
        now_open = _open_count(session, target_id)
        if now_open + count > max_open:
            name = next(t.name for _, t, _ in planned if t.id == target_id)
            raise PriorityError(
                f"priorities: {name} would have {now_open + count} open priorities, at most "
                f"{max_open}: close or resolve one first (PATCH /api/priorities/{{id}})"
            )
    meeting = PublicMeeting(
        district_id=district.id,
        neighbourhood_id=hood.id,
        kind=data.kind.value,
        held_on=data.held_on,
        place=place,
        attendance=data.attendance,
        issues_raised=issues,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(meeting)
    session.flush()
    for given, target, owner in planned:
        session.add(
            NeighbourhoodPriority(
                meeting_id=meeting.id,
                district_id=district.id,
                neighbourhood_id=target.id,
                title=_publishable("title", given.title) or given.title,
                detail=_publishable("detail", given.detail),
                owner_id=owner.id,
                owner_name=owner.name,
                agreed_on=data.held_on,
                review_on=given.review_on,
                status=PriorityStatus.OPEN.value,
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="priorities.meeting_recorded",
        entity="public_meeting",
        entity_id=meeting.id,
        after={
            "neighbourhood": hood.code,
            "held_on": data.held_on.isoformat(),
            "attendance": data.attendance,
            "priorities": [p.title for p, _, _ in planned],
        },
    )
    session.refresh(meeting)
    return meeting


def get_priority_or_raise(
    *, session: Session, force: Force, priority_id: int
) -> NeighbourhoodPriority:
    """The priority with this id in one of the force's districts."""
    found = session.scalar(
        select(NeighbourhoodPriority)
        .join(District, District.id == NeighbourhoodPriority.district_id)
        .where(NeighbourhoodPriority.id == priority_id, District.force_id == force.id)
        .options(selectinload(NeighbourhoodPriority.actions))
    )
    if found is None:
        raise PriorityNotFound(f"no priority {priority_id} in {force.name}")
    return found


def get_meeting_or_raise(*, session: Session, force: Force, meeting_id: int) -> PublicMeeting:
    """The meeting with this id in one of the force's districts."""
    found = session.scalar(
        select(PublicMeeting)
        .join(District, District.id == PublicMeeting.district_id)
        .where(PublicMeeting.id == meeting_id, District.force_id == force.id)
    )
    if found is None:
        raise PriorityNotFound(f"no meeting {meeting_id} in {force.name}")
    return found


def add_action(
    *,
    session: Session,
    priority: NeighbourhoodPriority,
    data: ActionCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> PriorityAction:
    """Record something done about a priority (it stays open until resolved or closed)."""
    now = now or utcnow()
    if data.done_on > now.astimezone(LOCAL_TIME).date():
        raise PriorityError(f"done_on: {data.done_on.isoformat()} is in the future")
    if data.done_on < priority.agreed_on:
        raise PriorityError(
            f"done_on: {data.done_on.isoformat()} is before the priority was agreed "
            f"({priority.agreed_on.isoformat()})"
        )
    text = _publishable("text", data.text)
    assert text is not None
    action = PriorityAction(
        priority_id=priority.id,
        done_on=data.done_on,
        text=text,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(action)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="priorities.action_recorded",
        entity="neighbourhood_priority",
        entity_id=priority.id,
        after={"done_on": data.done_on.isoformat(), "text": text},
    )
    session.refresh(priority)
    return action


def update_priority(
    *,
    session: Session,
    priority: NeighbourhoodPriority,
    data: PriorityUpdate,
    actor: str,
    max_open: int,
    now: dt.datetime | None = None,
) -> NeighbourhoodPriority:
    """Change the review date or owner, resolve or close a priority (with its result), or
    reopen it (within the neighbourhood's limit)."""
    now = now or utcnow()
    day = now.astimezone(LOCAL_TIME).date()
    before = _snapshot(priority)
    if data.review_on is not None:
        if data.review_on < priority.agreed_on:
            raise PriorityError(
                f"review_on: {data.review_on.isoformat()} is before the priority was agreed"
            )
        priority.review_on = data.review_on
    if data.owner is not None:
        district = session.get(District, priority.district_id)
        assert district is not None
        owner = _owner(session, district, data.owner, "owner")
        priority.owner_id, priority.owner_name = owner.id, owner.name
    if data.result is not None:
        priority.result = _publishable("result", data.result)
    if data.status is not None and data.status.value != priority.status:
        if data.status is PriorityStatus.OPEN:
            if _open_count(session, priority.neighbourhood_id) + 1 > max_open:
                raise PriorityError(
                    f"status: the neighbourhood already has {max_open} open priorities"
                )
            priority.closed_on, priority.result = None, None
        else:
            if not priority.result:
                raise PriorityError(
                    f'result: say what was done ("we did") to mark the priority {data.status}'
                )
            closed_on = data.closed_on or day
            if closed_on > day or closed_on < priority.agreed_on:
                raise PriorityError(
                    f"closed_on: {closed_on.isoformat()} must be between the day it was agreed "
                    "and today"
                )
            priority.closed_on = closed_on
        priority.status = data.status.value
    elif data.closed_on is not None:
        raise PriorityError("closed_on: give it with a status of resolved or closed")
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="priorities.updated",
        entity="neighbourhood_priority",
        entity_id=priority.id,
        before=before,
        after=_snapshot(priority),
    )
    return priority


def _snapshot(priority: NeighbourhoodPriority) -> dict[str, Any]:
    return {
        "status": priority.status,
        "review_on": priority.review_on.isoformat(),
        "owner": priority.owner_name,
        "closed_on": priority.closed_on.isoformat() if priority.closed_on else None,
        "result": priority.result,
    }


def list_meetings(
    *, session: Session, force: Force, district: District | None = None, limit: int = 200
) -> list[PublicMeeting]:
    """Meetings, newest first, in the force or one district."""
    query = (
        select(PublicMeeting)
        .join(District, District.id == PublicMeeting.district_id)
        .where(District.force_id == force.id)
        .options(selectinload(PublicMeeting.priorities).selectinload(NeighbourhoodPriority.actions))
        .order_by(PublicMeeting.held_on.desc(), PublicMeeting.id.desc())
        .limit(limit)
    )
    if district is not None:
        query = query.where(PublicMeeting.district_id == district.id)
    return list(session.scalars(query))


def list_priorities(
    *,
    session: Session,
    force: Force,
    district: District | None = None,
    status: PriorityStatus | None = None,
    neighbourhood_id: int | None = None,
) -> list[NeighbourhoodPriority]:
    """Priorities by review date (soonest first), filtered by district, status, neighbourhood."""
    query = (
        select(NeighbourhoodPriority)
        .join(District, District.id == NeighbourhoodPriority.district_id)
        .where(District.force_id == force.id)
        .options(selectinload(NeighbourhoodPriority.actions))
        .order_by(NeighbourhoodPriority.review_on, NeighbourhoodPriority.id)
    )
    if district is not None:
        query = query.where(NeighbourhoodPriority.district_id == district.id)
    if status is not None:
        query = query.where(NeighbourhoodPriority.status == status.value)
    if neighbourhood_id is not None:
        query = query.where(NeighbourhoodPriority.neighbourhood_id == neighbourhood_id)
    return list(session.scalars(query))


# -- For patrol plans and the board pack ------------------------------------------------------


@dataclass(frozen=True)
class OpenPriority:
    """An open priority of a district, placed by its neighbourhood's LSOA code."""

    neighbourhood_code: str
    neighbourhood_name: str
    title: str
    owner: str
    agreed_on: dt.date
    review_on: dt.date
    review_due: bool


def open_priorities(
    session: Session, district: District, *, on: dt.date | None = None
) -> list[OpenPriority]:
    """The district's open priorities (review due when ``review_on`` is before ``on``, default
    today), by neighbourhood code then review date."""
    on = on or today()
    rows = session.execute(
        select(NeighbourhoodPriority, Neighbourhood.code, Neighbourhood.name)
        .join(Neighbourhood, Neighbourhood.id == NeighbourhoodPriority.neighbourhood_id)
        .where(
            NeighbourhoodPriority.district_id == district.id,
            NeighbourhoodPriority.status == PriorityStatus.OPEN.value,
        )
        .order_by(Neighbourhood.code, NeighbourhoodPriority.review_on, NeighbourhoodPriority.id)
    ).all()
    return [
        OpenPriority(
            neighbourhood_code=code,
            neighbourhood_name=name,
            title=p.title,
            owner=p.owner_name,
            agreed_on=p.agreed_on,
            review_on=p.review_on,
            review_due=p.review_on < on,
        )
        for p, code, name in rows
    ]


PRIORITY_BOOST = 0.5
"""How much each open priority raises its neighbourhood's boxes in a patrol plan: a box's
forecast score is multiplied by ``1 + 0.5 x`` the neighbourhood's open priorities."""


def priority_weights(priorities: Sequence[OpenPriority]) -> dict[str, float]:
    """Neighbourhood code → the weight a patrol planner multiplies its boxes' scores by
    (``priority_neighbourhoods``): ``1 + PRIORITY_BOOST`` per open priority there."""
    counts = Counter(p.neighbourhood_code for p in priorities)
    return {code: 1.0 + PRIORITY_BOOST * count for code, count in counts.items()}


@dataclass(frozen=True)
class PriorityRecord:
    """A priority with its history, as the board pack reports it."""

    district: str
    district_name: str
    neighbourhood_code: str
    neighbourhood_name: str
    title: str
    owner: str
    agreed_on: dt.date
    review_on: dt.date
    status: str
    closed_on: dt.date | None
    result: str | None
    actions: list[tuple[dt.date, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "district": self.district,
            "district_name": self.district_name,
            "neighbourhood": self.neighbourhood_code,
            "neighbourhood_name": self.neighbourhood_name,
            "title": self.title,
            "owner": self.owner,
            "agreed_on": self.agreed_on.isoformat(),
            "review_on": self.review_on.isoformat(),
            "status": self.status,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "result": self.result,
            "actions": [{"done_on": d.isoformat(), "text": t} for d, t in self.actions],
        }


def priority_records(session: Session, force: Force) -> list[PriorityRecord]:
    """Every priority of the force with its actions (for :func:`quarter_priorities`)."""
    rows = session.execute(
        select(
            NeighbourhoodPriority,
            District.slug,
            District.name,
            Neighbourhood.code,
            Neighbourhood.name,
        )
        .join(District, District.id == NeighbourhoodPriority.district_id)
        .join(Neighbourhood, Neighbourhood.id == NeighbourhoodPriority.neighbourhood_id)
        .where(District.force_id == force.id)
        .options(selectinload(NeighbourhoodPriority.actions))
        .order_by(
            District.slug,
            Neighbourhood.code,
            NeighbourhoodPriority.agreed_on,
            NeighbourhoodPriority.id,
        )
    ).all()
    return [
        PriorityRecord(
            district=slug,
            district_name=district_name,
            neighbourhood_code=code,
            neighbourhood_name=name,
            title=p.title,
            owner=p.owner_name,
            agreed_on=p.agreed_on,
            review_on=p.review_on,
            status=p.status,
            closed_on=p.closed_on,
            result=p.result,
            actions=[(a.done_on, a.text) for a in p.actions],
        )
        for p, slug, district_name, code, name in rows
    ]


def quarter_priorities(
    records: Sequence[PriorityRecord], start: dt.date, end: dt.date
) -> dict[str, list[PriorityRecord]]:
    """Per district slug, the priorities that were open at some time in ``[start, end)``, as
    they stood at the quarter's end: agreed before ``end`` and not closed before ``start``;
    a priority closed after the quarter counts as open in it, and only the quarter's actions
    are kept."""
    found: dict[str, list[PriorityRecord]] = {}
    for record in records:
        if record.agreed_on >= end or (record.closed_on is not None and record.closed_on < start):
            continue
        closed_later = record.closed_on is not None and record.closed_on >= end
        found.setdefault(record.district, []).append(
            PriorityRecord(
                district=record.district,
                district_name=record.district_name,
                neighbourhood_code=record.neighbourhood_code,
                neighbourhood_name=record.neighbourhood_name,
                title=record.title,
                owner=record.owner,
                agreed_on=record.agreed_on,
                review_on=record.review_on,
                status=PriorityStatus.OPEN.value if closed_later else record.status,
                closed_on=None if closed_later else record.closed_on,
                result=None if closed_later else record.result,
                actions=[(d, t) for d, t in record.actions if start <= d < end],
            )
        )
    return found
