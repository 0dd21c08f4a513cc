"""The staffing solver: the fewest agents meeting the target, shrinkage, a day's plan."""

from __future__ import annotations

import pytest

from constable.force.config import load_config
from constable.simulation import SimulationError
from constable.simulation.demand import load_calibration
from constable.simulation.erlang import queue
from constable.simulation.staffing import day_plan, scheduled_for, solve


def test_thirty_calls_an_hour_of_four_minutes_need_five_agents() -> None:
    """a = 30 * 240 / 3600 = 2 erlangs, 999 target 90% in 10 s.

    Four agents: B(4) = (2 * 4/19) / (4 + 8/19) = 8/84 = 0.0952; C = 4 * 0.0952 / (4 - 2 *
    0.9048) = 0.1739; service level = 1 - 0.1739 * exp(-2 * 10 / 240) = 0.840, short of 0.9.
    Five agents: B(5) = 0.0367, C = 0.0597, service level = 0.947. With 30% shrinkage,
    5 / 0.7 = 7.1, so 8 rostered.
    """
    found = solve(
        calls_per_hour=30, handle_seconds=240, target_seconds=10, service_level=0.9, shrinkage=0.3
    )
    assert found.agents == 5
    assert found.scheduled == 8
    assert found.service_level == pytest.approx(0.947, abs=1e-3)
    assert found.occupancy == pytest.approx(0.4)
    four = queue(agents=4, calls_per_hour=30, handle_seconds=240, target_seconds=10)
    assert four.service_level == pytest.approx(0.840, abs=1e-3)


@pytest.mark.parametrize(
    ("calls", "handle", "target"), [(200, 300, 30), (45, 420, 10), (1500, 240, 20)]
)
def test_the_answer_is_the_fewest_that_meet_the_target(
    calls: float, handle: float, target: float
) -> None:
    found = solve(
        calls_per_hour=calls, handle_seconds=handle, target_seconds=target, service_level=0.9
    )
    assert found.service_level >= 0.9
    fewer = queue(
        agents=found.agents - 1, calls_per_hour=calls, handle_seconds=handle, target_seconds=target
    )
    assert fewer.service_level < 0.9


def test_no_calls_need_no_agents() -> None:
    assert (
        solve(calls_per_hour=0, handle_seconds=300, target_seconds=10, service_level=0.9).agents
        == 0
    )


def test_shrinkage_rounds_up_but_not_past_an_exact_fit() -> None:
    assert scheduled_for(7, 0.3) == 10
    assert scheduled_for(7, 0.0) == 7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"service_level": 1.0}, "service_level == 1"),
        ({"shrinkage": 1.0}, "shrinkage == 1"),
        ({"calls_per_hour": -5}, "calls_per_hour == -5"),
        ({"handle_seconds": 0}, "handle_seconds == 0"),
    ],
)
def test_bad_input_is_named(kwargs: dict[str, float], message: str) -> None:
    arguments = {
        "calls_per_hour": 30.0,
        "handle_seconds": 240.0,
        "target_seconds": 10.0,
        "service_level": 0.9,
    }
    arguments.update(kwargs)
    with pytest.raises(SimulationError, match=message):
        solve(**arguments)


def test_a_days_plan_meets_each_channels_target_every_hour() -> None:
    calibration = load_calibration("kent")
    plan = day_plan(
        config=load_config("kent"),
        calls_per_day=calibration.calls_per_day(),
        hourly={c: d.hourly for c, d in calibration.channels.items()},
        handle_seconds={c: d.mean_handle_seconds() for c, d in calibration.channels.items()},
        shrinkage=0.3,
        interval_minutes=30,
    )
    assert len(plan) == 48
    assert sum(sum(i.calls.values()) for i in plan) == pytest.approx(5000)
    for interval in plan:
        assert interval.staffing["999"].service_level >= 0.9
        assert interval.staffing["101"].service_level >= 0.9
        assert interval.scheduled >= interval.agents
    busiest = max(plan, key=lambda i: sum(i.calls.values()))
    quietest = min(plan, key=lambda i: sum(i.calls.values()))
    assert busiest.agents > quietest.agents
