"""Crime trends: count series, XmR charts with signal rules, and the year-on-year Poisson test.

Pure functions on arrays, no store and no I/O; docs/trends.md gives the definitions with
worked examples. The pieces, in the order an analyst uses them:

- **Series.** :func:`count_series` (and :func:`monthly_counts`, :func:`weekly_counts`,
  :func:`grouped_series`) turn event dates into counts per calendar month or ISO week, with
  zeros for periods that had no events.
- **XmR charts.** :func:`xmr` draws the individuals chart of a series: a centre line (the mean of
  the baseline points) and process limits at the centre ± 2.66 × the mean moving range, with the
  baseline fixed or rebased after a sustained shift, and the points that break the
  :class:`Rules` marked as :class:`Signal`\\ s.
- **Year on year.** :func:`poisson_change` tests whether a count differs from the count of the
  same period a year before by more than chance: the exact conditional test for the ratio of
  two Poisson rates.
- **Scan.** :func:`scan` runs both over many series (district × crime type) and lists what is
  rising or falling, strongest first, optionally controlling the false discovery rate
  (:func:`benjamini_hochberg`).
- **Chart.** :func:`xmr_svg` draws a chart as an accessible SVG string.

Example::

    monthly = grouped_series(dates, districts, freq="month")
    findings = scan(monthly)
    chart = xmr(monthly["Ashford"])
    svg = xmr_svg(chart, title="Burglary in Ashford")
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from constable.errors import ConstableError

Dates = npt.ArrayLike | Iterable[dt.date | dt.datetime | np.datetime64 | str]
"""Event dates: a numpy ``datetime64`` array of any unit, or ``datetime.date``/``datetime``
objects, or ISO text (``2017-07-14``); a time of day is dropped."""

DateLike = dt.date | np.datetime64 | str
"""One date: a ``datetime.date``, a numpy ``datetime64`` or ISO text."""

Frequency = Literal["month", "week"]
"""How a series is bucketed: calendar months, or ISO weeks (Monday to Sunday)."""

LIMIT_FACTOR = 2.66
"""Process limits sit this many mean moving ranges from the centre line.

The moving range of two points estimates the standard deviation as mean moving range / d2,
where d2 = 1.128 is the expected range of two independent normal values in units of their
standard deviation; three standard deviations are then 3 / 1.128 = 2.66 mean moving ranges
(Wheeler; NHS England "Making Data Count")."""

D2 = 1.128
"""The bias constant d2 for ranges of two points (see :data:`LIMIT_FACTOR`)."""

RANGE_LIMIT_FACTOR = 3.267
"""The upper limit of the moving-range chart: D4 = 3.267 times the mean moving range."""

REBASE_POINTS = 12
"""Baseline length (points) after a rebase when :attr:`Baseline.points` is not given:
"Making Data Count" asks for at least 12 points, ideally 20, to set limits."""

WEEKS_A_YEAR = 52
"""The year-on-year lag for ISO weeks: 52 weeks (364 days) keeps the day of the week. After a
53-week ISO year, the week compared is the one numbered one higher a year before."""

MONTHS_A_YEAR = 12


class TrendError(ConstableError):
    """A series, chart or test cannot be made from what was given."""


class Direction(StrEnum):
    """Which way a signal or a change points."""

    RISING = "rising"
    FALLING = "falling"


class Verdict(StrEnum):
    """The outcome of a test of change."""

    RISING = "rising"
    FALLING = "falling"
    NO_CHANGE = "no significant change"


class Rule(StrEnum):
    """Why something was flagged: a chart rule, or (in :func:`scan`) the year-on-year test."""

    BEYOND_LIMIT = "beyond-limit"
    RUN = "run"
    TREND = "trend"
    TWO_OF_THREE = "two-of-three"
    YEAR_ON_YEAR = "year-on-year"


# -- Series -----------------------------------------------------------------------------------


def _as_days(dates: Dates, name: str = "dates") -> npt.NDArray[Any]:
    """Dates of any accepted kind as a 1-D ``datetime64[D]`` array (times of day dropped)."""
    try:
        raw = np.asarray(dates)
        days = (
            raw.astype("datetime64[D]")
            if raw.dtype.kind == "M"
            else np.asarray(list(raw.ravel()) if raw.ndim else [raw.item()], dtype="datetime64[D]")
        )
    except (TypeError, ValueError) as error:
        raise TrendError(
            f"{name} must be dates (numpy datetime64, datetime.date or ISO text): {error}"
        ) from error
    days = days.ravel()
    missing = np.flatnonzero(np.isnat(days))
    if missing.size:
        raise TrendError(f"{name}[{int(missing[0])}] is missing (NaT): every event needs a date")
    return days


def _week_start(days: npt.NDArray[Any]) -> npt.NDArray[Any]:
    # Day 0 of numpy's calendar (1970-01-01) was a Thursday, so (day + 3) % 7 is the weekday
    # counted from Monday = 0.
    number = days.astype("int64")
    monday: npt.NDArray[Any] = (number - (number + 3) % 7).astype("datetime64[D]")
    return monday


def period_start(dates: Dates, freq: Frequency) -> npt.NDArray[Any]:
    """The first day of the month or ISO week (a Monday) that holds each date."""
    days = _as_days(dates)
    if freq == "month":
        return days.astype("datetime64[M]").astype("datetime64[D]")
    if freq == "week":
        return _week_start(days)
    raise TrendError(f"freq == {freq!r}, must be 'month' or 'week'")


def _period_after(starts: npt.NDArray[Any], freq: Frequency) -> npt.NDArray[Any]:
    if freq == "month":
        return (starts.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return starts + np.timedelta64(7, "D")


def _label(start: np.datetime64, freq: Frequency) -> str:
    day = start.astype(dt.date)
    if freq == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


@dataclass(frozen=True, eq=False)
class Series:
    """Event counts per period, oldest first, with zeros where nothing happened.

    ``starts`` are the first days of the periods (``datetime64[D]``); ``days`` is how many days
    of each period lie inside the window the series was built for (a full month or week unless
    the window cuts it), which :func:`scan` uses as the exposure of the year-on-year test.
    """

    freq: Frequency
    starts: npt.NDArray[Any]
    counts: npt.NDArray[np.int64]
    days: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.counts.size)

    @property
    def labels(self) -> list[str]:
        """``2017-07`` for months, ``2017-W05`` (ISO year and week) for weeks."""
        return [_label(start, self.freq) for start in self.starts]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "freq": self.freq,
            "periods": self.labels,
            "starts": [str(start) for start in self.starts],
            "counts": [int(count) for count in self.counts],
            "days": [int(day) for day in self.days],
        }


def _window(
    days: npt.NDArray[Any],
    freq: Frequency,
    start: DateLike | None,
    end: DateLike | None,
) -> tuple[np.datetime64, np.datetime64]:
    """The first and last day (inclusive) of the series' window."""
    if start is None:
        if days.size == 0:
            raise TrendError("no dates and no start: give a start and an end for an empty series")
        first = period_start(days.min(keepdims=True), freq)[0]
    else:
        first = _as_days([start], "start")[0]
    if end is None:
        if days.size == 0:
            raise TrendError("no dates and no end: give a start and an end for an empty series")
        last = _period_after(period_start(days.max(keepdims=True), freq), freq)[0] - 1
    else:
        last = _as_days([end], "end")[0]
    if last < first:
        raise TrendError(f"end == {last}, must not be before start ({first})")
    return first, last


def _periods(
    freq: Frequency, first: np.datetime64, last: np.datetime64
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Period starts from the one holding ``first`` to the one holding ``last``, and the days
    of each inside ``[first, last]``."""
    if freq == "month":
        bounds = np.array([first, last], dtype="datetime64[D]").astype("datetime64[M]")
        starts = np.arange(bounds[0], bounds[1] + 1).astype("datetime64[D]")
    else:
        bounds = _week_start(np.array([first, last], dtype="datetime64[D]"))
        starts = np.arange(bounds[0], bounds[1] + 7, 7, dtype="datetime64[D]")
    ends = _period_after(starts, freq)
    lo = np.maximum(starts, first)
    hi = np.minimum(ends, last + 1)
    return starts, (hi - lo).astype("int64")


def _period_index(
    days: npt.NDArray[Any], freq: Frequency, first: np.datetime64, last: np.datetime64
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    starts, covered = _periods(freq, first, last)
    inside = (days >= first) & (days <= last)
    index = np.searchsorted(starts, period_start(days[inside], freq)).astype(np.int64)
    return starts, covered, index, inside


def count_series(
    dates: Dates,
    *,
    freq: Frequency = "month",
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> Series:
    """Counts of ``dates`` per month or ISO week from ``start`` to ``end`` (both inclusive).

    Dates may be numpy ``datetime64`` of any unit, ``datetime.date``/``datetime`` objects or ISO
    text; times of day are dropped. Without ``start`` the series begins with the first period
    of the earliest date, without ``end`` it ends with the last day of the latest date's period.
    Dates outside the window are left out; periods without events count 0.
    """
    if freq not in ("month", "week"):
        raise TrendError(f"freq == {freq!r}, must be 'month' or 'week'")
    days = _as_days(dates)
    first, last = _window(days, freq, start, end)
    starts, covered, index, _ = _period_index(days, freq, first, last)
    counts = np.bincount(index, minlength=starts.size).astype(np.int64)
    return Series(freq=freq, starts=starts, counts=counts, days=covered)


def monthly_counts(
    dates: Dates,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> Series:
    """Counts per calendar month: :func:`count_series` with ``freq="month"``."""
    return count_series(dates, freq="month", start=start, end=end)


def weekly_counts(
    dates: Dates,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> Series:
    """Counts per ISO week (Monday to Sunday): :func:`count_series` with ``freq="week"``."""
    return count_series(dates, freq="week", start=start, end=end)


def grouped_series(
    dates: Dates,
    *keys: npt.ArrayLike | Sequence[Hashable],
    freq: Frequency = "month",
    start: DateLike | None = None,
    end: DateLike | None = None,
    groups: Iterable[Hashable] = (),
) -> dict[Hashable, Series]:
    """One count series per group, all over the same periods.

    ``keys`` are columns as long as ``dates`` (for example districts and crime types). With one
    column a group is its value (``"Ashford"``); with several it is the tuple of their values
    (``("Ashford", "Burglary")``). ``groups`` names groups to include even when they have no
    events (they get a series of zeros). Groups are sorted when their keys can be compared.
    The window defaults to that of all the dates together, as in :func:`count_series`.
    """
    if not keys:
        raise TrendError("give at least one column of group keys, as long as the dates")
    if freq not in ("month", "week"):
        raise TrendError(f"freq == {freq!r}, must be 'month' or 'week'")
    days = _as_days(dates)
    columns = [np.asarray(column, dtype=object).ravel() for column in keys]
    for number, column in enumerate(columns):
        if column.size != days.size:
            raise TrendError(
                f"key column {number} has {column.size} values, must have one per date "
                f"({days.size})"
            )
    names: list[Hashable] = (
        list(columns[0].tolist()) if len(columns) == 1 else list(zip(*columns, strict=True))
    )
    first, last = _window(days, freq, start, end)
    starts, covered, index, inside = _period_index(days, freq, first, last)
    codes: dict[Hashable, int] = {group: number for number, group in enumerate(groups)}
    group_of = np.fromiter(
        (
            codes.setdefault(name, len(codes))
            for name, kept in zip(names, inside, strict=True)
            if kept
        ),
        dtype=np.int64,
        count=int(inside.sum()),
    )
    counts = np.bincount(
        group_of * starts.size + index, minlength=len(codes) * starts.size
    ).reshape(len(codes), starts.size)
    try:
        order = sorted(codes, key=lambda group: group)  # type: ignore[arg-type,return-value]
    except TypeError:  # keys of mixed kinds cannot be sorted: keep the order first seen
        order = list(codes)
    return {
        group: Series(
            freq=freq, starts=starts, counts=counts[codes[group]].astype(np.int64), days=covered
        )
        for group in order
    }


# -- XmR charts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """Which patterns count as a signal. The defaults are NHS England's "Making Data Count" set.

    - ``beyond_limits``: a point above the upper or below the lower process limit.
    - ``run``: this many points in a row on the same side of the centre line (MDC: 7; the
      Western Electric handbook uses 8). A point exactly on the centre line ends a run. None
      turns the rule off.
    - ``trend``: this many points in a row, each strictly higher (or each strictly lower) than
      the one before: 6 points are 5 rises. Two equal points in a row end a trend. None turns
      the rule off.
    - ``two_of_three``: two of three points in a row beyond two sigma on the same side of the
      centre line (sigma = mean moving range / 1.128). Off by default: MDC lists it as optional.
    """

    beyond_limits: bool = True
    run: int | None = 7
    trend: int | None = 6
    two_of_three: bool = False

    def __post_init__(self) -> None:
        if self.run is not None and self.run < 2:
            raise TrendError(f"run == {self.run}, must be >= 2 points (or None to turn it off)")
        if self.trend is not None and self.trend < 3:
            raise TrendError(f"trend == {self.trend}, must be >= 3 points (or None to turn it off)")


MAKING_DATA_COUNT = Rules()
"""NHS England "Making Data Count": beyond limits, runs of 7, trends of 6."""

WESTERN_ELECTRIC = Rules(run=8, trend=None, two_of_three=True)
"""The Western Electric handbook's zone rules used here: beyond limits, runs of 8, two of three
beyond two sigma (its four-of-five rule is not implemented)."""


@dataclass(frozen=True)
class Baseline:
    """Which points set a chart's centre line and limits.

    Fixed (``rebase=False``):

    - ``start``/``end`` given: the points whose periods hold or fall between those dates (needs
      a :class:`Series`); one of them alone runs to the series' first or last point;
    - else ``points`` given: the first ``points`` points;
    - else every point.

    Rebased (``rebase=True``): the first baseline is chosen as above except that "every point"
    becomes the first :data:`REBASE_POINTS` (12). Then, repeatedly: look at the points after
    the current baseline; at the first run of :attr:`Rules.run` points in a row on one side of
    the current centre line (a sustained shift), start a new segment at the run's first point,
    whose baseline is its first ``points`` (or 12) points, or all that remain if fewer. Each
    segment's points are judged against its own limits; the run that caused a rebase is
    reported as a :attr:`Rule.RUN` signal judged against the earlier segment's centre line.
    """

    points: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    rebase: bool = False

    def __post_init__(self) -> None:
        if self.points is not None and self.points < 2:
            raise TrendError(
                f"baseline points == {self.points}, must be >= 2 (a moving range needs two)"
            )
        if self.start is not None and self.end is not None and self.end < self.start:
            raise TrendError(
                f"baseline end == {self.end}, must not be before its start ({self.start})"
            )


@dataclass(frozen=True)
class Segment:
    """A stretch of a chart with one centre line and one pair of limits.

    Points ``start`` to ``stop - 1`` belong to it; points ``baseline_start`` to
    ``baseline_stop - 1`` set its centre (their mean) and mean moving range.
    """

    start: int
    stop: int
    baseline_start: int
    baseline_stop: int
    centre: float
    mean_moving_range: float
    upper: float
    lower: float
    """The lower process limit, floored at 0 when the chart is of counts."""

    @property
    def sigma(self) -> float:
        """The estimated standard deviation: mean moving range / 1.128, written as a third of
        the distance from the centre to the upper limit so the zones match the limits."""
        return (self.upper - self.centre) / 3

    @property
    def range_limit(self) -> float:
        """The upper limit of the moving-range chart (3.267 × mean moving range)."""
        return RANGE_LIMIT_FACTOR * self.mean_moving_range

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "start": self.start,
            "stop": self.stop,
            "baseline_start": self.baseline_start,
            "baseline_stop": self.baseline_stop,
            "centre": self.centre,
            "mean_moving_range": self.mean_moving_range,
            "upper": self.upper,
            "lower": self.lower,
            "sigma": self.sigma,
        }


@dataclass(frozen=True)
class Signal:
    """Points that break a rule: the rule, the points (indices into the series) and the way."""

    rule: Rule
    points: tuple[int, ...]
    direction: Direction
    segment: int = 0
    """The segment whose centre line and limits the signal was judged against."""

    @property
    def first(self) -> int:
        """The first point of the signal."""
        return self.points[0]

    @property
    def last(self) -> int:
        """The last point of the signal."""
        return self.points[-1]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "rule": str(self.rule),
            "points": list(self.points),
            "direction": str(self.direction),
            "segment": self.segment,
        }


@dataclass(frozen=True, eq=False)
class XmRChart:
    """An individuals (X) chart: the values, their segments and the signals found."""

    values: npt.NDArray[np.float64]
    labels: tuple[str, ...]
    segments: tuple[Segment, ...]
    signals: tuple[Signal, ...]
    freq: Frequency | None = None

    def __len__(self) -> int:
        return int(self.values.size)

    def _per_point(self, name: str) -> npt.NDArray[np.float64]:
        out = np.empty(self.values.size)
        for segment in self.segments:
            out[segment.start : segment.stop] = getattr(segment, name)
        return out

    @property
    def centre(self) -> npt.NDArray[np.float64]:
        """The centre line at each point."""
        return self._per_point("centre")

    @property
    def upper(self) -> npt.NDArray[np.float64]:
        """The upper process limit at each point."""
        return self._per_point("upper")

    @property
    def lower(self) -> npt.NDArray[np.float64]:
        """The lower process limit at each point."""
        return self._per_point("lower")

    @property
    def sigma(self) -> npt.NDArray[np.float64]:
        """The estimated standard deviation at each point."""
        return self._per_point("sigma")

    @property
    def moving_ranges(self) -> npt.NDArray[np.float64]:
        """``|x[i] - x[i-1]|`` for every point after the first."""
        return np.abs(np.diff(self.values))

    def segment_at(self, index: int) -> Segment:
        """The segment that holds point ``index``."""
        for segment in self.segments:
            if segment.start <= index < segment.stop:
                return segment
        raise IndexError(f"index == {index}, must be in 0..{self.values.size - 1}")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "freq": self.freq,
            "labels": list(self.labels),
            "values": [float(value) for value in self.values],
            "segments": [segment.as_dict() for segment in self.segments],
            "signals": [
                {
                    **signal.as_dict(),
                    "first": self.labels[signal.first],
                    "last": self.labels[signal.last],
                }
                for signal in self.signals
            ],
        }


def _limits(
    values: npt.NDArray[np.float64], start: int, stop: int, floor_zero: bool
) -> tuple[float, float, float, float]:
    """Centre, mean moving range, upper and lower limit from ``values[start:stop]``."""
    base = values[start:stop]
    centre = float(base.mean())
    mean_range = float(np.abs(np.diff(base)).mean())
    upper = centre + LIMIT_FACTOR * mean_range
    lower = centre - LIMIT_FACTOR * mean_range
    if floor_zero:
        lower = max(lower, 0.0)
    return centre, mean_range, upper, lower


def _runs(flags: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``(start, stop)`` of every maximal stretch of True."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _first_run_after(
    values: npt.NDArray[np.float64], start: int, centre: float, length: int
) -> tuple[int, int, Direction] | None:
    """The first run of ``length`` points on one side of ``centre`` from ``start`` on: its first
    point, the end of the whole run (exclusive) and its side."""
    tail = values[start:]
    best: tuple[int, int, Direction] | None = None
    for flags, direction in ((tail > centre, Direction.RISING), (tail < centre, Direction.FALLING)):
        for a, b in _runs(flags):
            if b - a >= length:
                if best is None or start + a < best[0]:
                    best = (start + a, start + b, direction)
                break
    return best


def _segments(
    values: npt.NDArray[np.float64],
    first_baseline: tuple[int, int],
    baseline: Baseline,
    rules: Rules,
    floor_zero: bool,
) -> tuple[list[Segment], list[Signal]]:
    """The chart's segments, and the shifts that started the later ones."""
    n = values.size
    segments: list[Segment] = []
    shifts: list[Signal] = []
    start, (base_start, base_stop) = 0, first_baseline
    while True:
        centre, mean_range, upper, lower = _limits(values, base_start, base_stop, floor_zero)
        shift = None
        if baseline.rebase and rules.run is not None and base_stop < n:
            shift = _first_run_after(values, base_stop, centre, rules.run)
        stop = n if shift is None else shift[0]
        segments.append(
            Segment(start, stop, base_start, base_stop, centre, mean_range, upper, lower)
        )
        if shift is None:
            return segments, shifts
        shifts.append(
            Signal(Rule.RUN, tuple(range(shift[0], shift[1])), shift[2], len(segments) - 1)
        )
        # The run that caused the rebase has at least Rules.run >= 2 points, so the new
        # baseline always has a moving range.
        length = baseline.points or REBASE_POINTS
        start, base_start, base_stop = stop, stop, min(stop + length, n)


def _first_baseline(
    n: int, starts: npt.NDArray[Any] | None, freq: Frequency | None, baseline: Baseline
) -> tuple[int, int]:
    if baseline.start is not None or baseline.end is not None:
        if starts is None or freq is None:
            raise TrendError("a baseline of dates needs a Series, not bare values")
        first = period_start([baseline.start], freq)[0] if baseline.start else starts[0]
        last = period_start([baseline.end], freq)[0] if baseline.end else starts[-1]
        inside = np.flatnonzero((starts >= first) & (starts <= last))
        if inside.size < 2:
            raise TrendError(
                f"the baseline {baseline.start or 'start'} to {baseline.end or 'end'} holds "
                f"{inside.size} point(s) of the series, must hold at least 2"
            )
        return int(inside[0]), int(inside[-1]) + 1
    if baseline.points is not None:
        return 0, min(baseline.points, n)
    return 0, min(REBASE_POINTS, n) if baseline.rebase else n


def _segment_index(segments: Sequence[Segment], size: int) -> npt.NDArray[np.int64]:
    """The number of the segment of every point."""
    index = np.empty(size, dtype=np.int64)
    for number, segment in enumerate(segments):
        index[segment.start : segment.stop] = number
    return index


def _beyond_signals(chart: XmRChart) -> list[Signal]:
    where = _segment_index(chart.segments, chart.values.size)
    signals: list[Signal] = []
    for flags, direction in (
        (chart.values > chart.upper, Direction.RISING),
        (chart.values < chart.lower, Direction.FALLING),
    ):
        signals += [
            Signal(Rule.BEYOND_LIMIT, (int(i),), direction, int(where[i]))
            for i in np.flatnonzero(flags)
        ]
    return signals


def _run_signals(
    values: npt.NDArray[np.float64], segments: Sequence[Segment], length: int
) -> list[Signal]:
    signals: list[Signal] = []
    for number, segment in enumerate(segments):
        part = values[segment.start : segment.stop]
        for flags, direction in (
            (part > segment.centre, Direction.RISING),
            (part < segment.centre, Direction.FALLING),
        ):
            signals += [
                Signal(
                    Rule.RUN,
                    tuple(range(segment.start + a, segment.start + b)),
                    direction,
                    number,
                )
                for a, b in _runs(flags)
                if b - a >= length
            ]
    return signals


def _trend_signals(
    values: npt.NDArray[np.float64], segments: Sequence[Segment], length: int
) -> list[Signal]:
    # A trend of L points is L - 1 steps the same way: runs of rises (or falls) in np.diff.
    # A trend needs no centre line, so it may cross a rebase; it is judged in the segment of
    # its last point.
    where = _segment_index(segments, values.size)
    steps = np.diff(values)
    signals: list[Signal] = []
    for flags, direction in ((steps > 0, Direction.RISING), (steps < 0, Direction.FALLING)):
        signals += [
            Signal(Rule.TREND, tuple(range(a, b + 1)), direction, int(where[b]))
            for a, b in _runs(flags)
            if b - a + 1 >= length
        ]
    return signals


def _two_of_three_signals(
    values: npt.NDArray[np.float64], segments: Sequence[Segment]
) -> list[Signal]:
    signals: list[Signal] = []
    for number, segment in enumerate(segments):
        part = values[segment.start : segment.stop]
        for flags, direction in (
            (part > segment.centre + 2 * segment.sigma, Direction.RISING),
            (part < segment.centre - 2 * segment.sigma, Direction.FALLING),
        ):
            # Windows of three points with two or more flagged; windows that overlap make one
            # signal, made of the flagged points they cover.
            windows = [i for i in range(part.size - 2) if int(flags[i : i + 3].sum()) >= 2]
            clusters: list[list[int]] = []
            for i in windows:
                if clusters and i <= clusters[-1][-1] + 2:
                    clusters[-1].append(i)
                else:
                    clusters.append([i])
            for cluster in clusters:
                span = range(cluster[0], cluster[-1] + 3)
                points = tuple(segment.start + j for j in span if flags[j])
                signals.append(Signal(Rule.TWO_OF_THREE, points, direction, number))
    return signals


_RULE_ORDER = {rule: number for number, rule in enumerate(Rule)}


def xmr(
    data: Series | npt.ArrayLike,
    *,
    baseline: Baseline = Baseline(),
    rules: Rules = Rules(),
    floor_zero: bool = True,
    labels: Sequence[str] | None = None,
) -> XmRChart:
    """The XmR (individuals and moving range) chart of a series or of bare values.

    Centre line = mean of the baseline points; mean moving range = mean of ``|x[i] - x[i-1]|``
    over consecutive baseline points; limits = centre ± :data:`LIMIT_FACTOR` (2.66) × mean
    moving range. With ``floor_zero`` (the default, for counts) a negative lower limit is
    raised to 0. ``baseline`` chooses the baseline and whether to rebase after a shift;
    ``rules`` chooses the signals. Bare values are labelled ``1, 2, …`` unless ``labels`` are
    given. A point is beyond a limit only when strictly above or below it.
    """
    if isinstance(data, Series):
        values = data.counts.astype(np.float64)
        starts: npt.NDArray[Any] | None = data.starts
        freq: Frequency | None = data.freq
        names = data.labels
    else:
        try:
            values = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TrendError(f"values must be numbers: {error}") from error
        starts, freq = None, None
        names = [str(number + 1) for number in range(values.size)]
    if values.ndim != 1:
        raise TrendError(f"values have {values.ndim} dimensions, must be a flat series")
    if values.size < 2:
        raise TrendError(f"the series has {values.size} point(s), must have at least 2")
    if not np.isfinite(values).all():
        raise TrendError(f"values[{int(np.flatnonzero(~np.isfinite(values))[0])}] is not a number")
    if labels is not None:
        if len(labels) != values.size:
            raise TrendError(f"{len(labels)} labels for {values.size} values, must be one each")
        names = list(labels)
    if baseline.rebase and rules.run is None:
        raise TrendError("a rebased baseline needs Rules.run: a rebase happens at a run")

    first = _first_baseline(values.size, starts, freq, baseline)
    segments, signals = _segments(values, first, baseline, rules, floor_zero)
    chart = XmRChart(values, tuple(names), tuple(segments), (), freq)
    if rules.beyond_limits:
        signals += _beyond_signals(chart)
    if rules.run is not None:
        signals += _run_signals(values, segments, rules.run)
    if rules.trend is not None:
        signals += _trend_signals(values, segments, rules.trend)
    if rules.two_of_three:
        signals += _two_of_three_signals(values, segments)
    signals.sort(key=lambda signal: (signal.first, _RULE_ORDER[signal.rule], signal.last))
    return XmRChart(values, tuple(names), tuple(segments), tuple(signals), freq)


# -- Year on year: two Poisson counts ---------------------------------------------------------

TestMethod = Literal["central", "minlike"]
"""How the two-sided p-value of the conditional binomial test is formed (see
:func:`poisson_change`)."""

_MINLIKE_TOLERANCE = 1 + 1e-7
"""Probabilities within this factor of the observed one count as "as likely" (R's binom.test
and scipy's binomtest use the same)."""


@dataclass(frozen=True)
class Change:
    """A count against an earlier count: the rate ratio, its interval, the test and the verdict.

    ``ratio`` is ``(current / exposure[0]) / (previous / exposure[1])``: infinite when the earlier
    count is 0, not a number when both are. ``low`` and ``high`` bound it with confidence
    ``1 - alpha``; ``expected`` is the current count that no change would lead one to expect
    given the total, ``(current + previous) × exposure[0] / (exposure[0] + exposure[1])``.
    """

    current: int
    previous: int
    exposure: tuple[float, float]
    expected: float
    ratio: float
    low: float
    high: float
    p_value: float
    alpha: float
    method: TestMethod
    verdict: Verdict

    @property
    def z(self) -> float:
        """The score statistic ``(current - expected) / sqrt(n p (1 - p))``: how many standard
        deviations the count lies from what no change would give (0 when nothing was counted)."""
        total = self.current + self.previous
        share = self.exposure[0] / (self.exposure[0] + self.exposure[1])
        variance = total * share * (1 - share)
        return (self.current - self.expected) / math.sqrt(variance) if variance > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: infinite or undefined numbers are written as null."""
        return {
            "current": self.current,
            "previous": self.previous,
            "exposure": list(self.exposure),
            "expected": self.expected,
            "ratio": _finite(self.ratio),
            "low": _finite(self.low),
            "high": _finite(self.high),
            "p_value": self.p_value,
            "alpha": self.alpha,
            "method": self.method,
            "verdict": str(self.verdict),
        }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _count(value: Any, name: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise TrendError(f"{name} == {value!r}, must be a whole number of events") from error
    if not number.is_integer() or number < 0:
        raise TrendError(f"{name} == {value!r}, must be a whole number >= 0")
    return int(number)


def _odds_to_ratio(share: float, exposure: tuple[float, float]) -> float:
    """A binomial share ``p`` as the rate ratio it implies: ``p / (1 - p) × t2 / t1``."""
    if share >= 1:
        return math.inf
    return share / (1 - share) * exposure[1] / exposure[0]


def poisson_change(
    current: int,
    previous: int,
    *,
    exposure: tuple[float, float] = (1.0, 1.0),
    alpha: float = 0.05,
    method: TestMethod = "central",
) -> Change:
    """Whether ``current`` differs from ``previous`` by more than chance, for Poisson counts.

    The exact conditional test: given the total ``n = current + previous``, the current count is
    binomial with ``p = t1 / (t1 + t2)`` (``exposure = (t1, t2)``, for example the days in each
    period) when the two rates are equal. The interval is the exact Clopper–Pearson interval for
    ``p`` at confidence ``1 - alpha``, turned into a rate ratio by ``p / (1 - p) × t2 / t1``.

    The two-sided p-value is, with ``method``:

    - ``"central"`` (default): twice the smaller one-sided p-value, capped at 1 (Fay's
      ``rateratio.test``). It agrees with the interval: p < alpha exactly when the interval
      leaves out 1, so the verdict and the interval never disagree.
    - ``"minlike"``: the total probability of the counts no more likely than the one observed
      (R's ``poisson.test``, scipy's ``binomtest``): a little more powerful, but it can call a
      change significant while the interval still holds 1.

    The verdict is rising or falling when p < alpha, else no significant change.
    """
    x1, x2 = _count(current, "current"), _count(previous, "previous")
    t1, t2 = (float(value) for value in exposure)
    if not (math.isfinite(t1) and math.isfinite(t2) and t1 > 0 and t2 > 0):
        raise TrendError(f"exposure == {exposure!r}, must be two numbers > 0")
    if not 0 < alpha < 1:
        raise TrendError(f"alpha == {alpha}, must be between 0 and 1")
    if method not in ("central", "minlike"):
        raise TrendError(f"method == {method!r}, must be 'central' or 'minlike'")
    n = x1 + x2
    share = t1 / (t1 + t2)
    if n == 0:
        return Change(
            x1, x2, (t1, t2), 0.0, math.nan, 0.0, math.inf, 1.0, alpha, method, Verdict.NO_CHANGE
        )
    if method == "central":
        below = float(stats.binom.cdf(x1, n, share))
        above = float(stats.binom.sf(x1 - 1, n, share))
        p_value = min(1.0, 2 * min(below, above))
    else:
        pmf = stats.binom.pmf(np.arange(n + 1), n, share)
        p_value = min(1.0, float(pmf[pmf <= pmf[x1] * _MINLIKE_TOLERANCE].sum()))
    low = float(stats.beta.ppf(alpha / 2, x1, n - x1 + 1)) if x1 > 0 else 0.0
    high = float(stats.beta.ppf(1 - alpha / 2, x1 + 1, n - x1)) if x1 < n else 1.0
    ratio = _odds_to_ratio(x1 / n, (t1, t2))
    expected = n * share
    verdict = Verdict.NO_CHANGE
    if p_value < alpha:
        verdict = Verdict.RISING if x1 > expected else Verdict.FALLING
    return Change(
        current=x1,
        previous=x2,
        exposure=(t1, t2),
        expected=expected,
        ratio=ratio,
        low=_odds_to_ratio(low, (t1, t2)),
        high=_odds_to_ratio(high, (t1, t2)),
        p_value=p_value,
        alpha=alpha,
        method=method,
        verdict=verdict,
    )


def benjamini_hochberg(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values ("q-values"), in the order given.

    With the m p-values sorted, ``q(i) = min over j >= i of p(j) × m / j``, capped at 1.
    Calling every test with ``q < alpha`` a discovery keeps the expected share of false
    discoveries among them at most ``alpha`` (for independent or positively dependent tests).
    """
    p = np.asarray(p_values, dtype=np.float64).ravel()
    if p.size == 0:
        return p
    if not ((p >= 0) & (p <= 1)).all():
        raise TrendError("p-values must lie between 0 and 1")
    order = np.argsort(p, kind="stable")
    scaled = p[order] * p.size / np.arange(1, p.size + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty_like(p)
    q[order] = np.minimum(adjusted, 1.0)
    return q


# -- Scanning many series ---------------------------------------------------------------------


def group_label(group: Hashable) -> str:
    """A group key as text: tuples are joined with `` / `` (``Ashford / Burglary``)."""
    if isinstance(group, tuple):
        return " / ".join(str(part) for part in group)
    return str(group)


@dataclass(frozen=True)
class Finding:
    """Something rising or falling beyond chance in one group's series.

    For a chart rule, ``value`` is the mean of the signal's points and ``reference`` the centre
    line it was judged against; for :attr:`Rule.YEAR_ON_YEAR`, ``value`` is the count of the
    latest periods, ``reference`` the count of the same periods a year before, ``ratio`` the
    rate ratio with its interval ``low``–``high``, and ``p_value``/``q_value`` the test's
    (``q_value`` is the Benjamini–Hochberg adjusted p-value, None when not controlled).
    ``strength`` is how many standard deviations the finding lies from what was expected, and
    sorts the findings; ``detail`` says it in words.
    """

    group: Hashable
    rule: Rule
    direction: Direction
    first: str
    last: str
    value: float
    reference: float
    strength: float
    detail: str
    ratio: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    q_value: float | None = None

    @property
    def label(self) -> str:
        """The group as text."""
        return group_label(self.group)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the group as text and, for tuple keys, as a list."""
        return {
            "group": self.label,
            "keys": [str(part) for part in self.group]
            if isinstance(self.group, tuple)
            else [str(self.group)],
            "rule": str(self.rule),
            "direction": str(self.direction),
            "first": self.first,
            "last": self.last,
            "value": self.value,
            "reference": self.reference,
            "ratio": _finite(self.ratio),
            "low": _finite(self.low),
            "high": _finite(self.high),
            "p_value": self.p_value,
            "q_value": self.q_value,
            "strength": _finite(self.strength),
            "detail": self.detail,
        }


def _number(value: float) -> str:
    """A number for a sentence: whole numbers plain, others to one decimal place."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _describe(chart: XmRChart, signal: Signal, segment: Segment) -> str:
    points = chart.values[list(signal.points)]
    where = (
        chart.labels[signal.first]
        if signal.first == signal.last
        else f"{chart.labels[signal.first]} to {chart.labels[signal.last]}"
    )
    side = "above" if signal.direction is Direction.RISING else "below"
    centre = _number(segment.centre)
    if signal.rule is Rule.BEYOND_LIMIT:
        limit = segment.upper if signal.direction is Direction.RISING else segment.lower
        return (
            f"{_number(points[0])} in {where}, {side} the "
            f"{'upper' if side == 'above' else 'lower'} limit of {_number(limit)} "
            f"(centre line {centre})"
        )
    if signal.rule is Rule.RUN:
        return (
            f"{len(points)} points in a row {side} the centre line of {centre}, {where} "
            f"(mean {_number(float(points.mean()))})"
        )
    if signal.rule is Rule.TREND:
        way = "higher" if signal.direction is Direction.RISING else "lower"
        return (
            f"{len(points)} points in a row each {way} than the one before, {where} "
            f"(from {_number(points[0])} to {_number(points[-1])})"
        )
    return (
        f"{len(points)} points of three in a row beyond two sigma {side} the centre line of "
        f"{centre}, {where}"
    )


def _chart_findings(
    group: Hashable, chart: XmRChart, recent: int | None, min_centre: float
) -> list[Finding]:
    findings: list[Finding] = []
    for signal in chart.signals:
        if recent is not None and signal.last < len(chart) - recent:
            continue
        segment = chart.segments[signal.segment]
        if segment.mean_moving_range == 0 or segment.centre < min_centre:
            # A flat baseline has zero-width limits: any change at all would be a "signal".
            # Counts of a few a period are lumpy and skewed (a centre of 0.3 is mostly zero
            # months, each "below the centre line"), so the rules' false-alarm rates fail.
            continue
        mean = float(chart.values[list(signal.points)].mean())
        sign = 1 if signal.direction is Direction.RISING else -1
        findings.append(
            Finding(
                group=group,
                rule=signal.rule,
                direction=signal.direction,
                first=chart.labels[signal.first],
                last=chart.labels[signal.last],
                value=mean,
                reference=segment.centre,
                strength=max(0.0, sign * (mean - segment.centre) / segment.sigma),
                detail=_describe(chart, signal, segment),
                ratio=mean / segment.centre if segment.centre > 0 else None,
            )
        )
    return findings


def _year_on_year(
    series: Series, window: int, alpha: float, method: TestMethod
) -> tuple[Change, str, str, str, str] | None:
    """The latest ``window`` periods against the same periods a year before, if the series
    reaches back that far and anything was counted."""
    lag = MONTHS_A_YEAR if series.freq == "month" else WEEKS_A_YEAR
    n = len(series)
    if n < lag + window:
        return None
    now = slice(n - window, n)
    then = slice(n - window - lag, n - lag)
    current, previous = int(series.counts[now].sum()), int(series.counts[then].sum())
    if current + previous == 0:
        return None
    exposure = (float(series.days[now].sum()), float(series.days[then].sum()))
    change = poisson_change(current, previous, exposure=exposure, alpha=alpha, method=method)
    labels = series.labels
    return change, labels[n - window], labels[n - 1], labels[n - window - lag], labels[n - 1 - lag]


def scan(
    series: Mapping[Hashable, Series],
    *,
    baseline: Baseline = Baseline(),
    rules: Rules = Rules(),
    floor_zero: bool = True,
    recent: int | None = 3,
    min_centre: float = 5.0,
    window: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
    method: TestMethod = "central",
) -> list[Finding]:
    """What is rising or falling beyond chance, across many series, strongest first.

    For each group's series:

    - its XmR chart (:func:`xmr` with ``baseline``, ``rules`` and ``floor_zero``) gives one
      finding per signal that reaches into the latest ``recent`` periods (None: any signal).
      Signals judged against a centre line below ``min_centre`` (5 a period) are left out:
      such counts are too lumpy and skewed for the rules (a run of empty months below a
      centre of 0.3 is what chance gives), and so are those judged against a flat baseline
      (mean moving range 0), whose limits have no width. The year-on-year test, exact at any
      count, still covers these series.
    - the latest ``window`` periods are tested against the same periods a year before (12
      months, or 52 ISO weeks) with :func:`poisson_change`, the days covered as exposure;
      series too short for that, or with nothing counted in either window, are not tested.
      With ``fdr`` the p-values of all the tests are adjusted by Benjamini–Hochberg and a
      change is reported when its adjusted p-value (``q_value``) is below ``alpha``, which
      keeps the expected share of false discoveries among the reported changes at most
      ``alpha``; without it, when its own p-value is below ``alpha``. Chart signals are not
      adjusted: their rules already fix a low false-alarm rate per chart.

    Findings are sorted by ``strength`` (standard deviations from what was expected: for a
    chart signal, its points' mean distance from the centre line in sigmas, in its direction;
    for the year-on-year test, the score statistic ``|x1 - E| / sqrt(n p (1 - p))``), then by
    group and rule.
    """
    if recent is not None and recent < 1:
        raise TrendError(f"recent == {recent}, must be >= 1 (or None for the whole series)")
    if window < 1:
        raise TrendError(f"window == {window}, must be >= 1 period")
    if not 0 < alpha < 1:
        raise TrendError(f"alpha == {alpha}, must be between 0 and 1")
    findings: list[Finding] = []
    tests: list[tuple[Hashable, Change, str, str, str, str]] = []
    for group, one in series.items():
        if not isinstance(one, Series):
            raise TrendError(f"the series of {group_label(group)} must be a Series")
        if len(one) >= 2:
            chart = xmr(one, baseline=baseline, rules=rules, floor_zero=floor_zero)
            findings += _chart_findings(group, chart, recent, min_centre)
        tested = _year_on_year(one, window, alpha, method)
        if tested is not None:
            tests.append((group, *tested))
    p_values = np.array([change.p_value for _, change, *_ in tests])
    q_values = benjamini_hochberg(p_values) if fdr else p_values
    for (group, change, first, last, then_first, then_last), q in zip(tests, q_values, strict=True):
        if q >= alpha or change.current == change.expected:
            continue
        direction = Direction.RISING if change.current > change.expected else Direction.FALLING
        now = first if first == last else f"{first} to {last}"
        then = then_first if then_first == then_last else f"{then_first} to {then_last}"
        interval = f"{_number(round(change.low, 2))} to " + (
            "no upper bound" if math.isinf(change.high) else f"{change.high:.2f}"
        )
        findings.append(
            Finding(
                group=group,
                rule=Rule.YEAR_ON_YEAR,
                direction=direction,
                first=first,
                last=last,
                value=float(change.current),
                reference=float(change.previous),
                strength=abs(change.z),
                detail=(
                    f"{change.current} in {now} against {change.previous} in {then}: rate ratio "
                    + ("infinite" if math.isinf(change.ratio) else f"{change.ratio:.2f}")
                    + f" ({100 * (1 - alpha):g}% interval {interval}), "
                    f"p = {change.p_value:.3g}" + (f", q = {float(q):.3g}" if fdr else "")
                ),
                ratio=change.ratio,
                low=change.low,
                high=change.high,
                p_value=change.p_value,
                q_value=float(q) if fdr else None,
            )
        )
    findings.sort(key=lambda f: (-f.strength, f.label, _RULE_ORDER[f.rule], f.first))
    return findings


# -- Drawing a chart --------------------------------------------------------------------------

RISING_COLOUR = "#d4351c"
FALLING_COLOUR = "#1d70b8"
POINT_COLOUR = "#505a5f"
LINE_COLOUR = "#0b0c0c"
GRID_COLOUR = "#e5e5e5"
BASELINE_FILL = "#f3f2f1"


def _px(value: float) -> str:
    """A pixel value to one decimal place, without a trailing ``.0``."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= raw))


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = _nice_step(high - low, count)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return [first + step * k for k in range(round((last - first) / step) + 1)]


def _tick_text(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _triangle(x: float, y: float, up: bool, size: float = 5.5) -> str:
    tip = -size if up else size
    return (
        f"M{_px(x)} {_px(y + tip)}L{_px(x + size)} {_px(y - tip * 0.8)}"
        f" {_px(x - size)} {_px(y - tip * 0.8)}Z"
    )


def _legend(y: float) -> list[tuple[str, str, float]]:
    """The legend's entries: a mark 18 px wide, its text and the width of the entry."""
    line = f'<line x1="0" y1="{_px(y)}" x2="18" y2="{_px(y)}" stroke="{LINE_COLOUR}" '
    return [
        (line + 'stroke-width="1.5"/>', "Centre line", 110),
        (line + 'stroke-width="1.5" stroke-dasharray="6 4"/>', "Process limits", 125),
        (f'<path d="{_triangle(9, y, True)}" fill="{RISING_COLOUR}"/>', "Rising signal", 120),
        (f'<path d="{_triangle(9, y, False)}" fill="{FALLING_COLOUR}"/>', "Falling signal", 120),
        (
            f'<rect x="0" y="{_px(y - 6)}" width="18" height="12" fill="{BASELINE_FILL}" '
            f'stroke="{GRID_COLOUR}"/>',
            "Baseline",
            90,
        ),
    ]


def describe_chart(chart: XmRChart) -> str:
    """A plain-language description of a chart, for screen readers and captions."""
    kind = {"month": "Monthly values", "week": "Weekly values", None: "Values"}[chart.freq]
    parts = [f"{kind} from {chart.labels[0]} to {chart.labels[-1]} ({len(chart)} points)."]
    for number, segment in enumerate(chart.segments):
        lead = (
            "Centre line"
            if number == 0
            else f"Recalculated from {chart.labels[segment.start]}: centre line"
        )
        parts.append(
            f"{lead} {_number(round(segment.centre, 1))}, process limits "
            f"{_number(round(segment.lower, 1))} to {_number(round(segment.upper, 1))}."
        )
    if not chart.signals:
        parts.append("No signals: the variation is what the process usually shows.")
    else:
        described = [
            f"{signal.direction} {signal.rule} at {chart.labels[signal.first]}"
            + (f" to {chart.labels[signal.last]}" if signal.last != signal.first else "")
            for signal in chart.signals
        ]
        count = len(chart.signals)
        parts.append(f"{count} signal{'s' if count != 1 else ''}: " + "; ".join(described) + ".")
    return " ".join(parts)


def xmr_svg(
    chart: XmRChart,
    *,
    title: str,
    description: str | None = None,
    y_label: str = "Count",
    x_label: str | None = None,
    width: float = 720,
    height: float = 320,
    id_prefix: str = "xmr",
) -> str:
    """An XmR chart as a standalone SVG string (no script, no style sheet needed).

    Drawn: the baseline periods shaded, the values as a line with a dot at each point, the
    centre line (solid) and process limits (dashed) of every segment, signal points as
    triangles (pointing up and red for rising, down and blue for falling, so colour is not the
    only cue), axes with labels and a legend. The root has ``role="img"`` and is labelled by a
    ``<title>`` and a ``<desc>`` (``description``, or :func:`describe_chart`); every point has
    its own ``<title>`` for a tooltip. Elements carry classes (``xmr-centre``, ``xmr-limit``,
    ``xmr-point``, ``xmr-signal rising``…) for pages that restyle them.
    """
    if width < 200 or height < 150:
        raise TrendError(f"width, height == {width}, {height}: must be at least 200 × 150 pixels")
    left, right, top, bottom = 64.0, 16.0, 36.0, 58.0
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(chart)
    step = plot_w / n
    upper, lower = chart.upper, chart.lower
    low = min(
        float(chart.values.min()), float(lower.min()), 0.0 if chart.values.min() >= 0 else math.inf
    )
    high = max(float(chart.values.max()), float(upper.max()))
    if high <= low:
        high = low + 1
    ticks = _ticks(low, high)
    y_min, y_max = ticks[0], ticks[-1]

    def x_at(index: float) -> float:
        return left + (index + 0.5) * step

    def y_at(value: float) -> float:
        return top + (y_max - value) / (y_max - y_min) * plot_h

    x_label = x_label or {"month": "Month", "week": "ISO week", None: "Point"}[chart.freq]
    desc = description or describe_chart(chart)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="xmr-chart" '
        f'viewBox="0 0 {_px(width)} {_px(height)}" width="{_px(width)}" height="{_px(height)}" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'font-family="Arial, sans-serif" font-size="12">',
        f'<title id="{id_prefix}-title">{_escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{_escape(desc)}</desc>',
    ]
    # Baseline periods, shaded behind everything else.
    for segment in chart.segments:
        x0 = left + segment.baseline_start * step
        out.append(
            f'<rect class="xmr-baseline" x="{_px(x0)}" y="{_px(top)}" '
            f'width="{_px((segment.baseline_stop - segment.baseline_start) * step)}" '
            f'height="{_px(plot_h)}" fill="{BASELINE_FILL}"/>'
        )
    # Value axis: grid lines and tick labels.
    out.append('<g class="xmr-axis y" aria-hidden="true">')
    for tick in ticks:
        y = y_at(tick)
        out.append(
            f'<line x1="{_px(left)}" y1="{_px(y)}" x2="{_px(left + plot_w)}" y2="{_px(y)}" '
            f'stroke="{GRID_COLOUR}"/>'
            f'<text x="{_px(left - 6)}" y="{_px(y + 4)}" '
            f'text-anchor="end">{_tick_text(tick)}</text>'
        )
    mid_y = top + plot_h / 2
    out.append(
        f'<text x="14" y="{_px(mid_y)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_px(mid_y)})">{_escape(y_label)}</text></g>'
    )
    # Period axis: at most about twelve labels.
    every = max(1, math.ceil(n / 12))
    base_y = top + plot_h
    out.append(
        f'<g class="xmr-axis x" aria-hidden="true"><line x1="{_px(left)}" y1="{_px(base_y)}" '
        f'x2="{_px(left + plot_w)}" y2="{_px(base_y)}" stroke="{LINE_COLOUR}"/>'
    )
    for index in range(0, n, every):
        x = x_at(index)
        out.append(
            f'<line x1="{_px(x)}" y1="{_px(base_y)}" x2="{_px(x)}" y2="{_px(base_y + 4)}" '
            f'stroke="{LINE_COLOUR}"/><text x="{_px(x)}" y="{_px(base_y + 17)}" '
            f'text-anchor="middle">{_escape(chart.labels[index])}</text>'
        )
    out.append(
        f'<text x="{_px(left + plot_w / 2)}" y="{_px(height - 10)}" '
        f'text-anchor="middle">{_escape(x_label)}</text></g>'
    )
    # Centre line and limits, one stretch per segment.
    out.append('<g class="xmr-lines" aria-hidden="true">')
    for segment in chart.segments:
        x0, x1 = left + segment.start * step, left + segment.stop * step
        for value, css, dash in (
            (segment.centre, "xmr-centre", ""),
            (segment.upper, "xmr-limit upper", ' stroke-dasharray="6 4"'),
            (segment.lower, "xmr-limit lower", ' stroke-dasharray="6 4"'),
        ):
            y = y_at(value)
            out.append(
                f'<line class="{css}" x1="{_px(x0)}" y1="{_px(y)}" x2="{_px(x1)}" '
                f'y2="{_px(y)}" stroke="{LINE_COLOUR}" stroke-width="1.5"{dash}/>'
            )
    out.append("</g>")
    # The values.
    points = " ".join(
        f"{_px(x_at(index))},{_px(y_at(float(value)))}" for index, value in enumerate(chart.values)
    )
    out.append(
        f'<polyline class="xmr-values" points="{points}" fill="none" stroke="{POINT_COLOUR}" '
        'stroke-width="1.5"/>'
    )
    flagged: dict[int, list[Signal]] = {}
    for signal in chart.signals:
        for index in signal.points:
            flagged.setdefault(index, []).append(signal)
    out.append('<g class="xmr-points">')
    for index, value in enumerate(chart.values):
        x, y = x_at(index), y_at(float(value))
        tip = f"{chart.labels[index]}: {_number(float(value))}"
        signals = flagged.get(index, [])
        if not signals:
            out.append(
                f'<circle class="xmr-point" cx="{_px(x)}" cy="{_px(y)}" r="3" '
                f'fill="{POINT_COLOUR}"><title>{_escape(tip)}</title></circle>'
            )
            continue
        # A point flagged both ways (a falling trend above the centre line) takes the way of
        # its first signal; the tooltip lists them all.
        rising = signals[0].direction is Direction.RISING
        rules = ", ".join(f"{signal.direction} {signal.rule}" for signal in signals)
        out.append(
            f'<path class="xmr-signal {"rising" if rising else "falling"}" '
            f'd="{_triangle(x, y, rising)}" fill="{RISING_COLOUR if rising else FALLING_COLOUR}">'
            f"<title>{_escape(f'{tip} (signal: {rules})')}</title></path>"
        )
    out.append("</g>")
    # Legend, above the plot: as many entries as fit across.
    out.append(f'<g class="xmr-legend" aria-hidden="true" transform="translate({_px(left)} 0)">')
    offset = 0.0
    for mark, text, span in _legend(16.0):
        if left + offset + span > width:
            break
        out.append(
            f'<g transform="translate({_px(offset)} 0)">{mark}<text x="24" y="20">{text}</text></g>'
        )
        offset += span
    out.append("</g></svg>")
    return "".join(out)
