"""Community Speedwatch: sites, sessions and detections, the repeat-vehicle worklist, visits and
how many vehicles sent a letter were not detected again.

Definitions (docs/community.md gives them with examples):

- An **occasion** is a session in which a vehicle was detected over the limit; a vehicle is
  recorded at most once a session, so its occasions are its detections.
- A vehicle is **flagged** for an officer's visit when it has been detected on the force's
  ``repeat_detections`` occasions (5 in Kent) or more, at any of the force's sites. Its
  **district** is that of the site of its latest detection. It stays on the district's
  **worklist** until a visit is recorded on or after the date of its latest detection.
- **Letter effectiveness**: of the vehicles sent a letter in a period (at the district's sites,
  for a district), the share with no detection anywhere in the force on a later date than their
  first letter of the period, up to the latest session recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from constable.community.models import (
    SpeedwatchDetection,
    SpeedwatchSession,
    SpeedwatchSite,
    SpeedwatchVisit,
)
from constable.community.schemas import SessionCreate, SiteCreate, VisitCreate
from constable.community.service import (
    CommunityError,
    CommunityNotFound,
    Names,
    Period,
    Placement,
    not_in_future,
    place,
)
from constable.force.models import District, Force
from constable.store import audit
from constable.store.base import utcnow

# -- Sites ------------------------------------------------------------------------------------


def locate(*, session: Session, force: Force, data: SiteCreate) -> Placement:
    """Where the site is: its district and neighbourhood."""
    return place(
        session=session,
        force=force,
        postcode=data.postcode,
        latitude=data.latitude,
        longitude=data.longitude,
        neighbourhood=data.neighbourhood,
    )


def create_site(
    *,
    session: Session,
    force: Force,
    data: SiteCreate,
    placement: Placement,
    actor: str,
    now: dt.datetime | None = None,
) -> SpeedwatchSite:
    """A new site at ``placement`` (from :func:`locate`)."""
    now = now or utcnow()
    location = placement.location
    site = SpeedwatchSite(
        force_id=force.id,
        district_id=placement.district.id,
        neighbourhood_id=placement.neighbourhood_id,
        road=data.road.strip(),
        speed_limit_mph=data.speed_limit_mph,
        easting=location.easting,
        northing=location.northing,
        latitude=location.latitude,
        longitude=location.longitude,
        location_text=data.location_text or location.postcode,
        created_by=actor,
        created_at=now,
    )
    session.add(site)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="speedwatch_site.create",
        entity="speedwatch_site",
        entity_id=site.id,
        after={
            "district_id": site.district_id,
            "road": site.road,
            "speed_limit_mph": site.speed_limit_mph,
        },
    )
    return site


def get_site_or_raise(*, session: Session, force: Force, site_id: int) -> SpeedwatchSite:
    """The site with this id in ``force``, or :class:`CommunityNotFound`."""
    site = session.get(SpeedwatchSite, site_id)
    if site is None or site.force_id != force.id:
        raise CommunityNotFound(f"there is no Speedwatch site {site_id}")
    return site


@dataclass
class SiteView:
    """A site with its sessions' totals."""

    site: SpeedwatchSite
    sessions: int
    vehicles_checked: int
    vehicles_detected: int
    last_session: dt.date | None


def list_sites(
    *,
    session: Session,
    force: Force,
    district: District | None = None,
    period: Period | None = None,
    site_id: int | None = None,
) -> list[SiteView]:
    """The force's (or a district's, or one) sites by district and road, with their sessions'
    totals (those of ``period`` when given)."""
    detected = (
        select(SpeedwatchDetection.session_id, func.count().label("n"))
        .group_by(SpeedwatchDetection.session_id)
        .subquery()
    )
    totals = select(
        SpeedwatchSession.site_id,
        func.count(SpeedwatchSession.id),
        func.coalesce(func.sum(SpeedwatchSession.vehicles_checked), 0),
        func.coalesce(func.sum(detected.c.n), 0),
        func.max(SpeedwatchSession.held_on),
    ).outerjoin(detected, detected.c.session_id == SpeedwatchSession.id)
    if site_id is not None:
        totals = totals.where(SpeedwatchSession.site_id == site_id)
    if period is not None:
        totals = totals.where(
            SpeedwatchSession.held_on >= period.start, SpeedwatchSession.held_on < period.end
        )
    by_site = {
        row[0]: row[1:] for row in session.execute(totals.group_by(SpeedwatchSession.site_id))
    }
    query = select(SpeedwatchSite).where(SpeedwatchSite.force_id == force.id)
    if district is not None:
        query = query.where(SpeedwatchSite.district_id == district.id)
    if site_id is not None:
        query = query.where(SpeedwatchSite.id == site_id)
    names = Names.of(session, force)
    sites = sorted(
        session.scalars(query), key=lambda s: (names.names.get(s.district_id, ""), s.road, s.id)
    )
    views = []
    for site in sites:
        count, checked, found, last = by_site.get(site.id, (0, 0, 0, None))
        views.append(SiteView(site, int(count), int(checked), int(found), last))
    return views


# -- Sessions ---------------------------------------------------------------------------------


def create_session(
    *,
    session: Session,
    site: SpeedwatchSite,
    data: SessionCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> SpeedwatchSession:
    """Record a session at ``site`` with its detections, all or nothing."""
    now = now or utcnow()
    not_in_future("held_on", data.held_on)
    if len(data.detections) > data.vehicles_checked:
        raise CommunityError(
            f"detections: {len(data.detections)} vehicles detected over the limit, but "
            f"vehicles_checked is {data.vehicles_checked}: a vehicle detected was checked too"
        )
    seen: dict[str, int] = {}
    for index, detection in enumerate(data.detections):
        if detection.registration in seen:
            raise CommunityError(
                f"detections[{index}].registration: {detection.registration} is already "
                f"detections[{seen[detection.registration]}]; record a vehicle once a session"
            )
        seen[detection.registration] = index
        if detection.speed_mph is not None and detection.speed_mph <= site.speed_limit_mph:
            raise CommunityError(
                f"detections[{index}].speed_mph: {detection.speed_mph} mph is not over the "
                f"site's {site.speed_limit_mph} mph limit"
            )
    held = SpeedwatchSession(
        site_id=site.id,
        held_on=data.held_on,
        volunteers=data.volunteers,
        hours=data.hours,
        vehicles_checked=data.vehicles_checked,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(held)
    session.flush()
    session.add_all(
        SpeedwatchDetection(
            session_id=held.id,
            registration=d.registration,
            speed_mph=d.speed_mph,
            letter_sent=d.letter_sent,
            untaxed=d.untaxed,
            no_mot=d.no_mot,
        )
        for d in data.detections
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="speedwatch_session.create",
        entity="speedwatch_session",
        entity_id=held.id,
        after={
            "site_id": site.id,
            "held_on": data.held_on.isoformat(),
            "volunteers": data.volunteers,
            "hours": data.hours,
            "vehicles_checked": data.vehicles_checked,
            "vehicles_detected": len(data.detections),
        },
    )
    return held


def get_session_or_raise(*, session: Session, force: Force, session_id: int) -> SpeedwatchSession:
    """The session with this id in ``force``, or :class:`CommunityNotFound`."""
    held = session.get(SpeedwatchSession, session_id)
    if held is None or held.site.force_id != force.id:
        raise CommunityNotFound(f"there is no Speedwatch session {session_id}")
    return held


@dataclass
class SessionView:
    """A session with its counts."""

    held: SpeedwatchSession
    site: SpeedwatchSite
    vehicles_detected: int
    letters_sent: int
    untaxed_referrals: int
    no_mot_referrals: int

    @property
    def volunteer_hours(self) -> float:
        """Hours given: volunteers × hours."""
        return round(self.held.volunteers * self.held.hours, 2)


def list_sessions(
    *,
    session: Session,
    force: Force,
    site: SpeedwatchSite | None = None,
    district: District | None = None,
    period: Period | None = None,
    limit: int = 1000,
) -> list[SessionView]:
    """Sessions of a site, a district or the force, newest first, with their counts."""
    counts = (
        select(
            SpeedwatchDetection.session_id,
            func.count().label("detected"),
            func.sum(case((SpeedwatchDetection.letter_sent, 1), else_=0)).label("letters"),
            func.sum(case((SpeedwatchDetection.untaxed, 1), else_=0)).label("untaxed"),
            func.sum(case((SpeedwatchDetection.no_mot, 1), else_=0)).label("no_mot"),
        )
        .group_by(SpeedwatchDetection.session_id)
        .subquery()
    )
    query = (
        select(SpeedwatchSession, SpeedwatchSite, counts)
        .join(SpeedwatchSite, SpeedwatchSite.id == SpeedwatchSession.site_id)
        .outerjoin(counts, counts.c.session_id == SpeedwatchSession.id)
        .where(SpeedwatchSite.force_id == force.id)
    )
    if site is not None:
        query = query.where(SpeedwatchSession.site_id == site.id)
    if district is not None:
        query = query.where(SpeedwatchSite.district_id == district.id)
    if period is not None:
        query = query.where(
            SpeedwatchSession.held_on >= period.start, SpeedwatchSession.held_on < period.end
        )
    query = query.order_by(SpeedwatchSession.held_on.desc(), SpeedwatchSession.id.desc())
    return [
        SessionView(held, where, int(found or 0), int(letters or 0), int(tax or 0), int(mot or 0))
        for held, where, _, found, letters, tax, mot in session.execute(query.limit(limit))
    ]


@dataclass
class Totals:
    """Sessions, hours and vehicles of a period."""

    sites_used: int = 0
    sessions: int = 0
    volunteer_hours: float = 0.0
    vehicles_checked: int = 0
    vehicles_detected: int = 0
    letters_sent: int = 0
    untaxed_referrals: int = 0
    no_mot_referrals: int = 0


def totals(
    *, session: Session, force: Force, period: Period, district: District | None = None
) -> Totals:
    """What Speedwatch did in ``period``, at the force's (or a district's) sites."""
    views = list_sessions(
        session=session, force=force, district=district, period=period, limit=10_000_000
    )
    return Totals(
        sites_used=len({v.site.id for v in views}),
        sessions=len(views),
        volunteer_hours=round(sum(v.volunteer_hours for v in views), 2),
        vehicles_checked=sum(v.held.vehicles_checked for v in views),
        vehicles_detected=sum(v.vehicles_detected for v in views),
        letters_sent=sum(v.letters_sent for v in views),
        untaxed_referrals=sum(v.untaxed_referrals for v in views),
        no_mot_referrals=sum(v.no_mot_referrals for v in views),
    )


# -- Repeat vehicles --------------------------------------------------------------------------


@dataclass
class Flagged:
    """A vehicle detected on ``threshold`` occasions or more."""

    registration: str
    occasions: int
    first_detected: dt.date
    flagged_on: dt.date
    last_detected: dt.date
    district_id: int
    flagged_district_id: int
    roads: list[str]
    letters_sent: int
    last_visit: dt.date | None

    @property
    def open(self) -> bool:
        """Whether it still waits for a visit: none since its latest detection."""
        return self.last_visit is None or self.last_visit < self.last_detected

    def as_dict(self, names: Names) -> dict[str, Any]:
        """Plain data (:class:`~constable.community.schemas.FlaggedRead`)."""
        return {
            "registration": self.registration,
            "occasions": self.occasions,
            "first_detected": self.first_detected,
            "flagged_on": self.flagged_on,
            "last_detected": self.last_detected,
            "district": names.slugs.get(self.district_id, "?"),
            "roads": self.roads,
            "letters_sent": self.letters_sent,
            "last_visit": self.last_visit,
            "open": self.open,
        }


def _detections(session: Session, force: Force) -> Any:
    return (
        select(
            SpeedwatchDetection.registration,
            SpeedwatchSession.held_on,
            SpeedwatchSession.id,
            SpeedwatchSite.district_id,
            SpeedwatchSite.road,
            SpeedwatchDetection.letter_sent,
        )
        .join(SpeedwatchSession, SpeedwatchSession.id == SpeedwatchDetection.session_id)
        .join(SpeedwatchSite, SpeedwatchSite.id == SpeedwatchSession.site_id)
        .where(SpeedwatchSite.force_id == force.id)
    )


def flagged(
    *,
    session: Session,
    force: Force,
    threshold: int,
    district: District | None = None,
    include_visited: bool = False,
    registration: str | None = None,
) -> list[Flagged]:
    """Vehicles detected on ``threshold`` occasions or more, most occasions first.

    Only those waiting for a visit unless ``include_visited``; for a district, the vehicles
    whose latest detection was at one of its sites.
    """
    if threshold < 1:
        raise CommunityError(f"threshold: {threshold} must be at least 1")
    repeaters = (
        select(SpeedwatchDetection.registration)
        .join(SpeedwatchSession, SpeedwatchSession.id == SpeedwatchDetection.session_id)
        .join(SpeedwatchSite, SpeedwatchSite.id == SpeedwatchSession.site_id)
        .where(SpeedwatchSite.force_id == force.id)
        .group_by(SpeedwatchDetection.registration)
        .having(func.count() >= threshold)
    )
    if registration is not None:
        repeaters = repeaters.where(SpeedwatchDetection.registration == registration)
    rows = session.execute(
        _detections(session, force)
        .where(SpeedwatchDetection.registration.in_(repeaters.scalar_subquery()))
        .order_by(SpeedwatchDetection.registration, SpeedwatchSession.held_on, SpeedwatchSession.id)
    ).all()
    visits = dict(
        session.execute(
            select(SpeedwatchVisit.registration, func.max(SpeedwatchVisit.visited_on))
            .where(SpeedwatchVisit.force_id == force.id)
            .group_by(SpeedwatchVisit.registration)
        ).all()
    )
    by_vehicle: dict[str, list[Any]] = {}
    for row in rows:
        by_vehicle.setdefault(row[0], []).append(row)
    found = []
    for mark, seen in by_vehicle.items():
        roads = list(dict.fromkeys(row[4] for row in seen))
        vehicle = Flagged(
            registration=mark,
            occasions=len(seen),
            first_detected=seen[0][1],
            flagged_on=seen[threshold - 1][1],
            last_detected=seen[-1][1],
            district_id=seen[-1][3],
            flagged_district_id=seen[threshold - 1][3],
            roads=roads,
            letters_sent=sum(1 for row in seen if row[5]),
            last_visit=visits.get(mark),
        )
        if district is not None and vehicle.district_id != district.id:
            continue
        if include_visited or vehicle.open:
            found.append(vehicle)
    return sorted(found, key=lambda v: (-v.occasions, v.last_detected, v.registration))


def record_visit(
    *,
    session: Session,
    force: Force,
    vehicle: Flagged,
    data: VisitCreate,
    actor: str,
    now: dt.datetime | None = None,
) -> SpeedwatchVisit:
    """Record an officer's visit to a flagged vehicle's keeper (by its district's staff)."""
    now = now or utcnow()
    not_in_future("visited_on", data.visited_on)
    if data.visited_on < vehicle.flagged_on:
        raise CommunityError(
            f"visited_on: {data.visited_on.isoformat()} is before {vehicle.registration} was "
            f"flagged on {vehicle.flagged_on.isoformat()}"
        )
    visit = SpeedwatchVisit(
        force_id=force.id,
        district_id=vehicle.district_id,
        registration=vehicle.registration,
        visited_on=data.visited_on,
        spoke_to_driver=data.spoke_to_driver,
        notes=data.notes,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(visit)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="speedwatch_visit.create",
        entity="speedwatch_visit",
        entity_id=visit.id,
        after={
            "registration": visit.registration,
            "visited_on": data.visited_on.isoformat(),
            "spoke_to_driver": data.spoke_to_driver,
        },
    )
    return visit


def visits(
    *,
    session: Session,
    force: Force,
    period: Period | None = None,
    district: District | None = None,
) -> list[SpeedwatchVisit]:
    """Visits recorded for flagged vehicles, newest first."""
    query = select(SpeedwatchVisit).where(SpeedwatchVisit.force_id == force.id)
    if district is not None:
        query = query.where(SpeedwatchVisit.district_id == district.id)
    if period is not None:
        query = query.where(
            SpeedwatchVisit.visited_on >= period.start, SpeedwatchVisit.visited_on < period.end
        )
    return list(
        session.scalars(query.order_by(SpeedwatchVisit.visited_on.desc(), SpeedwatchVisit.id))
    )


def newly_flagged(
    *,
    session: Session,
    force: Force,
    threshold: int,
    period: Period,
    district: District | None = None,
) -> int:
    """Vehicles whose ``threshold``-th occasion fell in ``period`` (at the district's sites)."""
    return sum(
        1
        for vehicle in flagged(
            session=session, force=force, threshold=threshold, include_visited=True
        )
        if vehicle.flagged_on in period
        and (district is None or vehicle.flagged_district_id == district.id)
    )


# -- Letters ----------------------------------------------------------------------------------


@dataclass
class Effectiveness:
    """Of the vehicles sent a letter in a period, how many were not detected again."""

    start: dt.date | None
    end: dt.date | None
    district: str | None
    vehicles_sent_letter: int
    detected_again: int
    followed_up_to: dt.date | None

    @property
    def not_detected_again(self) -> int:
        """Vehicles sent a letter with no later detection."""
        return self.vehicles_sent_letter - self.detected_again

    @property
    def share_not_detected_again(self) -> float | None:
        """``not_detected_again / vehicles_sent_letter`` (None when no letter was sent)."""
        if not self.vehicles_sent_letter:
            return None
        return self.not_detected_again / self.vehicles_sent_letter

    def as_dict(self) -> dict[str, Any]:
        """Plain data (:class:`~constable.community.schemas.EffectivenessRead`)."""
        return {
            "start": self.start,
            "end": self.end,
            "district": self.district,
            "vehicles_sent_letter": self.vehicles_sent_letter,
            "detected_again": self.detected_again,
            "not_detected_again": self.not_detected_again,
            "share_not_detected_again": self.share_not_detected_again,
            "followed_up_to": self.followed_up_to,
        }


def letter_effectiveness(
    *,
    session: Session,
    force: Force,
    period: Period | None = None,
    district: District | None = None,
) -> Effectiveness:
    """The share of vehicles sent a letter (in ``period``, at ``district``'s sites) that were not
    detected over the limit again on a later date, anywhere in the force.

    Each vehicle counts once, from its first letter in the period; "again" means a detection on
    a later date than that letter (a detection the same day cannot follow the letter), up to the
    latest session recorded (``followed_up_to``).
    """
    letters = (
        select(
            SpeedwatchDetection.registration.label("registration"),
            func.min(SpeedwatchSession.held_on).label("first_letter"),
        )
        .join(SpeedwatchSession, SpeedwatchSession.id == SpeedwatchDetection.session_id)
        .join(SpeedwatchSite, SpeedwatchSite.id == SpeedwatchSession.site_id)
        .where(SpeedwatchSite.force_id == force.id, SpeedwatchDetection.letter_sent.is_(True))
        .group_by(SpeedwatchDetection.registration)
    )
    if period is not None:
        letters = letters.where(
            SpeedwatchSession.held_on >= period.start, SpeedwatchSession.held_on < period.end
        )
    if district is not None:
        letters = letters.where(SpeedwatchSite.district_id == district.id)
    cohort = letters.subquery()
    latest = (
        select(
            SpeedwatchDetection.registration.label("registration"),
            func.max(SpeedwatchSession.held_on).label("last_seen"),
        )
        .join(SpeedwatchSession, SpeedwatchSession.id == SpeedwatchDetection.session_id)
        .join(SpeedwatchSite, SpeedwatchSite.id == SpeedwatchSession.site_id)
        .where(SpeedwatchSite.force_id == force.id)
        .group_by(SpeedwatchDetection.registration)
        .subquery()
    )
    sent, again = session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((latest.c.last_seen > cohort.c.first_letter, 1), else_=0)), 0
            ),
        ).select_from(cohort.join(latest, latest.c.registration == cohort.c.registration))
    ).one()
    followed = session.scalar(
        select(func.max(SpeedwatchSession.held_on))
        .join(SpeedwatchSite, SpeedwatchSite.id == SpeedwatchSession.site_id)
        .where(SpeedwatchSite.force_id == force.id)
    )
    return Effectiveness(
        start=period.start if period else None,
        end=period.last_day if period else None,
        district=district.slug if district else None,
        vehicles_sent_letter=int(sent),
        detected_again=int(again),
        followed_up_to=followed,
    )
