"""Recording the force's own crimes and anti-social behaviour reports, their outcomes, and
flagging repeat victims when a record is saved.

A **repeat victim** is a victim — the same person (name with date of birth, or name with
postcode) or the same address (postcode with house number or name) — who has another crime or
ASB report whose time is within the window (12 months by default, ``community.repeat_victim_days``
in the force configuration) before or after the new record's. The new record is flagged, and an
entry goes on its district's Community Safety Unit worklist until someone reviews it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.control import service as control_service
from constable.control.models import Incident
from constable.crime.models import Crime, CrimeOutcome, RepeatVictim
from constable.crime.offences import ASB_CATEGORY, offence
from constable.crime.outcomes import table as outcome_table
from constable.crime.schemas import CrimeCreate, OutcomeCreate
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood
from constable.store.audit import record as audit
from constable.store.base import utcnow


class RecordingError(ConstableError):
    """A crime or outcome that cannot be recorded as given."""

    status = 422


class CrimeNotFound(RecordingError):
    """No such record in the force."""

    status = 404


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _postcode(text: str | None) -> str | None:
    return re.sub(r"\s+", "", text).upper() if text and text.strip() else None


def person_key(name: str | None, date_of_birth: dt.date | None, postcode: str | None) -> str | None:
    """The same person: their name (case, punctuation and spacing ignored) with their date of
    birth, or failing that with their postcode. None when there is too little to tell."""
    if not name or not _words(name):
        return None
    if date_of_birth is not None:
        return f"{_words(name)}|{date_of_birth.isoformat()}"
    code = _postcode(postcode)
    return f"{_words(name)}|{code}" if code else None


def subject_key(name: str | None) -> str | None:
    """The person an ASB report or case is about: their name, case, punctuation and spacing
    ignored (``"O'Brien,  Pat"`` and ``"o brien pat"`` are the same)."""
    return _words(name) or None if name else None


def address_key(address: str | None, postcode: str | None) -> str | None:
    """The same address: the postcode with the first word of the address (the house number or
    name: "12", "12a", "rose"). None without both."""
    code = _postcode(postcode)
    words = _words(address or "").split()
    return f"{code}|{words[0]}" if code and words else None


def window_days(force: Force) -> int:
    """The repeat-victim window of the force, in days."""
    return control_service.force_config(force).community.repeat_victim_days


@dataclass
class Recorded:
    """A record as saved, with its repeat-victim flag if it raised one."""

    crime: Crime
    repeat: RepeatVictim | None


def _placed(session: Session, force: Force, data: CrimeCreate) -> dict[str, object]:
    """Where the record is: from the location given, else from its incident."""
    incident = None
    if data.incident_id is not None:
        incident = session.get(Incident, data.incident_id)
        if incident is None or incident.force_id != force.id:
            raise CrimeNotFound(f"incident_id: there is no incident {data.incident_id}")
    if data.has_location():
        located = control_service.locator(session, force).resolve(
            postcode=data.postcode,
            latitude=data.latitude,
            longitude=data.longitude,
            neighbourhood=data.neighbourhood,
        )
        district_id = session.scalar(
            select(District.id).where(
                District.force_id == force.id, District.slug == located.district_slug
            )
        )
        hood = session.scalar(
            select(Neighbourhood).where(Neighbourhood.code == located.neighbourhood_code)
        )
        return {
            "easting": located.easting,
            "northing": located.northing,
            "latitude": located.latitude,
            "longitude": located.longitude,
            "district_id": district_id,
            "neighbourhood_id": hood.id if hood else None,
            "lsoa_code": located.neighbourhood_code,
            "lsoa_name": hood.name if hood else None,
            "location": data.location_text or located.postcode,
        }
    if incident is None:
        raise RecordingError(
            "give the location (a postcode, latitude and longitude, or a neighbourhood) "
            "or the incident_id the record comes from"
        )
    hood = (
        session.get(Neighbourhood, incident.neighbourhood_id) if incident.neighbourhood_id else None
    )
    return {
        "easting": incident.easting,
        "northing": incident.northing,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "district_id": incident.district_id,
        "neighbourhood_id": incident.neighbourhood_id,
        "lsoa_code": hood.code if hood else None,
        "lsoa_name": hood.name if hood else None,
        "location": data.location_text or incident.location_text,
    }


def find_repeat(
    *,
    session: Session,
    force: Force,
    crime: Crime,
    days: int,
) -> tuple[Crime, int, str] | None:
    """The latest other record of the same victim within ``days`` of ``crime``, how many there
    are, and whether the person or the address matched."""
    assert crime.occurred_at is not None
    low = crime.occurred_at - dt.timedelta(days=days)
    high = crime.occurred_at + dt.timedelta(days=days)
    for matched_on, column, key in (
        ("person", Crime.victim_person_key, crime.victim_person_key),
        ("address", Crime.victim_address_key, crime.victim_address_key),
    ):
        if key is None:
            continue
        where = [
            column == key,
            Crime.occurred_at >= low,
            Crime.occurred_at <= high,
            Crime.id != crime.id,
            Crime.force == records_name(force),
        ]
        count = session.scalar(select(func.count()).select_from(Crime).where(*where)) or 0
        if count:
            latest = session.scalars(
                select(Crime).where(*where).order_by(Crime.occurred_at.desc(), Crime.id.desc())
            ).first()
            assert latest is not None
            return latest, int(count), matched_on
    return None


def record(
    *,
    session: Session,
    force: Force,
    data: CrimeCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> Recorded:
    """Record a crime (with its Home Office offence code) or an ASB report, and flag a repeat
    victim. Nothing is written if anything is wrong."""
    now = now or utcnow()
    if data.occurred_at > now + dt.timedelta(minutes=5):
        raise RecordingError(f"occurred_at {data.occurred_at.isoformat()} is in the future")
    if data.asb:
        category, code = ASB_CATEGORY, None
    else:
        assert data.offence_code is not None  # the schema requires one for a crime
        found = offence(data.offence_code)
        category, code = found.police_uk_category, found.code
    victim = data.victim
    placed = _placed(session, force, data)
    crime = Crime(
        record_key=f"pending-{uuid.uuid4().hex}",
        force=records_name(force),
        reported_by=force.name,
        falls_within=force.name,
        month=data.occurred_at.astimezone(dt.UTC).date().replace(day=1),
        occurred_at=data.occurred_at,
        category=category,
        offence_code=code,
        incident_id=data.incident_id,
        description=data.description,
        recorded_at=now,
        recorded_by=actor,
        victim_name=victim.name if victim else None,
        victim_date_of_birth=victim.date_of_birth if victim else None,
        victim_address=victim.address if victim else None,
        victim_postcode=victim.postcode if victim else None,
        victim_person_key=(
            person_key(victim.name, victim.date_of_birth, victim.postcode) if victim else None
        ),
        victim_address_key=address_key(victim.address, victim.postcode) if victim else None,
        subject_name=data.subject_name,
        subject_key=subject_key(data.subject_name),
        **placed,
    )
    session.add(crime)
    session.flush()
    prefix = "ASB" if data.asb else "CR"
    crime.reference = f"{force.code.upper()}-{prefix}-{crime.id:07d}"
    crime.record_key = crime.reference
    repeat = None
    found_repeat = find_repeat(session=session, force=force, crime=crime, days=window_days(force))
    if found_repeat is not None:
        previous, earlier, matched_on = found_repeat
        crime.repeat_victim = True
        repeat = RepeatVictim(
            crime_id=crime.id,
            previous_id=previous.id,
            earlier=earlier,
            matched_on=matched_on,
            district_id=crime.district_id,
            flagged_at=now,
        )
        session.add(repeat)
    audit(
        session,
        actor=actor,
        action="crime.recorded",
        entity="crime",
        entity_id=crime.id,
        after={
            "reference": crime.reference,
            "category": category,
            "offence_code": code,
            "repeat_victim": crime.repeat_victim,
        },
    )
    session.flush()
    return Recorded(crime, repeat)


def get_or_raise(*, session: Session, force: Force, crime_id: int) -> Crime:
    """One of the force's own records, or :class:`CrimeNotFound`."""
    crime = session.get(Crime, crime_id)
    if crime is None or crime.reference is None or crime.force != records_name(force):
        raise CrimeNotFound(f"there is no crime {crime_id} recorded by {force.name}")
    return crime


def outcomes_of(*, session: Session, crime: Crime) -> list[CrimeOutcome]:
    """The crime's outcomes, oldest first."""
    return list(
        session.scalars(
            select(CrimeOutcome)
            .where(CrimeOutcome.crime_id == crime.id)
            .order_by(CrimeOutcome.outcome_on, CrimeOutcome.id)
        )
    )


def add_outcome(
    *,
    session: Session,
    force: Force,
    crime: Crime,
    data: OutcomeCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> CrimeOutcome:
    """Give the crime a Home Office outcome (the history is kept; the latest is its last)."""
    now = now or utcnow()
    if crime.category == ASB_CATEGORY:
        raise RecordingError(f"{crime.reference} is an ASB report: outcomes are for crimes")
    try:
        kind = outcome_table().type(data.outcome_type)
    except ConstableError as exc:
        raise RecordingError(f"outcome_type: {exc}") from exc
    assert crime.occurred_at is not None
    if data.outcome_on < crime.occurred_at.astimezone(dt.UTC).date():
        raise RecordingError(
            f"outcome_on {data.outcome_on.isoformat()} is before the crime "
            f"({crime.occurred_at.date().isoformat()})"
        )
    if data.outcome_on > now.date():
        raise RecordingError(f"outcome_on {data.outcome_on.isoformat()} is in the future")
    outcome = CrimeOutcome(
        crime_id=crime.id,
        outcome_type=kind.code,
        outcome_on=data.outcome_on,
        recorded_at=now,
        recorded_by=actor,
        note=data.note,
    )
    session.add(outcome)
    before = {"last_outcome": crime.last_outcome}
    crime.last_outcome = kind.label
    crime.last_outcome_month = data.outcome_on.replace(day=1)
    audit(
        session,
        actor=actor,
        action="crime.outcome",
        entity="crime",
        entity_id=crime.id,
        before=before,
        after={"outcome_type": kind.code, "outcome_on": data.outcome_on.isoformat()},
    )
    session.flush()
    return outcome


def repeat_worklist(
    *, session: Session, district_id: int | None, open_only: bool = True
) -> list[tuple[RepeatVictim, Crime, Crime]]:
    """Repeat victims to review (a district's, or all), newest first, with both records."""
    query = (
        select(RepeatVictim, Crime)
        .join(Crime, Crime.id == RepeatVictim.crime_id)
        .order_by(RepeatVictim.flagged_at.desc(), RepeatVictim.id.desc())
    )
    if district_id is not None:
        query = query.where(RepeatVictim.district_id == district_id)
    if open_only:
        query = query.where(RepeatVictim.reviewed_at.is_(None))
    rows = session.execute(query).all()
    earlier = {
        c.id: c
        for c in session.scalars(
            select(Crime).where(Crime.id.in_({r.previous_id for r, _ in rows}))
        )
    }
    return [(r, c, earlier[r.previous_id]) for r, c in rows]


def review_repeat(
    *, session: Session, repeat: RepeatVictim, actor: str, note: str, now: dt.datetime | None = None
) -> RepeatVictim:
    """Mark a worklist entry reviewed, with what was done."""
    if repeat.reviewed_at is not None:
        raise RecordingError(f"repeat victim entry {repeat.id} was reviewed already")
    if not note.strip():
        raise RecordingError("note: say what was done for the victim")
    repeat.reviewed_at = now or utcnow()
    repeat.reviewed_by = actor
    repeat.review_note = note.strip()
    audit(
        session,
        actor=actor,
        action="repeat_victim.reviewed",
        entity="crime",
        entity_id=repeat.crime_id,
        after={"note": repeat.review_note},
    )
    session.flush()
    return repeat
