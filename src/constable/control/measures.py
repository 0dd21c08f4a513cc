"""Control-room measures the performance work uses: answering, attendance, open incidents."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, bindparam, case, func, literal, null, select
from sqlalchemy.orm import Session

from constable.control import service
from constable.control.enums import IncidentState
from constable.control.models import Contact, Incident
from constable.control.shifts import LOCAL
from constable.errors import ConstableError
from constable.force.models import District, Force
from constable.store.base import UTCDateTime, utcnow
from constable.store.periods import (
    PeriodQueryError,
    dialect_of,
    elapsed_microseconds,
    local_midnight,
)

MAX_DAYS = 366
"""The longest period measured at once (a year, a leap year's included): the days' edges are
written into one query, and a longer period is a report for the performance pages, not for the
control room. A longer one is refused (HTTP 422), so that one request cannot hold the store
for minutes (issue 16: from 1950 it took 47 s and 849 MB)."""

EARLIEST_DAY = dt.date(1990, 1, 1)
"""No control-room record of this system is older than this (the first is typed in today)."""

LATEST_DAY = dt.date(2099, 12, 31)
"""Nor is any dated after this: a later date is a typing mistake."""


class PeriodError(ConstableError):
    """A period that cannot be measured: out of order, out of bounds, or too long."""


class BusyError(ConstableError):
    """Too many measures waiting to be counted in this process."""

    status = 429


COUNTING_THREADS = 1
"""Measures one server process counts at once, on a thread of their own: a year's measure is
about a tenth of a second of a core, and four of them back to back must not take the cores a
999 contact needs (``bench/signin_flood.py``)."""

MAX_WAITING = 16
"""Measures a process lets wait their turn; beyond, 429 at once."""

TURN_SECONDS = 0.5
"""At most one measure starts in a process every this many seconds, so that four back to back
take at most a fifth of a core. (Not at a lower priority: a thread of low priority that holds
the GIL when the system preempts it stalls every request of its process until it runs again.)"""


_pool: ThreadPoolExecutor | None = None
_waiting = 0
_next_turn = 0.0
_pool_lock = threading.Lock()


async def counted(count: Callable[[], T]) -> T:
    """``count()`` on the process's counting thread, in its turn (one every
    :data:`TURN_SECONDS`), waiting in the event loop (no request thread held);
    :class:`BusyError` when :data:`MAX_WAITING` already wait."""
    global _pool, _waiting, _next_turn
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(COUNTING_THREADS, thread_name_prefix="measures")
        busy = _waiting >= MAX_WAITING
        _waiting += 0 if busy else 1
        pool = _pool
        now = time.monotonic()
        turn = max(now, _next_turn)
        if not busy:
            _next_turn = turn + TURN_SECONDS
    if busy:
        raise BusyError("too many measures are being counted: try again in a few seconds")
    try:
        if turn > now:
            await asyncio.sleep(turn - now)
        return await asyncio.wrap_future(pool.submit(count))
    finally:
        with _pool_lock:
            _waiting -= 1


T = TypeVar("T")

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


def _moments(days: Sequence[dt.date]) -> list[dt.datetime]:
    return [local_midnight(day, LOCAL) for day in days]


_SPANNED = {"call_started_at": Contact.call_started_at, "opened_at": Incident.opened_at}


@lru_cache(maxsize=32)
def _spans(column: str, count: int) -> tuple[ColumnElement[int], list[ColumnElement[bool]]]:
    """:func:`~constable.store.periods.span_index` and :func:`~constable.store.periods.within`
    over ``count`` edges given as parameters ``edge_0`` ... (see :func:`_edge_values`): built
    once for each number of edges, not at every request (a year's tree of 367 edges took half
    of a 366-day measure's time to build), and compiled once by SQLAlchemy's statement cache."""
    edges = [bindparam(f"edge_{i}", type_=UTCDateTime()) for i in range(count)]
    spanned = _SPANNED[column]

    def node(low: int, high: int) -> ColumnElement[int]:
        if high - low == 1:
            return literal(low, Integer)
        middle = (low + high) // 2
        return case((spanned < edges[middle], node(low, middle)), else_=node(middle, high))

    return node(0, count - 1), [spanned >= edges[0], spanned < edges[-1]]


def _edge_values(moments: Sequence[dt.datetime]) -> dict[str, dt.datetime]:
    """The parameters of :func:`_spans`, checked as span_index checks its edges."""
    if len(moments) < 2:
        raise PeriodQueryError("spans need at least two edges (a start and an end)")
    if any(later <= earlier for earlier, later in pairwise(moments)):
        raise PeriodQueryError(f"the edges of spans must increase: {list(moments)}")
    return {f"edge_{i}": moment for i, moment in enumerate(moments)}


@dataclass(frozen=True)
class SpanTallies:
    """Calls answered and incidents attended in each of a run of consecutive spans of local
    days (the days of a week, the months of an SPC chart), by district.

    ``answering[span][(channel, district_id)]`` and ``attendance[span][(grade, district_id)]``
    are rates; :meth:`answered` and :meth:`attended` add up any run of spans.
    """

    edges: tuple[dt.date, ...]
    answering: dict[int, dict[tuple[str, int], Rate]]
    attendance: dict[int, dict[tuple[int, int], Rate]]

    def _spans(self, first: int, end: int | None) -> range:
        return range(first, len(self.edges) - 1 if end is None else end)

    def answered(
        self,
        channel: str,
        *,
        first: int = 0,
        end: int | None = None,
        district_id: int | None = None,
    ) -> Rate:
        """``channel`` calls (999 or 101) answered within target in spans ``first`` to
        ``end`` (excluded; default all), for the force or one district."""
        return _added(self.answering, channel, self._spans(first, end), district_id)

    def attended(
        self, grade: int, *, first: int = 0, end: int | None = None, district_id: int | None = None
    ) -> Rate:
        """Grade ``grade`` incidents attended within the standard in spans ``first`` to ``end``
        (excluded; default all), for the force or one district."""
        return _added(self.attendance, grade, self._spans(first, end), district_id)


def _added(
    rates: dict[int, dict[tuple[Any, int], Rate]],
    kind: object,
    spans: range,
    district_id: int | None,
) -> Rate:
    total = Rate()
    for span in spans:
        for (found, district), rate in rates.get(span, {}).items():
            if found == kind and district_id in (None, district):
                total.met += rate.met
                total.total += rate.total
    return total


def tallies(
    *,
    session: Session,
    force: Force,
    edges: Sequence[dt.date],
    now: dt.datetime | None = None,
    district_id: int | None = None,
    parts: Collection[str] = ("answering", "attendance"),
) -> SpanTallies:
    """Call answering and attendance in the spans ``edges[i]`` to ``edges[i + 1]`` (local
    dates, the end excluded), for the force or one district: two grouped queries, whatever the
    number of spans or records.

    - **answering**: 999 and 101 calls that started in the span and were answered, and of them
      those answered within the force's target for the channel (Kent: 10 s for 999, 30 s for
      other calls); a call belongs to its incident's district;
    - **attendance**: incidents opened in the span whose grade has an attendance standard and
      that have been attended or whose standard has passed by ``now``, and of them those whose
      first unit arrived within the standard (urban or rural).

    ``parts`` chooses the queries (the other part is left empty), so that the two can be
    counted at once on two connections.
    """
    now = now or utcnow()
    config = service.force_config(force)
    dialect = dialect_of(session)
    edge_values = _edge_values(_moments(edges))
    call_span, call_within = _spans("call_started_at", len(edge_values))
    incident_span, incident_within = _spans("opened_at", len(edge_values))

    def microseconds(delta: dt.timedelta) -> int:
        return delta // dt.timedelta(microseconds=1)

    targets = config.control.answer_targets
    target = case(
        (Contact.channel == "999", microseconds(dt.timedelta(seconds=targets["999"].seconds))),
        else_=microseconds(dt.timedelta(seconds=targets["other"].seconds)),
    )
    answer_time = elapsed_microseconds(
        Contact.answered_at, Contact.call_started_at, dialect=dialect
    )
    # "+ 0": a store holds one force, or a few, so SQLite must not choose the force's index
    # (every incident) over the moments' index (the window's); PostgreSQL plans from its
    # statistics either way.
    single_force = (Incident.force_id + 0) == force.id
    calls = (
        select(
            call_span.label("span"),
            Contact.channel.label("channel"),
            Incident.district_id.label("district_id"),
            case((answer_time <= target, 1), else_=0).label("met"),
        )
        .join(Incident, Incident.id == Contact.incident_id)
        .where(
            single_force,
            *call_within,
            Contact.channel.in_(("999", "101")),  # online and walk-in contacts are not calls
            Contact.answered_at.is_not(None),
        )
    )
    standards = [
        (
            (Incident.grade == grade) & Incident.urban.is_(urban),
            microseconds(dt.timedelta(minutes=minutes)),
        )
        for grade, standard in config.control.attendance.items()
        for urban in (True, False)
        if (minutes := standard.minutes(urban=urban)) is not None
    ]
    standard_us = case(*standards, else_=None) if standards else null()
    arrival = elapsed_microseconds(Incident.first_arrival_at, Incident.opened_at, dialect=dialect)
    waited = elapsed_microseconds(literal(now, UTCDateTime()), Incident.opened_at, dialect=dialect)
    incidents = select(
        incident_span.label("span"),
        Incident.grade.label("grade"),
        Incident.district_id.label("district_id"),
        case((Incident.first_arrival_at.is_not(None) & (arrival <= standard_us), 1), else_=0).label(
            "met"
        ),
    ).where(
        single_force,
        *incident_within,
        standard_us.is_not(None),
        Incident.first_arrival_at.is_not(None) | (waited >= standard_us),
    )
    if district_id is not None:
        calls = calls.where(Incident.district_id == district_id)
        incidents = incidents.where(Incident.district_id == district_id)

    unknown = set(parts) - {"answering", "attendance"}
    if unknown:
        raise ConstableError(f"no part of the control tallies called {sorted(unknown)}")
    answering = _rates(session, calls, "channel", edge_values) if "answering" in parts else {}
    attendance = _rates(session, incidents, "grade", edge_values) if "attendance" in parts else {}
    return SpanTallies(tuple(edges), dict(answering), dict(attendance))


def _rates(
    session: Session, rows: Select[Any], kind: str, edge_values: dict[str, dt.datetime]
) -> dict[int, dict[Any, Rate]]:
    """``rows`` (``span``, ``kind``, ``district_id``, ``met``) counted into rates by span, then
    by ``(kind, district_id)``."""
    inner = rows.subquery()
    found: dict[int, dict[Any, Rate]] = defaultdict(dict)
    for span, value, district, count, met in session.execute(
        select(
            inner.c.span, inner.c[kind], inner.c.district_id, func.count(), func.sum(inner.c.met)
        ).group_by(inner.c.span, inner.c[kind], inner.c.district_id),
        edge_values,
    ):
        found[int(span)][(value, district)] = Rate(int(met or 0), int(count))
    return dict(found)


def period(
    *, start: dt.date | None, end: dt.date | None, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The days ``start`` to ``end`` (both included) to measure, checked: by default the 7 days
    to ``today`` (default: today on the force's clock); each day from :data:`EARLIEST_DAY` to
    :data:`LATEST_DAY`, ``end`` not before ``start``, and at most :data:`MAX_DAYS` days. The
    error names the field and the limit."""
    for name, day in (("start", start), ("end", end)):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise PeriodError(
                f"{name}: {day.isoformat()} is out of range: give a day from "
                f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
            )
    today = today or utcnow().astimezone(LOCAL).date()
    last = end or min(max(today, EARLIEST_DAY), LATEST_DAY)
    first = start or max(last - dt.timedelta(days=6), EARLIEST_DAY)
    if first > last and end is None:
        raise PeriodError(
            f"start: {first.isoformat()} is after today ({last.isoformat()}, the default end): "
            "give an end on or after the start"
        )
    if first > last:
        raise PeriodError(
            f"end: {last.isoformat()} is before start {first.isoformat()}: give an end on or "
            "after the start"
        )
    days = (last - first).days + 1
    if days > MAX_DAYS:
        # Named after the field that was given: the other is a default the caller may not know.
        name = "start" if start is not None else "end"
        raise PeriodError(
            f"{name}: {first.isoformat()} to {last.isoformat()} is {days:,} days; at most "
            f"{MAX_DAYS} days are measured at once: give a shorter period"
        )
    return first, last


def summary(
    *,
    session: Session,
    force: Force,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ControlMeasures:
    """Measures for the days ``start`` to ``end`` (local dates; default the last 7 days; checked
    by :func:`period`): :func:`tallies` of each day (two grouped queries, whatever the number of
    days), added up, and the incidents open now by age."""
    now = now or utcnow()
    start, end = period(start=start, end=end, today=now.astimezone(LOCAL).date())
    slugs: dict[int, str] = {
        district_id: slug
        for district_id, slug in session.execute(
            select(District.id, District.slug).where(District.force_id == force.id)
        )
    }
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 2)]
    found = tallies(session=session, force=force, edges=days, now=now)

    answering: dict[str, Rate] = defaultdict(Rate)
    by_day: dict[str, dict[str, Rate]] = defaultdict(lambda: defaultdict(Rate))
    for span, rates in found.answering.items():
        for (channel, district_id), rate in rates.items():
            for key in (channel, f"{channel}:{slugs.get(district_id, '?')}"):
                answering[key].met += rate.met
                answering[key].total += rate.total
            day = by_day[days[span].isoformat()][channel]
            day.met += rate.met
            day.total += rate.total
    attendance: dict[str, dict[str, Rate]] = defaultdict(lambda: defaultdict(Rate))
    for graded in found.attendance.values():
        for (grade, district_id), rate in graded.items():
            for area in ("force", slugs.get(district_id, "?")):
                line = attendance[f"grade {grade}"][area]
                line.met += rate.met
                line.total += rate.total

    # Counted in SQL, by band and district: the answer's size, not the open incidents', decides
    # the work here (a band is the first whose limit the incident's age is under).
    band = case(
        *(
            (Incident.opened_at > now - dt.timedelta(hours=limit), index)
            for index, (_, limit) in enumerate(AGE_BANDS[:-1])
        ),
        else_=len(AGE_BANDS) - 1,
    )
    aged = (
        select(band.label("band"), Incident.district_id.label("district_id"))
        .where(Incident.force_id == force.id, Incident.state != IncidentState.CLOSED.value)
        .subquery()
    )
    open_by_age: dict[str, dict[str, int]] = defaultdict(lambda: {band: 0 for band, _ in AGE_BANDS})
    for index, district_id, count in session.execute(
        select(aged.c.band, aged.c.district_id, func.count()).group_by(
            aged.c.band, aged.c.district_id
        )
    ):
        open_by_age[slugs.get(district_id, "?")][AGE_BANDS[int(index)][0]] += int(count)

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
