"""Same seed, same figures: twice in a row, and spread over one or two Dask workers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from constable.simulation.demand import generate_day, load_calibration, prepare
from constable.simulation.engine import run_replication
from constable.simulation.parallel import jobs_for, run_jobs
from constable.simulation.scenarios import Scenario, load_scenario


@pytest.fixture(scope="module")
def district() -> Scenario:
    return load_scenario("kent-2013-district")


def same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a
    )


def test_the_same_seed_gives_the_same_figures(district: Scenario) -> None:
    first = run_replication(district, days=2, index=3)
    again = run_replication(district, days=2, index=3)
    other = run_replication(district, days=2, index=4)
    assert same(first.metrics, again.metrics)
    assert first.contacts == again.contacts
    assert not same(first.metrics, other.metrics)


def test_a_day_of_demand_is_calibrated_and_seeded(district: Scenario) -> None:
    calibration = load_calibration("kent")
    tables = prepare(calibration, district.geography)
    days = [
        generate_day(
            calibration,
            tables,
            district.geography,
            day=0,
            weekday=2,
            rng=np.random.default_rng(7),
        )
        for _ in range(2)
    ]
    assert np.array_equal(days[0].time, days[1].time)
    assert np.array_equal(days[0].neighbourhood, days[1].neighbourhood)
    contacts = days[0]
    # Wednesday is 0.139 of a week: 5,000 * 0.139 * 7 = 4,865 expected, Poisson sd about 70.
    assert abs(len(contacts) - 4865) < 4 * 70
    emergency = int((contacts.channel == 0).sum())
    assert abs(emergency - 700 * 0.139 * 7) < 4 * math.sqrt(681)
    assert np.all(np.diff(contacts.time) >= 0)
    assert set(np.unique(contacts.grade)) <= {1, 2, 3, 4}


def test_one_or_two_dask_workers_give_the_same_figures(district: Scenario) -> None:
    jobs = jobs_for([district], replications=3)
    here = run_jobs(jobs, days=2, workers=0)
    spread = run_jobs(jobs, days=2, workers=2)
    one = run_jobs(jobs, days=2, workers=1)
    assert [r.index for r in spread] == [0, 1, 2]
    for a, b, c in zip(here, spread, one, strict=True):
        assert same(a.metrics, b.metrics)
        assert same(a.metrics, c.metrics)
