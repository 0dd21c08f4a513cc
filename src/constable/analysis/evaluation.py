"""How good a forecast is: hit rate, PAI and PEI*, and a rolling-origin backtest.

For a forecast ``Scores`` over a grid with ``N`` valid cells, and the ``n`` events of the
window it forecast that fall in valid cells (events elsewhere are counted apart as
``outside``; no forecast could hit them), at a coverage fraction ``f``:

- ``k`` is the number of cells that make ``f`` of the area: ``round(f N)``, at least 1;
- ``hits`` is the number of events in the ``k`` highest-scoring cells. When cells tie at the
  ``k``-th score, only some of them fit; they are taken as if chosen at random, so ``hits``
  counts the events in the cells strictly above the tie plus the tied cells' events times the
  share of the tied cells that fit. A flat forecast (every score equal) therefore gets ``n k /
  N``, what chance gets, never the luck of the cell order;
- **hit rate** ``= hits / n``: the share of crime in the flagged area;
- **PAI** (Predictive Accuracy Index, Chainey, Tompson & Uhlig 2008) ``= (hits / n) / (k / N)``:
  the hit rate over the share of area; 1 is chance;
- **PEI\\*** (Prediction Efficiency Index star, a refinement of Hunt's 2016 PEI, with which the US
  National Institute of Justice scored its 2017 Real-Time Crime Forecasting Challenge; White,
  Hunt & Green 2023) ``= hits / n*_k``, where ``n*_k`` is the
  most events any ``k`` cells held (the sum of the ``k`` largest counts): the share of the
  best possible with the same area, from 0 to 1.

When the window has no events in valid cells, the three are undefined (NaN, None in JSON).

:func:`backtest` runs a forecaster over rolling windows: for each cut ``c_w = first_cut + w
step``, a new forecaster is fitted on the events strictly before ``c_w`` (optionally only the
last ``history_days`` of them) and its forecast for ``[c_w, c_w + horizon)`` is scored on the
events of that window. Events at or after a cut never reach the forecaster fitted for it.
:func:`compare` does the same for several forecasters, the naive one always among them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

import numpy as np

from constable.analysis.events import AnalysisError, Events, FloatArray, TimeLike
from constable.analysis.forecasters import Forecaster, Naive
from constable.analysis.grid import Grid, Scores

DEFAULT_COVERAGES: tuple[float, ...] = (0.01, 0.05, 0.10, 0.20)
METRICS = ("hit_rate", "pai", "pei_star")

Factory: TypeAlias = Callable[[Grid], Forecaster]
"""Makes an unfitted forecaster for a grid: a forecaster class, or e.g. ``lambda g: KDE(g,
bandwidth=300)``."""

Period: TypeAlias = float | int | dt.timedelta | str
"""A length of time: days (a number), a timedelta, or text: ``"7D"``, ``"2W"``, ``"1M"``
(calendar months, for month-only data)."""

_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([DWM])\s*$", re.IGNORECASE)


class BacktestError(AnalysisError):
    """A backtest or a score that cannot be run as asked."""


# --- Metrics -------------------------------------------------------------------------------------


def coverage_label(coverage: float) -> str:
    """``0.05`` as ``"5%"``."""
    return f"{coverage * 100:g}%"


@dataclass(frozen=True)
class CoverageScore:
    """The metrics of one forecast at one coverage fraction."""

    coverage: float
    cells: int
    valid_cells: int
    events: int
    hits: float
    max_hits: float

    @property
    def area_share(self) -> float:
        """The flagged cells' share of the valid cells (``k / N``, near ``coverage``)."""
        return self.cells / self.valid_cells

    @property
    def hit_rate(self) -> float:
        """Share of the window's events in the flagged cells (NaN without events)."""
        return self.hits / self.events if self.events else math.nan

    @property
    def pai(self) -> float:
        """Hit rate over the share of area flagged (NaN without events)."""
        return self.hit_rate / self.area_share if self.events else math.nan

    @property
    def pei_star(self) -> float:
        """Hits over the most any as many cells could have had (NaN without events)."""
        return self.hits / self.max_hits if self.max_hits else math.nan

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (NaN as None)."""
        return {
            "coverage": self.coverage,
            "cells": self.cells,
            "valid_cells": self.valid_cells,
            "events": self.events,
            "hits": self.hits,
            "max_hits": self.max_hits,
            **{name: _json_number(getattr(self, name)) for name in METRICS},
        }


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def observed_counts(grid: Grid, events: Events) -> tuple[FloatArray, int]:
    """The events in each cell, ``(ny, nx)``, zero in masked-out cells; and how many events
    were off the grid or in masked-out cells."""
    if events.crs != grid.crs:
        raise BacktestError(f"the events are in {events.crs}, the grid is in {grid.crs}")
    flat = grid.flat_index(events.x, events.y, valid_only=True)
    on = flat >= 0
    counts = np.bincount(flat[on], minlength=grid.n_cells).astype(np.float64)
    return counts.reshape(grid.shape), int(np.count_nonzero(~on))


def expected_hits(scores: FloatArray, counts: FloatArray, k: int) -> float:
    """Events in the ``k`` highest-scoring cells, ties at the ``k``-th score shared at random.

    ``scores`` and ``counts`` are flat arrays over the same cells.
    """
    if k <= 0:
        return 0.0
    if k >= len(scores):
        return float(counts.sum())
    threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
    above = scores > threshold
    tied = scores == threshold
    room = k - int(np.count_nonzero(above))
    return float(counts[above].sum()) + room * float(counts[tied].sum()) / int(
        np.count_nonzero(tied)
    )


def score(
    scores: Scores, events: Events, coverages: Sequence[float] = DEFAULT_COVERAGES
) -> list[CoverageScore]:
    """Hit rate, PAI and PEI* of a forecast against the events of its window, per coverage."""
    counts, _ = observed_counts(scores.grid, events)
    cells = scores.grid.valid_cells()
    values = scores.values.ravel()[cells]
    observed = counts.ravel()[cells]
    best = np.sort(observed)[::-1]
    total = int(observed.sum())
    out = []
    for coverage in coverages:
        k = scores.cells_for(coverage)
        out.append(
            CoverageScore(
                coverage=coverage,
                cells=k,
                valid_cells=len(cells),
                events=total,
                hits=expected_hits(values, observed, k),
                max_hits=float(best[:k].sum()),
            )
        )
    return out


def hit_rate(scores: Scores, events: Events, coverage: float) -> float:
    """The share of ``events`` in the top ``coverage`` of the forecast's cells."""
    return score(scores, events, (coverage,))[0].hit_rate


def pai(scores: Scores, events: Events, coverage: float) -> float:
    """The Predictive Accuracy Index at ``coverage``."""
    return score(scores, events, (coverage,))[0].pai


def pei_star(scores: Scores, events: Events, coverage: float) -> float:
    """PEI* at ``coverage``: hits over the most hits as many cells could have had."""
    return score(scores, events, (coverage,))[0].pei_star


def spread(values: Sequence[float]) -> dict[str, float | int | None]:
    """Mean, standard deviation (n - 1), minimum and maximum of the defined values, and n."""
    defined = np.array([v for v in values if not math.isnan(v)], dtype=np.float64)
    if not defined.size:
        return {"mean": None, "std": None, "min": None, "max": None, "n": 0}
    return {
        "mean": float(defined.mean()),
        "std": float(defined.std(ddof=1)) if defined.size > 1 else 0.0,
        "min": float(defined.min()),
        "max": float(defined.max()),
        "n": int(defined.size),
    }


# --- Backtest ------------------------------------------------------------------------------------


def _period(value: Period) -> tuple[float, int]:
    """A period as (days, months); one of the two is zero."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86_400, 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), 0
    if isinstance(value, str) and (match := _PERIOD.match(value)):
        amount, unit = float(match.group(1)), match.group(2).upper()
        if unit == "M":
            if amount != int(amount):
                raise BacktestError(f"{value!r}: months must be a whole number")
            return 0.0, int(amount)
        return amount * (7 if unit == "W" else 1), 0
    raise BacktestError(f"{value!r} is not a period: give days, a timedelta, or '7D', '2W', '1M'")


def _add(moment: dt.datetime, days: float, months: int) -> dt.datetime:
    if months:
        index = moment.year * 12 + moment.month - 1 + months
        year, month = divmod(index, 12)
        if moment.day > 28:
            raise BacktestError(f"{moment:%Y-%m-%d}: steps in months need a day of the month <= 28")
        return moment.replace(year=year, month=month + 1)
    return moment + dt.timedelta(days=days)


class Metrics(Protocol):
    """The metrics of a forecast at one coverage: :class:`CoverageScore` for a grid of cells,
    ``AreaCoverageScore`` (:mod:`constable.analysis.areas`) for a ranking of neighbourhoods."""

    @property
    def coverage(self) -> float: ...

    @property
    def hit_rate(self) -> float: ...

    @property
    def pai(self) -> float: ...

    @property
    def pei_star(self) -> float: ...

    def as_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Window:
    """One window of a backtest: what the forecaster was fitted on and how it scored.

    ``test_events`` are the window's events that could be hit (in the area ranked), ``outside``
    the rest."""

    index: int
    cut: dt.datetime
    end: dt.datetime
    train_events: int
    test_events: int
    outside: int
    scores: Sequence[Metrics]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "window": self.index,
            "cut": self.cut.isoformat(),
            "end": self.end.isoformat(),
            "train_events": self.train_events,
            "test_events": self.test_events,
            "outside": self.outside,
            "metrics": {coverage_label(s.coverage): s.as_dict() for s in self.scores},
        }


@dataclass(frozen=True)
class Backtest:
    """Every window of one forecaster's backtest, and the spread of each metric across them."""

    method: str
    params: dict[str, Any]
    coverages: tuple[float, ...]
    windows: list[Window]

    def values(self, metric: str, coverage: float) -> list[float]:
        """One metric at one coverage, window by window."""
        at = self.coverages.index(coverage)
        return [float(getattr(w.scores[at], metric)) for w in self.windows]

    def summary(self) -> dict[str, dict[str, dict[str, float | int | None]]]:
        """``{coverage label: {metric: {mean, std, min, max, n}}}`` across the windows."""
        return {
            coverage_label(c): {m: spread(self.values(m, c)) for m in METRICS}
            for c in self.coverages
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "method": self.method,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "coverages": list(self.coverages),
            "windows": [w.as_dict() for w in self.windows],
            "summary": self.summary(),
        }


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else repr(value)


def _method_name(forecaster: Forecaster) -> str:
    return forecaster.name or type(forecaster).__name__


def backtest(
    forecaster_factory: Factory,
    events: Events,
    grid: Grid,
    first_cut: TimeLike,
    step: Period,
    horizon: Period,
    n_windows: int,
    *,
    coverages: Sequence[float] = DEFAULT_COVERAGES,
    history_days: float | None = None,
) -> Backtest:
    """Fit on the history before each cut, forecast the next ``horizon``, score it.

    Windows start at ``first_cut``, ``first_cut + step``, ... (``n_windows`` of them). Each
    window's forecaster is new (``forecaster_factory(grid)``) and is given only the events
    strictly before its cut (and, with ``history_days``, not older than that): it cannot see
    the window it forecasts or anything after it. Errors before any fitting: those of
    :func:`window_bounds` and :func:`check_coverages`.
    """
    if history_days is not None and not history_days > 0:
        raise BacktestError(f"history_days == {history_days}, must be > 0 or None")
    coverages = check_coverages(coverages)
    windows = []
    name, params = "", {}
    for index, (cut, end) in enumerate(window_bounds(events, first_cut, step, horizon, n_windows)):
        history = events.before(cut)
        if history_days is not None:
            history = history.between(events.days(cut) - history_days, cut)
        if not len(history):
            raise BacktestError(f"empty history: no events in the history of window {index}")
        forecaster = forecaster_factory(grid)
        name, params = _method_name(forecaster), forecaster.get_params()
        forecast = forecaster.fit(history).predict(cut, end)
        future = events.between(cut, end)
        _, outside = observed_counts(grid, future)
        windows.append(
            Window(
                index=index,
                cut=cut,
                end=end,
                train_events=len(history),
                test_events=len(future) - outside,
                outside=outside,
                scores=score(forecast, future, coverages),
            )
        )
    return Backtest(name, params, coverages, windows)


def check_coverages(coverages: Sequence[float]) -> tuple[float, ...]:
    """The coverages as a tuple, or an error naming one not in (0, 1]."""
    for coverage in coverages:
        if not 0 < coverage <= 1:
            raise BacktestError(f"coverage {coverage} must be > 0 and <= 1")
    return tuple(coverages)


def window_bounds(
    events: Events, first_cut: TimeLike, step: Period, horizon: Period, n_windows: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The ``(cut, end)`` of each window of a rolling-origin backtest over ``events``.

    Errors: windows in the wrong order (``step`` or ``horizon`` not positive, no windows), no
    events before the first cut, or a window that starts after the last event.
    """
    step_days, step_months = _period(step)
    horizon_days, horizon_months = _period(horizon)
    if not (isinstance(n_windows, int) and n_windows >= 1):
        raise BacktestError(f"n_windows == {n_windows!r}, must be a whole number >= 1")
    if step_days <= 0 and step_months <= 0:
        raise BacktestError(f"step == {step!r}, must be > 0: the windows must move forward")
    if horizon_days <= 0 and horizon_months <= 0:
        raise BacktestError(
            f"horizon == {horizon!r}, must be > 0: a window must end after it starts"
        )
    if not len(events):
        raise BacktestError("empty history: there are no events")
    first = events.moment(events.days(first_cut))
    cuts = [_add(first, step_days * w, step_months * w) for w in range(n_windows)]
    if events.days(cuts[0]) <= float(events.t[0]):
        raise BacktestError(
            f"empty history: the first cut ({cuts[0]}) is not after the first event "
            f"({events.moment(float(events.t[0]))})"
        )
    last = float(events.t[-1])
    for index, cut in enumerate(cuts):
        if events.days(cut) > last:
            raise BacktestError(
                f"window {index} starts at {cut}, after the last event "
                f"({events.moment(last)}): use fewer windows or an earlier first cut"
            )
    return [(cut, _add(cut, horizon_days, horizon_months)) for cut in cuts]


def backtests(
    factories: Mapping[str, Factory],
    events: Events,
    grid: Grid,
    first_cut: TimeLike,
    step: Period,
    horizon: Period,
    n_windows: int,
    *,
    coverages: Sequence[float] = DEFAULT_COVERAGES,
    history_days: float | None = None,
) -> dict[str, Backtest]:
    """:func:`backtest` of several forecasters on the same windows, by name; the naive one
    always runs (as ``"naive"``, first) unless one is given under that name."""
    runs: dict[str, Factory] = {"naive": factories.get("naive", Naive)}
    runs.update({k: v for k, v in factories.items() if k != "naive"})
    return {
        name: backtest(
            factory,
            events,
            grid,
            first_cut,
            step,
            horizon,
            n_windows,
            coverages=coverages,
            history_days=history_days,
        )
        for name, factory in runs.items()
    }


def compare(
    factories: Mapping[str, Factory],
    events: Events,
    grid: Grid,
    first_cut: TimeLike,
    step: Period,
    horizon: Period,
    n_windows: int,
    *,
    coverages: Sequence[float] = DEFAULT_COVERAGES,
    history_days: float | None = None,
) -> list[dict[str, Any]]:
    """Backtest several forecasters on the same windows; one row per method and coverage.

    The naive forecaster is always run (as ``"naive"``, first) unless one is given under that
    name. The rows are those of :func:`comparison_rows`.
    """
    return comparison_rows(
        backtests(
            factories,
            events,
            grid,
            first_cut,
            step,
            horizon,
            n_windows,
            coverages=coverages,
            history_days=history_days,
        )
    )


def comparison_rows(
    results: Mapping[str, Backtest], baseline: str = "naive"
) -> list[dict[str, Any]]:
    """One row per method and coverage of backtests run on the same windows.

    Each row has ``method``, ``coverage``, ``windows`` and, for each metric, its mean
    (``hit_rate``, ``pai``, ``pei_star``) and spread (``..._std``, ``..._min``, ``..._max``),
    ``pai_vs_naive``: the method's mean PAI over the ``baseline`` method's, and ``won``,
    ``lost`` and ``tied``: the windows whose PAI was above, below or equal to the baseline's
    in the same window. NaN is None, so rows go straight to JSON.
    """
    if baseline not in results:
        raise BacktestError(f"no {baseline!r} among the backtests to compare with")
    rows = []
    for name, result in results.items():
        for coverage in result.coverages:
            row: dict[str, Any] = {"method": name, "coverage": coverage}
            row["windows"] = len(result.windows)
            for metric in METRICS:
                stats = spread(result.values(metric, coverage))
                row[metric] = stats["mean"]
                for key in ("std", "min", "max"):
                    row[f"{metric}_{key}"] = stats[key]
            naive = spread(results[baseline].values("pai", coverage))["mean"]
            mine = row["pai"]
            row["pai_vs_naive"] = mine / naive if mine is not None and naive else None
            row.update(
                won_lost(result.values("pai", coverage), results[baseline].values("pai", coverage))
            )
            rows.append(row)
    return rows


def won_lost(mine: Sequence[float], baseline: Sequence[float]) -> dict[str, int]:
    """Windows where ``mine`` was above (``won``), below (``lost``) or equal to (``tied``) the
    baseline in the same window; windows where either is undefined are left out."""
    pairs = [
        (a, b) for a, b in zip(mine, baseline, strict=True) if not (math.isnan(a) or math.isnan(b))
    ]
    return {
        "won": sum(a > b for a, b in pairs),
        "lost": sum(a < b for a, b in pairs),
        "tied": sum(a == b for a, b in pairs),
    }


def verdict(row: Mapping[str, Any], naive: Mapping[str, Any]) -> str:
    """One plain sentence for a comparison row against the baseline's row at the same
    coverage: who wins, the two mean PAIs, in how many windows, and the spread."""
    at = coverage_label(row["coverage"])
    me, base = row["method"], naive["method"]
    mine, theirs = row["pai"], naive["pai"]
    if mine is None or theirs is None:
        return f"{me} at {at}: no window had events to score."
    scored = row["won"] + row["lost"] + row["tied"]
    if mine > theirs:
        text = f"{me} beats {base} at {at}: {mine:.2f} against {theirs:.2f}, "
        text += f"ahead in {row['won']} of {scored} windows"
    elif mine < theirs:
        text = f"{base} wins at {at}: {theirs:.2f} against {me}'s {mine:.2f}, "
        text += f"in {row['lost']} of {scored} windows"
    else:
        text = f"{me} and {base} tie at {at}: {mine:.2f}, "
        text += f"{row['won']} won and {row['lost']} lost of {scored} windows"
    if scored > 1 and row.get("pai_std") is not None:
        text += (
            f"; PAI {row['pai_min']:.2f} to {row['pai_max']:.2f} (sd {row['pai_std']:.2f}), "
            f"{base}'s {naive['pai_min']:.2f} to {naive['pai_max']:.2f} "
            f"(sd {naive['pai_std']:.2f})"
        )
    elif scored == 1:
        text += " (one window, so no spread)"
    return text + "."


def verdicts(rows: Sequence[Mapping[str, Any]], baseline: str = "naive") -> list[str]:
    """:func:`verdict` for every row but the baseline's, against the baseline at the same
    coverage, in the order of the rows."""
    naive = {row["coverage"]: row for row in rows if row["method"] == baseline}
    return [verdict(row, naive[row["coverage"]]) for row in rows if row["method"] != baseline]


def by_window(results: Mapping[str, Backtest]) -> list[dict[str, Any]]:
    """Backtests run on the same windows, window by window, for JSON: each window's ``cut``,
    ``end``, ``train_events``, ``test_events``, ``outside`` and ``metrics``: ``{method:
    {coverage label: metrics}}``."""
    runs = list(results.items())
    if not runs:
        return []
    out = []
    for index, window in enumerate(runs[0][1].windows):
        entry = window.as_dict()
        entry["metrics"] = {name: run.windows[index].as_dict()["metrics"] for name, run in runs}
        out.append(entry)
    return out


def history_windows(
    events: Events, start: float, horizon: float, count: int
) -> list[tuple[float, float]]:
    """Up to ``count`` windows ``(cut, end)`` (days) inside the events before ``start``, as long
    as the forecast's own window (``horizon`` days), most recent first: the rolling origins of a
    backtest run on the history alone (``auto``) or of the learned forecaster's training.

    Each window ends at or before ``start``, has events before its cut and events in it (a gap
    in the data is not a window). Month-only events (data.police.uk) are cut at the start of a
    month with events and a window is that many whole months (at least one); events with times
    are cut at ``start - horizon``, ``start - 2 horizon``, ...
    """
    if not (horizon > 0 and count >= 1):
        raise BacktestError(f"horizon == {horizon}, count == {count}: both must be > 0")
    t = events.t[: int(np.searchsorted(events.t, start, side="left"))]
    if not t.size:
        return []
    if events.has_times:
        k = np.arange(1, int((start - t[0]) // horizon) + 1)
        cuts = start - k * horizon
        bounds = [(float(c), float(c) + horizon) for c in cuts if c > t[0]]
    else:
        months = max(1, round(horizon / 30.44))
        bounds = []
        for cut in np.unique(t)[::-1][:-1]:
            moment = events.moment(float(cut))
            end = events.days(_add(moment.replace(day=1), 0.0, months))
            if end <= start:
                bounds.append((float(cut), end))
    out = []
    for cut, end in bounds:
        lo, hi = np.searchsorted(t, [cut, end], side="left")
        if hi > lo and lo > 0:
            out.append((cut, end))
        if len(out) == count:
            break
    return out
