"""Victim care: the needs assessment of a crime's victim, the updates they are owed, and the
share of victims updated on time.

**Who is owed updates.** The victim of every crime the force records with a victim (name,
address or postcode; not ASB reports), from the day it was recorded, until their care is closed
or unless they said they want none. The needs assessment (:func:`assess`) records their needs,
their consent to be referred to support services, how they want to be contacted and how often
(``CONSTABLE_VICTIM_UPDATE_DAYS``, 28 by default as in the Victims' Code, unless agreed
otherwise), and the officer who keeps them informed.

**When an update is due.** The clock starts when the crime is recorded; every update restarts
it. An update is due ``every`` days after the last contact (or the recording): made on or before
that day it was on time, after it (or not at all) it was late. See :func:`deadlines`.

**The measure** (:func:`victims_updated_on_time`): of the victims with an update due in the
period (a deadline from the period's first day up to, not including, its end, that has passed
or was met), how many had every such update on time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from constable.config import get_settings
from constable.crime.models import Crime
from constable.crime.offences import ASB_CATEGORY
from constable.errors import ConstableError
from constable.force.models import District
from constable.public.victim_models import VictimCare, VictimUpdate
from constable.store.audit import record as audit
from constable.store.base import utcnow


class VictimCareError(ConstableError):
    """A needs assessment or update that cannot be recorded as given."""


class VictimCareNotFound(VictimCareError):
    """No such crime, or no victim care for it yet."""

    status = 404


class Need(StrEnum):
    """What a victim may need (the needs assessment's checklist)."""

    INFORMATION = "information"
    EMOTIONAL_SUPPORT = "emotional_support"
    PRACTICAL_HELP = "practical_help"
    SAFETY_AND_SECURITY = "safety_and_security"
    HEALTH = "health"
    FINANCIAL = "financial"
    COURT_SUPPORT = "court_support"
    COMMUNICATION = "communication"


class EnhancedReason(StrEnum):
    """Why a victim is entitled to enhanced rights under the Victims' Code."""

    SERIOUS_CRIME = "serious_crime"
    PERSISTENTLY_TARGETED = "persistently_targeted"
    VULNERABLE = "vulnerable"
    INTIMIDATED = "intimidated"


class Contact(StrEnum):
    """How a victim wants to hear from the police."""

    PHONE = "phone"
    EMAIL = "email"
    TEXT = "text"
    LETTER = "letter"
    VISIT = "visit"


def _choices(values: Sequence[str], kind: type[StrEnum], field: str) -> list[str]:
    chosen: list[str] = []
    for value in values:
        try:
            item = kind(value.strip().lower()).value
        except ValueError:
            names = ", ".join(k.value for k in kind)
            raise VictimCareError(f"{field}: {value!r} is not one of {names}") from None
        if item not in chosen:
            chosen.append(item)
    return chosen


def has_victim(crime: Crime) -> bool:
    """Whether the record is a crime (not ASB) with a victim the force can contact."""
    return crime.category != ASB_CATEGORY and any(
        (crime.victim_name, crime.victim_address, crime.victim_postcode)
    )


@dataclass(frozen=True)
class Assessment:
    """A needs assessment as given (see :func:`assess`)."""

    consent_to_referral: bool
    needs: Sequence[str] = ()
    enhanced_reasons: Sequence[str] = ()
    needs_note: str | None = None
    preferred_contact: str = Contact.PHONE.value
    contact_detail: str | None = None
    wants_updates: bool = True
    update_every_days: int | None = None
    officer: str | None = None


def care_of(session: Session, crime: Crime) -> VictimCare | None:
    """The crime's victim care, if assessed."""
    return session.scalar(select(VictimCare).where(VictimCare.crime_id == crime.id))


def assess(
    *,
    session: Session,
    crime: Crime,
    data: Assessment,
    actor: str,
    default_days: int | None = None,
    now: dt.datetime | None = None,
) -> VictimCare:
    """Record (or replace) the needs assessment of the crime's victim."""
    now = now or utcnow()
    if not has_victim(crime):
        what = "an ASB report" if crime.category == ASB_CATEGORY else "a crime with no victim"
        raise VictimCareError(f"{crime.reference} is {what}: there is no victim to assess")
    needs = _choices(data.needs, Need, "needs")
    reasons = _choices(data.enhanced_reasons, EnhancedReason, "enhanced_reasons")
    contact = _choices([data.preferred_contact], Contact, "preferred_contact")[0]
    detail = (data.contact_detail or "").strip() or None
    if contact in {Contact.PHONE, Contact.EMAIL, Contact.TEXT} and detail is None:
        wanted = "email address" if contact == Contact.EMAIL else "number"
        raise VictimCareError(f"contact_detail: give the victim's {wanted} to reach them")
    every = data.update_every_days or default_days or get_settings().victim_update_days
    if not 1 <= every <= 365:
        raise VictimCareError(f"update_every_days == {every}, must be from 1 to 365")
    officer = (data.officer or actor).strip()
    care = care_of(session, crime)
    before = None
    if care is None:
        care = VictimCare(crime_id=crime.id)
        session.add(care)
    else:
        if care.closed_at is not None:
            raise VictimCareError(f"the victim care of {crime.reference} is closed")
        before = {"consent_to_referral": care.consent_to_referral, "officer": care.officer,
                  "update_every_days": care.update_every_days}  # fmt: skip
    care.district_id = crime.district_id
    care.officer = officer
    care.needs = needs
    care.enhanced_reasons = reasons
    care.needs_note = (data.needs_note or "").strip() or None
    care.consent_to_referral = data.consent_to_referral
    care.preferred_contact = contact
    care.contact_detail = detail
    care.wants_updates = data.wants_updates
    care.update_every_days = every
    care.assessed_at = now
    care.assessed_by = actor
    session.flush()
    audit(
        session,
        actor=actor,
        action="victim_care.assessed",
        entity="crime",
        entity_id=crime.id,
        before=before,
        after={"consent_to_referral": care.consent_to_referral, "officer": officer,
               "update_every_days": every, "needs": needs, "enhanced": bool(reasons)},
    )  # fmt: skip
    return care


def record_update(
    *,
    session: Session,
    crime: Crime,
    note: str,
    method: str | None,
    actor: str,
    made_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> VictimUpdate:
    """Record news given to the victim (it restarts the clock of the next one)."""
    now = now or utcnow()
    care = care_of(session, crime)
    if care is None:
        raise VictimCareNotFound(
            f"{crime.reference} has no needs assessment yet: record it before an update"
        )
    if care.closed_at is not None:
        raise VictimCareError(f"the victim care of {crime.reference} is closed")
    if not note.strip():
        raise VictimCareError("note: say what the victim was told")
    made_at = made_at or now
    if made_at > now + dt.timedelta(minutes=5):
        raise VictimCareError(f"made_at {made_at.isoformat()} is in the future")
    assert crime.recorded_at is not None
    if made_at < crime.recorded_at:
        raise VictimCareError(f"made_at {made_at.isoformat()} is before the crime was recorded")
    update = VictimUpdate(
        care_id=care.id,
        made_at=made_at,
        made_by=actor,
        method=_choices([method or care.preferred_contact], Contact, "method")[0],
        note=note.strip(),
    )
    session.add(update)
    session.flush()
    audit(
        session,
        actor=actor,
        action="victim_care.updated",
        entity="crime",
        entity_id=crime.id,
        after={"method": update.method, "made_at": made_at.isoformat()},
    )
    return update


def close(
    *, session: Session, crime: Crime, reason: str, actor: str, now: dt.datetime | None = None
) -> VictimCare:
    """Close the victim's care (the case is finished, or they moved to the Witness Care Unit):
    no more updates fall due."""
    care = care_of(session, crime)
    if care is None:
        raise VictimCareNotFound(f"{crime.reference} has no needs assessment to close")
    if care.closed_at is not None:
        raise VictimCareError(f"the victim care of {crime.reference} is closed already")
    if not reason.strip():
        raise VictimCareError("reason: say why the victim's care is closed")
    care.closed_at = now or utcnow()
    care.closed_reason = reason.strip()[:300]
    audit(
        session,
        actor=actor,
        action="victim_care.closed",
        entity="crime",
        entity_id=crime.id,
        after={"reason": care.closed_reason},
    )
    session.flush()
    return care


def updates_of(session: Session, care: VictimCare) -> list[VictimUpdate]:
    """The updates given, oldest first."""
    return list(
        session.scalars(
            select(VictimUpdate)
            .where(VictimUpdate.care_id == care.id)
            .order_by(VictimUpdate.made_at, VictimUpdate.id)
        )
    )


@dataclass(frozen=True)
class Deadline:
    """An update owed: due by ``due`` (a date); ``met_on`` the day it was made, if it was."""

    due: dt.date
    met_on: dt.date | None

    def on_time(self) -> bool:
        """Made on or before the day it was due."""
        return self.met_on is not None and self.met_on <= self.due


def deadlines(
    start: dt.date,
    every: int,
    contacts: Sequence[dt.date],
    *,
    until: dt.date,
    stop: dt.date | None = None,
) -> list[Deadline]:
    """The updates owed from ``start`` with one every ``every`` days, met by ``contacts``.

    Each contact restarts the clock. A deadline is listed once it is met or reached (``due`` on
    or before ``until``); none falls after ``stop`` (the care's closing day).

    >>> [(d.due.day, d.on_time()) for d in deadlines(
    ...     dt.date(2026, 1, 1), 28, [dt.date(2026, 1, 20), dt.date(2026, 3, 1)],
    ...     until=dt.date(2026, 4, 30))]
    [(29, True), (17, False), (29, False)]
    """
    found: list[Deadline] = []
    last = start
    pending = sorted(c for c in contacts if c >= start)
    while True:
        due = last + dt.timedelta(days=every)
        if stop is not None and due > stop:
            return found
        after = [c for c in pending if c > last] if pending else []
        # Several contacts on one day count once; the next deadline runs from the first.
        contact = after[0] if after else None
        if contact is not None and (contact <= until or contact <= due):
            found.append(Deadline(due, contact))
            last = contact
            pending = [c for c in pending if c > contact]
            continue
        if due <= until:
            found.append(Deadline(due, None))
        return found


@dataclass(frozen=True)
class Due:
    """A victim who will be (or is) owed an update."""

    crime_id: int
    reference: str
    category: str
    district: str | None
    officer: str | None
    assessed: bool
    victim_name: str | None
    preferred_contact: str | None
    last_contact: dt.date
    due: dt.date
    overdue_days: int

    @property
    def overdue(self) -> bool:
        """Past the day the update was due."""
        return self.overdue_days > 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "crime_id": self.crime_id,
            "reference": self.reference,
            "category": self.category,
            "district": self.district,
            "officer": self.officer,
            "assessed": self.assessed,
            "victim_name": self.victim_name,
            "preferred_contact": self.preferred_contact,
            "last_contact": self.last_contact.isoformat(),
            "due": self.due.isoformat(),
            "overdue": self.overdue,
            "overdue_days": self.overdue_days,
        }


@dataclass(frozen=True)
class VictimCase:
    """A crime with a victim, its care record (None before the needs assessment) and the days
    the victim was updated, in order."""

    crime: Crime
    care: VictimCare | None
    contacts: list[dt.date]


def victim_cases(
    session: Session,
    *,
    force_name: str | None,
    district_id: int | None,
    recorded_before: dt.datetime | None,
    open_after: dt.datetime | None,
) -> list[VictimCase]:
    """The crimes with a victim (not ASB reports), with their care and updates: of one force
    (by the name on its records) or all, one district or all, recorded before a moment, with
    care still open after a moment (None: no bound)."""
    query = (
        select(Crime, VictimCare)
        .outerjoin(VictimCare, VictimCare.crime_id == Crime.id)
        .where(
            Crime.reference.is_not(None),
            Crime.category != ASB_CATEGORY,
            Crime.recorded_at.is_not(None),
            or_(
                Crime.victim_name.is_not(None),
                Crime.victim_address.is_not(None),
                Crime.victim_postcode.is_not(None),
            ),
        )
    )
    if force_name is not None:
        query = query.where(Crime.force == force_name)
    if district_id is not None:
        query = query.where(Crime.district_id == district_id)
    if recorded_before is not None:
        query = query.where(Crime.recorded_at < recorded_before)
    if open_after is not None:
        query = query.where(or_(VictimCare.closed_at.is_(None), VictimCare.closed_at >= open_after))
    rows = session.execute(query.order_by(Crime.id)).all()
    care_ids = [care.id for _, care in rows if care is not None]
    contacts: dict[int, list[dt.date]] = {}
    for start in range(0, len(care_ids), 500):
        for care_id, made_at in session.execute(
            select(VictimUpdate.care_id, VictimUpdate.made_at).where(
                VictimUpdate.care_id.in_(care_ids[start : start + 500])
            )
        ):
            contacts.setdefault(care_id, []).append(made_at.date())
    return [
        VictimCase(crime, care, sorted(contacts.get(care.id, [])) if care else [])
        for crime, care in rows
    ]


def _schedule(case: VictimCase, default_days: int) -> tuple[int, dt.date | None] | None:
    """Days between updates and the closing day, or None when no updates are owed."""
    care = case.care
    if care is not None and not care.wants_updates:
        return None
    every = care.update_every_days if care is not None else default_days
    stop = care.closed_at.date() if care is not None and care.closed_at else None
    return every, stop


def due_updates(
    *,
    session: Session,
    force_name: str,
    district_id: int | None = None,
    officer: str | None = None,
    today: dt.date | None = None,
    default_days: int | None = None,
) -> list[Due]:
    """The next update owed to each victim whose care is open, soonest (most overdue) first.

    Victims with no needs assessment yet are listed with no officer (``assessed`` false).
    """
    today = today or utcnow().date()
    default_days = default_days or get_settings().victim_update_days
    districts = {i: slug for i, slug in session.execute(select(District.id, District.slug))}
    found: list[Due] = []
    for case in victim_cases(
        session, force_name=force_name, district_id=district_id, recorded_before=None,
        open_after=None,
    ):  # fmt: skip
        care = case.care
        if care is not None and care.closed_at is not None:
            continue
        if officer is not None and (care is None or care.officer != officer):
            continue
        schedule = _schedule(case, default_days)
        if schedule is None:
            continue
        every, _ = schedule
        assert case.crime.recorded_at is not None and case.crime.reference is not None
        last = max([case.crime.recorded_at.date(), *case.contacts])
        due = last + dt.timedelta(days=every)
        found.append(
            Due(
                crime_id=case.crime.id,
                reference=case.crime.reference,
                category=case.crime.category,
                district=districts.get(case.crime.district_id or -1),
                officer=care.officer if care is not None else None,
                assessed=care is not None,
                victim_name=case.crime.victim_name,
                preferred_contact=care.preferred_contact if care is not None else None,
                last_contact=last,
                due=due,
                overdue_days=max(0, (today - due).days),
            )
        )
    return sorted(found, key=lambda d: (d.due, d.reference))


def victims_updated_on_time(
    session: Session,
    start: dt.date,
    end: dt.date,
    district: District | None = None,
    *,
    force_name: str | None = None,
    today: dt.date | None = None,
    default_days: int | None = None,
) -> tuple[int, int]:
    """Victims updated on time in the period ``start`` (first day) to ``end`` (the day after
    the last): (victims whose every update due in the period was made on or before its day,
    victims with an update due in the period). Deadlines still ahead of ``today`` are not
    counted; a deadline is in the period when its day is.

    Every crime the force recorded with a victim counts (not ASB reports), from the day it was
    recorded, at the frequency agreed in its needs assessment (``CONSTABLE_VICTIM_UPDATE_DAYS``
    without one), until its care was closed; victims who want no updates do not count.
    ``force_name`` (the name on the force's crime records) keeps one force's crimes.
    """
    cases = victim_cases(
        session,
        force_name=force_name,
        district_id=district.id if district is not None else None,
        recorded_before=dt.datetime.combine(end, dt.time(), dt.UTC),
        open_after=dt.datetime.combine(start, dt.time(), dt.UTC),
    )
    return on_time(cases, start, end, today=today, default_days=default_days)


def on_time(
    cases: Sequence[VictimCase],
    start: dt.date,
    end: dt.date,
    *,
    today: dt.date | None = None,
    default_days: int | None = None,
) -> tuple[int, int]:
    """:func:`victims_updated_on_time` of cases already loaded (:func:`victim_cases`), so that
    a run of periods reads them once: cases recorded from ``end`` on, or closed before
    ``start``, are left out here."""
    if end <= start:
        raise VictimCareError(f"end {end.isoformat()} is not after start {start.isoformat()}")
    today = today or utcnow().date()
    default_days = default_days or get_settings().victim_update_days
    cut = min(end - dt.timedelta(days=1), today)
    recorded_before = dt.datetime.combine(end, dt.time(), dt.UTC)
    open_after = dt.datetime.combine(start, dt.time(), dt.UTC)
    numerator = denominator = 0
    for case in cases:
        recorded = case.crime.recorded_at
        closed = case.care.closed_at if case.care is not None else None
        if recorded is None or recorded >= recorded_before:
            continue
        if closed is not None and closed < open_after:
            continue
        schedule = _schedule(case, default_days)
        if schedule is None:
            continue
        every, stop = schedule
        owed = [
            d
            for d in deadlines(recorded.date(), every, case.contacts, until=cut, stop=stop)
            if start <= d.due < end and (d.due <= today or d.met_on is not None)
        ]
        if owed:
            denominator += 1
            numerator += all(d.on_time() for d in owed)
    return numerator, denominator
