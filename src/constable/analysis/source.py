"""Events for analysis from the store: the crimes of a force (imported and its own records).

data.police.uk rows carry only a month; the force's own records carry the time they happened.
A set of events is month-only (``has_times=False``) if any of its rows lacks a time: mixing
the two would give month-only rows a false precision (the first of the month at midnight).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.analysis.events import AnalysisError, Events
from constable.crime.models import Crime
from constable.crime.offences import ASB_CATEGORY
from constable.crime.service import resolve_force_name


def store_events(
    *,
    session: Session,
    force: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: list[str] | None = None,
    include_asb: bool = False,
) -> Events:
    """The force's located crimes with months from ``start`` to ``end`` (first days of months,
    both included), of the police.uk ``categories`` given (all by default; anti-social
    behaviour only with ``include_asb``)."""
    name = resolve_force_name(session=session, force=force)
    query = select(
        Crime.easting,
        Crime.northing,
        Crime.month,
        Crime.occurred_at,
        Crime.category,
        Crime.record_key,
    ).where(Crime.force == name, Crime.easting.is_not(None), Crime.northing.is_not(None))
    if start is not None:
        query = query.where(Crime.month >= start.replace(day=1))
    if end is not None:
        query = query.where(Crime.month <= end.replace(day=1))
    if categories:
        query = query.where(Crime.category.in_(categories))
    elif not include_asb:
        query = query.where(Crime.category != ASB_CATEGORY)
    rows = session.execute(query).all()
    if not rows:
        raise AnalysisError(
            f"{name} has no located crimes"
            + (f" from {start:%Y-%m}" if start else "")
            + (f" to {end:%Y-%m}" if end else "")
            + (f" in {', '.join(categories)}" if categories else "")
            + ": import some with `constable import police-uk` or record them"
        )
    has_times = all(row.occurred_at is not None for row in rows)
    times = [
        row.occurred_at if has_times else dt.datetime.combine(row.month, dt.time(), dt.UTC)
        for row in rows
    ]
    return Events.from_bng(
        [row.easting for row in rows],
        [row.northing for row in rows],
        times,
        has_times=has_times,
        types=[row.category for row in rows],
        ids=[row.record_key for row in rows],
    )
