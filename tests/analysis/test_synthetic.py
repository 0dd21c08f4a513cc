"""Synthetic events: the generator keeps to its parameters, and SEPP finds them again.

The tolerances for the recovery are stated here and in docs/hotspots.md: over 30 seeds of the
set-up below, the estimates were theta 0.483 ± 0.010 (events whose children land off the grid
lose them, hence a little low), 1 / omega 3.99 ± 0.17 days and sigma 57.9 ± 1.2 m.
"""

from __future__ import annotations

import numpy as np
import pytest

from constable.analysis.evaluation import compare
from constable.analysis.forecasters import SEPP
from constable.analysis.grid import Grid
from constable.analysis.synthetic import SimulationError, simulate

# Recovery set-up: 5 km x 5 km, 300 days, about 5,500 events.
AREA = Grid.from_bounds(500_100, 150_000, 505_050, 154_950, cell_size=150)
THETA, OMEGA, SIGMA = 0.5, 0.25, 60.0
THETA_TOLERANCE = 0.06  # absolute
DELAY_TOLERANCE = 0.20  # relative, on the mean delay 1 / omega
SIGMA_TOLERANCE = 0.12  # relative


def test_a_seed_gives_the_same_events_every_time() -> None:
    one = simulate(AREA, 0.2, days=50, theta=0.5, omega=0.2, sigma=50, seed=3)
    two = simulate(AREA, 0.2, days=50, theta=0.5, omega=0.2, sigma=50, seed=3)
    other = simulate(AREA, 0.2, days=50, theta=0.5, omega=0.2, sigma=50, seed=4)
    assert np.array_equal(one.events.x, two.events.x) and np.array_equal(one.events.t, two.events.t)
    assert np.array_equal(one.parent, two.parent)
    assert len(one.events) != len(other.events) or not np.array_equal(one.events.x, other.events.x)


def test_without_triggering_the_events_are_the_background() -> None:
    truth = simulate(AREA, 0.5, days=100, theta=0.0, omega=1.0, sigma=10, seed=1)
    expected = 0.5 * (AREA.n_cells * 0.0225) * 100  # per km² per day x km² x days
    assert abs(len(truth.events) - expected) < 4 * np.sqrt(expected)
    assert truth.background_count == len(truth.events)
    events = truth.events
    assert AREA.flat_index(events.x, events.y).min() >= 0
    start = events.days("2020-01-01")
    assert start <= events.t.min() and events.t.max() < start + 100


def test_the_family_tree_keeps_to_the_parameters() -> None:
    grid = Grid(0.0, 0.0, 150.0, 40, 40)
    truth = simulate(grid, 0.3, days=2000, theta=0.5, omega=0.5, sigma=30, seed=2)
    events, parent = truth.events, truth.parent
    children = np.flatnonzero(parent >= 0)
    assert np.all(parent[children] < children)
    delays = events.t[children] - events.t[parent[children]]
    assert np.all(delays > 0)
    assert delays.mean() == pytest.approx(1 / 0.5, rel=0.05)
    dx = events.x[children] - events.x[parent[children]]
    dy = events.y[children] - events.y[parent[children]]
    assert np.sqrt((dx**2 + dy**2).mean() / 2) == pytest.approx(30, rel=0.05)
    # Each event has theta children on average (few are lost past the end of 2,000 days).
    assert len(children) / len(events) == pytest.approx(0.5, abs=0.02)


def test_an_inhomogeneous_background_and_a_mask_are_kept() -> None:
    grid = Grid(0.0, 0.0, 100.0, 10, 10)
    rates = np.zeros(grid.shape)
    rates[2:4, 5:8] = 200.0
    truth = simulate(grid, rates, days=30, theta=0.0, omega=1.0, sigma=10, seed=4)
    cells = grid.flat_index(truth.events.x, truth.events.y)
    rows, cols = np.divmod(cells, grid.nx)
    assert len(cells) > 100
    assert set(rows.tolist()) == {2, 3} and set(cols.tolist()) == {5, 6, 7}
    masked = grid.with_mask(np.arange(100).reshape(10, 10) % 2 == 0)
    truth = simulate(masked, 1.0, days=30, theta=0.0, omega=1.0, sigma=10, seed=4)
    assert np.all(grid.flat_index(truth.events.x, truth.events.y) % 2 == 0)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"theta": 1.0}, "theta == 1.0, must be >= 0 and < 1"),
        ({"omega": 0.0}, "omega == 0.0"),
        ({"sigma": -1.0}, "sigma == -1.0"),
        ({"days": 0.0}, "days == 0.0"),
        ({"background": np.ones((2, 2))}, r"the background is \(2, 2\)"),
        ({"background": -1.0}, "finite number >= 0"),
    ],
)
def test_parameters_that_cannot_be_simulated_are_refused(
    parameters: dict[str, object], message: str
) -> None:
    settings: dict[str, object] = {
        "background": 0.1,
        "days": 10.0,
        "theta": 0.5,
        "omega": 0.2,
        "sigma": 50.0,
    }
    settings.update(parameters)
    background = settings.pop("background")
    with pytest.raises(SimulationError, match=message):
        simulate(AREA, background, seed=1, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sepp_recovers_the_triggering_parameters(seed: int) -> None:
    truth = simulate(AREA, 0.4, days=300, theta=THETA, omega=OMEGA, sigma=SIGMA, seed=seed)
    model = SEPP(AREA).fit(truth.events)
    assert model.converged_
    assert model.theta_ == pytest.approx(THETA, abs=THETA_TOLERANCE)
    assert 1 / model.omega_ == pytest.approx(1 / OMEGA, rel=DELAY_TOLERANCE)
    assert model.sigma_ == pytest.approx(SIGMA, rel=SIGMA_TOLERANCE)
    true_share = truth.background_count / len(truth.events)
    assert model.background_share_ == pytest.approx(true_share, abs=0.05)


def test_sepp_finds_no_triggering_where_there_is_none() -> None:
    truth = simulate(AREA, 0.5, days=300, theta=0.0, omega=OMEGA, sigma=SIGMA, seed=0)
    model = SEPP(AREA).fit(truth.events)
    assert model.theta_ < 0.03
    assert model.background_share_ > 0.98


def test_sepp_beats_the_naive_baseline_where_triggering_exists() -> None:
    grid = Grid.from_bounds(500_000, 150_000, 503_000, 153_000, cell_size=150)
    events = simulate(grid, 1.0, days=200, theta=0.6, omega=0.5, sigma=40, seed=3).events
    rows = compare({"sepp": SEPP}, events, grid, "2020-05-01", 5.0, 2.0, 8, coverages=(0.05, 0.2))
    pai = {(r["method"], r["coverage"]): r["pai"] for r in rows}
    assert pai["sepp", 0.05] > 2 * pai["naive", 0.05]
    assert pai["sepp", 0.2] > 1.5 * pai["naive", 0.2]
    # Naive, fed the whole history of a process whose background is flat, is near chance.
    assert pai["naive", 0.05] < 2
