"""Forecasters: each against values worked out by hand on tiny inputs, against the plain formula
on random inputs, their shared contract, and their guard rails."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import integrate, special

from constable.analysis.events import Events
from constable.analysis.forecasters import (
    FORECASTERS,
    KDE,
    SEPP,
    Forecaster,
    ForecastError,
    Naive,
    NotFittedError,
    Prospective,
    _truncated_mean,
    _truncated_rate,
    make_forecaster,
)
from constable.analysis.grid import Grid
from constable.analysis.synthetic import simulate

# Parameters that suit the small grids below, for the tests that run every forecaster.
SMALL: dict[str, dict[str, Any]] = {
    "naive": {},
    "kde": {"bandwidth": 150.0},
    "blend": {"bandwidth": 150.0, "weight": 0.2},
    "prospective": {"bandwidth": 300.0},
    "sepp": {"background_bandwidth": 300.0, "distance_cutoff": 300.0, "time_cutoff": 30.0},
    "learned": {"origins": 2, "max_iter": 20},
    "auto": {"max_windows": 3, "learned": False},
}


def events_at(points: list[tuple[float, float, float]], **kwargs: Any) -> Events:
    """Events from (x, y, days) triples."""
    x, y, t = zip(*points, strict=True)
    return Events.from_bng(list(x), list(y), list(t), **kwargs)


def random_events(seed: int, n: int, size: float, days: float) -> Events:
    rng = np.random.default_rng(seed)
    return Events.from_bng(
        rng.uniform(-200, size + 200, n), rng.uniform(-200, size + 200, n), rng.uniform(0, days, n)
    )


def small_synthetic() -> tuple[Grid, Events]:
    grid = Grid(0.0, 0.0, 100.0, 20, 20)
    truth = simulate(grid, 1.0, days=120, theta=0.5, omega=0.3, sigma=40, seed=7)
    return grid, truth.events


# --- Naive ------------------------------------------------------------------------------------


def test_naive_counts_the_events_before_the_start() -> None:
    grid = Grid(0.0, 0.0, 100.0, 3, 3)
    events = events_at([(50, 50, 1), (50, 50, 5), (150, 250, 8), (250, 50, 10), (250, 50, 12)])
    naive = Naive(grid).fit(events)
    assert naive.predict(10.0, 11.0).values.ravel().tolist() == [2, 0, 0, 0, 0, 0, 0, 1, 0]
    last_four_days = Naive(grid, days=4).fit(events).predict(10.0, 11.0)
    assert last_four_days.values.ravel().tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0]


# --- KDE --------------------------------------------------------------------------------------


def test_kde_gaussian_by_hand() -> None:
    grid = Grid(0.0, 0.0, 100.0, 3, 1)
    # Ages 10 and 20 days at a half-life of 10 days: weights 1/2 and 1/4.
    events = events_at([(50, 50, 0.0), (150, 50, -10.0)])
    scores = KDE(grid, bandwidth=100.0, half_life=10.0).fit(events).predict(10.0, 11.0)
    k = 1 / (2 * math.pi * 100.0**2)
    expected = [
        k * (0.5 + 0.25 * math.exp(-0.5)),
        k * (0.5 * math.exp(-0.5) + 0.25),
        k * (0.5 * math.exp(-2.0) + 0.25 * math.exp(-0.5)),
    ]
    assert scores.values.ravel() == pytest.approx(expected, rel=1e-12)


def test_kde_quartic_by_hand() -> None:
    grid = Grid(0.0, 0.0, 100.0, 3, 2)
    events = events_at([(50, 50, 0.0)])
    scores = KDE(grid, bandwidth=150.0, kernel="quartic", half_life=None).fit(events)
    values = scores.predict(1.0, 2.0).values
    k = 3 / (math.pi * 150.0**2)
    assert values[0, 0] == pytest.approx(k)
    assert values[0, 1] == pytest.approx(k * (1 - 100**2 / 150**2) ** 2)  # 100 m
    assert values[1, 1] == pytest.approx(k * (1 - 20_000 / 150**2) ** 2)  # 141 m
    assert values[0, 2] == 0.0  # 200 m: beyond the radius


@pytest.mark.parametrize("kernel", ["gaussian", "quartic"])
def test_kde_equals_the_plain_formula(kernel: str) -> None:
    grid = Grid(0.0, 0.0, 150.0, 12, 9)
    events = random_events(3, 400, 1500, 100)
    model = KDE(grid, bandwidth=220.0, kernel=kernel, half_life=25.0).fit(events)
    got = model.predict(80.0, 87.0).values
    history = events.before(80.0)
    w = np.exp2(-(80.0 - history.t) / 25.0)
    xc, yc = grid.centres()
    d2 = (xc.ravel()[:, None] - history.x) ** 2 + (yc.ravel()[:, None] - history.y) ** 2
    if kernel == "gaussian":
        k = np.exp(-d2 / (2 * 220.0**2)) / (2 * math.pi * 220.0**2)
    else:
        k = np.where(d2 < 220.0**2, (1 - d2 / 220.0**2) ** 2, 0) * 3 / (math.pi * 220.0**2)
    expected = (k * w).sum(axis=1).reshape(grid.shape)
    assert np.abs(got - expected).max() <= 1e-12 * expected.max()


def test_kde_accepts_month_only_events() -> None:
    grid = Grid(0.0, 0.0, 100.0, 3, 3)
    events = Events.from_bng([50, 150], [50, 50], ["2018-05", "2018-06"], has_times=False)
    scores = KDE(grid, bandwidth=100.0).fit(events).predict("2018-07-01", "2018-08-01")
    assert scores.values[0, 0] > 0


# --- Prospective ------------------------------------------------------------------------------


def prospective_at(
    points: list[tuple[float, float, float]], start: float = 100.0, **params: Any
) -> np.ndarray:
    grid = Grid(0.0, 0.0, 50.0, 20, 20)
    model = Prospective(grid, **params).fit(events_at(points))
    return model.predict(start, start + 7).values


def test_prospective_by_hand() -> None:
    # One event in cell (column 10, row 10), 10 days old: week 1, time weight 1/2.
    values = prospective_at([(525, 525, 90.0)])
    assert values[10, 10] == 0.5
    assert values[10, 13] == 1 / 4 * 1 / 2  # 3 cells east
    assert values[12, 13] == 1 / 4 * 1 / 2  # diagonal cells count as one step
    assert values[10, 17] == 1 / 8 * 1 / 2  # 7 cells: 350 m < 400 m
    assert values[10, 18] == 0.0  # 8 cells: 400 m is not within 400 m
    assert values.sum() == pytest.approx(0.5 * sum(8 * d / (1 + d) for d in range(1, 8)) + 0.5)


def test_prospective_weeks_are_whole_weeks_within_the_bandwidth() -> None:
    assert prospective_at([(525, 525, 100 - 55.9)])[10, 10] == 1 / 8  # week 7
    assert prospective_at([(525, 525, 100 - 56.0)]).sum() == 0.0  # week 8: too old
    assert prospective_at([(525, 525, 100 - 6.9)])[10, 10] == 1.0  # week 0
    # An event at the start itself is not history.
    assert prospective_at([(525, 525, 100.0), (25, 25, 0.0)], start=100.0)[10, 10] == 0.0


def test_prospective_other_distances() -> None:
    manhattan = prospective_at([(525, 525, 99.0)], distance="manhattan")
    assert manhattan[12, 13] == 1 / 6  # 3 + 2 cells
    euclidean = prospective_at([(525, 525, 99.0)], distance="euclidean")
    assert euclidean[12, 13] == pytest.approx(1 / (1 + math.sqrt(13)))


def test_prospective_counts_events_just_off_the_grid() -> None:
    # One column west of the grid (and one on it, too old to count, so that the fit has one).
    values = prospective_at([(-25, 525, 99.0), (525, 525, 0.0)])
    assert values[10, 0] == 1 / 2
    assert values[10, 6] == 1 / 8
    assert values[10, 7] == 0.0


@pytest.mark.parametrize("distance", ["chebyshev", "manhattan", "euclidean"])
def test_prospective_equals_the_plain_formula(distance: str) -> None:
    grid = Grid(0.0, 0.0, 150.0, 12, 9)
    events = random_events(5, 500, 1500, 100)
    got = Prospective(grid, distance=distance, bandwidth=500.0, weeks=6).fit(events)
    values = got.predict(80.0, 87.0).values
    history = events.before(80.0)
    col = np.floor(history.x / 150.0)
    row = np.floor(history.y / 150.0)
    weeks = np.floor((80.0 - history.t) / 7)
    cols, rows = np.meshgrid(np.arange(12), np.arange(9))
    di = np.abs(cols.ravel()[:, None] - col)
    dj = np.abs(rows.ravel()[:, None] - row)
    d = {"chebyshev": np.maximum(di, dj), "manhattan": di + dj, "euclidean": np.hypot(di, dj)}
    near = (d[distance] * 150 < 500) & (weeks < 6)
    expected = np.where(near, 1 / (1 + d[distance]) / (1 + weeks), 0).sum(axis=1)
    assert values.ravel() == pytest.approx(expected, abs=1e-12)


# --- SEPP -------------------------------------------------------------------------------------


def test_truncated_mean_matches_the_integral() -> None:
    for rate, cutoff in ((0.3, 5.0), (2.0, 40.0), (1e-7, 3.0)):
        density = integrate.quad(lambda s, r=rate: r * math.exp(-r * s), 0, cutoff)[0]
        mean = integrate.quad(lambda s, r=rate: s * r * math.exp(-r * s), 0, cutoff)[0] / density
        assert _truncated_mean(rate, np.array([cutoff]))[0] == pytest.approx(mean, rel=1e-6)


def test_truncated_rate_recovers_the_rate_of_censored_delays() -> None:
    rng = np.random.default_rng(11)
    cutoffs = rng.uniform(1, 20, 40_000)
    delays = rng.exponential(1 / 0.2, cutoffs.size)
    seen = delays <= cutoffs  # each delay is only seen up to its own cutoff
    rate = _truncated_rate(float(delays[seen].sum()), seen.astype(float), cutoffs, 1e-9)
    assert rate == pytest.approx(0.2, rel=0.03)
    # A plain mean of what was seen would be far off: the cutoffs hide the long delays.
    assert 1 / delays[seen].mean() > 0.25


def test_sepp_predict_is_background_plus_the_triggering_of_past_events() -> None:
    grid, events = small_synthetic()
    model = SEPP(grid, **SMALL["sepp"]).fit(events)
    start, end = float(events.t[0]) + 100, float(events.t[0]) + 102
    values = model.predict(start, end).values
    # SEPP is fitted on, and triggers from, the events on the grid only.
    history = events.before(start)
    history = history.select(grid.flat_index(history.x, history.y) >= 0)
    theta, omega, sigma = model.theta_, model.omega_, model.sigma_
    in_time = theta * (np.exp(-omega * (start - history.t)) - np.exp(-omega * (end - history.t)))
    for row, col in ((3, 4), (10, 10), (19, 0)):
        x_lo, y_lo = col * 100.0, row * 100.0
        mass_x = special.ndtr((x_lo + 100 - history.x) / sigma) - special.ndtr(
            (x_lo - history.x) / sigma
        )
        mass_y = special.ndtr((y_lo + 100 - history.y) / sigma) - special.ndtr(
            (y_lo - history.y) / sigma
        )
        expected = model.background_[row, col] * 2 + float(np.sum(in_time * mass_x * mass_y))
        assert values[row, col] == pytest.approx(expected, rel=1e-9)


def test_sepp_fit_is_deterministic_and_reports_what_it_learned() -> None:
    grid, events = small_synthetic()
    first = SEPP(grid, **SMALL["sepp"]).fit(events)
    second = SEPP(grid, **SMALL["sepp"]).fit(events)
    assert (first.theta_, first.omega_, first.sigma_) == (
        second.theta_,
        second.omega_,
        second.sigma_,
    )
    assert first.converged_ and first.n_iter_ < first.max_iter
    assert 0 < first.background_share_ < 1 and first.pairs_ > 0
    assert first.background_.shape == grid.shape
    # The background is events per day per cell: over the days of the events on the grid, it
    # adds up to the expected number of background events among them.
    on_grid = events.select(grid.flat_index(events.x, events.y) >= 0)
    assert len(on_grid) < len(events)
    background_events = first.background_.sum() * float(on_grid.t[-1] - on_grid.t[0])
    assert background_events == pytest.approx(first.background_share_ * len(on_grid), rel=1e-3)


@pytest.mark.parametrize("method", ["prospective", "sepp"])
def test_forecasters_that_need_times_refuse_month_only_events(method: str) -> None:
    grid = Grid(0.0, 0.0, 100.0, 5, 5)
    events = Events.from_bng([50, 150], [50, 50], ["2018-05", "2018-06"], has_times=False)
    model = make_forecaster(method, grid, **SMALL[method])
    with pytest.raises(ForecastError, match="month only"):
        model.fit(events)
    assert not hasattr(model, "events_")


# --- Guard rails ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("kde", {"bandwidth": 100.0}, "bandwidth == 100 m is smaller than the grid's 150 m cells"),
        ("kde", {"bandwidth": 0.0}, "bandwidth == 0.0, must be > 0"),
        ("kde", {"kernel": "box"}, "kernel == 'box'"),
        ("kde", {"half_life": -1.0}, "half_life == -1.0"),
        ("prospective", {"bandwidth": 149.0}, "bandwidth == 149 m is smaller"),
        ("prospective", {"weeks": 0}, "weeks == 0"),
        ("prospective", {"distance": "taxi"}, "distance == 'taxi'"),
        ("sepp", {"background_bandwidth": 100.0}, "background_bandwidth == 100 m is smaller"),
        ("sepp", {"distance_cutoff": 50.0}, "distance_cutoff == 50 m is smaller"),
        ("sepp", {"initial_theta": 1.0}, "initial_theta == 1.0"),
        ("sepp", {"background": "flat"}, "background == 'flat'"),
        ("naive", {"days": 0.0}, "days == 0.0"),
    ],
)
def test_bad_parameters_are_reported_before_any_work(
    method: str, params: dict[str, Any], message: str
) -> None:
    grid = Grid(0.0, 0.0, 150.0, 5, 5)
    model = make_forecaster(method, grid, **params)
    # Even events that fit no grid: the parameters are checked first.
    far = events_at([(1e6, 1e6, 0.0), (1e6, 1e6, 1.0)])
    with pytest.raises(ForecastError, match=message):
        model.fit(far)
    assert not hasattr(model, "events_")


@pytest.mark.parametrize("method", sorted(FORECASTERS))
def test_events_off_the_grid_or_in_another_system_are_refused(method: str) -> None:
    grid = Grid(0.0, 0.0, 100.0, 5, 5)
    model = make_forecaster(method, grid, **SMALL[method])
    with pytest.raises(ForecastError, match="none of the 2 events is on the grid"):
        model.fit(events_at([(1e6, 1e6, 0.0), (1e6, 1e6, 1.0)]))
    with pytest.raises(ForecastError, match="the events are in EPSG:4326"):
        model.fit(events_at([(1.0, 1.0, 0.0)], crs="EPSG:4326"))
    with pytest.raises(ForecastError, match="empty history"):
        model.fit(Events.from_bng([], [], np.array([], dtype=float)))


# --- The contract every forecaster keeps -------------------------------------------------------


@pytest.mark.parametrize("method", sorted(FORECASTERS))
def test_the_shared_contract(method: str) -> None:
    grid, events = small_synthetic()
    model = make_forecaster(method, grid, **SMALL[method])
    params = model.get_params()
    with pytest.raises(NotFittedError, match=f"This {type(model).__name__} instance is not fitted"):
        model.predict(10.0, 11.0)
    assert model.fit(events) is model
    assert model.get_params() == params  # fit does not change the parameters
    clone = model.clone()
    assert clone.get_params() == params and not hasattr(clone, "events_")
    assert repr(model).startswith(f"{type(model).__name__}(")
    start = float(events.t[0]) + 60
    scores = model.predict(start, start + 7)
    assert scores.values.shape == grid.shape and scores.values.max() > 0
    with pytest.raises(ForecastError, match="ends"):
        model.predict(start, start)
    with pytest.raises(ForecastError, match="empty history"):
        model.predict(float(events.t[0]) - 1, float(events.t[0]))


@pytest.mark.parametrize("method", ["naive", "kde", "blend", "prospective", "learned", "auto"])
def test_predict_uses_no_event_at_or_after_its_start(method: str) -> None:
    grid, events = small_synthetic()
    start = float(events.t[0]) + 60
    everything = make_forecaster(method, grid, **SMALL[method]).fit(events)
    history_only = make_forecaster(method, grid, **SMALL[method]).fit(events.before(start))
    assert np.array_equal(
        everything.predict(start, start + 7).values, history_only.predict(start, start + 7).values
    )


@pytest.mark.parametrize("method", sorted(FORECASTERS))
def test_the_scikit_learn_checks(method: str) -> None:
    """``__init__`` only stores its parameters; ``fit`` leaves its input unchanged and is
    repeatable (a second fit, even after other events, forgets the first)."""
    grid, events = small_synthetic()
    model = make_forecaster(method, grid, **SMALL[method])
    assert set(vars(model)) == {"grid", *model.get_params()}
    assert all(getattr(model, k) is v for k, v in model.get_params().items())
    copies = [np.array(a) for a in (events.x, events.y, events.t)]
    start = float(events.t[0]) + 60
    first = model.fit(events).predict(start, start + 7).values
    for before, after in zip(copies, (events.x, events.y, events.t), strict=True):
        assert np.array_equal(before, after)
    model.fit(events.before(start - 20))
    again = model.fit(events).predict(start, start + 7).values
    assert np.array_equal(first, again)


def test_make_forecaster_names_the_choices() -> None:
    grid = Grid(0.0, 0.0, 100.0, 2, 2)
    with pytest.raises(ForecastError, match="must be one of auto, naive, kde, blend, "):
        make_forecaster("magic", grid)
    with pytest.raises(ForecastError, match="KDE"):
        make_forecaster("kde", grid, width=3)
    model: Forecaster = make_forecaster("kde", grid, bandwidth=300.0)
    assert isinstance(model, KDE) and model.bandwidth == 300.0


def test_sepp_flags_a_degenerate_fit_on_snapped_points() -> None:
    """Events on 40 fixed points at random times (as police.uk's snapped points with dates):
    the fit pins theta at 1 and collapses sigma; it says so and is not converged."""
    rng = np.random.default_rng(1)
    px, py = rng.uniform(0, 2000, 40).round(), rng.uniform(0, 2000, 40).round()
    rate = rng.gamma(0.5, 1, 40)
    chosen = rng.choice(40, 800, p=rate / rate.sum())
    events = Events.from_bng(px[chosen], py[chosen], rng.uniform(0, 200, 800))
    model = SEPP(Grid(0.0, 0.0, 150.0, 14, 14)).fit(events)
    assert not model.converged_
    assert any("collapsed" in reason for reason in model.degenerate_)
