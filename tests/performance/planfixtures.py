"""Small hand-built records for the plan, measure and status tests: a force of two districts
(Maidstone, 1,000 residents; Medway, 3,000), one neighbourhood each, and helpers that add
crimes, calls, incidents, detentions and volunteers with the ORM, so every answer is known."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from constable.community.models import (
    S136Detention,
    SpeedwatchDetection,
    SpeedwatchSession,
    SpeedwatchSite,
    Volunteer,
    VolunteerDuty,
)
from constable.community.service import LOCAL_TIME
from constable.control.models import Contact, Incident
from constable.crime.models import Crime, CrimeOutcome, RepeatVictim
from constable.force.config import load_config
from constable.force.models import District, Force, Neighbourhood
from constable.store import Store

UTC = dt.UTC
MAIDSTONE_LSOA = "E01024361"
MEDWAY_LSOA = "E01016001"
_numbers = itertools.count(1)


def local(*args: int) -> dt.datetime:
    """A moment in local time (Europe/London)."""
    return dt.datetime(*args, tzinfo=LOCAL_TIME)


@dataclass
class Tiny:
    """The force and its two districts (ids), for building records."""

    force_id: int
    maidstone_id: int
    medway_id: int


def build_tiny(session: Session) -> Tiny:
    """Kent's configuration with two districts only: Maidstone and Medway."""
    config = load_config("kent")
    force = Force(code="kent", name="Kent Police", config=config.model_dump(mode="json"))
    session.add(force)
    for name, code, population, lsoa in (
        ("Maidstone", "E07000110", 1000, MAIDSTONE_LSOA),
        ("Medway", "E06000035", 3000, MEDWAY_LSOA),
    ):
        district = District(
            code=code,
            name=name,
            slug=name.lower(),
            population=population,
            households=population // 2,
            hectares=1000.0,
        )
        district.neighbourhoods.append(
            Neighbourhood(
                code=lsoa,
                name=f"{name} 001A",
                population=population,
                households=population // 2,
                hectares=100.0,
                urban=True,
            )
        )
        force.districts.append(district)
    session.flush()
    ids = {d.slug: d.id for d in force.districts}
    return Tiny(force.id, ids["maidstone"], ids["medway"])


def make_tiny(store: Store) -> Tiny:
    """Build the two-district force in ``store`` (the tests' ``tiny`` fixtures call this)."""
    with store.session() as session:
        return build_tiny(session)


def force_of(session: Session) -> Force:
    """The tiny force."""
    found = session.query(Force).filter_by(code="kent").one()
    return found


def district(session: Session, slug: str) -> District:
    """One of its districts."""
    return session.query(District).filter_by(slug=slug).one()


def own_crime(
    session: Session,
    district_id: int,
    occurred_at: dt.datetime,
    code: str,
    *,
    category: str,
    recorded_at: dt.datetime | None = None,
    outcomes: tuple[tuple[str, dt.date], ...] = (),
) -> Crime:
    """A crime recorded by the force (Home Office ``code``, police.uk ``category``)."""
    number = next(_numbers)
    crime = Crime(
        record_key=f"K{number}",
        reference=f"K/{number}",
        force="Kent",
        month=occurred_at.astimezone(UTC).date().replace(day=1),
        occurred_at=occurred_at,
        category=category,
        offence_code=code,
        district_id=district_id,
        recorded_at=recorded_at or occurred_at,
        recorded_by="test",
    )
    session.add(crime)
    session.flush()
    for outcome, day in outcomes:
        session.add(
            CrimeOutcome(
                crime_id=crime.id,
                outcome_type=outcome,
                outcome_on=day,
                recorded_at=dt.datetime.combine(day, dt.time(12), tzinfo=UTC),
                recorded_by="test",
            )
        )
    return crime


def asb(session: Session, district_id: int, occurred_at: dt.datetime) -> Crime:
    """An anti-social behaviour report recorded by the force (not a crime)."""
    number = next(_numbers)
    report = Crime(
        record_key=f"A{number}",
        reference=f"A/{number}",
        force="Kent",
        month=occurred_at.date().replace(day=1),
        occurred_at=occurred_at,
        category="Anti-social behaviour",
        district_id=district_id,
        recorded_at=occurred_at,
        recorded_by="test",
    )
    session.add(report)
    return report


def imported(session: Session, month: dt.date, category: str, lsoa: str | None) -> Crime:
    """A data.police.uk row (no reference, no time of day)."""
    number = next(_numbers)
    row = Crime(
        record_key=f"P{number}",
        force="Kent",
        month=month,
        category=category,
        lsoa_code=lsoa,
    )
    session.add(row)
    return row


def incident(
    session: Session,
    tiny: Tiny,
    district_id: int,
    *,
    opened_at: dt.datetime,
    grade: int = 1,
    arrived_after: float | None = None,
    calls: tuple[tuple[str, float], ...] = (),
) -> Incident:
    """An incident with its first arrival ``arrived_after`` minutes after it opened, and
    ``calls`` as (channel, seconds to answer)."""
    number = next(_numbers)
    found = Incident(
        reference=f"I/{number}",
        force_id=tiny.force_id,
        district_id=district_id,
        easting=575000.0,
        northing=155000.0,
        latitude=51.27,
        longitude=0.52,
        urban=True,
        category="test",
        description="test",
        grade=grade,
        state="closed",
        opened_at=opened_at,
        first_arrival_at=(
            opened_at + dt.timedelta(minutes=arrived_after) if arrived_after is not None else None
        ),
    )
    session.add(found)
    session.flush()
    for channel, seconds in calls:
        session.add(
            Contact(
                incident_id=found.id,
                channel=channel,
                call_started_at=opened_at,
                answered_at=opened_at + dt.timedelta(seconds=seconds),
                description="test",
                recorded_by="test",
            )
        )
    return found


def detention(session: Session, tiny: Tiny, district_id: int, at: dt.datetime) -> None:
    """A s.136 detention that began at ``at``."""
    session.add(
        S136Detention(
            force_id=tiny.force_id,
            district_id=district_id,
            easting=575000.0,
            northing=155000.0,
            latitude=51.27,
            longitude=0.52,
            detained_at=at,
            place_of_safety="health_based_place_of_safety",
            recorded_by="test",
            recorded_at=at,
        )
    )


def person(
    session: Session,
    tiny: Tiny,
    district_id: int,
    role: str,
    joined: dt.date,
    left: dt.date | None = None,
    duties: tuple[tuple[dt.date, float], ...] = (),
) -> Volunteer:
    """A Special Constable or volunteer, with duties (day, hours)."""
    found = Volunteer(
        force_id=tiny.force_id,
        district_id=district_id,
        name=f"Person {next(_numbers)}",
        role=role,
        joined_on=joined,
        left_on=left,
        created_by="test",
        created_at=dt.datetime(2016, 1, 1, tzinfo=UTC),
    )
    session.add(found)
    session.flush()
    for day, hours in duties:
        session.add(
            VolunteerDuty(
                volunteer_id=found.id,
                duty_on=day,
                hours=hours,
                duty_type="patrol",
                recorded_by="test",
                recorded_at=dt.datetime(2018, 1, 1, tzinfo=UTC),
            )
        )
    return found


def speedwatch(
    session: Session, tiny: Tiny, district_id: int, held_on: dt.date, registrations: list[str]
) -> None:
    """A Speedwatch session at a new site with a vehicle detected for each registration."""
    site = SpeedwatchSite(
        force_id=tiny.force_id,
        district_id=district_id,
        easting=575000.0,
        northing=155000.0,
        latitude=51.27,
        longitude=0.52,
        road="High Street",
        speed_limit_mph=30,
        created_by="test",
        created_at=dt.datetime(2016, 1, 1, tzinfo=UTC),
    )
    session.add(site)
    session.flush()
    held = SpeedwatchSession(
        site_id=site.id,
        held_on=held_on,
        volunteers=3,
        hours=1.0,
        vehicles_checked=100,
        recorded_by="test",
        recorded_at=dt.datetime(2018, 1, 1, tzinfo=UTC),
    )
    session.add(held)
    session.flush()
    for registration in registrations:
        session.add(
            SpeedwatchDetection(
                session_id=held.id,
                registration=registration,
                speed_mph=40,
                letter_sent=False,
                untaxed=False,
                no_mot=False,
            )
        )


def repeat_victim(session: Session, crime: Crime, previous: Crime, at: dt.datetime) -> None:
    """Flag ``crime`` as a repeat of ``previous`` at ``at``."""
    session.add(
        RepeatVictim(
            crime_id=crime.id,
            previous_id=previous.id,
            earlier=1,
            matched_on="person",
            district_id=crime.district_id,
            flagged_at=at,
        )
    )


def write_csv(folder: Path, name: str, text: str) -> Path:
    """A CSV file in ``folder`` with ``text`` (leading spaces of each line removed)."""
    path = folder / name
    path.write_text("\n".join(line.strip() for line in text.strip().splitlines()) + "\n")
    return path


def plan_text(**fields: Any) -> dict[str, Any]:
    """A small valid plan as data, with ``fields`` replacing its top-level entries."""
    plan: dict[str, Any] = {
        "name": "Test plan",
        "force": "kent",
        "source": "tests",
        "period": {"start": "2017-04-01", "end": "2018-03-31"},
        "priorities": [
            {
                "key": "1",
                "title": "Cut crime",
                "objectives": [
                    {
                        "key": "1.1",
                        "title": "Less crime",
                        "measures": [
                            {
                                "measure": "recorded_crime",
                                "label": "Recorded crime",
                                "targets": [
                                    {
                                        "kind": "value",
                                        "direction": "at_most",
                                        "value": 100,
                                        "due": "2018-03-31",
                                    }
                                ],
                            },
                            {
                                "measure": "sanction_detection_rate",
                                "label": "Detections",
                                "area": "medway",
                                "targets": [
                                    {
                                        "kind": "value",
                                        "direction": "increase",
                                        "value": 26,
                                        "due": "2018-03-31",
                                    }
                                ],
                            },
                        ],
                    }
                ],
            }
        ],
    }
    plan.update(fields)
    return plan
