"""Status against target: the rule on constructed cases (on track, at risk, off track), the
projections and their intervals, the tests of change, SPC signals, and a plan judged on the
store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from planfixtures import (
    MAIDSTONE_LSOA,
    MEDWAY_LSOA,
    district,
    force_of,
    imported,
    make_tiny,
    plan_text,
)

from constable.community.service import Period, parse_quarter
from constable.performance.measures import Value, get_measure, months_before, parse_period
from constable.performance.plan import Target, parse_plan
from constable.performance.status import (
    Assessment,
    Projection,
    Status,
    TargetStatus,
    assess,
    compare,
    headline,
    judge,
    plan_status,
    poisson_interval,
    project,
    proportion_change,
    spc,
    wilson_interval,
)
from constable.store import Store

FY = parse_period("2017/18")


def projection(value: float, low: float, high: float) -> Projection:
    return Projection(value, low, high, "poisson", 183, 365, "")


# -- The rule ---------------------------------------------------------------------------------


def test_on_track_when_the_whole_interval_meets_the_target() -> None:
    status, why = judge(projection(199.5, 162.3, 242.6), 300, higher=False)
    assert status is Status.ON_TRACK and "whole interval meets" in why
    assert judge(projection(0.62, 0.60, 0.64), 0.60, higher=True)[0] is Status.ON_TRACK


def test_at_risk_when_the_target_lies_inside_the_interval() -> None:
    status, why = judge(projection(199.5, 162.3, 242.6), 200, higher=False)
    assert status is Status.AT_RISK and "projection meets it" in why
    status, why = judge(projection(199.5, 162.3, 242.6), 190, higher=False)
    assert status is Status.AT_RISK and "projection misses it" in why


def test_off_track_when_the_whole_interval_misses_the_target() -> None:
    status, why = judge(projection(199.5, 162.3, 242.6), 150, higher=False)
    assert status is Status.OFF_TRACK and "whole interval misses" in why
    assert judge(projection(0.55, 0.50, 0.59), 0.60, higher=True)[0] is Status.OFF_TRACK


def test_without_an_interval_the_value_alone_decides() -> None:
    point = Projection(64.0, 64.0, 64.0, "point", 365, 365, "")
    assert judge(point, 64.0, higher=False)[0] is Status.ON_TRACK  # the boundary meets
    status, why = judge(point, 63.9, higher=False)
    assert status is Status.OFF_TRACK and "value alone" in why
    empty = Projection(None, None, None, "none", 0, 365, "")
    assert judge(empty, 10, higher=True)[0] is Status.NO_DATA


# -- Intervals and projections ----------------------------------------------------------------


def test_intervals_match_published_values() -> None:
    assert poisson_interval(10) == pytest.approx((4.7954, 18.3904), abs=1e-4)
    assert poisson_interval(0)[0] == 0 and poisson_interval(0)[1] == pytest.approx(3.6889, abs=1e-4)
    assert wilson_interval(50, 100) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    with pytest.raises(ValueError):
        wilson_interval(5, 0)


def test_a_count_is_projected_at_its_daily_rate_with_a_poisson_interval() -> None:
    so_far = Value("recorded_crime", "force", FY, 100.0, count=100, covered_days=183)
    found = project(so_far, get_measure("recorded_crime"), total_days=365, label="2017/18")
    assert found.value == pytest.approx(100 * 365 / 183)
    assert (found.low, found.high) == pytest.approx(
        (81.364 * 365 / 183, 121.627 * 365 / 183), rel=1e-4
    )
    assert found.method == "poisson" and "exact Poisson interval on the 100" in found.explanation
    final = Value("recorded_crime", "force", FY, 210.0, count=210, covered_days=365)
    done = project(final, get_measure("recorded_crime"), total_days=365, label="2017/18")
    assert (done.method, done.low, done.high) == ("final", 210.0, 210.0)


def test_a_rate_is_projected_with_the_interval_of_its_count() -> None:
    so_far = Value("crime_per_1000", "force", FY, 25.0, count=100, exposure=4000, covered_days=183)
    found = project(so_far, get_measure("crime_per_1000"), total_days=365, label="2017/18")
    assert found.value == pytest.approx(25 * 365 / 183)
    assert found.low == pytest.approx(81.364 / 4000 * 1000 * 365 / 183, rel=1e-4)


def test_a_share_keeps_its_share_with_a_wilson_interval() -> None:
    so_far = Value(
        "sanction_detection_rate", "force", FY, 0.5, numerator=50, denominator=100, covered_days=92
    )
    measure = get_measure("sanction_detection_rate")
    found = project(so_far, measure, total_days=365, label="2017/18")
    assert found.value == 0.5 and found.method == "wilson"
    assert (found.low, found.high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    whole = Value(
        "sanction_detection_rate", "force", FY, 0.5, numerator=50, denominator=100, covered_days=365
    )
    assert project(whole, measure, total_days=365, label="2017/18").method == "final"
    survey = Value(
        "kcvs_confidence", "force", FY, 0.5, numerator=50, denominator=100, covered_days=365
    )
    sampled = project(survey, get_measure("kcvs_confidence"), total_days=365, label="2017/18")
    assert sampled.method == "wilson" and "respondents" in sampled.explanation


def test_levels_and_amounts_have_no_interval() -> None:
    level = Value("volunteers", "force", FY, 80.0, count=80, covered_days=183)
    found = project(level, get_measure("volunteers"), total_days=365, label="2017/18")
    assert (found.value, found.low, found.high, found.method) == (80.0, 80.0, 80.0, "point")
    hours = Value("special_constable_hours", "force", FY, 1000.0, covered_days=183)
    amount = project(hours, get_measure("special_constable_hours"), total_days=365, label="x")
    assert amount.value == pytest.approx(1000 * 365 / 183) and amount.low == amount.value


# -- Change -----------------------------------------------------------------------------------


def counted(count: int, label: str = "2017Q3") -> Value:
    period = parse_period(label)
    return Value("recorded_crime", "force", period, float(count), count=count, covered_days=92)


def test_a_rise_is_called_only_when_the_poisson_test_says_so() -> None:
    measure = get_measure("recorded_crime")
    rise = compare(counted(150), counted(100, "2016Q3"), measure)
    assert rise.verdict == "rising" and rise.assessment is Assessment.DETERIORATED
    assert rise.p_value is not None and rise.p_value < 0.05
    assert "unlikely to be chance" in rise.statement
    same = compare(counted(110), counted(100, "2016Q3"), measure)
    assert same.verdict == "no significant change" and same.assessment is Assessment.STABLE
    assert "no significant change" in same.statement
    fall = compare(counted(60), counted(100, "2016Q3"), measure)
    assert fall.verdict == "falling" and fall.assessment is Assessment.IMPROVED


def test_a_change_in_a_share_is_tested_as_two_proportions() -> None:
    assert proportion_change(60, 100, 40, 100)[0] == "two-proportion z test"
    assert proportion_change(60, 100, 40, 100)[1] == pytest.approx(0.00468, abs=1e-5)
    method, p_value, verdict = proportion_change(3, 10, 0, 10)
    assert method == "Fisher's exact test" and verdict == "no significant change"
    assert p_value == pytest.approx(0.2105, abs=1e-4)
    q = parse_period("2017Q3")
    measure = get_measure("calls_999_within_10s")
    now = Value(measure.name, "force", q, 0.6, numerator=60, denominator=100, covered_days=92)
    then = Value(measure.name, "force", q, 0.4, numerator=40, denominator=100, covered_days=92)
    assert compare(now, then, measure).assessment is Assessment.IMPROVED


def test_figures_with_no_counts_are_not_called_a_rise() -> None:
    measure = get_measure("sickness_hours_officers")
    q = parse_period("2017/18")
    now, then = (Value(measure.name, "force", q, v, covered_days=365) for v in (70.0, 60.0))
    found = compare(now, then, measure)
    assert found.verdict == "not tested" and found.assessment is Assessment.NOT_TESTED
    assert "not called a rise or a fall" in found.statement


def test_assessment_follows_the_better_direction() -> None:
    assert assess("rising", "higher") is Assessment.IMPROVED
    assert assess("rising", "lower") is Assessment.DETERIORATED
    assert assess("falling", "neither") is Assessment.NOT_JUDGED
    assert assess("no significant change", "lower") is Assessment.STABLE


def test_spc_reports_signals_in_the_latest_months() -> None:
    months = months_before(dt.date(2017, 10, 1), 24)
    counts = [20, 22, 19, 21, 20, 23, 18, 21, 20, 22, 19, 21] * 2
    counts[-1] = 60
    values = [
        Value("recorded_crime", "force", m, float(c), count=c)
        for m, c in zip(months, counts, strict=True)
    ]
    found = spc(values, recent_months=3)
    assert found is not None
    assert any("beyond the process limits" in s and "2017-09" in s for s in found.recent)
    calm = [Value("recorded_crime", "force", m, 20.0 + i % 3) for i, m in enumerate(months)]
    quiet = spc(calm)
    assert quiet is not None and quiet.recent == ()
    assert spc([*values[:-1], Value("recorded_crime", "force", months[-1], None)]) is None


def test_the_headline_target_is_the_running_non_stretch_one() -> None:
    q = parse_quarter("2007Q3")

    def judged(level: str, due: str, status: Status) -> TargetStatus:
        target = Target(
            kind="value",
            direction="increase",
            value=58,
            level=level,
            due=dt.date.fromisoformat(due),
        )  # type: ignore[arg-type]
        return TargetStatus(target, level, target.span, status, "")

    minimum = judged("minimum", "2008-03-31", Status.AT_RISK)
    stretch = judged("stretch", "2008-03-31", Status.OFF_TRACK)
    later = judged("target", "2009-03-31", Status.NOT_STARTED)
    assert headline([stretch, minimum, later], q) is minimum
    assert headline([later], q) is None
    assert headline([stretch], q) is stretch


# -- A plan on the store ----------------------------------------------------------------------


def crimes_by_month(store: Store, counts: dict[str, int], lsoa: str = MAIDSTONE_LSOA) -> None:
    """Imported police.uk burglaries: ``counts`` by month (YYYY-MM)."""
    with store.session() as s:
        for month, number in counts.items():
            first = dt.date.fromisoformat(f"{month}-01")
            for _ in range(number):
                imported(s, first, "Burglary", lsoa)


def measure_line(name: str, *targets: dict[str, object], area: str = "force") -> dict[str, object]:
    return {"measure": name, "label": name, "area": area, "targets": list(targets)}


def at_most(value: float, due: str = "2018-03-31", **more: object) -> dict[str, object]:
    return {"kind": "value", "direction": "at_most", "value": value, "due": due, **more}


def test_a_plan_is_judged_on_the_store(store: Store) -> None:
    """100 crimes from April to September 2017 (183 of 2017/18's 365 days) project to 199.5
    (95% interval 162.3 to 242.6): at most 300 is on track, 200 at risk, 150 off track."""
    make_tiny(store)
    crimes_by_month(store, dict.fromkeys([f"2016-{m:02d}" for m in range(4, 13)], 20))
    crimes_by_month(store, dict.fromkeys(["2017-01", "2017-02", "2017-03"], 20))
    crimes_by_month(
        store,
        dict(zip([f"2017-{m:02d}" for m in range(4, 10)], [15, 17, 16, 18, 16, 18], strict=True)),
    )
    objective = {
        "key": "1.1",
        "title": "Less crime",
        "measures": [
            measure_line("recorded_crime", at_most(300)),
            measure_line("recorded_crime", at_most(200)),
            measure_line("recorded_crime", at_most(150)),
            measure_line(
                "recorded_crime",
                {
                    "kind": "change",
                    "direction": "reduce",
                    "value": 4,
                    "baseline": {"period": "2016/17"},
                    "due": "2018-03-31",
                },
            ),
            measure_line("recorded_crime", at_most(100, due="2019-03-31")),
            measure_line(
                "kcvs_confidence",
                {"kind": "value", "direction": "increase", "value": 61, "due": "2018-03-31"},
            ),
            measure_line("recorded_crime"),
        ],
    }
    plan = parse_plan(
        plan_text(priorities=[{"key": "1", "title": "Cut", "objectives": [objective]}]),
        where="test",
    )
    with store.session() as s:
        found = plan_status(
            session=s, force=force_of(s), plan=plan, quarter=parse_quarter("2017Q3")
        )
    on, risk, off, change, later, survey, none = found.measures
    assert [m.status for m in (on, risk, off)] == [
        Status.ON_TRACK,
        Status.AT_RISK,
        Status.OFF_TRACK,
    ]
    projected = on.targets[0].projection
    assert projected is not None and projected.value == pytest.approx(100 * 365 / 183)
    assert "So far (1 April 2017 to 30 September 2017): 100." in on.statement
    assert "the whole interval meets it, so on track" in on.statement
    assert on.value.value == 52  # July to September 2017: 18 + 16 + 18
    assert on.change.verdict == "no significant change"  # 52 against 60 in 2016Q3
    # Reduce by 4% on 2016/17's 240: at most 230.4; the interval reaches 242.6.
    assert change.status is Status.AT_RISK
    assert change.targets[0].baseline == 240 and change.targets[0].threshold == pytest.approx(230.4)
    moved = change.targets[0].change_from_baseline
    assert moved is not None and moved.verdict == "no significant change"  # 100 against 120
    assert later.status is Status.NOT_STARTED
    assert survey.status is Status.NO_DATA
    assert none.status is Status.NO_TARGET and "direction and significance" in none.statement
    assert found.counts["on track"] == 1 and found.counts["no target"] == 1
    data = found.as_dict()
    assert data["quarter"] == "2017Q3" and data["measures"][0]["status"] == "on track"


def test_a_finished_period_is_judged_on_its_final_value(store: Store) -> None:
    make_tiny(store)
    crimes_by_month(store, dict.fromkeys([f"2017-{m:02d}" for m in range(4, 13)], 10))
    crimes_by_month(store, dict.fromkeys(["2018-01", "2018-02", "2018-03"], 10))
    objective = {
        "key": "1.1",
        "title": "Less crime",
        "measures": [measure_line("recorded_crime", at_most(120), at_most(119))],
    }
    plan = parse_plan(
        plan_text(priorities=[{"key": "1", "title": "Cut", "objectives": [objective]}]),
        where="test",
    )
    with store.session() as s:
        found = plan_status(
            session=s, force=force_of(s), plan=plan, quarter=parse_quarter("2018Q2"), with_spc=False
        )
    first, second = found.measures[0].targets
    assert first.status is Status.ON_TRACK and second.status is Status.OFF_TRACK
    assert first.projection is not None and first.projection.method == "final"
    assert "2017/18 is over: the final figure is 120." in first.statement


def test_a_district_sees_its_own_lines_and_force_shares(store: Store) -> None:
    make_tiny(store)
    crimes_by_month(store, {"2017-07": 5}, MEDWAY_LSOA)
    crimes_by_month(store, {"2017-07": 3}, MAIDSTONE_LSOA)
    plan = parse_plan(plan_text(), where="test")  # recorded crime (force), detections (medway)
    with store.session() as s:
        medway = plan_status(
            session=s,
            force=force_of(s),
            plan=plan,
            quarter=parse_quarter("2017Q3"),
            district=district(s, "medway"),
        )
        maidstone = plan_status(
            session=s,
            force=force_of(s),
            plan=plan,
            quarter=parse_quarter("2017Q3"),
            district=district(s, "maidstone"),
        )
    crime, detections = medway.measures
    assert crime.area == "medway" and crime.value.value == 5
    assert crime.status is Status.NO_TARGET and crime.note is not None
    assert detections.area == "medway" and detections.targets  # a share: the target holds
    assert [m.measure.name for m in maidstone.measures] == ["recorded_crime"]


def test_a_period_label_is_kept() -> None:
    assert Period(dt.date(2017, 4, 1), dt.date(2018, 4, 1), "2017/18") == FY
