"""Section 136 detentions: record, end with an outcome, list, and count month by month."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.community.enums import PlaceOfSafety, S136Outcome
from constable.community.models import S136Detention
from constable.community.schemas import S136Create, S136Update
from constable.community.service import (
    LOCAL_TIME,
    CommunityError,
    CommunityNotFound,
    Names,
    Period,
    Placement,
    place,
)
from constable.force.models import District, Force
from constable.store import audit
from constable.store.base import utcnow

MAX_DETENTION_HOURS = 36
"""A s.136 detention lasts at most 24 hours, extendable by 12 (Mental Health Act 1983, s.136(2A)
and s.136B, as amended by the Policing and Crime Act 2017): a longer one is a typing mistake."""


def locate(*, session: Session, force: Force, data: S136Create) -> Placement:
    """Where the detention took place: its district and neighbourhood."""
    return place(
        session=session,
        force=force,
        postcode=data.postcode,
        latitude=data.latitude,
        longitude=data.longitude,
        neighbourhood=data.neighbourhood,
    )


def _check_incident(session: Session, force: Force, incident_id: int | None) -> None:
    if incident_id is None:
        return
    from constable.control import service as control

    incident = control.get(session=session, incident_id=incident_id)
    if incident is None or incident.force_id != force.id:
        raise CommunityNotFound(f"incident_id: there is no incident {incident_id}")


def _check(
    *,
    detained_at: dt.datetime,
    ended_at: dt.datetime | None,
    place_of_safety: str,
    place_of_safety_detail: str | None,
    outcome: str | None,
    now: dt.datetime,
) -> None:
    if detained_at > now:
        raise CommunityError(f"detained_at: {detained_at.isoformat()} is in the future")
    if ended_at is not None:
        if ended_at < detained_at:
            raise CommunityError(
                f"ended_at: {ended_at.isoformat()} is before detained_at {detained_at.isoformat()}"
            )
        if ended_at > now:
            raise CommunityError(f"ended_at: {ended_at.isoformat()} is in the future")
        hours = (ended_at - detained_at).total_seconds() / 3600
        if hours > MAX_DETENTION_HOURS:
            raise CommunityError(
                f"ended_at: {hours:.1f} hours after detained_at; a s.136 detention lasts at most "
                f"{MAX_DETENTION_HOURS} hours (24, extended by up to 12)"
            )
    if (ended_at is None) != (outcome is None):
        raise CommunityError(
            "outcome: give ended_at and outcome together (a detention ends with its outcome)"
            if ended_at is None
            else "outcome: a detention that has ended needs its outcome"
        )
    if place_of_safety == PlaceOfSafety.OTHER and not (place_of_safety_detail or "").strip():
        raise CommunityError("place_of_safety_detail: say which place, for place_of_safety other")


def _state(detention: S136Detention) -> dict[str, Any]:
    return {
        "district_id": detention.district_id,
        "detained_at": detention.detained_at.isoformat(),
        "ended_at": detention.ended_at.isoformat() if detention.ended_at else None,
        "place_of_safety": detention.place_of_safety,
        "place_of_safety_detail": detention.place_of_safety_detail,
        "outcome": detention.outcome,
        "incident_id": detention.incident_id,
    }


def create(
    *,
    session: Session,
    force: Force,
    data: S136Create,
    placement: Placement,
    actor: str,
    now: dt.datetime | None = None,
) -> S136Detention:
    """Record a detention at ``placement`` (from :func:`locate`); every rule is checked first."""
    now = now or utcnow()
    _check(
        detained_at=data.detained_at,
        ended_at=data.ended_at,
        place_of_safety=data.place_of_safety.value,
        place_of_safety_detail=data.place_of_safety_detail,
        outcome=data.outcome.value if data.outcome else None,
        now=now,
    )
    _check_incident(session, force, data.incident_id)
    location = placement.location
    detention = S136Detention(
        force_id=force.id,
        district_id=placement.district.id,
        neighbourhood_id=placement.neighbourhood_id,
        easting=location.easting,
        northing=location.northing,
        latitude=location.latitude,
        longitude=location.longitude,
        location_text=data.location_text or location.postcode,
        detained_at=data.detained_at,
        ended_at=data.ended_at,
        place_of_safety=data.place_of_safety.value,
        place_of_safety_detail=data.place_of_safety_detail,
        outcome=data.outcome.value if data.outcome else None,
        incident_id=data.incident_id,
        notes=data.notes,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(detention)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="s136.create",
        entity="s136_detention",
        entity_id=detention.id,
        after=_state(detention),
    )
    return detention


def update(
    *,
    session: Session,
    force: Force,
    detention: S136Detention,
    data: S136Update,
    actor: str,
    now: dt.datetime | None = None,
) -> S136Detention:
    """Change the fields given in ``data`` (usually the end and outcome), if the result is valid."""
    now = now or utcnow()
    given = data.model_fields_set
    if not given:
        raise CommunityError("body: give at least one field to change")
    changes: dict[str, Any] = {}
    for name in given:
        value = getattr(data, name)
        changes[name] = value.value if hasattr(value, "value") else value
    if "place_of_safety" in changes and changes["place_of_safety"] is None:
        raise CommunityError("place_of_safety: a detention always has a place of safety")
    merged = {
        "ended_at": detention.ended_at,
        "outcome": detention.outcome,
        "place_of_safety": detention.place_of_safety,
        "place_of_safety_detail": detention.place_of_safety_detail,
        **changes,
    }
    _check(
        detained_at=detention.detained_at,
        ended_at=merged["ended_at"],
        place_of_safety=merged["place_of_safety"],
        place_of_safety_detail=merged["place_of_safety_detail"],
        outcome=merged["outcome"],
        now=now,
    )
    if "incident_id" in changes:
        _check_incident(session, force, changes["incident_id"])
    before = _state(detention)
    for name, value in changes.items():
        setattr(detention, name, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="s136.update",
        entity="s136_detention",
        entity_id=detention.id,
        before=before,
        after=_state(detention),
    )
    return detention


def get_or_raise(*, session: Session, force: Force, detention_id: int) -> S136Detention:
    """The detention with this id in ``force``, or :class:`CommunityNotFound`."""
    detention = session.get(S136Detention, detention_id)
    if detention is None or detention.force_id != force.id:
        raise CommunityNotFound(f"there is no s.136 detention {detention_id}")
    return detention


def list_detentions(
    *,
    session: Session,
    force: Force,
    district: District | None = None,
    period: Period | None = None,
    limit: int = 1000,
) -> list[S136Detention]:
    """Detentions of the force (or a district), in a period if given, newest first."""
    query = select(S136Detention).where(S136Detention.force_id == force.id)
    if district is not None:
        query = query.where(S136Detention.district_id == district.id)
    if period is not None:
        start, end = period.utc_bounds()
        query = query.where(S136Detention.detained_at >= start, S136Detention.detained_at < end)
    query = query.order_by(S136Detention.detained_at.desc(), S136Detention.id.desc()).limit(limit)
    return list(session.scalars(query))


def duration_minutes(detention: S136Detention) -> float | None:
    """Minutes from detention to its end (None while it goes on)."""
    if detention.ended_at is None:
        return None
    return round((detention.ended_at - detention.detained_at).total_seconds() / 60, 1)


def local_month(moment: dt.datetime) -> str:
    """The month (YYYY-MM) of a moment in England and Wales."""
    return f"{moment.astimezone(LOCAL_TIME):%Y-%m}"


@dataclass
class Monthly:
    """Detentions per month per district over a period."""

    months: list[str]
    districts: list[tuple[District, list[int]]]

    @property
    def total(self) -> list[int]:
        """The districts' counts added up, month by month."""
        return [sum(counts[i] for _, counts in self.districts) for i in range(len(self.months))]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (:class:`~constable.community.schemas.S136Monthly`)."""
        return {
            "months": self.months,
            "districts": [
                {"district": d.slug, "name": d.name, "counts": c, "total": sum(c)}
                for d, c in self.districts
            ],
            "total": self.total,
        }


def monthly(
    *, session: Session, force: Force, period: Period, district: District | None = None
) -> Monthly:
    """Detentions in each month of ``period`` (local time), for every district or just one."""
    start, end = period.utc_bounds()
    query = select(S136Detention.district_id, S136Detention.detained_at).where(
        S136Detention.force_id == force.id,
        S136Detention.detained_at >= start,
        S136Detention.detained_at < end,
    )
    if district is not None:
        query = query.where(S136Detention.district_id == district.id)
    counts = Counter((d, local_month(at)) for d, at in session.execute(query))
    months = [f"{m:%Y-%m}" for m in period.months()]
    districts = (
        [district]
        if district is not None
        else sorted(force.districts, key=lambda d: d.name)  # every district, zeros included
    )
    return Monthly(months, [(d, [counts[(d.id, m)] for m in months]) for d in districts])


@dataclass
class Summary:
    """A period's detentions: how many, where people were taken, how they ended, how long."""

    detentions: int = 0
    ended: int = 0
    by_place_of_safety: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    median_minutes: float | None = None
    over_24_hours: int = 0
    linked_to_incident: int = 0


def summary(
    *, session: Session, force: Force, period: Period, district: District | None = None
) -> Summary:
    """The figures of ``period`` for the force or a district."""
    rows = list_detentions(
        session=session, force=force, district=district, period=period, limit=10_000_000
    )
    durations = sorted(m for m in (duration_minutes(d) for d in rows) if m is not None)
    places = Counter(d.place_of_safety for d in rows)
    outcomes = Counter(d.outcome for d in rows if d.outcome)
    median = None
    if durations:
        middle = len(durations) // 2
        median = (
            durations[middle]
            if len(durations) % 2
            else round((durations[middle - 1] + durations[middle]) / 2, 1)
        )
    return Summary(
        detentions=len(rows),
        ended=len(durations),
        by_place_of_safety={p.value: places[p.value] for p in PlaceOfSafety},
        by_outcome={o.value: outcomes[o.value] for o in S136Outcome},
        median_minutes=median,
        over_24_hours=sum(1 for m in durations if m > 24 * 60),
        linked_to_incident=sum(1 for d in rows if d.incident_id is not None),
    )


def read(detention: S136Detention, names: Names, codes: dict[int, str]) -> dict[str, Any]:
    """The detention as the API shows it (:class:`~constable.community.schemas.S136Read`)."""
    place_of_safety = PlaceOfSafety(detention.place_of_safety)
    outcome = S136Outcome(detention.outcome) if detention.outcome else None
    return {
        "id": detention.id,
        "district": names.slugs.get(detention.district_id, "?"),
        "district_name": names.names.get(detention.district_id, "?"),
        "neighbourhood": codes.get(detention.neighbourhood_id or 0),
        "latitude": detention.latitude,
        "longitude": detention.longitude,
        "location_text": detention.location_text,
        "detained_at": detention.detained_at,
        "ended_at": detention.ended_at,
        "duration_minutes": duration_minutes(detention),
        "place_of_safety": place_of_safety,
        "place_of_safety_label": place_of_safety.label,
        "place_of_safety_detail": detention.place_of_safety_detail,
        "outcome": outcome,
        "outcome_label": outcome.label if outcome else None,
        "incident_id": detention.incident_id,
        "notes": detention.notes,
        "recorded_by": detention.recorded_by,
        "recorded_at": detention.recorded_at,
    }
