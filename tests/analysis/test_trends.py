"""Trends: count series, XmR limits and rules, the Poisson test, the scan and the SVG chart."""

from __future__ import annotations

import datetime as dt
import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from scipy import stats

from constable.analysis.trends import (
    LIMIT_FACTOR,
    WESTERN_ELECTRIC,
    Baseline,
    Direction,
    Rule,
    Rules,
    Series,
    TrendError,
    Verdict,
    benjamini_hochberg,
    count_series,
    describe_chart,
    grouped_series,
    monthly_counts,
    poisson_change,
    scan,
    weekly_counts,
    xmr,
    xmr_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def monthly(counts: list[int], start: str = "2016-01") -> Series:
    """A monthly series with these counts, from ``start``."""
    first = np.datetime64(start, "M")
    dates = np.repeat(first + np.arange(len(counts)), counts).astype("datetime64[D]")
    end = (first + len(counts)).astype("datetime64[D]") - 1
    return monthly_counts(dates, start=first.astype("datetime64[D]"), end=end)


def signals_of(values: list[float], rules: Rules = Rules(), **kwargs: object) -> set[tuple]:
    chart = xmr(values, rules=rules, **kwargs)  # type: ignore[arg-type]
    return {(s.rule, s.points, s.direction) for s in chart.signals}


# -- Series -----------------------------------------------------------------------------------


def test_monthly_counts_fill_empty_months_with_zero_and_drop_dates_outside() -> None:
    dates = ["2016-01-31", "2016-01-01", "2016-03-15", "2015-12-31", "2016-04-01"]
    series = monthly_counts(dates, start=dt.date(2016, 1, 1), end=dt.date(2016, 3, 31))
    assert series.labels == ["2016-01", "2016-02", "2016-03"]
    assert series.counts.tolist() == [2, 0, 1]
    assert series.days.tolist() == [31, 29, 31]  # 2016 is a leap year


def test_the_window_defaults_to_whole_periods_around_the_dates() -> None:
    series = monthly_counts(np.array(["2017-02-10", "2017-04-20"], dtype="datetime64[D]"))
    assert series.labels == ["2017-02", "2017-03", "2017-04"]
    assert series.counts.tolist() == [1, 0, 1]
    assert series.days.tolist() == [28, 31, 30]


def test_a_window_that_cuts_a_period_counts_only_its_days() -> None:
    series = monthly_counts(["2017-01-20"], start="2017-01-15", end="2017-02-10")
    assert series.counts.tolist() == [1, 0]
    assert series.days.tolist() == [17, 10]


def test_weeks_are_iso_weeks_from_monday() -> None:
    # 2017-01-01 was a Sunday: the last day of ISO week 2016-W52.
    dates = [dt.date(2017, 1, 1), dt.datetime(2017, 1, 2, 23, 59), np.datetime64("2017-01-15")]
    series = weekly_counts(dates)
    assert series.labels == ["2016-W52", "2017-W01", "2017-W02"]
    assert [str(s) for s in series.starts] == ["2016-12-26", "2017-01-02", "2017-01-09"]
    assert series.counts.tolist() == [1, 1, 1]
    assert series.days.tolist() == [7, 7, 7]


def test_dates_of_any_kind_give_the_same_series() -> None:
    as_text = ["2017-05-03", "2017-06-30", "2017-06-01"]
    as_ns = np.array(["2017-05-03T10:00", "2017-06-30T23:59", "2017-06-01T00:00"], "datetime64[ns]")
    as_dates = [dt.date(2017, 5, 3), dt.date(2017, 6, 30), dt.date(2017, 6, 1)]
    expected = count_series(as_text).counts.tolist()
    assert expected == [1, 2]
    assert count_series(as_ns).counts.tolist() == expected
    assert count_series(as_dates).counts.tolist() == expected


def test_grouped_series_share_periods_and_include_named_empty_groups() -> None:
    dates = ["2017-01-05", "2017-01-06", "2017-03-01", "2017-03-09", "2017-02-02"]
    districts = ["Dover", "Ashford", "Dover", "Dover", "Ashford"]
    types = ["burglary", "burglary", "burglary", "robbery", "burglary"]
    by_district = grouped_series(dates, districts, groups=["Swale"])
    assert list(by_district) == ["Ashford", "Dover", "Swale"]
    assert by_district["Dover"].counts.tolist() == [1, 0, 2]
    assert by_district["Swale"].counts.tolist() == [0, 0, 0]
    assert by_district["Ashford"].labels == ["2017-01", "2017-02", "2017-03"]
    by_both = grouped_series(dates, districts, types)
    assert by_both[("Dover", "burglary")].counts.tolist() == [1, 0, 1]
    assert by_both[("Dover", "robbery")].counts.tolist() == [0, 0, 1]
    total = sum(series.counts.sum() for series in by_both.values())
    assert total == len(dates)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: count_series(["2017-01-01", "NaT"]), r"dates\[1\] is missing"),
        (lambda: count_series(["not a date"]), "must be dates"),
        (lambda: count_series([], start="2017-02-01"), "no dates and no end"),
        (lambda: count_series(["2017-01-01"], start="2017-03-01", end="2017-02-01"), "before"),
        (lambda: count_series(["2017-01-01"], freq="day"), "must be 'month' or 'week'"),  # type: ignore[arg-type]
        (lambda: grouped_series(["2017-01-01"], ["a", "b"]), "one per date"),
        (lambda: grouped_series(["2017-01-01"]), "at least one column"),
    ],
)
def test_bad_series_input_is_refused_with_a_clear_message(call: object, message: str) -> None:
    """Bad dates or windows raise TrendError naming the problem."""
    with pytest.raises(TrendError, match=message):
        call()  # type: ignore[operator]


def test_an_empty_window_is_a_series_of_zeros() -> None:
    series = count_series([], start="2017-01-01", end="2017-03-31")
    assert series.counts.tolist() == [0, 0, 0]


# -- XmR limits -------------------------------------------------------------------------------

TEN = [5, 7, 6, 8, 4, 6, 7, 5, 6, 9]
# Mean 63 / 10 = 6.3. Moving ranges 2, 1, 2, 4, 2, 1, 2, 1, 3: mean 18 / 9 = 2.0.
# Limits 6.3 ± 2.66 × 2.0 = 0.98 and 11.62.


def test_xmr_limits_on_ten_points_by_hand() -> None:
    chart = xmr(TEN)
    (segment,) = chart.segments
    assert segment.centre == pytest.approx(6.3)
    assert segment.mean_moving_range == pytest.approx(2.0)
    assert segment.upper == pytest.approx(11.62)
    assert segment.lower == pytest.approx(0.98)
    assert segment.sigma == pytest.approx(2.66 * 2.0 / 3)
    assert segment.range_limit == pytest.approx(3.267 * 2.0)
    assert chart.moving_ranges.tolist() == [2, 1, 2, 4, 2, 1, 2, 1, 3]
    assert chart.signals == ()
    assert abs(LIMIT_FACTOR - 3 / 1.128) < 0.001


def test_the_lower_limit_is_floored_at_zero_for_counts_unless_asked_not_to() -> None:
    values = [1, 6, 1, 6, 1, 6, 1, 6]  # mean 3.5, mean moving range 5: lower 3.5 - 13.3 < 0
    assert xmr(values).segments[0].lower == 0.0
    assert xmr(values, floor_zero=False).segments[0].lower == pytest.approx(3.5 - 13.3)


def test_a_fixed_baseline_of_the_first_points_sets_the_limits_for_all() -> None:
    chart = xmr([*TEN, 30, 40], baseline=Baseline(points=10))
    segment = chart.segments[0]
    assert (segment.baseline_start, segment.baseline_stop, segment.stop) == (0, 10, 12)
    assert segment.centre == pytest.approx(6.3)
    assert chart.upper.tolist() == pytest.approx([11.62] * 12)


def test_a_baseline_of_dates_uses_the_periods_between_them() -> None:
    series = monthly([9, 9, *TEN, 40])  # 2016-01 … 2017-01; TEN are 2016-03 to 2016-12
    chart = xmr(series, baseline=Baseline(start=dt.date(2016, 3, 1), end=dt.date(2016, 12, 31)))
    segment = chart.segments[0]
    assert (segment.baseline_start, segment.baseline_stop) == (2, 12)
    assert segment.centre == pytest.approx(6.3)
    assert segment.upper == pytest.approx(11.62)
    assert (Rule.BEYOND_LIMIT, (12,), Direction.RISING) in {
        (s.rule, s.points, s.direction) for s in chart.signals
    }


def test_rebasing_starts_a_new_segment_at_a_sustained_shift() -> None:
    """After the baseline, the first run of Rules.run points on one side starts a segment."""
    low, high = [5, 6] * 6, [12, 13] * 6
    chart = xmr(low + high, baseline=Baseline(rebase=True))
    first, second = chart.segments
    assert (first.start, first.stop, first.baseline_stop) == (0, 12, 12)
    assert (second.start, second.stop, second.baseline_start, second.baseline_stop) == (
        12,
        24,
        12,
        24,
    )
    assert first.centre == pytest.approx(5.5)
    assert second.centre == pytest.approx(12.5)
    assert chart.centre.tolist() == [5.5] * 12 + [12.5] * 12
    shift = [s for s in chart.signals if s.rule is Rule.RUN]
    assert [(s.points, s.direction, s.segment) for s in shift] == [
        (tuple(range(12, 24)), Direction.RISING, 0)
    ]
    # The same data with a fixed baseline keeps one segment and flags the points instead.
    fixed = xmr(low + high, baseline=Baseline(points=12))
    assert len(fixed.segments) == 1
    assert {s.rule for s in fixed.signals} >= {Rule.RUN, Rule.BEYOND_LIMIT}


def test_rebasing_uses_the_given_baseline_length_and_needs_a_long_enough_run() -> None:
    # Five high points are not a sustained shift for runs of 7.
    values = [5, 6] * 6 + [12, 13, 12, 13, 12] + [5, 6] * 3
    assert len(xmr(values, baseline=Baseline(rebase=True)).segments) == 1
    # Seven are, and a baseline shorter than 12 takes what remains.
    seven = xmr([5, 6] * 6 + [12, 13, 12, 13, 12, 13, 12], baseline=Baseline(rebase=True))
    assert [(s.start, s.baseline_stop) for s in seven.segments] == [(0, 12), (12, 19)]
    assert seven.segments[1].centre == pytest.approx(87 / 7)
    chart = xmr([5, 6] * 4 + [12, 13] * 6, baseline=Baseline(points=8, rebase=True))
    assert [(s.start, s.baseline_stop) for s in chart.segments] == [(0, 8), (8, 16)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xmr([1]), "at least 2"),
        (lambda: xmr([1, math.nan, 3]), r"values\[1\] is not a number"),
        (lambda: xmr([[1, 2], [3, 4]]), "flat series"),
        (lambda: xmr([1, 2], labels=["a"]), "one each"),
        (lambda: xmr([1, 2, 3], baseline=Baseline(start=dt.date(2016, 1, 1))), "needs a Series"),
        (lambda: xmr([1, 2, 3], baseline=Baseline(rebase=True), rules=Rules(run=None)), "run"),
        (lambda: xmr(monthly([1, 2, 3]), baseline=Baseline(start=dt.date(2016, 3, 1))), "hold"),
        (lambda: Baseline(points=1), "must be >= 2"),
        (lambda: Baseline(start=dt.date(2017, 1, 1), end=dt.date(2016, 1, 1)), "before"),
        (lambda: Rules(run=1), "run == 1"),
        (lambda: Rules(trend=2), "trend == 2"),
    ],
)
def test_bad_chart_input_is_refused_with_a_clear_message(call: object, message: str) -> None:
    with pytest.raises(TrendError, match=message):
        call()  # type: ignore[operator]


# -- Rules ------------------------------------------------------------------------------------


def test_a_point_beyond_either_limit_is_a_signal_and_one_inside_is_not() -> None:
    fixed = Baseline(points=10)
    no_trends = Rules(trend=None)
    assert signals_of([*TEN, 11.6], no_trends, baseline=fixed) == set()
    assert signals_of([*TEN, 11.7], no_trends, baseline=fixed) == {
        (Rule.BEYOND_LIMIT, (10,), Direction.RISING)
    }
    assert signals_of([*TEN, 0.9], no_trends, baseline=fixed) == {
        (Rule.BEYOND_LIMIT, (10,), Direction.FALLING)
    }
    assert signals_of([*TEN, 0.9], Rules(beyond_limits=False, trend=None), baseline=fixed) == set()


BASE = [8, 4, 8, 4, 8, 4, 8, 4, 6, 6]
# Centre 60 / 10 = 6. Moving ranges: seven of 4, then 2 and 0: mean 30 / 9 = 3.33, so the limits
# are 0 (floored) and 14.87. It ends on the centre line, so no run carries over from it.


def test_a_run_of_seven_on_one_side_is_a_signal_and_six_is_not() -> None:
    fixed, no_trends = Baseline(points=10), Rules(trend=None)
    assert signals_of([*BASE, *[7] * 7], no_trends, baseline=fixed) == {
        (Rule.RUN, tuple(range(10, 17)), Direction.RISING)
    }
    assert signals_of([*BASE, *[7] * 6], no_trends, baseline=fixed) == set()
    assert signals_of([*BASE, *[5] * 7], no_trends, baseline=fixed) == {
        (Rule.RUN, tuple(range(10, 17)), Direction.FALLING)
    }
    assert signals_of([*BASE, *[7] * 7], Rules(run=None, trend=None), baseline=fixed) == set()


def test_a_point_on_the_centre_line_ends_a_run() -> None:
    values = [*BASE, 7, 7, 7, 6, 7, 7, 7]
    assert signals_of(values, Rules(trend=None), baseline=Baseline(points=10)) == set()
    values[13] = 7
    assert signals_of(values, Rules(trend=None), baseline=Baseline(points=10)) == {
        (Rule.RUN, tuple(range(10, 17)), Direction.RISING)
    }


def test_the_run_length_is_configurable() -> None:
    eight = Rules(run=8, trend=None)
    assert signals_of([*BASE, *[7] * 7], eight, baseline=Baseline(points=10)) == set()
    assert signals_of([*BASE, *[7] * 8], eight, baseline=Baseline(points=10)) == {
        (Rule.RUN, tuple(range(10, 18)), Direction.RISING)
    }
    assert WESTERN_ELECTRIC.run == 8


FLAT = [5, 7, 5, 7, 5, 7, 5, 7]  # centre 6, mean moving range 2: limits 0.68 and 11.32


def test_six_points_each_higher_than_the_last_are_a_trend_and_five_are_not() -> None:
    no_runs, fixed = Rules(run=None), Baseline(points=8)
    assert signals_of([*FLAT, 1, 2, 3, 4, 5], no_runs, baseline=fixed) == set()
    assert signals_of([*FLAT, 1, 2, 3, 4, 5, 6], no_runs, baseline=fixed) == {
        (Rule.TREND, tuple(range(8, 14)), Direction.RISING)
    }
    # 7 then 9 is a rise, so the fall starts at the 9.
    assert signals_of([*FLAT, 9, 8, 7, 6, 5, 4], no_runs, baseline=fixed) == {
        (Rule.TREND, tuple(range(8, 14)), Direction.FALLING)
    }
    assert signals_of([*FLAT, 1, 2, 3, 4, 5, 6], Rules(run=None, trend=None)) == set()


def test_two_equal_points_in_a_row_end_a_trend() -> None:
    values = [*FLAT, 1, 2, 3, 3, 4, 5]
    assert signals_of(values, Rules(run=None, beyond_limits=False)) == set()
    assert signals_of(values, Rules(run=None, trend=3, beyond_limits=False)) == {
        (Rule.TREND, (8, 9, 10), Direction.RISING),
        (Rule.TREND, (11, 12, 13), Direction.RISING),
    }


def test_two_of_three_beyond_two_sigma_is_optional() -> None:
    # Baseline TEN: sigma = 2.66 × 2 / 3 = 1.7733; two sigma above the centre = 9.8467.
    fixed = Baseline(points=10)
    rule = Rules(run=None, trend=None, two_of_three=True)
    values = [*TEN, 10, 6, 6, 10.5]
    assert signals_of(values, Rules(run=None, trend=None), baseline=fixed) == set()
    assert signals_of(values, rule, baseline=fixed) == set()  # no three in a row hold both
    values = [*TEN, 6, 10, 10.5, 6]
    assert signals_of(values, rule, baseline=fixed) == {
        (Rule.TWO_OF_THREE, (11, 12), Direction.RISING)
    }
    values = [*TEN, 6, 10, 6, 2.5, 2.7]
    assert signals_of(values, rule, baseline=fixed) == {
        (Rule.TWO_OF_THREE, (13, 14), Direction.FALLING)
    }
    values = [*TEN, 10, 2.5, 10.2]
    assert signals_of(values, rule, baseline=fixed) == {
        (Rule.TWO_OF_THREE, (10, 12), Direction.RISING)
    }


def test_signals_are_in_order_of_their_first_point_and_serialise() -> None:
    chart = xmr([*TEN, 30, 8, 8, 8, 8, 8, 8, 8], baseline=Baseline(points=10))
    firsts = [signal.first for signal in chart.signals]
    assert firsts == sorted(firsts)
    data = json.loads(json.dumps(chart.as_dict(), allow_nan=False))
    assert data["signals"][0]["rule"] in {rule.value for rule in Rule}
    assert data["labels"][0] == "1"


# -- Year on year -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "exposure"),
    [(30, 15, (1, 1)), (15, 30, (1, 1)), (7, 3, (31, 28)), (0, 6, (1, 1)), (12, 0, (1, 2)),
     (120, 100, (365, 366)), (3, 4, (2.5, 1))],
)  # fmt: skip
def test_the_poisson_test_agrees_with_scipy_binomtest(
    current: int, previous: int, exposure: tuple[float, float]
) -> None:
    n, share = current + previous, exposure[0] / sum(exposure)
    reference = stats.binomtest(current, n, share)
    minlike = poisson_change(current, previous, exposure=exposure, method="minlike")
    assert minlike.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    less = stats.binomtest(current, n, share, alternative="less").pvalue
    greater = stats.binomtest(current, n, share, alternative="greater").pvalue
    central = poisson_change(current, previous, exposure=exposure)
    assert central.p_value == pytest.approx(min(1.0, 2 * min(less, greater)), rel=1e-9)
    interval = reference.proportion_ci(confidence_level=0.95, method="exact")

    def to_ratio(p: float) -> float:
        return math.inf if p == 1 else p / (1 - p) * exposure[1] / exposure[0]

    assert central.low == pytest.approx(to_ratio(interval.low), rel=1e-9)
    assert central.high == pytest.approx(to_ratio(interval.high), rel=1e-9)
    assert central.expected == pytest.approx(n * share)


def test_the_poisson_test_on_r_documentation_example() -> None:
    """R's ``poisson.test(c(11, 6 + 8 + 7), c(800, 1083 + 1050 + 878))``: p = 0.07967,
    rate ratio 1.971488, 95% interval 0.8584264 to 4.2772659."""
    change = poisson_change(11, 21, exposure=(800, 3011), method="minlike")
    assert change.p_value == pytest.approx(0.07967, abs=5e-6)
    assert change.ratio == pytest.approx(1.971488, abs=5e-7)
    assert change.low == pytest.approx(0.8584264, abs=5e-8)
    assert change.high == pytest.approx(4.2772659, abs=5e-8)
    assert change.verdict is Verdict.NO_CHANGE


def test_the_poisson_test_on_fays_rateratio_example() -> None:
    """Fay's ``rateratio.test(c(2, 9), c(17877, 16660))``: p = 0.05011, rate ratio 0.2070941557,
    interval 0.02177406 to 1.00054910 (the central p-value just above 0.05 agrees with the
    interval just above 1; the minlike p-value, 0.033, would not)."""
    change = poisson_change(2, 9, exposure=(17877, 16660))
    assert change.p_value == pytest.approx(0.05011, abs=5e-6)
    assert change.ratio == pytest.approx(0.2070941557, abs=1e-10)
    assert change.low == pytest.approx(0.02177406, abs=5e-9)
    assert change.high == pytest.approx(1.00054910, abs=5e-9)
    assert change.verdict is Verdict.NO_CHANGE
    assert poisson_change(2, 9, exposure=(17877, 16660), method="minlike").p_value < 0.05


def test_verdicts_rising_falling_and_no_change() -> None:
    assert poisson_change(60, 30).verdict is Verdict.RISING
    assert poisson_change(30, 60).verdict is Verdict.FALLING
    assert poisson_change(33, 30).verdict is Verdict.NO_CHANGE
    # The same counts over a much longer current period are a fall in the rate.
    assert poisson_change(60, 30, exposure=(4, 1)).verdict is Verdict.FALLING
    assert poisson_change(60, 30, alpha=1e-6).verdict is Verdict.NO_CHANGE


def test_the_central_verdict_never_disagrees_with_the_interval() -> None:
    rng = np.random.default_rng(7)
    for current, previous in rng.integers(0, 40, size=(200, 2)):
        change = poisson_change(int(current), int(previous))
        outside = change.low > 1 or change.high < 1
        assert outside == (change.verdict is not Verdict.NO_CHANGE), (current, previous)


def test_zero_counts_give_no_change_and_json_safe_numbers() -> None:
    nothing = poisson_change(0, 0)
    assert nothing.p_value == 1.0 and nothing.verdict is Verdict.NO_CHANGE
    assert math.isnan(nothing.ratio)
    new = poisson_change(9, 0)
    assert new.ratio == math.inf and new.high == math.inf
    assert new.verdict is Verdict.RISING  # P(9 of 9 | p = 0.5) × 2 = 0.0039
    data = json.loads(json.dumps(new.as_dict(), allow_nan=False))
    assert data["ratio"] is None and data["verdict"] == "rising"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"current": -1, "previous": 2}, "whole number >= 0"),
        ({"current": 2.5, "previous": 2}, "whole number >= 0"),
        ({"current": "many", "previous": 2}, "whole number"),
        ({"current": 1, "previous": 2, "exposure": (0, 1)}, "exposure"),
        ({"current": 1, "previous": 2, "alpha": 1.5}, "alpha"),
        ({"current": 1, "previous": 2, "method": "wald"}, "method"),
    ],
)
def test_bad_test_input_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TrendError, match=message):
        poisson_change(**kwargs)  # type: ignore[arg-type]


def test_benjamini_hochberg_by_hand_and_against_scipy() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 (m = 4): × 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04.
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert q.tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    p = np.random.default_rng(3).uniform(size=50) ** 3
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p))
    assert benjamini_hochberg([]).size == 0
    with pytest.raises(TrendError, match="between 0 and 1"):
        benjamini_hochberg([0.5, 1.5])


# -- Scan -------------------------------------------------------------------------------------


def steady(level: int, months: int, seed: int) -> list[int]:
    return np.random.default_rng(seed).poisson(level, months).tolist()


def test_scan_finds_the_rising_group_and_not_the_steady_ones() -> None:
    rising = steady(20, 18, 1) + steady(40, 7, 2)
    series = {
        ("Ashford", "burglary"): monthly(rising),
        ("Dover", "burglary"): monthly(steady(20, 25, 3)),
        ("Dover", "robbery"): monthly(steady(5, 25, 4)),
    }
    findings = scan(series, baseline=Baseline(points=12), window=3)
    assert findings, "the doubling in Ashford is found"
    assert {finding.group for finding in findings} == {("Ashford", "burglary")}
    assert {finding.direction for finding in findings} == {Direction.RISING}
    rules = {finding.rule for finding in findings}
    assert Rule.YEAR_ON_YEAR in rules and Rule.RUN in rules
    strengths = [finding.strength for finding in findings]
    assert strengths == sorted(strengths, reverse=True)
    yoy = next(f for f in findings if f.rule is Rule.YEAR_ON_YEAR)
    assert (yoy.first, yoy.last) == ("2017-11", "2018-01")
    assert (yoy.value, yoy.reference) == (sum(rising[-3:]), sum(rising[-15:-12]))
    assert yoy.q_value is not None and yoy.q_value < 0.05
    table = json.loads(json.dumps([finding.as_dict() for finding in findings], allow_nan=False))
    assert table[0]["group"] == "Ashford / burglary"
    assert table[0]["keys"] == ["Ashford", "burglary"]
    assert findings[0].label == "Ashford / burglary"


def test_scan_controls_the_false_discovery_rate_when_asked() -> None:
    """One change with p = 0.036 among ten tests is a discovery alone, not after BH."""
    series = {f"district {k}": monthly([15] * 13) for k in range(9)}
    series["Swale"] = monthly([15] * 12 + [30])
    p = poisson_change(30, 15).p_value
    assert 0.03 < p < 0.04
    plain = scan(series, baseline=Baseline(points=12), fdr=False)
    assert [(f.group, f.rule, f.direction) for f in plain] == [
        ("Swale", Rule.YEAR_ON_YEAR, Direction.RISING)
    ]
    assert plain[0].q_value is None and plain[0].p_value == pytest.approx(p)
    # q = 0.036 × 10 > 0.05, and the flat baseline (no moving range) gives no chart signal.
    assert scan(series, baseline=Baseline(points=12)) == []


def test_scan_reports_only_recent_chart_signals_unless_told_otherwise() -> None:
    values = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 40, 11, 12, 10, 12, 11, 13, 12, 11, 10]
    series = {"Thanet": monthly(values)}
    assert scan(series, baseline=Baseline(points=10)) == []
    old = scan(series, baseline=Baseline(points=10), recent=None)
    assert [(f.rule, f.first, f.direction) for f in old] == [
        (Rule.BEYOND_LIMIT, "2016-11", Direction.RISING)
    ]
    assert "above the upper limit" in old[0].detail
    with pytest.raises(TrendError, match="recent"):
        scan(series, recent=0)


# -- Chart ------------------------------------------------------------------------------------


def test_the_svg_chart_is_valid_accessible_and_marks_the_signals() -> None:
    series = monthly([*TEN, 30, 8])
    chart = xmr(series, baseline=Baseline(points=10))
    svg = xmr_svg(chart, title="Burglary in <Ashford> & Dover")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Burglary in <Ashford> & Dover"
    assert desc is not None and desc.text == describe_chart(chart)
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    circles = root.findall(f".//{SVG}circle[@class='xmr-point']")
    signals = root.findall(f".//{SVG}path[@class='xmr-signal rising']")
    assert len(circles) + len(signals) == 12
    assert len(signals) == 1
    tip = signals[0].find(f"{SVG}title")
    assert tip is not None and tip.text == "2016-11: 30 (signal: rising beyond-limit)"
    assert len(root.findall(f".//{SVG}line[@class='xmr-centre']")) == 1
    assert "2016-01" in svg and "Month" in svg
    assert "1 signal: rising beyond-limit at 2016-11." in desc.text


def test_the_svg_chart_draws_each_segment_and_describes_a_quiet_chart() -> None:
    chart = xmr([5, 6] * 6 + [12, 13] * 6, baseline=Baseline(rebase=True))
    root = ET.fromstring(xmr_svg(chart, title="Shift", id_prefix="c2"))
    assert len(root.findall(f".//{SVG}line[@class='xmr-centre']")) == 2
    assert root.find(f"{SVG}title").get("id") == "c2-title"  # type: ignore[union-attr]
    assert "Recalculated from 13" in describe_chart(chart)
    assert "No signals" in describe_chart(xmr(TEN))
    with pytest.raises(TrendError, match="at least 200"):
        xmr_svg(chart, title="tiny", width=100)


def test_scan_leaves_out_chart_signals_of_sparse_counts() -> None:
    """Below a centre line of 5 a period, runs of empty months are chance, not signals."""
    sparse = {"Swale / robbery": monthly([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])}
    assert scan(sparse, recent=None) == []
    loose = scan(sparse, recent=None, min_centre=0)
    # Centre 1 / 18, mean moving range 2 / 17: the one robbery is "beyond the limit" and the
    # fourteen empty months after it "a run below the centre line".
    assert {(f.rule, f.direction, f.first) for f in loose} == {
        (Rule.BEYOND_LIMIT, Direction.RISING, "2016-04"),
        (Rule.RUN, Direction.FALLING, "2016-05"),
    }
