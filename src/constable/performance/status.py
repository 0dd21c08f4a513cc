"""Status against target: on track, at risk or off track, and whether a change is real.

For each measure of a plan and a quarter (``constable plan status FILE --quarter 2017Q3``):

1. **The value** of the measure for the quarter, and **the change** on the same quarter a year
   before, tested before it is called a rise or a fall (:func:`compare`).
2. **SPC signals** (:mod:`constable.analysis.trends`): an XmR chart of the 24 months to the
   quarter's end, with the "Making Data Count" rules; signals that touch the quarter are
   reported.
3. **Each target**, judged on its period so far (:func:`target_status`): the value so far, a
   projection to the end of the target's period with a 95% interval (:func:`project`), and the
   rule of :func:`judge`:

   - **on track**: every value in the interval meets the target;
   - **off track**: no value in the interval meets it;
   - **at risk**: the interval holds values that meet it and values that miss it.

   Without an interval (amounts, levels, values with no counts behind them) the value alone
   decides between on track and off track, and the statement says so.

Every figure carries a plain-English statement of how it was decided. docs/plan.md gives the
rules with examples.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from scipy import stats
from sqlalchemy.orm import Session

from constable.analysis import trends
from constable.community.service import Period
from constable.force.models import District, Force
from constable.performance.measures import (
    FORCE_AREA,
    Measure,
    Value,
    compute,
    days,
    get_measure,
    months_before,
    prefetch,
    shift_years,
)
from constable.performance.plan import (
    Plan,
    PlanLine,
    Target,
    describe_target,
    format_value,
    target_value,
)

ALPHA = 0.05
"""Tests are two-sided at 5%; intervals are 95%."""

SPC_MONTHS = 24
"""Months in the XmR chart of a measure (ending with the quarter's last month)."""

FISHER_BELOW = 5
"""A change in a share is tested with Fisher's exact test when any expected cell of its 2×2
table is below this; otherwise with the two-proportion z test."""


class Status(StrEnum):
    """Where a target (or a measure) stands."""

    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    NOT_STARTED = "not started"
    NO_DATA = "no data"
    NO_TARGET = "no target"


class Assessment(StrEnum):
    """A change read against the direction the measure should go."""

    IMPROVED = "improved"
    STABLE = "stable"
    DETERIORATED = "deteriorated"
    NOT_JUDGED = "not judged"
    NOT_TESTED = "not tested"


NOT_TESTED = "not tested"
"""The verdict of a change that could not be tested (no counts behind the values)."""


# -- Intervals --------------------------------------------------------------------------------


def poisson_interval(count: int, *, alpha: float = ALPHA) -> tuple[float, float]:
    """The exact (Garwood) interval for the mean of a Poisson count: ``chi2(alpha/2, 2n) / 2``
    to ``chi2(1 - alpha/2, 2n + 2) / 2`` (0 below when the count is 0)."""
    if count < 0:
        raise ValueError(f"count == {count}, must be >= 0")
    low = 0.0 if count == 0 else float(stats.chi2.ppf(alpha / 2, 2 * count)) / 2
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    return low, high


def wilson_interval(
    successes: float, trials: float, *, alpha: float = ALPHA
) -> tuple[float, float]:
    """The Wilson score interval for a share ``successes / trials``."""
    if trials <= 0:
        raise ValueError(f"trials == {trials}, must be > 0")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes == {successes}, must be between 0 and trials ({trials})")
    z = float(stats.norm.ppf(1 - alpha / 2))
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z
        * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
        / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


# -- Projection and the rule ------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """The value a measure is expected to have at the end of a target's period.

    ``method``: ``final`` (the period is over and the value is exact), ``poisson`` (an exact
    Poisson interval on the count so far, scaled to the whole period), ``wilson`` (a Wilson
    interval on the share so far), ``point`` (no interval), ``none`` (no value).
    """

    value: float | None
    low: float | None
    high: float | None
    method: str
    elapsed_days: int
    total_days: int
    explanation: str

    @property
    def complete(self) -> bool:
        """Whether the whole period has been measured."""
        return self.elapsed_days >= self.total_days

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "method": self.method,
            "elapsed_days": self.elapsed_days,
            "total_days": self.total_days,
            "complete": self.complete,
            "explanation": self.explanation,
        }


def project(
    value: Value, measure: Measure, *, total_days: int, label: str, alpha: float = ALPHA
) -> Projection:
    """Project ``value`` (measured over its ``covered_days``) to a period of ``total_days``.

    - counts and rates: the count so far × total days / days so far; the interval is the exact
      Poisson interval of the count, scaled the same way. Once the period is over, the count is
      final and exact.
    - amounts: scaled the same way, with no interval (an amount is not a count of events).
    - shares: the share so far stands for the period, with its Wilson interval (a census share
      becomes exact when the period is over; a survey's share keeps its sampling interval).
    - levels: not projected; the latest value is compared, with a Wilson interval only for a
      survey share with its respondents.
    """
    unit = measure.unit
    elapsed = value.covered_days or 0
    confidence = f"{1 - alpha:.0%}"

    def fmt(x: float) -> str:
        return format_value(x, unit)

    if value.value is None or elapsed == 0:
        return Projection(None, None, None, "none", elapsed, total_days, "There is no value yet.")
    complete = elapsed >= total_days
    factor = 1.0 if complete else total_days / elapsed
    point = value.value
    if measure.kind in ("count", "rate", "amount"):
        point = value.value * factor
        if complete:
            return Projection(
                point,
                point,
                point,
                "final",
                elapsed,
                total_days,
                f"{label} is over: the final figure is {fmt(point)}.",
            )
        if measure.kind == "amount" or value.count is None:
            return Projection(
                point,
                point,
                point,
                "point",
                elapsed,
                total_days,
                f"At the same daily rate, {label} would end at {fmt(point)} (no interval: "
                "there is no count of events behind this figure).",
            )
        low, high = poisson_interval(value.count, alpha=alpha)
        # A rate is a count per 1,000 of its exposure (the residents).
        scale = 1000 / value.exposure if measure.kind == "rate" and value.exposure else 1.0
        low, high = low * scale * factor, high * scale * factor
        return Projection(
            point,
            low,
            high,
            "poisson",
            elapsed,
            total_days,
            f"At the same daily rate, {label} would end at {fmt(point)} ({confidence} interval "
            f"{fmt(low)} to {fmt(high)}: an exact Poisson interval on the {value.count:,} "
            f"counted in {elapsed} of its {total_days} days, scaled to the whole period).",
        )
    has_sample = value.numerator is not None and bool(value.denominator)
    sampled_share = unit == "share" and has_sample and (measure.sampled or not complete)
    if measure.kind == "share" and sampled_share:
        low, high = wilson_interval(
            float(value.numerator or 0), float(value.denominator or 0), alpha=alpha
        )
        what = (
            f"the survey's {value.denominator:,.0f} respondents"
            if measure.sampled
            else f"{value.numerator:,.0f} of {value.denominator:,.0f} so far"
        )
        lead = (
            f"{label} is over: the survey's share is {fmt(point)}"
            if complete
            else f"The share so far stands for {label}: {fmt(point)}"
        )
        return Projection(
            point,
            low,
            high,
            "wilson",
            elapsed,
            total_days,
            f"{lead} ({confidence} Wilson interval {fmt(low)} to {fmt(high)}, from {what}).",
        )
    if measure.kind == "share":
        method, text = (
            ("final", f"{label} is over: the final share is {fmt(point)}.")
            if complete
            else (
                "point",
                f"The share so far stands for {label}: {fmt(point)} (no interval: no numerator "
                "and denominator were given).",
            )
        )
        return Projection(point, point, point, method, elapsed, total_days, text)
    # levels
    if measure.sampled and unit == "share" and has_sample:
        low, high = wilson_interval(
            float(value.numerator or 0), float(value.denominator or 0), alpha=alpha
        )
        return Projection(
            point,
            low,
            high,
            "wilson",
            elapsed,
            total_days,
            f"A level is not projected: the latest value, {fmt(point)}, is compared "
            f"({confidence} Wilson interval {fmt(low)} to {fmt(high)} from the survey's "
            f"{value.denominator:,.0f} respondents).",
        )
    return Projection(
        point,
        point,
        point,
        "point",
        elapsed,
        total_days,
        f"A level is not projected: the latest value, {fmt(point)}, is compared with the "
        "target (no interval: it is a headcount or a published figure, not a sample).",
    )


def meets(value: float, threshold: float, *, higher: bool) -> bool:
    """Whether ``value`` meets a target met at or above (``higher``) or at or below
    ``threshold``."""
    return value >= threshold if higher else value <= threshold


def judge(projection: Projection, threshold: float, *, higher: bool) -> tuple[Status, str]:
    """The status of a projection against a threshold, and why (the module's rule).

    - no value: no data;
    - every value in the interval meets the threshold: on track;
    - none does: off track;
    - otherwise (the threshold lies inside the interval): at risk.

    A projection with no interval (low = high) is on track or off track on its value alone.
    """
    if projection.value is None or projection.low is None or projection.high is None:
        return Status.NO_DATA, "there is no value to judge"
    low_meets = meets(projection.low, threshold, higher=higher)
    high_meets = meets(projection.high, threshold, higher=higher)
    point_meets = meets(projection.value, threshold, higher=higher)
    interval = projection.low != projection.high
    if low_meets and high_meets:
        why = (
            "the whole interval meets it, so on track"
            if interval
            else f"{'the final' if projection.method == 'final' else 'the'} value meets it, so "
            f"on track{'' if projection.method == 'final' else ' (judged on the value alone)'}"
        )
        return Status.ON_TRACK, why
    if not low_meets and not high_meets:
        why = (
            "the whole interval misses it, so off track"
            if interval
            else f"{'the final' if projection.method == 'final' else 'the'} value misses it, so "
            f"off track{'' if projection.method == 'final' else ' (judged on the value alone)'}"
        )
        return Status.OFF_TRACK, why
    side = (
        "the projection meets it, but the interval holds values that miss it"
        if point_meets
        else "the projection misses it, but by no more than chance could explain"
    )
    return Status.AT_RISK, f"{side}, so at risk"


# -- Change -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeTest:
    """A value against an earlier one: the test, the verdict, and what it means."""

    current: Value
    previous: Value
    method: str
    p_value: float | None
    ratio: float | None
    verdict: str
    assessment: Assessment
    statement: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "current": self.current.value,
            "previous": self.previous.value,
            "previous_period": self.previous.period.label,
            "method": self.method,
            "p_value": self.p_value,
            "ratio": _finite(self.ratio),
            "verdict": self.verdict,
            "assessment": str(self.assessment),
            "statement": self.statement,
        }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def proportion_change(
    x1: float, n1: float, x2: float, n2: float, *, alpha: float = ALPHA
) -> tuple[str, float, str]:
    """Whether share ``x1/n1`` differs from ``x2/n2``: (method, two-sided p-value, verdict).

    The two-proportion z test with the pooled share; when any expected cell of the 2×2 table is
    below :data:`FISHER_BELOW`, Fisher's exact test. The verdict is rising or falling when
    p < alpha, else no significant change.
    """
    a, b = round(x1), round(x2)
    m, n = round(n1), round(n2)
    if m <= 0 or n <= 0:
        raise ValueError("both shares need a denominator > 0")
    pooled = (a + b) / (m + n)
    expected = [m * pooled, m * (1 - pooled), n * pooled, n * (1 - pooled)]
    if min(expected) < FISHER_BELOW:
        method = "Fisher's exact test"
        p = float(stats.fisher_exact([[a, m - a], [b, n - b]]).pvalue)
    else:
        method = "two-proportion z test"
        se = math.sqrt(pooled * (1 - pooled) * (1 / m + 1 / n))
        z = (a / m - b / n) / se if se > 0 else 0.0
        p = float(2 * stats.norm.sf(abs(z)))
    verdict = str(trends.Verdict.NO_CHANGE)
    if p < alpha:
        verdict = str(trends.Verdict.RISING if a / m > b / n else trends.Verdict.FALLING)
    return method, min(p, 1.0), verdict


def assess(verdict: str, better: str) -> Assessment:
    """Improved, stable or deteriorated: a significant rise or fall read against the direction
    the measure should go (not judged when neither is better)."""
    if verdict == NOT_TESTED:
        return Assessment.NOT_TESTED
    if verdict == trends.Verdict.NO_CHANGE:
        return Assessment.STABLE
    if better == "neither":
        return Assessment.NOT_JUDGED
    good = (verdict == trends.Verdict.RISING) == (better == "higher")
    return Assessment.IMPROVED if good else Assessment.DETERIORATED


def compare(
    current: Value, previous: Value, measure: Measure, *, alpha: float = ALPHA
) -> ChangeTest:
    """Test ``current`` against ``previous`` before calling it a rise or a fall.

    - counts: the exact conditional test of two Poisson rates (:func:`trends.poisson_change`),
      with the days each value covers as exposures;
    - rates: the same test on the counts, with person-days as exposures;
    - shares with numerators and denominators: :func:`proportion_change`;
    - anything else (amounts, levels, figures with no counts): not tested; the difference is
      reported as it is and called neither a rise nor a fall.
    """
    unit = measure.unit

    def fmt(x: float | None) -> str:
        return format_value(x, unit)

    head = (
        f"{current.period.label}: {fmt(current.value)}; {previous.period.label}: "
        f"{fmt(previous.value)}"
    )
    if current.value is None or previous.value is None:
        missing = current if current.value is None else previous
        return ChangeTest(
            current,
            previous,
            "none",
            None,
            None,
            NOT_TESTED,
            Assessment.NOT_TESTED,
            f"{head}. Not tested: there is no value for {missing.period.label}.",
        )
    method, p_value, ratio, verdict = "none", None, None, NOT_TESTED
    if (
        measure.kind in ("count", "rate")
        and current.count is not None
        and previous.count is not None
        and current.covered_days
        and previous.covered_days
    ):
        exposure = (float(current.covered_days), float(previous.covered_days))
        if measure.kind == "rate":
            exposure = (
                exposure[0] * float(current.exposure or 1),
                exposure[1] * float(previous.exposure or 1),
            )
        change = trends.poisson_change(
            current.count, previous.count, exposure=exposure, alpha=alpha
        )
        method = "exact test of the ratio of two Poisson rates"
        p_value, ratio, verdict = change.p_value, change.ratio, str(change.verdict)
    elif (
        unit == "share"
        and current.numerator is not None
        and current.denominator
        and previous.numerator is not None
        and previous.denominator
    ):
        method, p_value, verdict = proportion_change(
            current.numerator,
            current.denominator,
            previous.numerator,
            previous.denominator,
            alpha=alpha,
        )
        ratio = (current.value / previous.value) if previous.value else None
    assessment = assess(verdict, measure.better)
    if verdict == NOT_TESTED:
        statement = (
            f"{head}. Not tested: there are no counts behind these figures, so the difference "
            "is not called a rise or a fall."
        )
    else:
        significance = (
            f"a {verdict} unlikely to be chance (p = {p_value:.3g}, {method})"
            if verdict != trends.Verdict.NO_CHANGE
            else f"no significant change (p = {p_value:.3g}, {method})"
        )
        meaning = {
            Assessment.IMPROVED: "improved",
            Assessment.DETERIORATED: "deteriorated",
            Assessment.STABLE: "stable",
            Assessment.NOT_JUDGED: "neither direction is better for this measure",
        }[assessment]
        statement = f"{head}: {significance}; {meaning}."
    return ChangeTest(current, previous, method, p_value, ratio, verdict, assessment, statement)


# -- SPC --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spc:
    """The XmR chart of a measure's monthly values and the signals that touch the quarter."""

    chart: trends.XmRChart
    recent: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the chart (labels, values, segments, signals) and the recent
        signals in words."""
        return {**self.chart.as_dict(), "recent": list(self.recent)}


RULE_WORDS = {
    trends.Rule.BEYOND_LIMIT: "a month beyond the process limits",
    trends.Rule.RUN: "a run of months on one side of the centre line",
    trends.Rule.TREND: "months each {direction} on the one before",
    trends.Rule.TWO_OF_THREE: "two of three months beyond two sigma",
}


def _signal_words(signal: trends.Signal, labels: tuple[str, ...]) -> str:
    direction = "higher" if signal.direction == trends.Direction.RISING else "lower"
    what = RULE_WORDS.get(signal.rule, str(signal.rule)).format(direction=direction)
    span = (
        labels[signal.first]
        if signal.first == signal.last
        else f"{labels[signal.first]} to {labels[signal.last]}"
    )
    return f"{what} ({signal.direction}, {span})"


def spc(values: list[Value], *, recent_months: int = 3) -> Spc | None:
    """The XmR chart of monthly ``values`` (default "Making Data Count" rules), or None when a
    month has no value. Signals with a point in the last ``recent_months`` are listed in words.
    """
    if len(values) < 2 or any(v.value is None for v in values):
        return None
    labels = tuple(v.period.label for v in values)
    chart = trends.xmr([float(v.value or 0) for v in values], labels=labels)
    first_recent = len(values) - recent_months
    recent = tuple(_signal_words(s, labels) for s in chart.signals if s.last >= first_recent)
    return Spc(chart, recent)


# -- Targets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetStatus:
    """A target judged at the end of a quarter."""

    target: Target
    text: str
    period: Period
    status: Status
    statement: str
    so_far: Value | None = None
    baseline: float | None = None
    threshold: float | None = None
    projection: Projection | None = None
    change_from_baseline: ChangeTest | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "target": self.target.model_dump(mode="json"),
            "text": self.text,
            "period": self.period.label,
            "status": str(self.status),
            "statement": self.statement,
            "so_far": self.so_far.as_dict() if self.so_far else None,
            "baseline": self.baseline,
            "threshold": self.threshold,
            "projection": self.projection.as_dict() if self.projection else None,
            "change_from_baseline": (
                self.change_from_baseline.as_dict() if self.change_from_baseline else None
            ),
        }


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _span(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, f"{_day(start)} to {_day(end - dt.timedelta(days=1))}")


ADDITIVE = ("count", "amount", "rate")
"""Kinds whose values add up over time: a baseline of another length is scaled by days."""


def target_status(
    *,
    session: Session,
    force: Force,
    measure: Measure,
    target: Target,
    as_of: Period,
    district: District | None = None,
    cache: dict[Any, Any] | None = None,
    alpha: float = ALPHA,
) -> TargetStatus:
    """Judge ``target`` at the end of ``as_of`` (a quarter) for the force or a district.

    The target's period (``target.span``) is measured from its start to the end of ``as_of``
    (or to its own end if that came first), projected to its end (:func:`project`) and judged
    against the threshold (:func:`judge`). A change target's threshold is the baseline's value
    ± the change: the baseline as given in the plan, else measured over the baseline period
    (scaled by days for counts and amounts when its length differs). A measured baseline is
    also tested against the value so far over the same number of days from its start.
    """
    unit = measure.unit
    span = target.span
    text = describe_target(target, unit)
    if as_of.end <= span.start:
        return TargetStatus(
            target,
            text,
            span,
            Status.NOT_STARTED,
            f"Not started: the target is measured over {span.label}, from {_day(span.start)}.",
        )
    upto = min(span.end, as_of.end)
    so_far = compute(
        session=session,
        force=force,
        name=measure.name,
        period=_span(span.start, upto),
        district=district,
        cache=cache,
    )
    projection = project(so_far, measure, total_days=days(span), label=span.label, alpha=alpha)
    where = "" if district is None else f" ({district.name})"
    measured = (
        f"So far{where} ({so_far.period.label}): {format_value(so_far.value, unit)}"
        + (
            f" ({so_far.numerator:,.0f} of {so_far.denominator:,.0f})"
            if unit == "share" and so_far.numerator is not None and so_far.denominator
            else ""
        )
        + "."
    )
    if so_far.value is None:
        why = f" ({so_far.note})" if so_far.note else ""
        return TargetStatus(
            target,
            text,
            span,
            Status.NO_DATA,
            f"No data: {measure.label} has no value for {so_far.period.label}{why}.",
            so_far=so_far,
            projection=projection,
        )
    base: float | None = None
    change: ChangeTest | None = None
    if target.kind == "change":
        assert target.baseline is not None  # checked when the plan was loaded
        base_span = target.baseline.span
        if target.baseline.value is not None:
            base = target.baseline.value / 100 if unit == "share" else target.baseline.value
            base_words = f"the plan's baseline for {base_span.label}, {format_value(base, unit)}"
        else:
            measured_base = compute(
                session=session,
                force=force,
                name=measure.name,
                period=base_span,
                district=district,
                cache=cache,
            )
            if measured_base.value is None:
                return TargetStatus(
                    target,
                    text,
                    span,
                    Status.NO_DATA,
                    f"{measured} No data for the baseline: {measure.label} has no value for "
                    f"{base_span.label}; give baseline.value in the plan or import it.",
                    so_far=so_far,
                    projection=projection,
                )
            base = measured_base.value
            base_words = f"{base_span.label}'s value, {format_value(base, unit)}"
            same_days = _span(
                base_span.start,
                min(base_span.end, base_span.start + (upto - span.start)),
            )
            earlier = compute(
                session=session,
                force=force,
                name=measure.name,
                period=same_days,
                district=district,
                cache=cache,
            )
            change = compare(so_far, earlier, measure, alpha=alpha)
        if base == 0:
            return TargetStatus(
                target,
                text,
                span,
                Status.NO_DATA,
                f"{measured} The baseline for {base_span.label} is 0: a change in per cent from "
                "0 is not defined.",
                so_far=so_far,
                baseline=base,
                projection=projection,
                change_from_baseline=change,
            )
        if measure.kind in ADDITIVE and days(base_span) != days(span):
            base = base * days(span) / days(base_span)
            base_words += f" (scaled to {days(span)} days: {format_value(base, unit)})"
        sign = 1 if target.direction == "increase" else -1
        threshold = base * (1 + sign * target.value / 100)
        aim = (
            f"The target is to {target.direction} by {target.value:g}% on {base_words}: "
            f"{'at least' if target.higher else 'at most'} {format_value(threshold, unit)}"
        )
    else:
        threshold = target_value(target, unit)
        aim = f"The target is {text}"
    status, why = judge(projection, threshold, higher=target.higher)
    statement = f"{measured} {projection.explanation} {aim}: {why}."
    if change is not None:
        statement += f" Against the same days of the baseline: {change.statement}"
    return TargetStatus(
        target,
        text,
        span,
        status,
        statement,
        so_far=so_far,
        baseline=base,
        threshold=threshold,
        projection=projection,
        change_from_baseline=change,
    )


def headline(statuses: list[TargetStatus], as_of: Period) -> TargetStatus | None:
    """The target that sets a measure's status: among the targets that have started, those that
    are not stretch targets (else the stretch ones); of them, one still running (the earliest
    due), else the one due last. None when no target has started."""
    started = [s for s in statuses if s.status != Status.NOT_STARTED]
    if not started:
        return None
    plain = [s for s in started if s.target.level != "stretch"] or started
    running = [s for s in plain if s.period.end > as_of.end]
    if running:
        return min(running, key=lambda s: s.target.due)
    return max(plain, key=lambda s: s.target.due)


# -- A plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureStatus:
    """One measure of a plan at the end of a quarter."""

    line: PlanLine
    measure: Measure
    area: str
    value: Value
    change: ChangeTest
    spc: Spc | None
    targets: tuple[TargetStatus, ...]
    status: Status
    statement: str
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "key": self.line.key,
            "path": self.line.path,
            "priority": {"key": self.line.priority.key, "title": self.line.priority.title},
            "objective": {"key": self.line.objective.key, "title": self.line.objective.title},
            "measure": self.measure.name,
            "label": self.line.item.label,
            "unit": self.measure.unit,
            "better": self.measure.better,
            "area": self.area,
            "owner": self.line.owner,
            "value": self.value.as_dict(),
            "change": self.change.as_dict(),
            "spc": self.spc.as_dict() if self.spc else None,
            "targets": [t.as_dict() for t in self.targets],
            "status": str(self.status),
            "statement": self.statement,
            "note": self.note,
        }


@dataclass(frozen=True)
class PlanStatus:
    """Every measure of a plan at the end of a quarter, for the force or a district."""

    plan: Plan
    force: str
    quarter: Period
    district: str | None
    measures: tuple[MeasureStatus, ...] = field(default_factory=tuple)

    @property
    def counts(self) -> dict[str, int]:
        """How many measures have each status."""
        found = Counter(str(m.status) for m in self.measures)
        return {str(s): found.get(str(s), 0) for s in Status}

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "plan": self.plan.name,
            "force": self.force,
            "quarter": self.quarter.label,
            "start": self.quarter.start.isoformat(),
            "end": self.quarter.last_day.isoformat(),
            "district": self.district,
            "counts": self.counts,
            "measures": [m.as_dict() for m in self.measures],
        }


def measure_status(
    *,
    session: Session,
    force: Force,
    line: PlanLine,
    quarter: Period,
    district: District | None = None,
    cache: dict[Any, Any] | None = None,
    alpha: float = ALPHA,
    with_spc: bool = True,
) -> MeasureStatus:
    """One plan measure at the end of ``quarter``: its value, change on a year before, SPC
    signals, and its targets.

    ``district`` is where it is measured: the line's own district, or (``plan status
    --district``) a district a force-wide line is shown for. A force-wide target is applied to a
    district only for a share (a share holds for each part); other targets are the force's.
    """
    measure = line.item.definition
    area = district.slug if district is not None else FORCE_AREA
    value = compute(
        session=session,
        force=force,
        name=measure.name,
        period=quarter,
        district=district,
        cache=cache,
    )
    earlier = compute(
        session=session,
        force=force,
        name=measure.name,
        period=shift_years(quarter, -1),
        district=district,
        cache=cache,
    )
    change = compare(value, earlier, measure, alpha=alpha)
    chart = None
    if with_spc and measure.kind in ("count", "rate", "share") and value.value is not None:
        months = months_before(quarter.end, SPC_MONTHS)
        monthly = [
            compute(
                session=session,
                force=force,
                name=measure.name,
                period=m,
                district=district,
                cache=cache,
            )
            for m in months
        ]
        chart = spc(monthly, recent_months=len(quarter.months()))
    note = line.item.note
    targets = list(line.item.targets)
    if (
        district is not None
        and line.item.area == FORCE_AREA
        and targets
        and measure.unit != "share"
    ):
        targets = []
        note = "The plan's targets for this measure are the force's, not a district's."
    judged = tuple(
        target_status(
            session=session,
            force=force,
            measure=measure,
            target=t,
            as_of=quarter,
            district=district,
            cache=cache,
            alpha=alpha,
        )
        for t in targets
    )
    top = headline(list(judged), quarter)
    parts: list[str] = []
    if not judged:
        status = Status.NO_TARGET
        parts.append("No target: the measure reports its direction and significance.")
    elif top is None:
        status = Status.NOT_STARTED
        parts.append(judged[0].statement)
    else:
        status = top.status
        parts.append(f"{str(status).capitalize()}. Target: {top.text}. {top.statement}")
    parts.append(f"On a year before: {change.statement}")
    if chart is not None:
        parts.append(
            "SPC (XmR, 24 months): "
            + ("; ".join(chart.recent) if chart.recent else "no signal in the quarter")
            + "."
        )
    return MeasureStatus(
        line,
        measure,
        area,
        value,
        change,
        chart,
        judged,
        status,
        " ".join(parts),
        note,
    )


def plan_status(
    *,
    session: Session,
    force: Force,
    plan: Plan,
    quarter: Period,
    district: District | None = None,
    alpha: float = ALPHA,
    with_spc: bool = True,
    parallel: bool = True,
) -> PlanStatus:
    """Every measure of ``plan`` at the end of ``quarter``.

    For the force: each line for its own area. For a ``district``: the lines for that district
    and every force-wide line measured for the district (see :func:`measure_status`); lines
    for other districts are left out.

    With ``parallel`` (the default), the families of store measures the plan names are first
    counted two at a time in sessions of their own
    (:func:`~constable.performance.measures.prefetch`): they see committed records only, so
    commit before asking, or pass ``False`` to count everything in ``session``.
    """
    cache: dict[Any, Any] = {}
    if parallel:
        families = {get_measure(line.item.measure).family for line in plan.lines()}
        prefetch(
            session=session,
            force=force,
            period=quarter,
            cache=cache,
            families=sorted(f for f in families if f is not None),
        )
    slugs = {d.slug: d for d in force.districts}
    found: list[MeasureStatus] = []
    for line in plan.lines():
        area = line.item.area
        if district is not None and area not in (FORCE_AREA, district.slug):
            continue
        where = (
            district if district is not None else (slugs.get(area) if area != FORCE_AREA else None)
        )
        if area != FORCE_AREA and where is None:
            continue  # the plan was checked against the force's configuration
        found.append(
            measure_status(
                session=session,
                force=force,
                line=line,
                quarter=quarter,
                district=where,
                cache=cache,
                alpha=alpha,
                with_spc=with_spc,
            )
        )
    return PlanStatus(plan, force.name, quarter, district.slug if district else None, tuple(found))
