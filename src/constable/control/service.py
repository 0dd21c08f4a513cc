"""Contacts and incidents: record, triage, grade, change state, find duplicates, read."""

from __future__ import annotations

import datetime as dt
import math
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload

from constable.control.enums import TRANSITIONS, Channel, Grade, IncidentState
from constable.control.models import (
    Assessment,
    Contact,
    Deployment,
    Incident,
    IncidentLog,
    grid_cell,
    grid_cells,
)
from constable.control.schemas import ContactCreate, Reassessment, StateChange, TriageRequest
from constable.control.triage import Recommendation, Thrive, TriageRules, load_rules, recommend
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.config import ForceConfig
from constable.force.locate import Location, Locator
from constable.force.models import District, Force, Neighbourhood
from constable.store import Store, audit
from constable.store.base import Base, utcnow


class IncidentError(ConstableError):
    """A change to an incident that cannot be made; ``status`` is the HTTP status to answer."""

    status = 422


class IncidentNotFound(IncidentError):
    """No such incident."""

    status = 404


class IncidentConflict(IncidentError):
    """The incident or unit changed under the request, or is not in a state that allows it."""

    status = 409


T = TypeVar("T")


class _PerBuild(Generic[T]):
    """What a process remembers of a force, per build (:attr:`Force.build_key`), made once by one
    thread while the others wait: twenty requests of a first burst each building their own
    locator took 16 s between them on two cores."""

    def __init__(self, make: Callable[[Any, Force], T]) -> None:
        self.make = make
        self.made: dict[str, T] = {}
        self.lock = threading.Lock()

    def __call__(self, session: Session | None, force: Force) -> T:
        if force.build_key is None:  # a row written by hand, not by a build: nothing to key on
            return self.make(session, force)
        found = self.made.get(force.build_key)
        if found is None:
            with self.lock:
                found = self.made.get(force.build_key)
                if found is None:
                    if len(self.made) >= 64:  # a test run builds many forces; a server, one
                        self.made.clear()
                    found = self.made[force.build_key] = self.make(session, force)
        return found


_config = _PerBuild(lambda _session, force: ForceConfig.model_validate(force.config))


def force_config(force: Force) -> ForceConfig:
    """The configuration the force was built from."""
    return _config(None, force)


locator = _PerBuild(Locator.from_store)
"""``locator(session, force)``: the force's locator, built once per build of the force."""


@dataclass(frozen=True)
class Places:
    """The force's districts' slugs and neighbourhoods' codes by id."""

    district_slugs: dict[int, str]
    neighbourhood_codes: dict[int, str]


def _places(session: Session, force: Force) -> Places:
    districts = session.execute(
        select(District.id, District.slug).where(District.force_id == force.id)
    ).all()
    hoods = session.execute(
        select(Neighbourhood.id, Neighbourhood.code)
        .join(District, District.id == Neighbourhood.district_id)
        .where(District.force_id == force.id)
    ).all()
    return Places(dict(districts), dict(hoods))


places = _PerBuild(_places)
"""``places(session, force)``: the slugs and codes of the force's places by id, once per build."""


def warm(store: Store, force_code: str) -> None:
    """Make what recording a contact needs (the force's configuration, locator and places) now,
    before the first contact comes; nothing if the force is not built."""
    with store.session() as session:
        force = force_service.get(session=session, code=force_code)
        if force is None:
            return
        force_config(force)
        places(session, force)
        # A contact prepared and not written: the triage rules read, the statements compiled.
        somewhere = next(iter(locator(session, force).by_code))
        sample = ContactCreate(
            channel=Channel.EMERGENCY, description="warming up", neighbourhood=somewhere
        )
        prepare_contact(session=session, force=force, data=sample, actor="constable")


def rules() -> TriageRules:
    """The triage rules in force."""
    return load_rules()


def preview(*, data: TriageRequest) -> Recommendation:
    """The recommendation for a call so far, from its words and the answers given: nothing is
    written (the contact form asks it as the handler types and answers)."""
    triage = rules()
    return recommend(
        channel=data.channel,
        rules=triage,
        category=triage.category(data.category) if data.category else None,
        description=data.description,
        answers=data.answers,
    )


def _audit_fields(incident: Incident, entry: IncidentLog) -> dict[str, Any]:
    """The audit log's entry for a line of the incident's log."""
    return {
        "actor": entry.actor,
        "action": f"incident.{entry.action}",
        "entity": "incident",
        "entity_id": incident.id,
        "before": entry.before,
        "after": entry.after,
    }


def _log(
    session: Session,
    incident: Incident,
    *,
    actor: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: dt.datetime,
) -> None:
    entry = IncidentLog(
        incident_id=incident.id, at=at, actor=actor, action=action, before=before, after=after
    )
    session.add(entry)
    audit.record(session, **_audit_fields(incident, entry))


def _assessment(
    incident: Incident,
    recommendation: Recommendation,
    *,
    grade: int | None,
    override_reason: str | None,
    actor: str,
    at: dt.datetime,
) -> Assessment:
    final = grade if grade is not None else int(recommendation.grade)
    return Assessment(
        incident_id=incident.id,
        at=at,
        by=actor,
        thrive=recommendation.thrive.model_dump(),
        derived=recommendation.derived,
        recommended_grade=int(recommendation.grade),
        reasons=recommendation.reasons,
        grade=final,
        override_reason=override_reason if grade is not None else None,
        answers=recommendation.answers,
        rules_version=recommendation.version,
    )


@dataclass(frozen=True)
class Duplicate:
    """An open incident near in place and time, of the same category."""

    id: int
    reference: str
    category: str
    distance_m: float
    minutes_apart: float


# Built once, as every new contact asks it; columns, not incidents, as a busy place has many.
_NEARBY = select(
    Incident.id,
    Incident.reference,
    Incident.category,
    Incident.easting,
    Incident.northing,
    Incident.opened_at,
).where(
    Incident.force_id == bindparam("force_id"),
    Incident.category == bindparam("category"),
    Incident.grid_cell.in_(bindparam("cells", expanding=True)),
    Incident.opened_at.between(bindparam("opened_from"), bindparam("opened_to")),
    Incident.id != bindparam("incident_id"),
    Incident.state != IncidentState.CLOSED.value,
    Incident.linked_to_id.is_(None),
    Incident.easting.between(bindparam("east_from"), bindparam("east_to")),
    Incident.northing.between(bindparam("north_from"), bindparam("north_to")),
)


def possible_duplicates(
    *, session: Session, incident: Incident, config: ForceConfig
) -> list[Duplicate]:
    """Open incidents of the same category within the configured distance and time (of an
    incident, or of one prepared and not written yet)."""
    window = dt.timedelta(minutes=config.control.duplicate_minutes)
    metres = config.control.duplicate_metres
    west, south = incident.easting - metres, incident.northing - metres
    east, north = incident.easting + metres, incident.northing + metres
    cells = grid_cells(west, south, east, north)
    nearby = session.execute(
        _NEARBY,
        {
            "force_id": incident.force_id,
            "incident_id": incident.id or 0,  # 0: an incident not written yet
            "category": incident.category,
            "cells": cells,
            "opened_from": incident.opened_at - window,
            "opened_to": incident.opened_at + window,
            "east_from": west,
            "east_to": east,
            "north_from": south,
            "north_to": north,
        },
    )
    found = []
    for other_id, reference, category, easting, northing, opened_at in nearby:
        distance = math.hypot(easting - incident.easting, northing - incident.northing)
        if distance <= metres:
            apart = abs((opened_at - incident.opened_at).total_seconds()) / 60
            found.append(
                Duplicate(other_id, reference, category, round(distance, 1), round(apart, 1))
            )
    return sorted(found, key=lambda d: (d.distance_m, d.minutes_apart))


def get(*, session: Session, incident_id: int) -> Incident | None:
    """The incident with this id."""
    return session.get(Incident, incident_id)


def get_or_raise(*, session: Session, incident_id: int) -> Incident:
    """The incident with this id, or :class:`IncidentNotFound`."""
    incident = get(session=session, incident_id=incident_id)
    if incident is None:
        raise IncidentNotFound(f"there is no incident {incident_id}")
    return incident


def _resolve(session: Session, force: Force, data: ContactCreate) -> Location:
    return locator(session, force).resolve(
        postcode=data.postcode,
        latitude=data.latitude,
        longitude=data.longitude,
        neighbourhood=data.neighbourhood,
    )


def create_contact(
    *,
    session: Session,
    force: Force,
    data: ContactCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> Incident:
    """Record a contact: locate it, assess it (THRIVE), grade it and open an incident.

    With ``link_to`` the contact is added to that open incident instead (a duplicate call).
    The same as :func:`prepare_contact` then :func:`write_contact`.
    """
    prepared = prepare_contact(session=session, force=force, data=data, actor=actor, now=now)
    return write_contact(session=session, force=force, prepared=prepared)


@dataclass
class PreparedContact:
    """A contact checked, located and assessed, ready to write (:func:`write_contact`)."""

    contact: Contact
    actor: str
    at: dt.datetime
    link_to: int | None = None
    incident: Incident | None = None
    assessment: Assessment | None = None
    opened: dict[str, Any] | None = None


def prepare_contact(
    *,
    session: Session,
    force: Force,
    data: ContactCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> PreparedContact:
    """Everything before writing a contact: check it, locate it, assess it and grade it.

    It only reads, so a server can do it before it waits for its turn to write (SQLite has one
    writer at a time). Bad input raises :class:`IncidentError` or a location error.
    """
    now = now or utcnow()
    triage = rules()
    category = triage.category(data.category) if data.category else None
    started = data.call_started_at or now
    answered = data.answered_at
    for name, value in (("call_started_at", started), ("answered_at", answered)):
        if value is not None and value.tzinfo is None:
            raise IncidentError(f"{name} {value.isoformat()} needs a time zone, e.g. +00:00")
    if answered is not None and answered < started:
        raise IncidentError("answered_at is before call_started_at")
    contact = Contact(
        channel=data.channel.value,
        call_started_at=started,
        answered_at=answered,
        caller_name=data.caller_name,
        caller_phone=data.caller_phone,
        description=data.description,
        postcode=data.postcode,
        recorded_by=actor,
    )
    if data.link_to is not None:
        # Checked when written (write_contact): the incident may close in between.
        return PreparedContact(contact, actor, now, link_to=data.link_to)

    location = _resolve(session, force, data)
    recommendation = recommend(
        channel=data.channel,
        category=category,
        rules=triage,
        thrive=data.thrive,
        answers=data.answers,
        description=data.description,
    )
    grade = data.grade if data.grade is not None else int(recommendation.grade)
    incident = Incident(
        force_id=force.id,
        district_id=location.district_id,
        neighbourhood_id=location.neighbourhood_id,
        easting=location.easting,
        northing=location.northing,
        latitude=location.latitude,
        longitude=location.longitude,
        urban=location.urban,
        location_text=data.location_text or location.postcode,
        category=recommendation.category,
        description=data.description,
        grade=grade,
        state=IncidentState.GRADED.value,
        opened_at=now,
        graded_at=now,
        first_arrival_at=None,
        closed_at=None,
        closing_category=None,
        result=None,
        crime_reference=None,
        linked_to_id=None,
        version=1,
        grid_cell=grid_cell(location.easting, location.northing),
    )
    assessment = _assessment(
        incident,
        recommendation,
        grade=data.grade,
        override_reason=data.override_reason,
        actor=actor,
        at=now,
    )
    opened = {
        "grade": grade,
        "state": incident.state,
        "category": incident.category,
        "district": location.district_slug,
        "recommended_grade": int(recommendation.grade),
    }
    return PreparedContact(
        contact, actor, now, incident=incident, assessment=assessment, opened=opened
    )


def prepared_duplicates(
    *, session: Session, force: Force, prepared: PreparedContact
) -> list[Duplicate]:
    """The possible duplicates of a prepared contact's incident (new, or the one it joins),
    found before it is written: a read that need not wait for SQLite's writer."""
    incident = prepared.incident
    if incident is None and prepared.link_to is not None:
        incident = get(session=session, incident_id=prepared.link_to)
    if incident is None or incident.force_id != force.id:
        return []  # write_contact says why
    return possible_duplicates(session=session, incident=incident, config=force_config(force))


def write_contact(*, session: Session, force: Force, prepared: PreparedContact) -> Incident:
    """Write a :func:`prepare_contact`: open its incident, or add it to the incident it joins."""
    if prepared.incident is not None:
        assert prepared.assessment is not None and prepared.opened is not None
        return _open(
            session,
            force,
            prepared.incident,
            prepared.contact,
            prepared.assessment,
            prepared.opened,
            actor=prepared.actor,
            at=prepared.at,
        )
    assert prepared.link_to is not None
    return _link(
        session, force, prepared.link_to, prepared.contact, actor=prepared.actor, at=prepared.at
    )


def _link(
    session: Session,
    force: Force,
    incident_id: int,
    contact: Contact,
    *,
    actor: str,
    at: dt.datetime,
) -> Incident:
    """Add a contact to an open incident (a second call about the same event)."""
    # Locked (PostgreSQL; SQLite's writers pass one at a time): it must not close in between.
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        raise IncidentNotFound(f"there is no incident {incident_id}")
    if incident.force_id != force.id:
        raise IncidentNotFound(f"there is no incident {incident_id} in {force.name}")
    if incident.state == IncidentState.CLOSED.value:
        raise IncidentConflict(f"incident {incident.reference} is closed: record a new one")
    contact.incident_id = incident.id
    session.add(contact)
    incident.version += 1
    _log(
        session,
        incident,
        actor=actor,
        action="contact_linked",
        before=None,
        after={"channel": contact.channel, "description": contact.description},
        at=at,
    )
    session.flush()
    return incident


def _insert(model: type[Any], returning_id: bool = True) -> Any:
    table = cast(Table, model.__table__)
    statement = insert(table)
    return statement.returning(table.c.id) if returning_id else statement


# Statements built once: a contact is recorded 200 times a second at a busy hour, and building
# and compiling these each time cost more than running them.
_INSERT_INCIDENT = _insert(Incident)
_INSERT_CONTACT = _insert(Contact)
_INSERT_ASSESSMENT = _insert(Assessment)
_INSERT_LOG = _insert(IncidentLog, returning_id=False)
_INCIDENT_TABLE = cast(Table, Incident.__table__)
_SET_REFERENCE = (
    update(_INCIDENT_TABLE)
    .where(_INCIDENT_TABLE.c.id == bindparam("incident_id"))
    .values(reference=bindparam("new_reference"))
)


def _row(instance: Base) -> dict[str, Any]:
    """The column values set on an unsaved ``instance``, for a Core insert."""
    table = cast(Table, type(instance).__table__)
    return {
        column.key: instance.__dict__[column.key]
        for column in table.columns
        if column.key in instance.__dict__
    }


def _open(
    session: Session,
    force: Force,
    incident: Incident,
    contact: Contact,
    assessment: Assessment,
    opened: dict[str, Any],
    *,
    actor: str,
    at: dt.datetime,
) -> Incident:
    """Write a new incident with its first contact, assessment and log entries.

    Core statements rather than the unit of work (which cost 2 ms of a contact's 7): the rows are
    new and known in full, so the incident and its assessment join the session as if loaded,
    and reading them back for the answer needs no query.
    """
    connection = session.connection()
    incident.reference = f"new-{uuid.uuid4().hex}"  # unique till it is named by its id
    incident.id = connection.execute(_INSERT_INCIDENT, _row(incident)).scalar_one()
    incident.reference = f"{force.code.upper()}-{at:%Y%m%d}-{incident.id:06d}"
    connection.execute(
        _SET_REFERENCE, {"incident_id": incident.id, "new_reference": incident.reference}
    )
    contact.incident_id = assessment.incident_id = incident.id
    contact.id = connection.execute(_INSERT_CONTACT, _row(contact)).scalar_one()
    assessment.id = connection.execute(_INSERT_ASSESSMENT, _row(assessment)).scalar_one()
    after = {"reference": incident.reference, **opened}
    entry = IncidentLog(incident_id=incident.id, at=at, actor=actor, action="opened", after=after)
    connection.execute(_INSERT_LOG, _row(entry))
    audit.record(connection, **_audit_fields(incident, entry))
    incident.assessments = [assessment]
    incident.contacts = [contact]
    for instance in (contact, assessment, incident):
        make_transient_to_detached(instance)
    session.add(incident)  # and with it, its contact and assessment
    return incident


def reassess(
    *,
    session: Session,
    incident: Incident,
    data: Reassessment,
    actor: str,
    now: dt.datetime | None = None,
) -> Incident:
    """Assess again when the situation changes: both assessments are kept."""
    now = now or utcnow()
    _check_version(incident, data.version)
    if incident.state == IncidentState.CLOSED.value:
        raise IncidentConflict(f"incident {incident.reference} is closed")
    contact = incident.contacts[0] if incident.contacts else None
    triage = rules()
    recommendation = recommend(
        channel=Channel(contact.channel) if contact else Channel.NON_EMERGENCY,
        category=triage.category(incident.category),
        rules=triage,
        thrive=data.thrive,
        # Earlier answers stand until the handler changes them: a new "when" alone must not
        # drop an earlier "someone is in danger".
        answers={**latest_answers(incident), **(data.answers or {})},
        description=words_so_far(incident, data.description or ""),
    )
    before = {"grade": incident.grade}
    grade = data.grade if data.grade is not None else int(recommendation.grade)
    session.add(
        _assessment(
            incident,
            recommendation,
            grade=data.grade,
            override_reason=data.override_reason,
            actor=actor,
            at=now,
        )
    )
    incident.grade = grade
    incident.graded_at = now
    incident.version += 1
    _log(
        session,
        incident,
        actor=actor,
        action="reassessed",
        before=before,
        after={"grade": grade, "recommended_grade": int(recommendation.grade)},
        at=now,
    )
    session.flush()
    return incident


def words_so_far(incident: Incident, change: str = "") -> str:
    """Every caller's words on the incident and what has changed, as re-assessment reads them:
    what callers said still counts."""
    words = [c.description for c in incident.contacts] + [change]
    return " \n".join(w for w in words if w)


def latest_answers(incident: Incident) -> dict[str, str]:
    """The handler's answers so far: every assessment's, a later answer replacing an earlier."""
    answers: dict[str, str] = {}
    for assessment in incident.assessments:
        answers |= assessment.answers or {}
    return answers


def _check_version(incident: Incident, version: int | None) -> None:
    if version is not None and version != incident.version:
        raise IncidentConflict(
            f"incident {incident.reference} has changed (version {incident.version}, "
            f"not {version}): reload it and try again"
        )


def move(
    *,
    session: Session,
    incident: Incident,
    to: IncidentState,
    actor: str,
    at: dt.datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """Move ``incident`` to state ``to`` if the state machine allows it, logging the change.

    The update is conditional on the version read, so two simultaneous changes cannot both win.
    """
    current = IncidentState(incident.state)
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
        raise IncidentConflict(
            f"incident {incident.reference} is {current.value}: it cannot become {to.value} "
            f"(allowed: {allowed})"
        )
    changed = cast(
        "CursorResult[Any]",
        session.execute(
            update(Incident)
            .where(Incident.id == incident.id, Incident.version == incident.version)
            .values(state=to.value, version=Incident.version + 1)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed != 1:
        raise IncidentConflict(f"incident {incident.reference} changed meanwhile: try again")
    session.refresh(incident)
    _log(
        session,
        incident,
        actor=actor,
        action="state",
        before={"state": current.value},
        after={"state": to.value, **(extra or {})},
        at=at,
    )


def change_state(
    *,
    session: Session,
    incident: Incident,
    data: StateChange,
    actor: str,
    now: dt.datetime | None = None,
) -> Incident:
    """A person's change of state: closing needs a closing category and a result."""
    now = now or utcnow()
    _check_version(incident, data.version)
    extra: dict[str, Any] = {}
    if data.state is IncidentState.CLOSED:
        if not data.closing_category or not data.result:
            raise IncidentError("closing an incident needs a closing_category and a result")
        active = [d for d in incident.deployments if d.cleared_at is None]
        if active:
            raise IncidentConflict(
                f"incident {incident.reference} still has {len(active)} unit(s) deployed"
            )
        extra = {"closing_category": data.closing_category, "result": data.result}
    move(session=session, incident=incident, to=data.state, actor=actor, at=now, extra=extra)
    if data.state is IncidentState.CLOSED:
        incident.closed_at = now
        incident.closing_category = data.closing_category
        incident.result = data.result
        incident.crime_reference = data.crime_reference
    session.flush()
    return incident


def list_incidents(
    *,
    session: Session,
    force: Force,
    district_id: int | None = None,
    open_only: bool = True,
    limit: int = 500,
) -> list[Incident]:
    """Incidents of the force (or a district), most urgent and oldest first."""
    query = select(Incident).where(Incident.force_id == force.id)
    if district_id is not None:
        query = query.where(Incident.district_id == district_id)
    if open_only:
        query = query.where(Incident.state != IncidentState.CLOSED.value)
    query = query.order_by(Incident.grade, Incident.opened_at).limit(limit)
    return list(session.scalars(query.options(selectinload(Incident.assessments))))


def load_detail(*, session: Session, incident_id: int) -> Incident:
    """An incident with its contacts, assessments, deployments and log loaded."""
    incident = session.scalar(
        select(Incident)
        .where(Incident.id == incident_id)
        .options(
            selectinload(Incident.contacts),
            selectinload(Incident.assessments),
            selectinload(Incident.deployments),
            selectinload(Incident.log),
        )
    )
    if incident is None:
        raise IncidentNotFound(f"there is no incident {incident_id}")
    return incident


def attendance_standard(config: ForceConfig, incident: Incident) -> float | None:
    """Minutes within which the incident should be attended (None: no attendance)."""
    standard = config.control.attendance[incident.grade]
    return standard.minutes(urban=incident.urban)


def within_standard(config: ForceConfig, incident: Incident) -> bool | None:
    """Whether the first unit arrived within the standard (None: not attended yet, or none due)."""
    minutes = attendance_standard(config, incident)
    if minutes is None or incident.first_arrival_at is None:
        return None
    return (incident.first_arrival_at - incident.opened_at) <= dt.timedelta(minutes=minutes)


def grade_label(grade: int) -> str:
    """``Grade 1 emergency`` and so on."""
    return Grade(grade).label


def active_deployments(*, session: Session, incident: Incident) -> list[Deployment]:
    """Units deployed to the incident and not yet cleared."""
    return list(
        session.scalars(
            select(Deployment).where(
                Deployment.incident_id == incident.id, Deployment.cleared_at.is_(None)
            )
        )
    )


def thrive_of(assessment: Assessment) -> Thrive:
    """The stored THRIVE assessment as a model."""
    return Thrive.model_validate(assessment.thrive)
