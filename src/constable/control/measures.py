"""Control-room measures the performance work uses: answering, attendance, open incidents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.control import service
from constable.control.enums import IncidentState
from constable.control.models import Contact, Incident
from constable.control.shifts import LOCAL
from constable.errors import ConstableError
from constable.force.models import District, Force
from constable.store.base import utcnow

AGE_BANDS: tuple[tuple[str, float], ...] = (
    ("under 1 hour", 1),
    ("1 to 4 hours", 4),
    ("4 to 24 hours", 24),
    ("1 to 7 days", 24 * 7),
    ("over 7 days", float("inf")),
)


@dataclass
class Rate:
    """How many of ``total`` met a standard."""

    met: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        """``met / total``, or None when there is nothing to measure."""
        return self.met / self.total if self.total else None

    def add(self, met: bool) -> None:
        """Count one more case."""
        self.total += 1
        self.met += int(met)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"met": self.met, "total": self.total, "share": self.share}


@dataclass
class ControlMeasures:
    """The measures for a period."""

    start: dt.date
    end: dt.date
    answering: dict[str, dict[str, Any]] = field(default_factory=dict)
    answering_by_day: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    attendance: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    open_by_age: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        return data


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=LOCAL),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL),
    )


def summary(
    *,
    session: Session,
    force: Force,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ControlMeasures:
    """Measures for the days ``start`` to ``end`` (local dates; default the last 7 days)."""
    now = now or utcnow()
    end = end or now.astimezone(LOCAL).date()
    start = start or end - dt.timedelta(days=6)
    if start > end:
        raise ConstableError(f"start {start} is after end {end}")
    config = service.force_config(force)
    low, high = _bounds(start, end)
    slugs: dict[int, str] = {
        district_id: slug
        for district_id, slug in session.execute(
            select(District.id, District.slug).where(District.force_id == force.id)
        )
    }

    answering: dict[str, Rate] = defaultdict(Rate)
    by_day: dict[str, dict[str, Rate]] = defaultdict(lambda: defaultdict(Rate))
    contacts = session.execute(
        select(Contact.channel, Contact.call_started_at, Contact.answered_at, Incident.district_id)
        .join(Incident, Incident.id == Contact.incident_id)
        .where(
            Incident.force_id == force.id,
            Contact.call_started_at >= low,
            Contact.call_started_at < high,
        )
    )
    for channel, started, answered, district_id in contacts:
        if channel not in ("999", "101") or answered is None:
            continue  # online and walk-in contacts are not calls to answer
        target = config.control.answer_targets["999" if channel == "999" else "other"]
        met = (answered - started).total_seconds() <= target.seconds
        answering[channel].add(met)
        answering[f"{channel}:{slugs.get(district_id, '?')}"].add(met)
        by_day[started.astimezone(LOCAL).date().isoformat()][channel].add(met)

    attendance: dict[str, dict[str, Rate]] = defaultdict(lambda: defaultdict(Rate))
    incidents = session.scalars(
        select(Incident).where(
            Incident.force_id == force.id, Incident.opened_at >= low, Incident.opened_at < high
        )
    )
    open_by_age: dict[str, dict[str, int]] = defaultdict(lambda: {band: 0 for band, _ in AGE_BANDS})
    for incident in incidents:
        minutes = service.attendance_standard(config, incident)
        if minutes is not None:
            due = incident.opened_at + dt.timedelta(minutes=minutes)
            if incident.first_arrival_at is not None or due <= now:
                met = incident.first_arrival_at is not None and incident.first_arrival_at <= due
                slug = slugs.get(incident.district_id, "?")
                attendance[f"grade {incident.grade}"]["force"].add(met)
                attendance[f"grade {incident.grade}"][slug].add(met)
    for incident in session.scalars(
        select(Incident).where(
            Incident.force_id == force.id, Incident.state != IncidentState.CLOSED.value
        )
    ):
        hours = (now - incident.opened_at).total_seconds() / 3600
        band = next(name for name, limit in AGE_BANDS if hours < limit)
        open_by_age[slugs.get(incident.district_id, "?")][band] += 1

    return ControlMeasures(
        start=start,
        end=end,
        answering={k: v.as_dict() for k, v in sorted(answering.items())},
        answering_by_day={
            day: {k: v.as_dict() for k, v in rates.items()} for day, rates in sorted(by_day.items())
        },
        attendance={
            grade: {k: v.as_dict() for k, v in sorted(rates.items())}
            for grade, rates in sorted(attendance.items())
        },
        open_by_age=dict(sorted(open_by_age.items())),
    )
