"""Measures of the Police and Crime Plan: each defined once, here, with a name and a definition.

A **measure** is a number about the force (or one district) over a period: recorded crime, the
sanction detection rate, the share of 999 calls answered within 10 seconds... Each is registered
in :data:`MEASURES` with its name, label, unit, kind, which direction is better and, as its
definition, the docstring of the function that computes it. docs/plan.md lists them all.

Two sources:

- **store** measures are computed from the records (crimes, calls, incidents, s.136
  detentions, volunteers) by calling the areas' own services;
- **external** measures (survey results, sickness, savings, confiscation orders...) are not in
  the records: their values are imported from CSV (:mod:`constable.performance.external`) and
  read back here for the period asked.

Every :class:`Value` carries what a statistical test needs: the count and its exposure for
counts and rates, the numerator and denominator for shares (see :mod:`.status`).

Example::

    value = compute(session=session, force=kent, name="recorded_crime", period=quarter)
    value.value, value.count, value.exposure  # 31_204.0, 31_204, 92 (days)
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, or_, select, union_all
from sqlalchemy.orm import Session

from constable.community import s136, speedwatch, volunteers
from constable.community.enums import VolunteerRole
from constable.community.models import S136Detention
from constable.community.service import LOCAL_TIME, Period
from constable.control import measures as control_measures
from constable.crime.detections import DetectionReport, Detections
from constable.crime.detections import tallies as detection_tallies
from constable.crime.models import Crime, RecordedCrime, RepeatVictim
from constable.crime.offences import ASB_CATEGORY, offences
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood
from constable.public import victims
from constable.store.periods import (
    dialect_of,
    local_clock,
    local_midnight,
    month_edges,
    span_index,
    within,
)

Unit = Literal["count", "share", "per_1000", "hours", "pounds", "number"]
"""How a value is written: a whole number of things, a share (0 to 1, printed as a percentage),
per 1,000 residents, hours, pounds sterling, or a plain number (an average, full-time
equivalents)."""

Kind = Literal["count", "amount", "share", "rate", "level"]
"""How a measure adds up over time, which decides how it is projected and tested (docs/plan.md):

- ``count``: events in the period (crimes, detentions); they add up, and a Poisson model fits.
- ``amount``: a quantity that adds up but is not a count of events (hours, pounds).
- ``share``: numerator over denominator (detected crimes over crimes); a binomial model fits.
- ``rate``: a count over an exposure (crimes per 1,000 residents).
- ``level``: how things stand at the period's end (a headcount, a survey's annual figure).
"""

Better = Literal["higher", "lower", "neither"]
Source = Literal["store", "external"]

FORCE_AREA = "force"
"""The area of a value for the whole force; a district's area is its slug (``medway``)."""


class MeasureError(ConstableError):
    """A measure that does not exist, or cannot be computed as asked."""


class UnknownMeasureError(MeasureError):
    """A measure name that is not in the registry."""

    status = 404


@dataclass(frozen=True)
class Scope:
    """What a measure is computed for: a force, a period and a district (None: the force).

    ``cache`` lets the measures of one run share a query (the control-room summary, crime by
    category); leave it empty for a one-off computation, so nothing stale is ever read.
    """

    session: Session
    force: Force
    period: Period
    district: District | None = None
    cache: dict[Any, Any] | None = None

    @property
    def area(self) -> str:
        """``force`` or the district's slug."""
        return self.district.slug if self.district is not None else FORCE_AREA

    def memo(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key``, period and area when the scope has a cache."""
        return self.once((*key, self.period.start, self.period.end, self.area), make)

    def once(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key`` and force when the scope has a cache,
        whatever the period and area."""
        if self.cache is None:
            return make()
        full = (*key, self.force.id)
        if full not in self.cache:
            self.cache[full] = make()
        return self.cache[full]


@dataclass(frozen=True)
class Figures:
    """What a measure's function finds: the value and what lies behind it."""

    value: float | None
    count: int | None = None
    exposure: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    covered_days: int | None = None
    source: str = "store"
    note: str | None = None


@dataclass(frozen=True)
class Value:
    """A measure's value for an area and a period, with what a statistical test needs.

    - counts: ``count`` and ``exposure`` (the days of the period);
    - rates: ``count`` and ``exposure`` (the residents), ``value`` per 1,000 of them;
    - shares: ``numerator`` and ``denominator``, ``value`` their ratio (0 to 1);
    - ``covered_days``: days of the period the value covers (external values may cover less);
    - ``value`` is None when there is nothing to measure (no calls, no imported figure).
    """

    measure: str
    area: str
    period: Period
    value: float | None
    count: int | None = None
    exposure: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    covered_days: int | None = None
    source: str = "store"
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (the period as its label and ISO first and last days)."""
        return {
            "measure": self.measure,
            "area": self.area,
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.last_day.isoformat(),
            "value": self.value,
            "count": self.count,
            "exposure": self.exposure,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "covered_days": self.covered_days,
            "source": self.source,
            "note": self.note,
        }


Computer = Callable[[Scope], Figures]


@dataclass(frozen=True)
class Measure:
    """A measure in the registry.

    ``definition`` is the docstring of the function that computes it (or the text given for an
    external measure); ``sampled`` is true for survey results, whose shares carry a sampling
    error even when the period is over; ``districts`` is false for a measure published for the
    force only.
    """

    name: str
    label: str
    unit: Unit
    kind: Kind
    better: Better
    definition: str
    source: Source
    sampled: bool = False
    districts: bool = True
    computer: Computer | None = field(default=None, repr=False, compare=False)
    family: str | None = None
    """The family of store measures counted together by month (:func:`prefetch`), if any."""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "kind": self.kind,
            "better": self.better,
            "source": self.source,
            "sampled": self.sampled,
            "districts": self.districts,
            "definition": self.definition,
        }


MEASURES: dict[str, Measure] = {}
"""Every measure, by name, in the order registered (store measures first)."""


def measure(
    name: str,
    label: str,
    *,
    unit: Unit,
    kind: Kind,
    better: Better,
    districts: bool = True,
    definition: str | None = None,
    family: str | None = None,
) -> Callable[[Computer], Computer]:
    """Register a store measure computed by the decorated function (its docstring defines it)."""

    def register(computer: Computer) -> Computer:
        if name in MEASURES:
            raise MeasureError(f"measure {name!r} is registered twice")
        text = definition or inspect.cleandoc(computer.__doc__ or "")
        if not text:
            raise MeasureError(
                f"measure {name!r} has no definition (give its function a docstring)"
            )
        MEASURES[name] = Measure(
            name, label, unit, kind, better, text, "store", False, districts, computer, family
        )
        return computer

    return register


def external(
    name: str,
    label: str,
    *,
    unit: Unit,
    kind: Kind,
    better: Better,
    definition: str,
    sampled: bool = False,
) -> Measure:
    """Register an external measure: its values are imported from CSV."""
    if name in MEASURES:
        raise MeasureError(f"measure {name!r} is registered twice")
    found = Measure(
        name, label, unit, kind, better, inspect.cleandoc(definition), "external", sampled
    )
    MEASURES[name] = found
    return found


def measures() -> dict[str, Measure]:
    """Every registered measure, by name."""
    return MEASURES


def near_measure(name: str, *, only: Source | None = None) -> str:
    """`` (did you mean 'recorded_crime'?)`` for a misspelt name, else nothing."""
    names = [m.name for m in MEASURES.values() if only is None or m.source == only]
    near = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


def unknown_measure_message(name: str) -> str:
    """``unknown measure 'crme' (did you mean 'crime_...'?); the measures are ...``."""
    names = ", ".join(MEASURES)
    return f"unknown measure {name!r}{near_measure(name)}; the measures are {names}"


def get_measure(name: str) -> Measure:
    """The measure with this name, or :class:`UnknownMeasureError` listing them all."""
    found = MEASURES.get(name)
    if found is None:
        raise UnknownMeasureError(unknown_measure_message(name))
    return found


# -- Periods ----------------------------------------------------------------------------------


def financial_year(first: int) -> Period:
    """The financial year starting in April of ``first``: ``2007`` → 2007/08."""
    return Period(
        dt.date(first, 4, 1), dt.date(first + 1, 4, 1), f"{first}/{(first + 1) % 100:02d}"
    )


def financial_year_of(day: dt.date) -> Period:
    """The financial year (April to March) that holds ``day``."""
    return financial_year(day.year if day.month >= 4 else day.year - 1)


def parse_period(text: str, *, field: str = "period") -> Period:
    """A period written as a financial year (``2007/08``), a calendar quarter (``2017Q3``), a
    year (``2017``), a month (``2017-07``) or two dates (``2007-04-01..2008-03-31``, both
    included)."""
    from constable.community.service import CommunityError, parse_month, parse_quarter, parse_year

    raw = str(text).strip()
    fy = re.fullmatch(r"(\d{4})/(\d{2})", raw)
    if fy:
        first = int(fy.group(1))
        if (first + 1) % 100 != int(fy.group(2)):
            raise MeasureError(
                f"{field}: {raw!r} is not a financial year: write it like 2007/08 (April 2007 to "
                "March 2008)"
            )
        return financial_year(first)
    span = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})", raw)
    try:
        if span:
            start, last = (dt.date.fromisoformat(span.group(i)) for i in (1, 2))
            if last < start:
                raise MeasureError(f"{field}: {raw!r} ends before it starts")
            return Period(start, last + dt.timedelta(days=1), raw.replace(" ", ""))
        if re.fullmatch(r"\d{4}-?[Qq][1-4]", raw):
            return parse_quarter(raw, field=field)
        if re.fullmatch(r"\d{4}", raw):
            return parse_year(raw, field=field)
        if re.fullmatch(r"\d{4}-\d{2}", raw):
            return parse_month(raw, field=field)
    except (CommunityError, ValueError) as exc:
        raise MeasureError(
            str(exc) if isinstance(exc, CommunityError) else f"{field}: {exc}"
        ) from exc
    raise MeasureError(
        f"{field}: {raw!r} is not a period: write a financial year (2007/08), a quarter "
        "(2017Q3), a year (2017), a month (2017-07) or two dates (2007-04-01..2008-03-31)"
    )


def days(period: Period) -> int:
    """The number of days in ``period``."""
    return (period.end - period.start).days


def shift_years(period: Period, years: int) -> Period:
    """The same dates ``years`` earlier (negative) or later; 29 February becomes the 28th."""

    def move(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year + years)
        except ValueError:  # 29 February
            return day.replace(year=day.year + years, day=28)

    start, end = move(period.start), move(period.end)
    if re.fullmatch(r"\d{4}Q[1-4]", period.label):
        return parse_period(f"{start.year}{period.label[4:]}")
    if re.fullmatch(r"\d{4}/\d{2}", period.label) and start.month == 4 and start.day == 1:
        return financial_year(start.year)
    if re.fullmatch(r"\d{4}(-\d{2})?", period.label):
        return parse_period(f"{start:%Y}" if len(period.label) == 4 else f"{start:%Y-%m}")
    return Period(start, end, f"{start.isoformat()}..{(end - dt.timedelta(days=1)).isoformat()}")


def months_before(end: dt.date, count: int) -> list[Period]:
    """The ``count`` calendar months that end just before ``end`` (a first of the month)."""
    found: list[Period] = []
    day = end
    for _ in range(count):
        first = (day - dt.timedelta(days=1)).replace(day=1)
        found.append(Period(first, day, f"{first:%Y-%m}"))
        day = first
    return list(reversed(found))


# -- Computing --------------------------------------------------------------------------------


def compute(
    *,
    session: Session,
    force: Force,
    name: str,
    period: Period,
    district: District | None = None,
    cache: dict[Any, Any] | None = None,
) -> Value:
    """The value of measure ``name`` for ``period``, for the force or one district."""
    found = get_measure(name)
    scope = Scope(session, force, period, district, cache)
    if district is not None and not found.districts:
        return Value(
            name,
            scope.area,
            period,
            None,
            note=f"{found.label} is published for the force only, not by district",
        )
    figures = _external_figures(scope, found) if found.computer is None else found.computer(scope)
    return Value(
        measure=name,
        area=scope.area,
        period=period,
        value=figures.value,
        count=figures.count,
        exposure=figures.exposure,
        numerator=figures.numerator,
        denominator=figures.denominator,
        covered_days=(
            figures.covered_days
            if figures.covered_days is not None
            else (0 if figures.value is None else days(period))
        ),
        source=figures.source,
        note=figures.note,
    )


def series(
    *,
    session: Session,
    force: Force,
    name: str,
    periods: list[Period],
    district: District | None = None,
    cache: dict[Any, Any] | None = None,
) -> list[Value]:
    """The measure for each of ``periods`` (for a chart or an SPC series). With a cache, the
    span of them all is computed first, so that its families are counted once."""
    if cache is not None and periods:
        span = Period(min(p.start for p in periods), max(p.end for p in periods), "series")
        compute(
            session=session, force=force, name=name, period=span, district=district, cache=cache
        )
    return [
        compute(session=session, force=force, name=name, period=p, district=district, cache=cache)
        for p in periods
    ]


def _count(value: int, period: Period, note: str | None = None) -> Figures:
    return Figures(float(value), count=value, exposure=float(days(period)), note=note)


def _share(numerator: float, denominator: float, note: str | None = None) -> Figures:
    if not denominator:
        return Figures(None, numerator=numerator, denominator=denominator, note=note)
    return Figures(numerator / denominator, numerator=numerator, denominator=denominator, note=note)


# -- Counting by month -----------------------------------------------------------------------

WINDOW_MONTHS = 24
"""Months a family of measures counts at once when a run shares a cache: the length of an SPC
chart (``status.SPC_MONTHS``), so that a quarter, the same quarter a year before and the 24
months of its chart are one grouped query per family."""


def _spans(scope: Scope, family: str, *, force_wide: bool = False) -> tuple[Any, int, int]:
    """Tallies of a family of measures (:func:`_family_loaders`) that hold the scope's period,
    and the indexes of the period's first span and of the span after it.

    With a cache and a period of whole months, the family is counted by month for every
    district over the :data:`WINDOW_MONTHS` months to the period's end (or from the period's
    start if that is earlier), once (or beforehand by :func:`prefetch`): later periods inside
    that window are added up from it. Otherwise the period is counted alone, for the scope's
    district (the force's, ``force_wide``).
    """
    period = scope.period
    if scope.cache is None or period.start.day != 1 or period.end.day != 1:
        district_id = None if force_wide or scope.district is None else scope.district.id
        counted = _count_family(
            family, scope.session, scope.force, [period.start, period.end], district_id
        )
        return counted, 0, 1
    held = _held(scope.cache, family, scope.force.id, period)
    if held is None:
        edges = _window(period)
        _keep(scope.cache, family, scope.force.id, edges, _count_family(
            family, scope.session, scope.force, edges, None
        ))  # fmt: skip
        held = _held(scope.cache, family, scope.force.id, period)
    assert held is not None
    return held


def _held(
    cache: dict[Any, Any], family: str, force_id: int, period: Period
) -> tuple[Any, int, int] | None:
    """The family's tallies in ``cache`` whose window holds ``period``, with the period's
    first span and the span after it; None when no window holds it."""
    for at, tallies in cache.get(("months", family, force_id), []):
        if period.start in at and period.end in at:
            return tallies, at[period.start], at[period.end]
    return None


def _keep(
    cache: dict[Any, Any], family: str, force_id: int, edges: list[dt.date], tallies: Any
) -> None:
    """Keep a family's tallies of the window ``edges`` in ``cache`` (see :func:`_held`)."""
    at = {edge: index for index, edge in enumerate(edges)}
    cache.setdefault(("months", family, force_id), []).append((at, tallies))


def _window(period: Period) -> list[dt.date]:
    """The month edges a family is counted over for ``period`` (whole months)."""
    return month_edges(min(period.start, _add_months(period.end, -WINDOW_MONTHS)), period.end)


Loader = Callable[..., Any]
"""``loader(session=, force=, edges=, district_id=)``: a family's tallies, or a part of them."""


def _control_part(part: str) -> Loader:
    def load(**arguments: Any) -> control_measures.SpanTallies:
        return control_measures.tallies(**arguments, parts=(part,))

    return load


def _control_whole(parts: list[Any]) -> control_measures.SpanTallies:
    calls, incidents = parts
    return control_measures.SpanTallies(calls.edges, calls.answering, incidents.attendance)


def _family_loaders() -> dict[str, tuple[list[Loader], Callable[[list[Any]], Any]]]:
    """Each family's loaders (counted at once) and how their parts make its tallies."""

    def alone(parts: list[Any]) -> Any:
        return parts[0]

    return {
        "crime": ([crime_tallies], alone),
        "detections": ([detection_tallies], alone),
        "night-time economy": ([night_time_economy_tallies], alone),
        "control": ([_control_part("answering"), _control_part("attendance")], _control_whole),
    }


def _count_family(
    family: str, session: Session, force: Force, edges: list[dt.date], district_id: int | None
) -> Any:
    """A family's tallies of the spans ``edges``, counted in ``session`` one part after the
    other."""
    loaders, whole = _family_loaders()[family]
    return whole(
        [
            load(session=session, force=force, edges=edges, district_id=district_id)
            for load in loaders
        ]
    )


PREFETCH_THREADS = 2
"""Families counted at once by :func:`prefetch`: the database works on each in its own
connection, outside Python's lock, so two cores count two families at a time."""


def prefetch(
    *,
    session: Session,
    force: Force,
    period: Period,
    cache: dict[Any, Any],
    families: Sequence[str] | None = None,
) -> None:
    """Count the families of measures (crime, detections, night-time economy, control room)
    for ``period``'s window into ``cache`` at once, each in a session of its own on
    :data:`PREFETCH_THREADS` threads, so that measures computed afterwards with the cache add
    up their values from them. For a read-only report: the other sessions see committed
    records only, so a session that has written must commit first. Nothing is done for a
    period that is not whole months (such a period is counted alone), or when ``cache``
    already holds the window."""
    bind = session.get_bind()
    if period.start.day != 1 or period.end.day != 1:
        return
    if bind.dialect.name == "sqlite" and bind.engine.url.database in (None, "", ":memory:"):
        return  # another connection would open another, empty, database
    loaders = _family_loaders()
    wanted = list(loaders) if families is None else list(families)
    unknown = [f for f in wanted if f not in loaders]
    if unknown:
        raise MeasureError(f"no family of measures called {', '.join(map(repr, unknown))}")
    edges = _window(period)
    missing = [family for family in wanted if _held(cache, family, force.id, period) is None]

    jobs = [(family, loader) for family in missing for loader in loaders[family][0]]

    def count(job: tuple[str, Loader]) -> Any:
        with Session(bind=bind) as own:
            mine = own.get(Force, force.id)
            assert mine is not None
            return job[1](session=own, force=mine, edges=edges, district_id=None)

    with ThreadPoolExecutor(max_workers=PREFETCH_THREADS) as pool:
        results = list(pool.map(count, jobs))
    for family in missing:
        parts = [result for (name, _), result in zip(jobs, results, strict=True) if name == family]
        _keep(cache, family, force.id, edges, loaders[family][1](parts))


# -- Crime ------------------------------------------------------------------------------------

CRIME_TYPES: tuple[str, ...] = (
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
"""The police.uk crime types (anti-social behaviour aside): the one grouping that both the
force's own records (through their Home Office offence code) and imported police.uk rows have."""

NIGHT_TIME_ECONOMY_GROUPS: tuple[str, ...] = (
    "Violence against the person",
    "Public order offences",
    "Criminal damage and arson",
)
"""Home Office offence groups counted as night-time-economy crime (at the hours below)."""

NIGHT_STARTS = 20
NIGHT_ENDS = 6
"""A night runs from 20:00 to 05:59 local time (Europe/London) the next morning."""

NIGHT_TIME_ECONOMY_NIGHTS = (4, 5)
"""Friday (4) and Saturday (5) nights: from 20:00 Friday to 05:59 Saturday, and from 20:00
Saturday to 05:59 Sunday."""

NO_CRIME_RECORDS = "no crime records (own or imported) in the store for this period"

HOME_OFFICE_SOURCE = "Home Office police recorded crime tables"
"""The ``source`` of a value taken from the imported Home Office tables."""


def _force_has(scope: Scope, kind: str) -> bool:
    """Whether the store holds any record of ``kind`` for the whole force in the scope's period
    (for people: anyone of those roles who had joined by its end). A measure of records the
    store does not hold has no value, rather than a misleading 0; a district with none while
    the force has some has 0."""
    from constable.community.models import SpeedwatchSession, SpeedwatchSite, Volunteer

    low, high = scope.period.utc_bounds()
    start, end = scope.period.start, scope.period.end
    queries: dict[str, Any] = {
        # Two arms, not one OR: each is answered from its index (force, moment).
        "own crimes": union_all(
            *(
                select(Crime.id).where(
                    Crime.force == records_name(scope.force),
                    Crime.reference.is_not(None),
                    moment >= low,
                    moment < high,
                )
                for moment in (Crime.recorded_at, Crime.occurred_at)
            )
        ),
        "s.136 detentions": select(S136Detention.id).where(
            S136Detention.force_id == scope.force.id,
            S136Detention.detained_at >= low,
            S136Detention.detained_at < high,
        ),
        "Speedwatch sessions": select(SpeedwatchSession.id)
        .join(SpeedwatchSite, SpeedwatchSite.id == SpeedwatchSession.site_id)
        .where(
            SpeedwatchSite.force_id == scope.force.id,
            SpeedwatchSession.held_on >= start,
            SpeedwatchSession.held_on < end,
        ),
        "Special Constables": select(Volunteer.id).where(
            Volunteer.force_id == scope.force.id,
            Volunteer.role == VolunteerRole.SPECIAL_CONSTABLE.value,
            Volunteer.joined_on < end,
        ),
        "volunteers": select(Volunteer.id).where(
            Volunteer.force_id == scope.force.id,
            Volunteer.role.in_(
                [
                    VolunteerRole.POLICE_SUPPORT_VOLUNTEER.value,
                    VolunteerRole.COMMUNITY_POLICE_VOLUNTEER.value,
                ]
            ),
            Volunteer.joined_on < end,
        ),
    }

    def found() -> bool:
        return scope.session.scalar(queries[kind].limit(1)) is not None

    result: bool = scope.memo(("force has", kind), found)
    return result


def _none_recorded(kind: str) -> Figures:
    return Figures(None, note=f"no {kind} recorded for the force in the store for this period")


def crime_type_slug(crime_type: str) -> str:
    """``Criminal damage and arson`` → ``criminal_damage_and_arson``."""
    return re.sub(r"[^a-z0-9]+", "_", crime_type.casefold()).strip("_")


def _in_district(scope: Scope) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """Conditions placing own records and imported rows in the scope's district (or none)."""
    if scope.district is None:
        return [], []
    lsoas = select(Neighbourhood.code).where(Neighbourhood.district_id == scope.district.id)
    return [Crime.district_id == scope.district.id], [Crime.lsoa_code.in_(lsoas)]


@dataclass(frozen=True)
class CrimeTallies:
    """Crime records by span, district and police.uk crime type (lower case, anti-social
    behaviour included under its own name): the force's own records by ``occurred_at`` (local
    dates), imported data.police.uk rows by ``month`` and their LSOA's district."""

    edges: tuple[dt.date, ...]
    counts: dict[int, dict[tuple[int | None, str], int]]

    def by_type(self, first: int, end: int, district_id: int | None = None) -> dict[str, int]:
        """Records of spans ``first`` to ``end`` (excluded) by type, for the force or a
        district; empty when there are none."""
        found: dict[str, int] = {}
        for span in range(first, end):
            for (district, kind), number in self.counts.get(span, {}).items():
                if district_id in (None, district):
                    found[kind] = found.get(kind, 0) + number
        return found


def crime_tallies(
    *, session: Session, force: Force, edges: list[dt.date], district_id: int | None = None
) -> CrimeTallies:
    """:class:`CrimeTallies` of the spans ``edges[i]`` to ``edges[i + 1]`` (first days of
    months for imported rows, which carry a month only), for the force or one district: two
    grouped queries, own records and imported rows."""
    name = records_name(force)
    moments = [local_midnight(day, LOCAL_TIME) for day in edges]
    category = func.lower(Crime.category)
    own = select(
        span_index(Crime.occurred_at, moments).label("span"),
        Crime.district_id.label("district_id"),
        category.label("kind"),
    ).where(
        Crime.force == name,
        Crime.reference.is_not(None),
        *within(Crime.occurred_at, moments),
    )
    place = Neighbourhood.district_id
    imported = (
        select(span_index(Crime.month, edges).label("span"), place.label("district_id"))
        .add_columns(category.label("kind"))
        .outerjoin(Neighbourhood, Neighbourhood.code == Crime.lsoa_code)
        .where(Crime.force == name, Crime.reference.is_(None), *within(Crime.month, edges))
    )
    if district_id is not None:
        own = own.where(Crime.district_id == district_id)
        imported = imported.where(place == district_id)
    counts: dict[int, dict[tuple[int | None, str], int]] = {}
    for query in (own, imported):
        rows = query.subquery()
        for span, district, kind, number in session.execute(
            select(rows.c.span, rows.c.district_id, rows.c.kind, func.count()).group_by(
                rows.c.span, rows.c.district_id, rows.c.kind
            )
        ):
            line = counts.setdefault(int(span), {})
            line[(district, kind)] = line.get((district, kind), 0) + int(number)
    return CrimeTallies(tuple(edges), counts)


def crime_by_type(scope: Scope, *, force_wide: bool = False) -> dict[str, int]:
    """Crimes of the scope (or, ``force_wide``, of the whole force in its period) by police.uk
    crime type (lower case), anti-social behaviour included under its own name: own records by
    ``occurred_at`` (local dates), imported rows by ``month``. Counted in the database, grouped
    by span (month), district and type (:func:`crime_tallies`)."""

    tallies: CrimeTallies
    tallies, first, end = _spans(scope, "crime", force_wide=force_wide)
    district_id = None if force_wide or scope.district is None else scope.district.id
    return tallies.by_type(first, end, district_id)


def _recorded(scope: Scope, types: tuple[str, ...] | None) -> Figures:
    """Recorded crime of ``types`` (all: None), from the source the rule gives (docs/plan.md):
    the store's crime records when it holds any for the force in the period, else the Home
    Office tables (for the force, for whole financial quarters)."""
    found = crime_by_type(scope)
    if not found:
        if scope.district is not None:
            if crime_by_type(scope, force_wide=True):
                return _count(0, scope.period)  # the force has records, none of them here
            return Figures(None, count=0, exposure=float(days(scope.period)), note=NO_CRIME_RECORDS)
        return _home_office(scope, types)
    asb = ASB_CATEGORY.casefold()
    wanted = None if types is None else {t.casefold() for t in types}
    total = sum(n for k, n in found.items() if k != asb and (wanted is None or k in wanted))
    return _count(total, scope.period)


@measure(
    "recorded_crime", "Recorded crime", unit="count", kind="count", better="lower", family="crime"
)
def recorded_crime(scope: Scope) -> Figures:
    """Crimes in the period: the force's own records (``reference`` set) whose ``occurred_at``
    falls in the period (local dates), plus imported data.police.uk rows whose ``month`` does.
    Anti-social behaviour reports are not crimes and are left out. For a district: own records
    by their ``district_id``, imported rows by their LSOA's neighbourhood's district; 0 for a
    district with none while the force has some. When the store holds no crime record at all
    (crime or ASB) for the force in the period, the force's value comes from the Home Office
    police recorded crime tables (``constable import recorded-crime``) if they hold every
    financial quarter of the period, and ``source`` says so; else there is no value."""
    return _recorded(scope, None)


@measure(
    "crime_per_1000",
    "Crime per 1,000 residents",
    unit="per_1000",
    kind="rate",
    better="lower",
    family="crime",
)
def crime_per_1000(scope: Scope) -> Figures:
    """Recorded crime (as ``recorded_crime``) per 1,000 residents of the area (2011 census: the
    district's population, or the sum of the force's districts), for the period as it is (not
    annualised). ``count`` is the crimes and ``exposure`` the residents."""
    crimes = _recorded(scope, None)
    if scope.district is not None:
        residents = scope.district.population
    else:
        residents = sum(d.population for d in scope.force.districts)
    if crimes.value is None or not residents:
        return Figures(None, count=crimes.count, exposure=float(residents), note=crimes.note)
    count = int(crimes.count or 0)
    return Figures(count / residents * 1000, count=count, exposure=float(residents))


def _register_crime_type(crime_type: str) -> None:
    def compute_type(scope: Scope) -> Figures:
        return _recorded(scope, (crime_type,))

    measure(
        f"crime_{crime_type_slug(crime_type)}",
        f"Recorded crime: {crime_type.lower()}",
        unit="count",
        kind="count",
        better="lower",
        family="crime",
        definition=(
            f"Recorded crime (as ``recorded_crime``) of the police.uk crime type "
            f"'{crime_type}': own records whose Home Office offence code maps to it, and "
            "imported police.uk rows of that type (names compared ignoring case)."
        ),
    )(compute_type)


for _crime_type in CRIME_TYPES:
    _register_crime_type(_crime_type)


def _detections(scope: Scope) -> Detections:
    """The scope's line of :func:`constable.crime.detections.tallies`: the force's, or its
    district's."""

    def make() -> Detections:
        tallies, first, end = _spans(scope, "detections")
        report: DetectionReport = tallies.report(first, end)
        if scope.district is None:
            return report.force
        return report.districts.get(scope.district.slug, Detections())

    found: Detections = scope.memo(("detections",), make)
    return found


@measure(
    "sanction_detection_rate",
    "Sanction detection rate",
    unit="share",
    kind="share",
    better="higher",
    family="detections",
)
def sanction_detection_rate(scope: Scope) -> Figures:
    """Of the force's own crimes recorded in the period (``recorded_at``, UTC dates), the share
    with a sanction detection so far (charge or summons, caution, offence taken into
    consideration, penalty notice): :func:`constable.crime.detections.detections`. Numerator:
    the crimes detected; denominator: the crimes recorded. Imported police.uk rows carry no
    Home Office outcome and are not counted."""
    line = _detections(scope)
    return _share(line.sanction_detections, line.crimes)


@measure(
    "offences_brought_to_justice",
    "Offences brought to justice",
    unit="count",
    kind="count",
    better="higher",
    family="detections",
)
def offences_brought_to_justice(scope: Scope) -> Figures:
    """Own crimes given an outcome that brings an offence to justice (the sanction detections
    and cannabis warnings) dated in the period, whenever the crime was recorded:
    :func:`constable.crime.detections.detections`. No value when the store holds none of the
    force's own crimes for the period."""
    if not _force_has(scope, "own crimes"):
        return _none_recorded("own crimes")
    return _count(_detections(scope).brought_to_justice, scope.period)


def is_night_time_economy(moment: dt.datetime) -> bool:
    """Whether ``moment`` falls on a Friday or Saturday night, 20:00 to 05:59 local time."""
    local = moment.astimezone(LOCAL_TIME)
    if local.hour >= NIGHT_STARTS:
        night = local.date()
    elif local.hour < NIGHT_ENDS:
        night = local.date() - dt.timedelta(days=1)
    else:
        return False
    return night.weekday() in NIGHT_TIME_ECONOMY_NIGHTS


@measure(
    "night_time_economy_crime",
    "Crime in the night-time economy",
    unit="count",
    kind="count",
    better="lower",
    family="night-time economy",
)
def night_time_economy_crime(scope: Scope) -> Figures:
    """The force's own crimes of the Home Office groups violence against the person, public
    order offences, and criminal damage and arson whose ``occurred_at`` is on a Friday or
    Saturday night: from 20:00 to 05:59 the next morning, local time (Europe/London), so from
    20:00 Friday to 05:59 Saturday and from 20:00 Saturday to 05:59 Sunday. A crime belongs to
    the period its ``occurred_at`` falls in. Imported police.uk rows carry no time of day and
    are not counted (nor is the measure given when the force has no own crimes in the period).
    """
    if not _force_has(scope, "own crimes"):
        return _none_recorded("own crimes")

    tallies, first, end = _spans(scope, "night-time economy")
    district_id = scope.district.id if scope.district is not None else None
    found = sum(
        number
        for span in range(first, end)
        for district, number in tallies.get(span, {}).items()
        if district_id in (None, district)
    )
    return _count(found, scope.period)


def night_time_economy_tallies(
    *, session: Session, force: Force, edges: list[dt.date], district_id: int | None = None
) -> dict[int, dict[int | None, int]]:
    """Night-time-economy crimes (as ``night_time_economy_crime``) by span (``edges[i]`` to
    ``edges[i + 1]``, local dates) and district: one grouped query, the night tested on the
    local clock in the database (:func:`constable.store.periods.local_clock`)."""
    codes = [c for c, o in offences().items() if o.group in NIGHT_TIME_ECONOMY_GROUPS]
    moments = [local_midnight(day, LOCAL_TIME) for day in edges]
    weekday, hour = local_clock(
        Crime.occurred_at,
        zone=LOCAL_TIME,
        low=moments[0],
        high=moments[-1],
        dialect=dialect_of(session),
    )
    # A night belongs to the day it starts: before 06:00 it is the night of the day before.
    evening = [(night + 1) % 7 for night in NIGHT_TIME_ECONOMY_NIGHTS]
    rows = select(
        span_index(Crime.occurred_at, moments).label("span"),
        Crime.district_id.label("district_id"),
    ).where(
        Crime.force == records_name(force),
        Crime.reference.is_not(None),
        Crime.offence_code.in_(codes),
        *within(Crime.occurred_at, moments),
        or_(
            (hour >= NIGHT_STARTS) & weekday.in_(NIGHT_TIME_ECONOMY_NIGHTS),
            (hour < NIGHT_ENDS) & weekday.in_(evening),
        ),
    )
    if district_id is not None:
        rows = rows.where(Crime.district_id == district_id)
    inner = rows.subquery()
    found: dict[int, dict[int | None, int]] = {}
    for span, district, number in session.execute(
        select(inner.c.span, inner.c.district_id, func.count()).group_by(
            inner.c.span, inner.c.district_id
        )
    ):
        found.setdefault(int(span), {})[district] = int(number)
    return found


@measure(
    "home_office_recorded_crime",
    "Police recorded crime (Home Office tables)",
    unit="count",
    kind="count",
    better="lower",
    districts=False,
)
def home_office_recorded_crime(scope: Scope) -> Figures:
    """Offences in the Home Office police recorded crime tables imported for the force
    (``constable import recorded-crime``), summed over the financial quarters that lie wholly
    in the period. Published for the force only. No value when the period holds no whole
    financial quarter, or when no quarter of it was imported."""
    wanted, _ = _financial_quarters(scope.period)
    if not wanted:
        return Figures(None, note="the period holds no whole financial quarter")
    found = _home_office_counts(scope, wanted)
    present = [key for key in wanted if key in found]
    if not present:
        return Figures(None, note="no Home Office recorded crime imported for this period")
    covered = sum(days(_financial_quarter(y, q)) for y, q in present)
    missing = [f"{y} Q{q}" for y, q in wanted if (y, q) not in found]
    note = f"not imported: {', '.join(missing)}" if missing else None
    total = sum(sum(found[key].values()) for key in present)
    return Figures(
        float(total),
        count=total,
        exposure=float(covered),
        covered_days=covered,
        source=HOME_OFFICE_SOURCE,
        note=note,
    )


def _financial_quarters(period: Period) -> tuple[list[tuple[str, int]], bool]:
    """The financial quarters (``("2017/18", 2)``) lying wholly in ``period``, and whether they
    fill it (no day of it outside them)."""
    wanted: list[tuple[str, int]] = []
    covered: set[dt.date] = set()
    for month in period.months():
        if month.month in (4, 7, 10, 1) and _add_months(month, 3) <= period.end:
            year = financial_year_of(month)
            wanted.append((year.label, (month.month - 4) % 12 // 3 + 1))
            covered.update(_add_months(month, n) for n in range(3))
    whole = period.start.day == 1 and set(period.months()) <= covered
    return wanted, whole


def _home_office_counts(
    scope: Scope, wanted: list[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, int]]:
    """Offences in the Home Office tables of the force for each imported quarter of ``wanted``,
    by police.uk crime type (lower case; from the table's own column, else the offence code's
    type, else ``''``)."""
    types = {code: o.police_uk_category.casefold() for code, o in offences().items()}
    found: dict[tuple[str, int], dict[str, int]] = {}
    for year, quarter, category, code, number in scope.session.execute(
        select(
            RecordedCrime.financial_year,
            RecordedCrime.quarter,
            RecordedCrime.police_uk_category,
            RecordedCrime.offence_code,
            func.sum(RecordedCrime.offences),
        )
        .where(
            RecordedCrime.force == records_name(scope.force),
            RecordedCrime.financial_year.in_(sorted({y for y, _ in wanted})),
        )
        .group_by(
            RecordedCrime.financial_year,
            RecordedCrime.quarter,
            RecordedCrime.police_uk_category,
            RecordedCrime.offence_code,
        )
    ):
        kind = category.casefold() if category else types.get(code, "")
        line = found.setdefault((year, int(quarter)), {})
        line[kind] = line.get(kind, 0) + int(number or 0)
    return found


def _home_office(scope: Scope, types: tuple[str, ...] | None) -> Figures:
    """Recorded crime of ``types`` (all: None) for the force from the Home Office tables, when
    they hold every financial quarter of the period and the period is nothing but those
    quarters; else no value."""
    unknown = Figures(None, count=0, exposure=float(days(scope.period)), note=NO_CRIME_RECORDS)
    wanted, whole = _financial_quarters(scope.period)
    if not wanted or not whole:
        return unknown
    found = _home_office_counts(scope, wanted)
    if any(key not in found for key in wanted):
        return unknown
    wanted_types = None if types is None else {t.casefold() for t in types}
    total = sum(
        number
        for key in wanted
        for kind, number in found[key].items()
        if wanted_types is None or kind in wanted_types
    )
    quarters = ", ".join(f"{y} Q{q}" for y, q in wanted)
    return Figures(
        float(total),
        count=total,
        exposure=float(days(scope.period)),
        source=HOME_OFFICE_SOURCE,
        note=(
            "the store holds no crime records of the force for this period: from the Home "
            f"Office police recorded crime tables ({quarters})"
        ),
    )


def _add_months(day: dt.date, count: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _financial_quarter(year: str, quarter: int) -> Period:
    first = int(year[:4])
    start = _add_months(dt.date(first, 4, 1), 3 * (quarter - 1))
    return Period(start, _add_months(start, 3), f"{year} Q{quarter}")


@measure(
    "repeat_victims_flagged",
    "Repeat victims flagged",
    unit="count",
    kind="count",
    better="neither",
)
def repeat_victims_flagged(scope: Scope) -> Figures:
    """Records flagged as a repeat victim (the same person or address as another crime or ASB
    report within the force's window) whose ``flagged_at`` falls in the period, for the
    force's crimes or one district's. Neither direction is better: more flags can mean more
    repeat victims or better finding of them."""
    if not _force_has(scope, "own crimes"):
        return _none_recorded("own crimes")
    low, high = scope.period.utc_bounds()
    where: list[ColumnElement[bool]] = [
        Crime.force == records_name(scope.force),
        RepeatVictim.flagged_at >= low,
        RepeatVictim.flagged_at < high,
    ]
    if scope.district is not None:
        where.append(RepeatVictim.district_id == scope.district.id)
    number = scope.session.scalar(
        select(func.count())
        .select_from(RepeatVictim)
        .join(Crime, Crime.id == RepeatVictim.crime_id)
        .where(*where)
    )
    return _count(int(number or 0), scope.period)


@measure(
    "victims_updated_on_time",
    "Victims kept informed on time",
    unit="share",
    kind="share",
    better="higher",
)
def victims_updated_on_time(scope: Scope) -> Figures:
    """Of the victims of the force's crimes with an update due in the period (at the frequency
    agreed in their needs assessment, else the force's default), the share whose every update
    due in the period was made on or before its day
    (:func:`constable.public.victims.victims_updated_on_time`; the Victims' Code asks that
    victims are kept informed). Deadlines still ahead of today do not count; victims who want
    no updates do not count. No value when no update fell due."""

    def load() -> list[victims.VictimCase]:
        # Every case of the force, once per run: each period's are chosen from them.
        return victims.victim_cases(
            scope.session,
            force_name=records_name(scope.force),
            district_id=None,
            recorded_before=None,
            open_after=None,
        )

    cases: list[victims.VictimCase] = scope.once(("victim cases",), load)
    if scope.district is not None:
        cases = [c for c in cases if c.crime.district_id == scope.district.id]
    met, due = victims.on_time(cases, scope.period.start, scope.period.end)
    return _share(met, due, None if due else "no victim update fell due")


# -- The control room -------------------------------------------------------------------------


def _control(scope: Scope) -> tuple[control_measures.SpanTallies, int, int]:
    return _spans(scope, "control")


def _answered(scope: Scope, channel: str) -> Figures:
    tallies, first, end = _control(scope)
    district_id = scope.district.id if scope.district is not None else None
    rate = tallies.answered(channel, first=first, end=end, district_id=district_id)
    return _share(rate.met, rate.total)


@measure(
    "calls_999_within_10s",
    "999 calls answered within 10 seconds",
    unit="share",
    kind="share",
    better="higher",
    family="control",
)
def calls_999_within_10s(scope: Scope) -> Figures:
    """Of the 999 calls that started in the period (local dates) and were answered, the share
    answered within the force's 999 standard (Kent: 10 seconds):
    :func:`constable.control.measures.tallies`. A district's calls are those of incidents in
    it."""
    return _answered(scope, "999")


@measure(
    "calls_other_within_30s",
    "Non-emergency (101) calls answered within 30 seconds",
    unit="share",
    kind="share",
    better="higher",
    family="control",
)
def calls_other_within_30s(scope: Scope) -> Figures:
    """Of the 101 (non-emergency switchboard) calls that started in the period and were
    answered, the share answered within the force's standard for other calls (Kent: 30
    seconds): :func:`constable.control.measures.tallies`."""
    return _answered(scope, "101")


def _register_attendance(grade: int) -> None:
    def compute_grade(scope: Scope) -> Figures:
        tallies, first, end = _control(scope)
        district_id = scope.district.id if scope.district is not None else None
        rate = tallies.attended(grade, first=first, end=end, district_id=district_id)
        return _share(rate.met, rate.total)

    measure(
        f"attendance_grade_{grade}",
        f"Grade {grade} incidents attended within the standard",
        unit="share",
        kind="share",
        better="higher",
        family="control",
        definition=(
            f"Of the grade {grade} incidents opened in the period (local dates) that have been "
            "attended or whose standard has passed, the share whose first unit arrived within "
            "the force's attendance standard for the grade (Kent: grade 1 within 15 minutes "
            "urban and 20 rural, grade 2 within 60 minutes, grade 3 within 48 hours): "
            ":func:`constable.control.measures.tallies`."
        ),
    )(compute_grade)


for _grade in (1, 2, 3):
    _register_attendance(_grade)


# -- Community --------------------------------------------------------------------------------


@measure("s136_detentions", "Section 136 detentions", unit="count", kind="count", better="neither")
def s136_detentions(scope: Scope) -> Figures:
    """Detentions under section 136 of the Mental Health Act 1983 that began in the period
    (local time): :func:`constable.community.s136.summary`. Neither direction is better: a
    detention is made when it is needed."""
    if not _force_has(scope, "s.136 detentions"):
        return _none_recorded("s.136 detentions")
    found = s136.summary(
        session=scope.session, force=scope.force, period=scope.period, district=scope.district
    )
    return _count(found.detentions, scope.period)


def _people(scope: Scope) -> volunteers.PeopleTotals:
    def make() -> volunteers.PeopleTotals:
        return volunteers.people_totals(
            session=scope.session, force=scope.force, period=scope.period, district=scope.district
        )

    found: volunteers.PeopleTotals = scope.memo(("people",), make)
    return found


@measure(
    "special_constables",
    "Special Constables (headcount at the period's end)",
    unit="count",
    kind="level",
    better="higher",
)
def special_constables(scope: Scope) -> Figures:
    """Special Constables serving on the last day of the period (joined by then and not left
    before it): :func:`constable.community.volunteers.people_totals`."""
    if not _force_has(scope, "Special Constables"):
        return _none_recorded("Special Constables")
    serving = _people(scope).roles[VolunteerRole.SPECIAL_CONSTABLE.value].serving
    return Figures(float(serving), count=serving)


@measure(
    "special_constables_average",
    "Special Constables (average headcount)",
    unit="number",
    kind="level",
    better="higher",
)
def special_constables_average(scope: Scope) -> Figures:
    """The average of the Special Constables' headcount on the last day of each month of the
    period (as ``special_constables``): seed 002's "average number (headcount) of Special
    Constables" for a year is the mean of its twelve month-end headcounts."""
    from constable.community.models import Volunteer

    if not _force_has(scope, "Special Constables"):
        return _none_recorded("Special Constables")
    where: list[ColumnElement[bool]] = [
        Volunteer.force_id == scope.force.id,
        Volunteer.role == VolunteerRole.SPECIAL_CONSTABLE.value,
    ]
    if scope.district is not None:
        where.append(Volunteer.district_id == scope.district.id)
    people = scope.session.execute(select(Volunteer.joined_on, Volunteer.left_on).where(*where))
    spans = list(people)
    ends = [_add_months(m, 1) - dt.timedelta(days=1) for m in scope.period.months()]
    if not ends:
        return Figures(None)
    counts = [
        sum(1 for joined, left in spans if joined <= end and (left is None or left >= end))
        for end in ends
    ]
    return Figures(sum(counts) / len(counts), note=f"mean of {len(counts)} month-end headcounts")


@measure(
    "special_constable_hours",
    "Hours given by Special Constables",
    unit="hours",
    kind="amount",
    better="higher",
)
def special_constable_hours(scope: Scope) -> Figures:
    """Hours of the Special Constables' duties dated in the period:
    :func:`constable.community.volunteers.people_totals`."""
    if not _force_has(scope, "Special Constables"):
        return _none_recorded("Special Constables")
    hours = _people(scope).roles[VolunteerRole.SPECIAL_CONSTABLE.value].hours
    return Figures(float(hours))


@measure(
    "volunteers",
    "Volunteers (headcount at the period's end)",
    unit="count",
    kind="level",
    better="higher",
)
def volunteers_serving(scope: Scope) -> Figures:
    """Police Support Volunteers and Community Police Volunteers serving on the last day of the
    period: :func:`constable.community.volunteers.people_totals`. Special Constables and
    school officers are counted by their own measures."""
    if not _force_has(scope, "volunteers"):
        return _none_recorded("volunteers")
    roles = _people(scope).roles
    serving = (
        roles[VolunteerRole.POLICE_SUPPORT_VOLUNTEER.value].serving
        + roles[VolunteerRole.COMMUNITY_POLICE_VOLUNTEER.value].serving
    )
    return Figures(float(serving), count=serving)


@measure(
    "speedwatch_vehicles_detected",
    "Vehicles over the limit detected by Community Speedwatch",
    unit="count",
    kind="count",
    better="neither",
)
def speedwatch_vehicles_detected(scope: Scope) -> Figures:
    """Vehicles recorded over the limit at Community Speedwatch sessions held in the period at
    the force's (or the district's) sites: :func:`constable.community.speedwatch.totals`.
    Neither direction is better: more detections can mean more speeding or more sessions."""
    if not _force_has(scope, "Speedwatch sessions"):
        return _none_recorded("Speedwatch sessions")
    found = speedwatch.totals(
        session=scope.session, force=scope.force, period=scope.period, district=scope.district
    )
    return _count(found.vehicles_detected, scope.period)


# -- External measures ------------------------------------------------------------------------

KCVS = "the Kent Crime and Victimisation Survey (KCVS: about 4,000 telephone interviews a year)"

external(
    "kcvs_crime_level",
    "Crime measured by the Kent Crime and Victimisation Survey",
    unit="count",
    kind="level",
    better="lower",
    sampled=True,
    definition=(
        f"The survey's estimate of the crimes residents suffered in the period, from {KCVS}."
    ),
)
external(
    "kcvs_confidence",
    "People who think the police do an excellent or good job",
    unit="share",
    kind="share",
    better="higher",
    sampled=True,
    definition=(
        f"The share of respondents to {KCVS} who say the police do an excellent or good job."
    ),
)
external(
    "kcvs_worry_about_crime",
    "People worried about becoming a victim of four crime types",
    unit="share",
    kind="share",
    better="lower",
    sampled=True,
    definition=(
        f"The share of respondents to {KCVS} who are worried about becoming the victim of the "
        "survey's four crime types."
    ),
)
external(
    "kcvs_asb_perception",
    "People who see six types of anti-social behaviour as a problem",
    unit="share",
    kind="share",
    better="lower",
    sampled=True,
    definition=(
        f"The share of respondents to {KCVS} who say six types of anti-social behaviour are a "
        "problem in their local area."
    ),
)
external(
    "kcvs_work_closely",
    "People who think the police work closely with their local community",
    unit="share",
    kind="share",
    better="higher",
    sampled=True,
    definition=(
        f"The share of respondents to {KCVS} who think the police work closely with their local "
        "community."
    ),
)
external(
    "victim_satisfaction_action",
    "Victims satisfied with the action taken",
    unit="share",
    kind="share",
    better="higher",
    sampled=True,
    definition=(
        "The share of surveyed victims (domestic burglary, violent crime, vehicle crime, road "
        "traffic collisions) satisfied with the action the police took."
    ),
)
external(
    "victim_satisfaction_overall",
    "Victims satisfied with the overall service",
    unit="share",
    kind="share",
    better="higher",
    sampled=True,
    definition=(
        "The share of surveyed victims (domestic burglary, violent crime, vehicle crime, road "
        "traffic collisions) satisfied with the overall service the police provided."
    ),
)
external(
    "racist_incident_victim_satisfaction",
    "Victims of racist incidents satisfied with the overall service",
    unit="share",
    kind="share",
    better="higher",
    sampled=True,
    definition=(
        "The share of surveyed victims of racist incidents satisfied with the overall service "
        "the police provided."
    ),
)
external(
    "neighbourhood_policing_criteria",
    "Neighbourhood policing implementation criteria achieved",
    unit="share",
    kind="level",
    better="higher",
    definition=(
        "The share of the national neighbourhood policing programme's implementation criteria "
        "the force has achieved at the period's end (numerator: criteria achieved; "
        "denominator: criteria)."
    ),
)
external(
    "organised_crime_enterprises_dismantled",
    "Organised crime enterprises dismantled",
    unit="count",
    kind="count",
    better="higher",
    definition="Organised crime enterprises (groups) the force dismantled in the period.",
)
external(
    "confiscation_orders",
    "Criminal confiscation orders (number)",
    unit="count",
    kind="count",
    better="higher",
    definition="Confiscation orders made under the Proceeds of Crime Act 2002 in the period.",
)
external(
    "confiscation_orders_value",
    "Criminal confiscation orders (value)",
    unit="pounds",
    kind="amount",
    better="higher",
    definition=(
        "The total value, in pounds, of the confiscation orders made under the Proceeds of "
        "Crime Act 2002 in the period."
    ),
)
external(
    "calls_switchboard_emergency_within_10s",
    "Switchboard calls found to be emergencies answered within 10 seconds",
    unit="share",
    kind="share",
    better="higher",
    definition=(
        "Of the calls received at the switchboard, identified as an emergency and transferred to "
        "the emergency call-handling (999) group, the share answered there within 10 seconds "
        "(from the telephony system)."
    ),
)
external(
    "calls_public_call_handling_within_30s",
    "Non-emergency calls to the Public Call Handling group answered within 30 seconds",
    unit="share",
    kind="share",
    better="higher",
    definition=(
        "Of the non-emergency calls transferred from the switchboard to the Public Call "
        "Handling group (its primary group), the share answered within 30 seconds (from the "
        "telephony system)."
    ),
)
external(
    "calls_crime_recording_within_30s",
    "Non-emergency calls to the Central Crime Recording Unit answered within 30 seconds",
    unit="share",
    kind="share",
    better="higher",
    definition=(
        "Of the non-emergency calls transferred from the switchboard to the Central Crime "
        "Recording Unit (its primary group), the share answered within 30 seconds (from the "
        "telephony system)."
    ),
)
external(
    "minority_ethnic_officers",
    "Police officers from minority ethnic groups",
    unit="count",
    kind="level",
    better="higher",
    definition="Police officers from minority ethnic groups (headcount) at the period's end.",
)
external(
    "minority_ethnic_staff",
    "Police staff from minority ethnic groups",
    unit="count",
    kind="level",
    better="higher",
    definition="Police staff from minority ethnic groups (headcount) at the period's end.",
)
external(
    "sickness_hours_officers",
    "Working hours lost to sickness per police officer",
    unit="hours",
    kind="level",
    better="lower",
    definition=(
        "The average number of working hours lost through sickness per police officer, over "
        "the year to the period's end."
    ),
)
external(
    "sickness_hours_staff",
    "Working hours lost to sickness per member of police staff",
    unit="hours",
    kind="level",
    better="lower",
    definition=(
        "The average number of working hours lost through sickness per member of police staff, "
        "over the year to the period's end."
    ),
)
external(
    "cashable_savings",
    "Cashable savings",
    unit="pounds",
    kind="amount",
    better="higher",
    definition="Cashable efficiency savings made in the period, in pounds.",
)
external(
    "officers_abstracted",
    "Officers abstracted to protective services (major crime)",
    unit="number",
    kind="level",
    better="lower",
    definition=(
        "Police officers (full-time equivalent) abstracted from the districts (Basic Command "
        "Units) to protective services to investigate major crime, averaged over the period."
    ),
)


# -- Reading external values ------------------------------------------------------------------


def _external_figures(scope: Scope, found: Measure) -> Figures:
    """The value of an external measure for the scope's period, from the imported rows.

    Rows wholly inside the period are used; when rows overlap, longer rows are taken first and
    rows overlapping one already taken are skipped. A row for exactly the period is used alone.
    Counts and amounts add up; shares add their numerators and denominators (or, without them,
    are averaged weighted by days); levels and rates take the row that ends last.
    """
    from constable.performance.models import ExternalMeasureValue

    rows = list(
        scope.session.scalars(
            select(ExternalMeasureValue).where(
                ExternalMeasureValue.force_id == scope.force.id,
                ExternalMeasureValue.measure == found.name,
                ExternalMeasureValue.area == scope.area,
                ExternalMeasureValue.period_start >= scope.period.start,
                ExternalMeasureValue.period_end <= scope.period.last_day,
            )
        )
    )
    if not rows:
        return Figures(None, covered_days=0, note="no imported value for this period")
    taken = list(_non_overlapping(rows))
    covered = sum((r.period_end - r.period_start).days + 1 for r in taken)
    sources = "; ".join(sorted({r.source for r in taken}))
    if found.kind in ("level", "rate"):
        last = max(taken, key=lambda r: r.period_end)
        return _external_row(last, covered, sources, found)
    if found.kind in ("count", "amount"):
        total = sum(r.value for r in taken)
        count = round(total) if found.kind == "count" else None
        return Figures(
            total,
            count=count,
            exposure=float(covered) if count is not None else None,
            covered_days=covered,
            source=sources,
        )
    # shares
    if len(taken) == 1:
        return _external_row(taken[0], covered, sources, found)
    if all(r.numerator is not None and r.denominator for r in taken):
        numerator = sum(float(r.numerator or 0) for r in taken)
        denominator = sum(float(r.denominator or 0) for r in taken)
        return Figures(
            numerator / denominator,
            numerator=numerator,
            denominator=denominator,
            covered_days=covered,
            source=sources,
        )
    weights = [(r.period_end - r.period_start).days + 1 for r in taken]
    mean = sum(r.value * w for r, w in zip(taken, weights, strict=True)) / sum(weights)
    return Figures(
        mean,
        covered_days=covered,
        source=sources,
        note=f"mean of {len(taken)} values weighted by days (no numerators and denominators)",
    )


def _external_row(row: Any, covered: int, source: str, found: Measure) -> Figures:
    count = round(row.value) if found.unit == "count" else None
    return Figures(
        row.value,
        count=count,
        numerator=row.numerator,
        denominator=row.denominator,
        covered_days=covered,
        source=source,
    )


def _non_overlapping(rows: list[Any]) -> Iterator[Any]:
    taken: list[Any] = []
    for row in sorted(rows, key=lambda r: (r.period_start - r.period_end, r.period_start)):
        if all(row.period_end < t.period_start or row.period_start > t.period_end for t in taken):
            taken.append(row)
    yield from sorted(taken, key=lambda r: r.period_start)
