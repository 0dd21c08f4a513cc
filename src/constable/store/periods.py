"""Counting by period in SQL, the same on SQLite and PostgreSQL.

Measures count records in a run of periods at once (the 24 months of an SPC chart are one
grouped query, not 24). Three helpers make that exact:

- :func:`span_index`: which of a run of consecutive spans a column's value falls in. The spans'
  edges are computed in Python (local midnights as UTC moments, or plain dates), so a grouped
  count agrees with a count of one span by construction, whatever the time zone: the month of a
  moment at 23:30 on 30 September in British Summer Time is October, as the period's own bounds
  say. No date function of either database is involved.
- :func:`local_clock`: the weekday and hour of a UTC moment on a zone's clock (the night-time
  economy is a Friday or Saturday night, local time). SQLite has no time zones: the zone's UTC
  offsets over the rows' range are written into the query; PostgreSQL converts with
  ``timezone()``.
- :func:`elapsed_microseconds`: the time between two moments as a whole number of
  microseconds, exact on both (a call answered in 10.000001 s is not within 10 s).

Example::

    months = month_edges(dt.date(2015, 10, 1), dt.date(2017, 10, 1))
    edges = [local_midnight(day, LONDON) for day in months]
    span = span_index(Crime.occurred_at, edges).label("span")
    inner = select(span, Crime.district_id).where(*within(Crime.occurred_at, edges)).subquery()
    rows = session.execute(
        select(inner.c.span, inner.c.district_id, func.count()).group_by(
            inner.c.span, inner.c.district_id
        )
    )
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    case,
    cast,
    extract,
    func,
    literal,
)
from sqlalchemy.orm import Session

from constable.errors import ConstableError

Edge = TypeVar("Edge", dt.date, dt.datetime)


class PeriodQueryError(ConstableError):
    """Spans that cannot be counted as asked (no spans, edges out of order)."""


def dialect_of(session: Session) -> str:
    """``sqlite`` or ``postgresql``: the database the session talks to."""
    return session.get_bind().dialect.name


def month_edges(first: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months from ``first`` to ``end`` (both firsts of a month, both
    included): the edges of the calendar months between them."""
    if first.day != 1 or end.day != 1 or end < first:
        raise PeriodQueryError(f"months from {first} to {end}: both must be firsts of a month")
    found = [first]
    while found[-1] < end:
        day = found[-1]
        found.append(dt.date(day.year + day.month // 12, day.month % 12 + 1, 1))
    return found


def local_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """Midnight at the start of ``day`` on the zone's clock, as a UTC moment."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def within(column: Any, edges: Sequence[Edge]) -> list[ColumnElement[bool]]:
    """Conditions keeping the rows whose ``column`` lies in the spans: from the first edge
    (included) to the last (excluded)."""
    return [column >= edges[0], column < edges[-1]]


def span_index(column: Any, edges: Sequence[Edge]) -> ColumnElement[int]:
    """The index ``i`` of the span ``edges[i] <= column < edges[i + 1]`` the value falls in.

    ``edges`` are increasing moments (timezone-aware) or dates; keep the rows :func:`within`
    them. The expression is a balanced ``CASE`` tree, so a row costs log2(spans) comparisons;
    group by it through a subquery (PostgreSQL compares a grouped expression's parameters by
    position, so the same expression twice is not the same to it).
    """
    if len(edges) < 2:
        raise PeriodQueryError("spans need at least two edges (a start and an end)")
    if any(later <= earlier for earlier, later in pairwise(edges)):
        raise PeriodQueryError(f"the edges of spans must increase: {list(edges)}")

    def node(low: int, high: int) -> ColumnElement[int]:
        if high - low == 1:
            return literal(low, Integer)
        middle = (low + high) // 2
        return case((column < edges[middle], node(low, middle)), else_=node(middle, high))

    return node(0, len(edges) - 1)


def utc_offsets(
    zone: ZoneInfo, low: dt.datetime, high: dt.datetime
) -> list[tuple[dt.datetime, int]]:
    """The zone's offsets from UTC (seconds) between two moments: ``(from, offset)`` pairs, the
    first from ``low``, each in force until the next."""
    if high <= low:
        return [(low, _offset(zone, low))]
    found = [(low, _offset(zone, low))]
    step = dt.timedelta(hours=6)  # shorter than any gap between two changes of a zone's offset
    moment = low
    while moment < high:
        following = min(moment + step, high)
        if _offset(zone, following) != found[-1][1]:
            # The change lies in (moment, following]: halve the gap down to the second.
            early, late = moment, following
            while late - early > dt.timedelta(seconds=1):
                middle = early + (late - early) / 2
                if _offset(zone, middle) == found[-1][1]:
                    early = middle
                else:
                    late = middle
            late = late.replace(microsecond=0)
            if _offset(zone, late) == found[-1][1]:
                late += dt.timedelta(seconds=1)
            found.append((late, _offset(zone, late)))
        moment = following
    return found


def _offset(zone: ZoneInfo, moment: dt.datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def local_clock(
    column: Any,
    *,
    zone: ZoneInfo,
    low: dt.datetime,
    high: dt.datetime,
    dialect: str,
) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """``(weekday, hour)`` of a UTC moment column on the zone's clock, for rows from ``low`` to
    ``high``: the weekday as Python counts it (Monday 0 to Sunday 6), the hour 0 to 23."""
    if dialect == "postgresql":
        local = func.timezone(zone.key, column)
        weekday = cast(extract("isodow", local), Integer) - 1
        return weekday, cast(extract("hour", local), Integer)
    if dialect != "sqlite":
        raise PeriodQueryError(
            f"local time in SQL is written for SQLite and PostgreSQL, not {dialect}"
        )
    offsets = utc_offsets(zone, low, high)
    modifiers = [f"{offset:+d} seconds" for _, offset in offsets]
    shift: ColumnElement[str] = literal(modifiers[-1], String)
    for (start, _), modifier in reversed(list(zip(offsets[1:], modifiers[:-1], strict=True))):
        shift = case((column < start, literal(modifier, String)), else_=shift)
    # strftime('%w') counts from Sunday (0); Python's weekday() from Monday.
    sunday_first = cast(func.strftime("%w", column, shift), Integer)
    return (sunday_first + 6) % 7, cast(func.strftime("%H", column, shift), Integer)


def elapsed_microseconds(later: Any, earlier: Any, *, dialect: str) -> ColumnElement[int]:
    """``later - earlier`` in whole microseconds (NULL when either is NULL).

    SQLite keeps a moment as text, ``2017-07-01 09:00:03.123456`` (SQLAlchemy's format): whole
    seconds come from ``julianday`` (exact for whole seconds once rounded), microseconds from
    the text, so nothing is lost to SQLite's millisecond clock.
    """
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier) * 1_000_000, BigInteger)
    if dialect != "sqlite":
        raise PeriodQueryError(
            f"elapsed time in SQL is written for SQLite and PostgreSQL, not {dialect}"
        )
    seconds = func.round(
        (func.julianday(func.substr(later, 1, 19)) - func.julianday(func.substr(earlier, 1, 19)))
        * 86_400
    )
    micro_later = cast(func.substr(later, 21, 6), Integer)
    micro_earlier = cast(func.substr(earlier, 21, 6), Integer)
    return cast(seconds, BigInteger) * 1_000_000 + micro_later - micro_earlier
