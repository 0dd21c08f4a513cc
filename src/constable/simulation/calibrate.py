"""Refitting a demand calibration from the incidents in the store.

Everything the store can tell is refit: calls a day by channel, the hourly and weekday
profiles (local time), districts' shares, the category mix of each channel with its grades,
handling time (answer to incident opened) and time at the scene (arrival to clearing) by
category. What it cannot tell (patience, call-backs, a category never seen) is kept from the
base calibration, and the notes say which.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.control.models import Contact, Deployment, Incident
from constable.force.models import District, Force
from constable.simulation import SimulationError
from constable.simulation.demand import CHANNELS, DemandCalibration
from constable.simulation.validation import validate

LOCAL = ZoneInfo("Europe/London")
MIN_INCIDENTS = 200


@dataclass(frozen=True)
class _Row:
    """The first contact of a stored incident."""

    channel: str
    rang: dt.datetime
    answered: dt.datetime | None
    opened: dt.datetime
    category: str
    grade: int
    district: str


@dataclass(frozen=True)
class Refit:
    """A refit calibration and what was refit or kept."""

    calibration: DemandCalibration
    incidents: int
    days: float
    notes: list[str]


def _shares(counts: Counter[int], size: int) -> list[float]:
    total = sum(counts.values())
    shares = [round(counts.get(i, 0) / total, 4) for i in range(size)]
    # Rounding to four places may leave the sum a little off one: put it on the largest share.
    shares[shares.index(max(shares))] += round(1 - sum(shares), 4)
    return [round(s, 4) for s in shares]


def refit(
    *,
    session: Session,
    force: Force,
    base: DemandCalibration,
    min_incidents: int = MIN_INCIDENTS,
) -> Refit:
    """A calibration of ``force``'s demand from its stored incidents, over ``base``."""
    rows = session.execute(
        select(
            Contact.channel,
            Contact.call_started_at,
            Contact.answered_at,
            Incident.id,
            Incident.opened_at,
            Incident.category,
            Incident.grade,
            District.name,
        )
        .join(Incident, Incident.id == Contact.incident_id)
        .join(District, District.id == Incident.district_id)
        .where(Incident.force_id == force.id, Contact.channel.in_(CHANNELS))
        .order_by(Contact.id)
    ).all()
    first: dict[int, _Row] = {}
    for channel_, rang_, answered_, id_, opened_, category_, grade_, district_ in rows:
        first.setdefault(
            id_, _Row(channel_, rang_, answered_, opened_, category_, grade_, district_)
        )
    if len(first) < min_incidents:
        raise SimulationError(
            f"{force.name} has {len(first)} incidents from 999 and 101 calls in the store; "
            f"at least {min_incidents:,} are needed to refit the demand"
        )
    started = [r.rang for r in first.values()]
    span = (max(started) - min(started)).total_seconds() / 86_400
    days = max(span, 1.0)
    notes = [f"{len(first):,} incidents over {days:.1f} days"]
    scene: dict[str, list[float]] = defaultdict(list)
    for category, arrived, cleared in session.execute(
        select(Incident.category, Deployment.at_scene_at, Deployment.cleared_at)
        .join(Deployment, Deployment.incident_id == Incident.id)
        .where(
            Incident.force_id == force.id,
            Deployment.at_scene_at.is_not(None),
            Deployment.cleared_at.is_not(None),
        )
    ):
        if arrived is not None and cleared is not None:  # the query asks for both
            scene[category].append((cleared - arrived).total_seconds() / 60)
    raw = base.model_dump(mode="json")
    raw["source"] = f"Refit from {len(first):,} stored incidents of {force.name}. " + raw["source"]
    weekdays: Counter[int] = Counter()
    districts: Counter[str] = Counter()
    for channel in CHANNELS:
        mine = [r for r in first.values() if r.channel == channel]
        if not mine:
            notes.append(f"no {channel} calls stored: {channel} kept from the base")
            continue
        hours: Counter[int] = Counter()
        categories: Counter[str] = Counter()
        grades: dict[str, Counter[int]] = defaultdict(Counter)
        handled: dict[str, list[float]] = defaultdict(list)
        for row in mine:
            local = row.rang.astimezone(LOCAL)
            hours[local.hour] += 1
            weekdays[local.weekday()] += 1
            districts[row.district] += 1
            categories[row.category] += 1
            grades[row.category][row.grade] += 1
            if row.answered is not None:
                seconds = (row.opened - row.answered).total_seconds()
                if seconds > 0:
                    handled[row.category].append(seconds)
        old = {c["category"]: c for c in raw["channels"].get(channel, {}).get("categories", [])}
        fallback_handle = (
            base.channels[channel].mean_handle_seconds() if channel in base.channels else 300.0
        )
        mixes = []
        total = sum(categories.values())
        for category, count in sorted(categories.items()):
            before = old.get(category, {})
            times = handled.get(category)
            minutes = scene.get(category)
            mixes.append(
                {
                    "category": category,
                    "share": count / total,
                    "grades": [grades[category][g] / count for g in (1, 2, 3, 4)],
                    "handle_seconds": sum(times) / len(times)
                    if times
                    else before.get("handle_seconds", fallback_handle),
                    "on_scene_minutes": sum(minutes) / len(minutes)
                    if minutes
                    else before.get("on_scene_minutes", 60.0),
                }
            )
        channel_raw = dict(raw["channels"].get(channel, {}))
        channel_raw.update(
            per_day=round(len(mine) / days, 1),
            hourly=_shares(hours, 24),
            categories=mixes,
        )
        raw["channels"][channel] = channel_raw
        if not handled:
            notes.append(f"{channel}: no answer times stored, handling times kept from the base")
    if span >= 7:
        raw["weekday"] = _shares(weekdays, 7)
    else:
        notes.append("less than a week of incidents: the weekday profile kept from the base")
    total = sum(districts.values())
    raw["district_shares"] = {name: count / total for name, count in sorted(districts.items())}
    if not scene:
        notes.append("no completed deployments stored: times at scene kept from the base")
    notes.append("patience and call-backs kept from the base (the store does not record hang-ups)")
    return Refit(validate(DemandCalibration, raw, "refit calibration"), len(first), days, notes)
