"""Special Constables, volunteers and school officers: people, duties and hours, schools and
engagements, and the quarter's totals.

Definitions (docs/community.md):

- A person **serves** on a day when they had joined by then and had not left before it
  (``joined_on <= day`` and ``left_on``, their last day, empty or not before the day). The
  **number** of a role at the end of a period is how many serve on its last day.
- An **independent** Special Constable is one passed for independent patrol on or before the
  day (``independent_since <= day``) who serves on it.
- **Hours given** in a period are the hours of the duties dated in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from constable.community.enums import DutyType, EngagementKind, VolunteerRole
from constable.community.models import School, SchoolEngagement, Volunteer, VolunteerDuty
from constable.community.schemas import (
    DutyCreate,
    EngagementCreate,
    SchoolCreate,
    SchoolUpdate,
    VolunteerCreate,
    VolunteerUpdate,
)
from constable.community.service import (
    CommunityError,
    CommunityNotFound,
    Names,
    Period,
    not_in_future,
)
from constable.force.models import District, Force
from constable.store import audit
from constable.store.base import utcnow

MAX_HOURS_A_DAY = 24.0


def _state(person: Volunteer) -> dict[str, Any]:
    return {
        "name": person.name,
        "role": person.role,
        "district_id": person.district_id,
        "joined_on": person.joined_on.isoformat(),
        "left_on": person.left_on.isoformat() if person.left_on else None,
        "independent_since": (
            person.independent_since.isoformat() if person.independent_since else None
        ),
    }


def _check_person(
    *,
    role: str,
    joined_on: dt.date,
    left_on: dt.date | None,
    independent_since: dt.date | None,
) -> None:
    not_in_future("joined_on", joined_on)
    if left_on is not None:
        not_in_future("left_on", left_on)
        if left_on < joined_on:
            raise CommunityError(
                f"left_on: {left_on.isoformat()} is before joined_on {joined_on.isoformat()}"
            )
    if independent_since is not None:
        if role != VolunteerRole.SPECIAL_CONSTABLE:
            raise CommunityError(
                f"independent_since: only Special Constables are passed for independent "
                f"patrol, not a {VolunteerRole(role).label.lower()}"
            )
        not_in_future("independent_since", independent_since)
        if independent_since < joined_on:
            raise CommunityError(
                f"independent_since: {independent_since.isoformat()} is before joined_on "
                f"{joined_on.isoformat()}"
            )
        if left_on is not None and independent_since > left_on:
            raise CommunityError(
                f"independent_since: {independent_since.isoformat()} is after left_on "
                f"{left_on.isoformat()}"
            )


def create_volunteer(
    *,
    session: Session,
    force: Force,
    district: District,
    data: VolunteerCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> Volunteer:
    """A person joining ``district`` in a role."""
    now = now or utcnow()
    _check_person(
        role=data.role.value,
        joined_on=data.joined_on,
        left_on=None,
        independent_since=data.independent_since,
    )
    person = Volunteer(
        force_id=force.id,
        district_id=district.id,
        name=data.name.strip(),
        role=data.role.value,
        joined_on=data.joined_on,
        left_on=None,
        independent_since=data.independent_since,
        created_by=actor,
        created_at=now,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="volunteer.create",
        entity="volunteer",
        entity_id=person.id,
        after=_state(person),
    )
    return person


def update_volunteer(
    *, session: Session, person: Volunteer, data: VolunteerUpdate, actor: str
) -> Volunteer:
    """Change the fields given in ``data``: a name, leaving, or independent patrol status."""
    given = data.model_fields_set
    if not given:
        raise CommunityError("body: give at least one field to change")
    if "name" in given and not (data.name or "").strip():
        raise CommunityError("name: give the person's name")
    left_on = data.left_on if "left_on" in given else person.left_on
    independent = (
        data.independent_since if "independent_since" in given else person.independent_since
    )
    _check_person(
        role=person.role,
        joined_on=person.joined_on,
        left_on=left_on,
        independent_since=independent,
    )
    if left_on is not None:
        late = session.scalar(
            select(func.max(VolunteerDuty.duty_on)).where(
                VolunteerDuty.volunteer_id == person.id, VolunteerDuty.duty_on > left_on
            )
        )
        if late is not None:
            raise CommunityError(
                f"left_on: {left_on.isoformat()} is before a duty on {late.isoformat()}"
            )
    before = _state(person)
    if "name" in given and data.name:
        person.name = data.name.strip()
    person.left_on = left_on
    person.independent_since = independent
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="volunteer.update",
        entity="volunteer",
        entity_id=person.id,
        before=before,
        after=_state(person),
    )
    return person


def get_or_raise(*, session: Session, force: Force, volunteer_id: int) -> Volunteer:
    """The person with this id in ``force``, or :class:`CommunityNotFound`."""
    person = session.get(Volunteer, volunteer_id)
    if person is None or person.force_id != force.id:
        raise CommunityNotFound(f"there is no volunteer {volunteer_id}")
    return person


def serving(day: dt.date) -> Any:
    """A condition: the person serves on ``day``."""
    return and_(
        Volunteer.joined_on <= day, or_(Volunteer.left_on.is_(None), Volunteer.left_on >= day)
    )


def is_independent(person: Volunteer, day: dt.date) -> bool:
    """Whether ``person`` is an independent Special Constable on ``day``."""
    return person.independent_since is not None and person.independent_since <= day


@dataclass
class VolunteerView:
    """A person with the duties and hours of a period (or ever)."""

    person: Volunteer
    duties: int
    hours: float

    def as_dict(self, names: Names, day: dt.date) -> dict[str, Any]:
        """Plain data (:class:`~constable.community.schemas.VolunteerRead`)."""
        person = self.person
        role = VolunteerRole(person.role)
        return {
            "id": person.id,
            "name": person.name,
            "role": role,
            "role_label": role.label,
            "district": names.slugs.get(person.district_id, "?"),
            "district_name": names.names.get(person.district_id, "?"),
            "joined_on": person.joined_on,
            "left_on": person.left_on,
            "independent_since": person.independent_since,
            "independent": is_independent(person, day),
            "duties": self.duties,
            "hours": self.hours,
        }


def list_volunteers(
    *,
    session: Session,
    force: Force,
    district: District | None = None,
    role: VolunteerRole | None = None,
    period: Period | None = None,
    include_left: bool = False,
    volunteer_id: int | None = None,
) -> list[VolunteerView]:
    """People of the force (or a district) by district, role and name, with their duties and
    hours in ``period`` (or ever); those who left before the period only if ``include_left``."""
    hours = select(
        VolunteerDuty.volunteer_id,
        func.count(VolunteerDuty.id).label("duties"),
        func.coalesce(func.sum(VolunteerDuty.hours), 0.0).label("hours"),
    )
    if period is not None:
        hours = hours.where(
            VolunteerDuty.duty_on >= period.start, VolunteerDuty.duty_on < period.end
        )
    given = hours.group_by(VolunteerDuty.volunteer_id).subquery()
    query = (
        select(Volunteer, given.c.duties, given.c.hours)
        .outerjoin(given, given.c.volunteer_id == Volunteer.id)
        .where(Volunteer.force_id == force.id)
    )
    if district is not None:
        query = query.where(Volunteer.district_id == district.id)
    if role is not None:
        query = query.where(Volunteer.role == role.value)
    if volunteer_id is not None:
        query = query.where(Volunteer.id == volunteer_id)
    if not include_left:
        since = period.start if period is not None else dt.date.max
        query = query.where(or_(Volunteer.left_on.is_(None), Volunteer.left_on >= since))
    if period is not None:
        query = query.where(Volunteer.joined_on < period.end)
    names = Names.of(session, force)
    rows = [
        VolunteerView(person, int(duties or 0), round(float(total or 0.0), 2))
        for person, duties, total in session.execute(query)
    ]
    return sorted(
        rows,
        key=lambda v: (names.names.get(v.person.district_id, ""), v.person.role, v.person.name),
    )


def record_duty(
    *,
    session: Session,
    person: Volunteer,
    data: DutyCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> VolunteerDuty:
    """Hours given on a duty: on a day the person served, at most 24 hours a day in all."""
    now = now or utcnow()
    not_in_future("duty_on", data.duty_on)
    if data.duty_on < person.joined_on:
        raise CommunityError(
            f"duty_on: {data.duty_on.isoformat()} is before {person.name} joined on "
            f"{person.joined_on.isoformat()}"
        )
    if person.left_on is not None and data.duty_on > person.left_on:
        raise CommunityError(
            f"duty_on: {data.duty_on.isoformat()} is after {person.name} left on "
            f"{person.left_on.isoformat()}"
        )
    already = float(
        session.scalar(
            select(func.coalesce(func.sum(VolunteerDuty.hours), 0.0)).where(
                VolunteerDuty.volunteer_id == person.id, VolunteerDuty.duty_on == data.duty_on
            )
        )
        or 0.0
    )
    if already + data.hours > MAX_HOURS_A_DAY:
        raise CommunityError(
            f"hours: {data.hours:g} more hours on {data.duty_on.isoformat()} would make "
            f"{already + data.hours:g}, more than the {MAX_HOURS_A_DAY:g} hours of a day"
        )
    duty = VolunteerDuty(
        volunteer_id=person.id,
        duty_on=data.duty_on,
        hours=data.hours,
        duty_type=data.duty_type.value,
        notes=data.notes,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(duty)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="volunteer_duty.create",
        entity="volunteer_duty",
        entity_id=duty.id,
        after={
            "volunteer_id": person.id,
            "duty_on": data.duty_on.isoformat(),
            "hours": data.hours,
            "duty_type": data.duty_type.value,
        },
    )
    return duty


def list_duties(
    *, session: Session, person: Volunteer, period: Period | None = None
) -> list[VolunteerDuty]:
    """The person's duties (in ``period``), newest first."""
    query = select(VolunteerDuty).where(VolunteerDuty.volunteer_id == person.id)
    if period is not None:
        query = query.where(
            VolunteerDuty.duty_on >= period.start, VolunteerDuty.duty_on < period.end
        )
    return list(
        session.scalars(query.order_by(VolunteerDuty.duty_on.desc(), VolunteerDuty.id.desc()))
    )


def duty_read(duty: VolunteerDuty) -> dict[str, Any]:
    """A duty as the API shows it."""
    kind = DutyType(duty.duty_type)
    return {
        "id": duty.id,
        "volunteer_id": duty.volunteer_id,
        "duty_on": duty.duty_on,
        "hours": duty.hours,
        "duty_type": kind,
        "duty_type_label": kind.label,
        "notes": duty.notes,
        "recorded_by": duty.recorded_by,
    }


# -- Schools ----------------------------------------------------------------------------------


def _school_officer(session: Session, force: Force, officer_id: int | None) -> Volunteer | None:
    if officer_id is None:
        return None
    officer = session.get(Volunteer, officer_id)
    if officer is None or officer.force_id != force.id:
        raise CommunityNotFound(f"officer_id: there is no volunteer {officer_id}")
    if officer.role != VolunteerRole.SCHOOL_OFFICER:
        raise CommunityError(
            f"officer_id: {officer.name} is a {VolunteerRole(officer.role).label.lower()}, "
            "not a school officer"
        )
    return officer


def create_school(
    *,
    session: Session,
    force: Force,
    district: District,
    data: SchoolCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> School:
    """A school of ``district``, with its school officer when given."""
    now = now or utcnow()
    officer = _school_officer(session, force, data.officer_id)
    if data.urn is not None:
        other = session.scalar(
            select(School).where(School.force_id == force.id, School.urn == data.urn)
        )
        if other is not None:
            raise CommunityError(f"urn: {data.urn} is already school {other.id}, {other.name}")
    school = School(
        force_id=force.id,
        district_id=district.id,
        name=data.name.strip(),
        urn=data.urn,
        officer_id=officer.id if officer else None,
        created_by=actor,
        created_at=now,
    )
    session.add(school)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="school.create",
        entity="school",
        entity_id=school.id,
        after={"name": school.name, "district_id": district.id, "officer_id": school.officer_id},
    )
    return school


def update_school(
    *, session: Session, force: Force, school: School, data: SchoolUpdate, actor: str
) -> School:
    """Give the school another officer (or none)."""
    officer = _school_officer(session, force, data.officer_id)
    before = {"officer_id": school.officer_id}
    school.officer_id = officer.id if officer else None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="school.update",
        entity="school",
        entity_id=school.id,
        before=before,
        after={"officer_id": school.officer_id},
    )
    return school


def get_school_or_raise(*, session: Session, force: Force, school_id: int) -> School:
    """The school with this id in ``force``, or :class:`CommunityNotFound`."""
    school = session.get(School, school_id)
    if school is None or school.force_id != force.id:
        raise CommunityNotFound(f"there is no school {school_id}")
    return school


@dataclass
class SchoolView:
    """A school with its officer's name and the engagements of a period (or ever)."""

    school: School
    officer: str | None
    engagements: int
    attendees: int

    def as_dict(self, names: Names) -> dict[str, Any]:
        """Plain data (:class:`~constable.community.schemas.SchoolRead`)."""
        return {
            "id": self.school.id,
            "name": self.school.name,
            "urn": self.school.urn,
            "district": names.slugs.get(self.school.district_id, "?"),
            "officer_id": self.school.officer_id,
            "officer": self.officer,
            "engagements": self.engagements,
            "attendees": self.attendees,
        }


def list_schools(
    *,
    session: Session,
    force: Force,
    district: District | None = None,
    period: Period | None = None,
    school_id: int | None = None,
) -> list[SchoolView]:
    """Schools of the force (or a district) by name, with engagements in ``period`` (or ever)."""
    engagements = select(
        SchoolEngagement.school_id,
        func.count(SchoolEngagement.id).label("n"),
        func.coalesce(func.sum(SchoolEngagement.attendees), 0).label("attendees"),
    )
    if period is not None:
        engagements = engagements.where(
            SchoolEngagement.held_on >= period.start, SchoolEngagement.held_on < period.end
        )
    counts = engagements.group_by(SchoolEngagement.school_id).subquery()
    query = (
        select(School, Volunteer.name, counts.c.n, counts.c.attendees)
        .outerjoin(Volunteer, Volunteer.id == School.officer_id)
        .outerjoin(counts, counts.c.school_id == School.id)
        .where(School.force_id == force.id)
    )
    if district is not None:
        query = query.where(School.district_id == district.id)
    if school_id is not None:
        query = query.where(School.id == school_id)
    return [
        SchoolView(school, officer, int(n or 0), int(attendees or 0))
        for school, officer, n, attendees in session.execute(query.order_by(School.name, School.id))
    ]


def record_engagement(
    *,
    session: Session,
    force: Force,
    school: School,
    data: EngagementCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> SchoolEngagement:
    """A lesson, assembly or visit at ``school`` by its officer (or the one named)."""
    now = now or utcnow()
    not_in_future("held_on", data.held_on)
    officer = _school_officer(session, force, data.officer_id or school.officer_id)
    serving_then = officer is None or (
        officer.joined_on <= data.held_on
        and (officer.left_on is None or data.held_on <= officer.left_on)
    )
    if officer is not None and not serving_then:
        raise CommunityError(
            f"held_on: {officer.name} was not a school officer on {data.held_on.isoformat()}"
        )
    engagement = SchoolEngagement(
        school_id=school.id,
        officer_id=officer.id if officer else None,
        held_on=data.held_on,
        kind=data.kind.value,
        attendees=data.attendees,
        notes=data.notes,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(engagement)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="school_engagement.create",
        entity="school_engagement",
        entity_id=engagement.id,
        after={
            "school_id": school.id,
            "held_on": data.held_on.isoformat(),
            "kind": data.kind.value,
            "attendees": data.attendees,
        },
    )
    return engagement


def list_engagements(
    *, session: Session, school: School, period: Period | None = None
) -> list[SchoolEngagement]:
    """The school's engagements (in ``period``), newest first."""
    query = select(SchoolEngagement).where(SchoolEngagement.school_id == school.id)
    if period is not None:
        query = query.where(
            SchoolEngagement.held_on >= period.start, SchoolEngagement.held_on < period.end
        )
    return list(
        session.scalars(query.order_by(SchoolEngagement.held_on.desc(), SchoolEngagement.id.desc()))
    )


def engagement_read(engagement: SchoolEngagement, school: School) -> dict[str, Any]:
    """An engagement as the API shows it."""
    kind = EngagementKind(engagement.kind)
    return {
        "id": engagement.id,
        "school_id": school.id,
        "school": school.name,
        "officer_id": engagement.officer_id,
        "held_on": engagement.held_on,
        "kind": kind,
        "kind_label": kind.label,
        "attendees": engagement.attendees,
        "notes": engagement.notes,
        "recorded_by": engagement.recorded_by,
    }


# -- The quarter's totals ---------------------------------------------------------------------


@dataclass
class RoleTotals:
    """One role's figures for a period."""

    role: str
    label: str
    serving: int = 0
    joined: int = 0
    left: int = 0
    duties: int = 0
    hours: float = 0.0
    independent: int | None = None


@dataclass
class PeopleTotals:
    """A district's (or the force's) people and hours for a period, role by role."""

    district: str | None
    roles: dict[str, RoleTotals] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"district": self.district, "roles": {k: asdict(v) for k, v in self.roles.items()}}


def people_totals(
    *, session: Session, force: Force, period: Period, district: District | None = None
) -> PeopleTotals:
    """How many serve at the end of ``period`` (and independent specials), joined, left, and
    the duties and hours given in it, for every role."""
    last = period.last_day
    where = [Volunteer.force_id == force.id]
    if district is not None:
        where.append(Volunteer.district_id == district.id)
    result = PeopleTotals(district.slug if district else None)
    for role in VolunteerRole:
        result.roles[role.value] = RoleTotals(role.value, role.label)
        if role is VolunteerRole.SPECIAL_CONSTABLE:
            result.roles[role.value].independent = 0
    people = session.scalars(select(Volunteer).where(*where)).all()
    for person in people:
        totals = result.roles[person.role]
        if person.joined_on <= last and (person.left_on is None or person.left_on >= last):
            totals.serving += 1
            if totals.independent is not None and is_independent(person, last):
                totals.independent += 1
        if person.joined_on in period:
            totals.joined += 1
        if person.left_on is not None and person.left_on in period:
            totals.left += 1
    hours = session.execute(
        select(Volunteer.role, func.count(VolunteerDuty.id), func.sum(VolunteerDuty.hours))
        .join(Volunteer, Volunteer.id == VolunteerDuty.volunteer_id)
        .where(*where, VolunteerDuty.duty_on >= period.start, VolunteerDuty.duty_on < period.end)
        .group_by(Volunteer.role)
    )
    for held_by, duties, total in hours:
        result.roles[held_by].duties = int(duties)
        result.roles[held_by].hours = round(float(total or 0.0), 2)
    return result


@dataclass
class SchoolTotals:
    """Schools, school officers and engagements of a period."""

    school_officers: int = 0
    schools: int = 0
    schools_with_officer: int = 0
    schools_engaged: int = 0
    engagements: int = 0
    attendees: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def school_totals(
    *, session: Session, force: Force, period: Period, district: District | None = None
) -> SchoolTotals:
    """The schools on record now, and the engagements held in ``period``."""
    schools = list_schools(session=session, force=force, district=district, period=period)
    officers = select(func.count(Volunteer.id)).where(
        Volunteer.force_id == force.id,
        Volunteer.role == VolunteerRole.SCHOOL_OFFICER.value,
        serving(period.last_day),
    )
    if district is not None:
        officers = officers.where(Volunteer.district_id == district.id)
    kinds_query = (
        select(SchoolEngagement.kind, func.count())
        .join(School, School.id == SchoolEngagement.school_id)
        .where(
            School.force_id == force.id,
            SchoolEngagement.held_on >= period.start,
            SchoolEngagement.held_on < period.end,
        )
        .group_by(SchoolEngagement.kind)
    )
    if district is not None:
        kinds_query = kinds_query.where(School.district_id == district.id)
    kinds = dict(session.execute(kinds_query).all())
    return SchoolTotals(
        school_officers=int(session.scalar(officers) or 0),
        schools=len(schools),
        schools_with_officer=sum(1 for s in schools if s.school.officer_id is not None),
        schools_engaged=sum(1 for s in schools if s.engagements),
        engagements=sum(s.engagements for s in schools),
        attendees=sum(s.attendees for s in schools),
        by_kind={k.value: int(kinds.get(k.value, 0)) for k in EngagementKind},
    )
