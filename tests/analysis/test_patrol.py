"""Patrol plans by hand on tiny grids, the spread and budget rules, the seeded draw, and the
randomised design's analysis on generated data with a known effect."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from constable.analysis.events import Events
from constable.analysis.grid import Grid, Scores
from constable.analysis.patrol import (
    BoxDay,
    Design,
    PatrolError,
    PatrolRules,
    analyse_design,
    boxes_geojson,
    count_crimes,
    plan_patrols,
    plan_svg,
    randomise,
    rate_ratio_interval,
)

ROW = Grid.from_bounds(0, 0, 750, 150, cell_size=150)  # five cells in a row, 150 m


def row_scores(values: list[float]) -> Scores:
    return Scores(ROW, np.array(values, dtype=float).reshape(ROW.shape))


def touching(a: tuple[float, float], b: tuple[float, float], size: float = 150.0) -> bool:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1])) <= size + 1e-9


def test_a_plan_by_hand_on_five_cells() -> None:
    """Scores 5 4 3 2 1 along a row; one unit, 15 min a box, 150 m at 9 km/h is 1 minute.

    Cell 0 (5) first; cell 1 (4) touches it, so is worth 4 x 0.5 = 2, behind cell 2 (3). With
    cell 2 taken, cell 1 touches two boxes (4 x 0.25 = 1) and cell 3 one (2 x 0.5 = 1): the tie
    goes to the higher-ranked cell 1. 47 minutes hold three boxes and 2 minutes of travel."""
    rules = PatrolRules(boxes=5, minutes_per_unit=47, minutes_per_box=15, speed_kmh=9.0)
    plan = plan_patrols(row_scores([5, 4, 3, 2, 1]), rules)
    assert [b.cell for b in plan.boxes] == ["E0N0", "E150N0", "E300N0"]
    assert [b.value for b in plan.boxes] == [5, 1, 3]
    route = plan.routes[0]
    assert route.cells == ("E0N0", "E150N0", "E300N0")  # cheapest insertion keeps them in line
    assert route.travel_metres == 300 and math.isclose(route.travel_minutes, 2.0)
    assert route.minutes <= 47
    assert [b.arrive_minute for b in plan.visited()] == [0.0, 16.0, 32.0]
    assert plan.notes and "3 of the 5 boxes" in plan.notes[0]


def test_the_budget_caps_the_boxes_and_travel_counts() -> None:
    scores = row_scores([5, 0, 0, 0, 4])
    slow = PatrolRules(boxes=2, minutes_per_unit=40, minutes_per_box=15, speed_kmh=0.9)
    # 600 m at 0.9 km/h is 40 minutes: the second box does not fit.
    assert [b.cell for b in plan_patrols(scores, slow).boxes] == ["E0N0"]
    fast = PatrolRules(boxes=2, minutes_per_unit=40, minutes_per_box=15, speed_kmh=36.0)
    assert len(plan_patrols(scores, fast).boxes) == 2


def test_units_never_share_a_street() -> None:
    grid = Grid.from_bounds(0, 0, 3000, 3000, cell_size=150)
    rng = np.random.default_rng(4)
    scores = Scores(grid, rng.gamma(0.4, 1.0, grid.shape))
    plan = plan_patrols(scores, PatrolRules(boxes=24, units=4, minutes_per_unit=150))
    assert {b.unit for b in plan.boxes} == {1, 2, 3, 4}
    for a in plan.boxes:
        for b in plan.boxes:
            if a.unit != b.unit:
                assert not touching(a.centre, b.centre), (a.cell, b.cell)
    for route in plan.routes:
        assert route.minutes <= 150 + 1e-9
        mine = sorted((b for b in plan.boxes if b.unit == route.unit), key=lambda b: b.order or 0)
        assert tuple(b.cell for b in mine) == route.cells
    # Each box is the unit's, once, in one order.
    orders = sorted((b.unit, b.order) for b in plan.boxes)
    assert len(set(orders)) == len(plan.boxes)


def test_a_priority_neighbourhood_raises_its_boxes() -> None:
    scores = row_scores([5, 0, 4, 0, 3])
    areas = ["A", "A", "B", "B", "C"]
    rules = PatrolRules(boxes=1)
    assert plan_patrols(scores, rules, cell_areas=areas).boxes[0].cell == "E0N0"
    raised = plan_patrols(scores, rules, cell_areas=areas, priorities={"C": 2.0})
    assert raised.boxes[0].cell == "E600N0" and raised.boxes[0].weight == 2.0
    assert raised.boxes[0].area == "C"
    with pytest.raises(PatrolError, match="cell_areas"):
        plan_patrols(scores, rules, priorities={"C": 2.0})
    with pytest.raises(PatrolError, match="priority weight of C"):
        plan_patrols(scores, rules, cell_areas=areas, priorities={"C": -1.0})


def test_rules_and_forecasts_that_cannot_be_used_are_named() -> None:
    with pytest.raises(PatrolError, match="units == 0"):
        plan_patrols(row_scores([1, 2, 3, 4, 5]), PatrolRules(units=0))
    with pytest.raises(PatrolError, match="no unit would have time"):
        plan_patrols(row_scores([1, 2, 3, 4, 5]), PatrolRules(minutes_per_box=200))
    with pytest.raises(PatrolError, match="nothing to patrol"):
        plan_patrols(row_scores([0, 0, 0, 0, 0]))


def test_the_draw_is_seeded_and_a_half() -> None:
    cells = [f"E{i}N0" for i in range(11)]
    treated, control = randomise(cells, seed=5, day=dt.date(2026, 1, 1))
    assert len(treated) == 5 and len(control) == 6 and set(treated) | set(control) == set(cells)
    assert randomise(list(reversed(cells)), seed=5, day=dt.date(2026, 1, 1)) == (treated, control)
    other_day = randomise(cells, seed=5, day=dt.date(2026, 1, 2))
    other_seed = randomise(cells, seed=6, day=dt.date(2026, 1, 1))
    assert other_day != (treated, control) or other_seed != (treated, control)
    with pytest.raises(PatrolError, match="seed"):
        randomise(cells, seed=-1, day=dt.date(2026, 1, 1))


def test_a_randomised_day_splits_a_spread_pool() -> None:
    grid = Grid.from_bounds(0, 0, 3000, 3000, cell_size=150)
    scores = Scores(grid, np.random.default_rng(9).gamma(0.4, 1.0, grid.shape))
    rules = PatrolRules(boxes=10, units=2, minutes_per_unit=120)
    day = dt.date(2026, 3, 1)
    plan = plan_patrols(scores, rules, design=Design(seed=11, day=day))
    treatment, control = plan.of_arm("treatment"), plan.of_arm("control")
    assert len(treatment) == len(plan.boxes) // 2 and len(control) == len(plan.boxes) - len(
        treatment
    )
    assert all(b.unit is None for b in control)
    # The logged draw is the one randomise makes from the seed and the day.
    assert randomise([b.cell for b in plan.boxes], seed=11, day=day)[0] == sorted(
        b.cell for b in treatment
    )
    for a in plan.boxes:  # no pool box touches another: patrols do not spill into controls
        for b in plan.boxes:
            if a is not b:
                assert not touching(a.centre, b.centre)
    again = plan_patrols(scores, rules, design=Design(seed=11, day=day))
    assert [(b.cell, b.arm) for b in again.boxes] == [(b.cell, b.arm) for b in plan.boxes]


def test_geojson_and_map() -> None:
    grid = Grid.from_bounds(430_000, 433_000, 432_000, 435_000, cell_size=150)
    scores = Scores(grid, np.random.default_rng(2).gamma(0.5, 1.0, grid.shape))
    plan = plan_patrols(
        scores, PatrolRules(units=2), design=Design(seed=1, day=dt.date(2026, 1, 1))
    )
    features = boxes_geojson(plan.boxes, plan.crs)["features"]
    assert len(features) == len(plan.boxes)
    ring = np.array(features[0]["geometry"]["coordinates"][0])
    assert ring.shape == (5, 2) and 53 < ring[:, 1].mean() < 54  # West Yorkshire, WGS84
    assert {f["properties"]["arm"] for f in features} == {"treatment", "control"}
    drawn = plan_svg(plan.boxes, title="Leeds <test>")
    assert drawn.startswith("<svg") and "Leeds &lt;test&gt;" in drawn
    assert "Control: do not patrol" in drawn and drawn.count("class='box control") == len(
        plan.of_arm("control")
    )


# --- The design's analysis ------------------------------------------------------------------------


def test_the_rate_ratio_interval_by_hand() -> None:
    """10 crimes in 20 treated box-days, 20 in 20 control: RR 0.5. Given 30 crimes, the treated
    count is Binomial(30, p) with p = RR / (1 + RR); Clopper-Pearson for 10 of 30."""
    estimate, low, high, p_value = rate_ratio_interval(10, 20, 20, 20, 0.95)
    assert estimate == 0.5
    ci = stats.binomtest(10, 30).proportion_ci(0.95, method="exact")
    assert math.isclose(low, ci.low / (1 - ci.low)) and math.isclose(high, ci.high / (1 - ci.high))
    assert math.isclose(p_value, stats.binomtest(10, 30, 0.5).pvalue)
    # Unequal exposure: 10 in 10 against 20 in 40 is RR 2.
    assert rate_ratio_interval(10, 10, 20, 40, 0.95)[0] == 2.0
    with pytest.raises(PatrolError, match="nothing to compare"):
        rate_ratio_interval(0, 5, 0, 5, 0.95)
    assert rate_ratio_interval(0, 5, 4, 5, 0.95)[1] == 0.0
    assert math.isinf(rate_ratio_interval(4, 5, 0, 5, 0.95)[2])


START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def simulated_design(effect: float, *, days: int, boxes: int, seed: int) -> list[BoxDay]:
    """Boxes with uneven risk (gamma), half treated each day at random, treated crime times
    ``effect``."""
    rng = np.random.default_rng(seed)
    risk = rng.gamma(2.0, 0.25, boxes)  # crimes a day in each box, mean 0.5
    rows = []
    for day in range(days):
        treated = set(rng.permutation(boxes)[: boxes // 2].tolist())
        start = START + dt.timedelta(days=day)
        for box in range(boxes):
            arm = "treatment" if box in treated else "control"
            rate = risk[box] * (effect if arm == "treatment" else 1.0)
            rows.append(
                BoxDay(
                    day=start.date(),
                    cell=f"E{box * 150}N0",
                    x0=box * 150.0,
                    y0=0.0,
                    size=150.0,
                    arm=arm,  # type: ignore[arg-type]
                    start=start,
                    end=start + dt.timedelta(days=1),
                    crimes=int(rng.poisson(rate)),
                )
            )
    return rows


def test_a_known_effect_is_found() -> None:
    result = analyse_design(simulated_design(0.6, days=60, boxes=20, seed=3), permutations=999)
    assert result.low < 0.6 < result.high
    assert result.high < 1 and result.p_value < 0.001 and result.permutation_p < 0.01
    assert result.treated_box_days == result.control_box_days == 600
    assert "Patrols reduced crime" in result.summary()


def test_no_effect_is_not_invented() -> None:
    """Over 200 designs without an effect, the 95% interval holds 1 about 95% of the time."""
    covered = 0
    for seed in range(200):
        result = analyse_design(
            simulated_design(1.0, days=20, boxes=10, seed=seed), permutations=99, seed=seed
        )
        covered += result.low <= 1 <= result.high
    assert 180 <= covered <= 200


def test_crimes_are_counted_in_each_box_and_window() -> None:
    day = BoxDay(
        day=START.date(),
        cell="E0N0",
        x0=0.0,
        y0=0.0,
        size=150.0,
        arm="treatment",
        start=START,
        end=START + dt.timedelta(hours=10),
    )
    times = [START + dt.timedelta(hours=h) for h in (1, 9, 11, -1, 2)]
    events = Events.from_bng([10, 149, 10, 10, 150], [10, 0, 10, 10, 10], times, crs=ROW.crs)
    assert count_crimes([day], events)[0].crimes == 2  # the third is late, the fourth early,
    # and the fifth is on the next box's edge
    monthly = Events.from_bng([10], [10], [START], has_times=False)
    with pytest.raises(PatrolError, match="month only"):
        count_crimes([day], monthly)
    with pytest.raises(PatrolError, match="both arms"):
        analyse_design([day])
