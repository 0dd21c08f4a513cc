"""Metrics against values worked out by hand, and the backtest's rule: no look-ahead."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from constable.analysis.evaluation import (
    BacktestError,
    backtest,
    compare,
    expected_hits,
    hit_rate,
    pai,
    pei_star,
    score,
    spread,
)
from constable.analysis.events import Events, FloatArray
from constable.analysis.forecasters import KDE, Forecaster
from constable.analysis.grid import Grid, Scores
from constable.analysis.synthetic import simulate


def row_of_ten() -> Grid:
    """Ten 100 m cells in a row: flat index = column."""
    return Grid(0.0, 0.0, 100.0, 10, 1)


def events_in_cells(cells: list[int], day: float = 0.0) -> Events:
    """One event at the centre of each listed cell of :func:`row_of_ten`."""
    return Events.from_bng([c * 100 + 50.0 for c in cells], [50.0] * len(cells), [day] * len(cells))


# --- Metrics ----------------------------------------------------------------------------------


def test_metrics_by_hand() -> None:
    scores = Scores(row_of_ten(), np.arange(9.0, -1.0, -1.0))  # cell 0 best, cell 9 worst
    events = events_in_cells([0, 2, 2, 5, 5, 5, 9])
    twenty, half = score(scores, events, (0.2, 0.5))
    # 20%: cells 0 and 1 hold 1 of the 7 events; the best two cells (5 and 2) hold 5.
    assert (twenty.cells, twenty.events, twenty.hits, twenty.max_hits) == (2, 7, 1.0, 5.0)
    assert twenty.hit_rate == pytest.approx(1 / 7)
    assert twenty.pai == pytest.approx((1 / 7) / (2 / 10))
    assert twenty.pei_star == pytest.approx(1 / 5)
    # 50%: cells 0-4 hold 3; the best five cells hold all 7.
    assert (half.hits, half.max_hits) == (3.0, 7.0)
    assert half.pai == pytest.approx((3 / 7) / 0.5)
    assert half.pei_star == pytest.approx(3 / 7)
    assert hit_rate(scores, events, 0.5) == pytest.approx(3 / 7)
    assert pai(scores, events, 0.2) == pytest.approx(5 / 7)
    assert pei_star(scores, events, 0.2) == pytest.approx(0.2)


def test_ties_at_the_edge_are_shared_as_if_chosen_at_random() -> None:
    values = np.array([3.0, 2.0, 2.0, 2.0, 1.0])
    counts = np.array([1.0, 0.0, 3.0, 0.0, 5.0])
    # Cell 0, then one of the three tied cells: on average a third of their 3 events.
    assert expected_hits(values, counts, 2) == 2.0
    assert expected_hits(values, counts, 4) == 4.0
    assert expected_hits(values, counts, 5) == 9.0


def test_a_flat_forecast_scores_what_chance_scores() -> None:
    scores = Scores(row_of_ten(), np.zeros(10))
    events = events_in_cells([0, 0, 0, 3])  # all in the first cells: cell order must not help
    result = score(scores, events, (0.1, 0.3))
    assert [s.hits for s in result] == [pytest.approx(0.4), pytest.approx(1.2)]
    assert [s.pai for s in result] == [pytest.approx(1.0), pytest.approx(1.0)]


def test_events_in_masked_cells_are_left_out() -> None:
    grid = row_of_ten().with_mask([[True] * 5 + [False] * 5])
    scores = Scores(grid, np.arange(10.0))  # the masked cells score highest: ignored
    (result,) = score(scores, events_in_cells([4, 4, 0, 7]), (0.2,))
    assert (result.cells, result.valid_cells, result.events) == (1, 5, 3)
    assert result.hits == 2.0 and result.pai == pytest.approx((2 / 3) / (1 / 5))


def test_a_window_without_events_has_no_metrics() -> None:
    (result,) = score(Scores(row_of_ten(), np.arange(10.0)), events_in_cells([]), (0.1,))
    assert math.isnan(result.hit_rate) and math.isnan(result.pai) and math.isnan(result.pei_star)
    assert result.as_dict()["pai"] is None


def test_spread_by_hand() -> None:
    assert spread([1.0, 2.0, 3.0, math.nan]) == {
        "mean": 2.0,
        "std": 1.0,
        "min": 1.0,
        "max": 3.0,
        "n": 3,
    }
    assert spread([math.nan])["mean"] is None
    assert spread([4.0])["std"] == 0.0


# --- The backtest -----------------------------------------------------------------------------


class Recorder(Forecaster):
    """Records, for each fit and predict, the latest event it was given and the window."""

    name = "recorder"

    def __init__(self, grid: Grid, *, log: list[dict[str, float]] | None = None) -> None:
        self.grid = grid
        self.log = log

    def _check_parameters(self) -> None:
        pass

    def _fit(self, events: Events) -> None:
        self.latest_ = float(events.t.max())
        self.count_ = len(events)

    def _predict(self, start: float, end: float) -> FloatArray:
        assert self.log is not None
        self.log.append({"latest": self.latest_, "count": self.count_, "start": start, "end": end})
        return np.zeros(self.grid.shape)


def daily_events(days: int = 100) -> Events:
    """One event a day at noon, walking along the row of ten cells."""
    return Events.from_bng(
        [(d % 10) * 100 + 50.0 for d in range(days)], [50.0] * days, [d + 0.5 for d in range(days)]
    )


def test_a_forecaster_never_sees_the_window_it_forecasts_or_later() -> None:
    events = daily_events()
    log: list[dict[str, float]] = []
    result = backtest(lambda g: Recorder(g, log=log), events, row_of_ten(), 50.0, 10.0, 5.0, 3)
    assert [entry["start"] for entry in log] == [50.0, 60.0, 70.0]
    assert [entry["end"] for entry in log] == [55.0, 65.0, 75.0]
    for entry in log:
        assert entry["latest"] < entry["start"]
        # ...and it was given all of the history, not just some of it.
        assert entry["count"] == len(events.before(entry["start"]))
    assert [w.train_events for w in result.windows] == [50, 60, 70]
    assert [w.test_events for w in result.windows] == [5, 5, 5]


def test_history_days_limits_the_history() -> None:
    log: list[dict[str, float]] = []
    backtest(
        lambda g: Recorder(g, log=log),
        daily_events(),
        row_of_ten(),
        50.0,
        10.0,
        5.0,
        2,
        history_days=20,
    )
    assert [entry["count"] for entry in log] == [20, 20]


def test_changing_the_future_does_not_change_earlier_windows() -> None:
    grid = Grid(0.0, 0.0, 100.0, 10, 10)
    truth = simulate(grid, 2.0, days=120, theta=0.4, omega=0.3, sigma=50, seed=5)
    events = truth.events
    first_cut = float(events.t[0]) + 60
    original = backtest(KDE, events, grid, first_cut, 7.0, 7.0, 3)
    # Keep everything up to the end of window 0, and replace the rest with other events.
    kept = events.before(first_cut + 7)
    rng = np.random.default_rng(0)
    later = rng.uniform(first_cut + 7, first_cut + 40, 300)
    changed = Events.from_bng(
        np.concatenate([kept.x, rng.uniform(0, 1000, 300)]),
        np.concatenate([kept.y, rng.uniform(0, 1000, 300)]),
        np.concatenate([kept.t, later]),
    )
    again = backtest(KDE, changed, grid, first_cut, 7.0, 7.0, 3)
    assert again.windows[0].as_dict() == original.windows[0].as_dict()
    assert again.windows[1].as_dict() != original.windows[1].as_dict()


def test_windows_in_calendar_months_for_month_only_events() -> None:
    months = [f"2018-{m:02d}" for m in range(1, 7) for _ in range(m)]  # m events in month m
    events = Events.from_bng([50.0] * len(months), [50.0] * len(months), months, has_times=False)
    log: list[dict[str, float]] = []
    result = backtest(
        lambda g: Recorder(g, log=log), events, row_of_ten(), "2018-04-01", "1M", "1M", 3
    )
    assert [w.cut for w in result.windows] == [dt.datetime(2018, m, 1) for m in (4, 5, 6)]
    assert [w.end for w in result.windows] == [dt.datetime(2018, m, 1) for m in (5, 6, 7)]
    assert [w.train_events for w in result.windows] == [6, 10, 15]
    assert [w.test_events for w in result.windows] == [4, 5, 6]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"step": 0.0}, "step == 0.0, must be > 0"),
        ({"horizon": -1.0}, "horizon == -1.0, must be > 0"),
        ({"n_windows": 0}, "n_windows == 0"),
        ({"first_cut": 0.0}, "empty history: the first cut"),
        ({"n_windows": 9}, "window 6 starts at 1970-04-11 00:00:00, after the last event"),
        ({"step": "1Y"}, "'1Y' is not a period"),
        ({"coverages": (0.0,)}, "coverage 0.0 must be > 0"),
    ],
)
def test_a_backtest_that_cannot_be_run_is_refused_before_any_fit(
    arguments: dict[str, object], message: str
) -> None:
    log: list[dict[str, float]] = []
    settings: dict[str, object] = {
        "first_cut": 40.0,
        "step": 10.0,
        "horizon": 5.0,
        "n_windows": 3,
    }
    settings.update(arguments)
    coverages = settings.pop("coverages", (0.1,))
    with pytest.raises(BacktestError, match=message):
        backtest(
            lambda g: Recorder(g, log=log),
            daily_events(),
            row_of_ten(),
            coverages=coverages,  # type: ignore[arg-type]
            **settings,  # type: ignore[arg-type]
        )
    assert log == []


def test_the_summary_is_the_spread_of_the_windows() -> None:
    grid = Grid(0.0, 0.0, 100.0, 10, 10)
    events = simulate(grid, 2.0, days=120, theta=0.4, omega=0.3, sigma=50, seed=5).events
    result = backtest(
        KDE, events, grid, float(events.t[0]) + 60, 7.0, 7.0, 4, coverages=(0.05, 0.2)
    )
    values = result.values("pai", 0.05)
    assert len(values) == 4
    assert result.summary()["5%"]["pai"] == spread(values)
    assert result.summary()["20%"]["hit_rate"]["max"] == max(result.values("hit_rate", 0.2))
    document = result.as_dict()
    assert document["method"] == "kde" and document["params"]["bandwidth"] == 200.0
    assert len(document["windows"]) == 4
    json.dumps(document, allow_nan=False)


def test_compare_always_runs_the_naive_baseline_first() -> None:
    grid = Grid(0.0, 0.0, 100.0, 10, 10)
    events = simulate(grid, 2.0, days=120, theta=0.4, omega=0.3, sigma=50, seed=5).events
    rows = compare(
        {"kde": KDE}, events, grid, float(events.t[0]) + 60, 7.0, 7.0, 3, coverages=(0.05, 0.2)
    )
    assert [(r["method"], r["coverage"]) for r in rows] == [
        ("naive", 0.05),
        ("naive", 0.2),
        ("kde", 0.05),
        ("kde", 0.2),
    ]
    assert all(r["windows"] == 3 for r in rows)
    assert rows[0]["pai_vs_naive"] == 1.0
    assert rows[2]["pai_vs_naive"] == pytest.approx(rows[2]["pai"] / rows[0]["pai"])
    assert {"hit_rate", "hit_rate_std", "pai_min", "pei_star_max"} <= set(rows[0])
    json.dumps(rows, allow_nan=False)
