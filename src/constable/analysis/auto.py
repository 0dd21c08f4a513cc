"""``auto``: choose a forecaster by a rolling-origin backtest on the history alone.

For a forecast of ``[start, end)``, :class:`Auto` backtests every candidate on up to
``max_windows`` windows of the forecast's own length inside the history
(:func:`constable.analysis.evaluation.history_windows`; nothing at or after ``start`` is
seen), scores each window's forecast by PAI at ``coverage``, and chooses:

1. only candidates whose mean PAI is at least naive's (the plain count): never one that lost to
   naive in the backtest; naive itself is always a candidate, so there is always a choice;
2. among them, the best mean PAI sets the bar; the **simplest** candidate (first in
   :func:`candidates`' order) within the noise of the best is chosen: within the larger of
   ``tolerance`` (0.5 % of the best mean PAI) and 1.96 standard errors of the per-window
   differences between the two (with two windows or more).

The choice is then fitted on the whole history and makes the forecast. ``report_`` says what was
chosen, its parameters, the windows won and lost against naive, and its margin over naive (mean
PAI over naive's, minus 1) with a 95 % interval: over the windows (Student's t) when there are
two or more, else over the one window's events (a paired bootstrap of its events, 1,000 draws,
seeded), which says how far chance in one month moves the margin but nothing of how months
differ.

The candidates (:func:`candidates`), simplest first, with ``c`` the cell size:

- ``naive``: the plain count of the whole history;
- naive with a look-back of 28, 91 or 365 days (only those shorter than the history), and with
  recency weights: half-lives of 30, 90 and 365 days. On yearly data (police.uk's three
  Julys) a 60-day half-life weighs the last July 68 times the one before; 365 days weighs it
  twice, and the backtest chooses between none, 365 and the shorter ones;
- ``blend``: naive plus a quartic term of radius ``c`` or ``2c`` at weights 0.05 and 0.2
  (the only thing that beat naive on snapped data);
- ``kde``: quartic at ``c`` (all but a plain count on snapped data) and ``2c``, without decay
  and with a 60-day half-life;
- ``prospective`` at ``2c`` (events with times only);
- ``learned`` (gradient-boosted trees) when ``learned`` is True (the default);
- SEPP is not a candidate: its fit takes seconds per window and degenerates on snapped points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from constable.analysis.evaluation import history_windows, observed_counts, score
from constable.analysis.events import Events, FloatArray
from constable.analysis.forecasters import (
    Forecaster,
    ForecastError,
    Naive,
)
from constable.analysis.grid import Grid, Scores


@dataclass(frozen=True)
class Candidate:
    """One forecaster ``auto`` may choose: a label, the method and its parameters."""

    label: str
    method: str
    params: dict[str, Any] = field(default_factory=dict)

    def make(self, grid: Grid) -> Forecaster:
        """An unfitted forecaster of this candidate on ``grid``."""
        from constable.analysis.forecasters import make_forecaster

        return make_forecaster(self.method, grid, **self.params)


def _label(method: str, params: dict[str, Any]) -> str:
    inside = ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )
    return f"{method}({inside})" if inside else method


def candidates(grid: Grid, *, has_times: bool, span: float, learned: bool) -> list[Candidate]:
    """The candidates, simplest first, for a grid and a history of ``span`` days."""
    c = float(grid.cell_size)
    found: list[tuple[str, dict[str, Any]]] = [("naive", {})]
    found += [("naive", {"days": float(d)}) for d in (28, 91, 365) if d < span]
    found += [("naive", {"half_life": float(h)}) for h in (30, 90, 365)]
    found += [("blend", {"weight": w, "bandwidth": b}) for b in (c, 2 * c) for w in (0.05, 0.2)]
    found += [
        ("kde", {"kernel": "quartic", "bandwidth": b, "half_life": h})
        for b in (c, 2 * c)
        for h in (None, 60.0)
    ]
    if has_times:
        found.append(("prospective", {"bandwidth": 2 * c}))
    if learned:
        found.append(("learned", {}))
    return [Candidate(_label(m, p), m, p) for m, p in found]


def hit_shares(scores: Scores, k: int) -> FloatArray:
    """Each valid cell's share of being flagged among the top ``k`` (1 above the tie at the
    ``k``-th score, the tie's share within it, 0 below): :func:`expected_hits` per cell."""
    cells = scores.grid.valid_cells()
    values = scores.values.ravel()[cells]
    if k >= values.size:
        return np.ones(values.size)
    threshold = np.partition(values, values.size - k)[values.size - k]
    above, tied = values > threshold, values == threshold
    room = k - int(np.count_nonzero(above))
    return np.where(above, 1.0, np.where(tied, room / int(np.count_nonzero(tied)), 0.0))


def bootstrap_margin(
    mine: Scores, naive: Scores, events: Events, coverage: float, draws: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """A 95 % interval of ``PAI(mine) / PAI(naive) - 1`` over resamples of one window's events
    (paired: both forecasts scored on the same resample); None without events."""
    counts, _ = observed_counts(mine.grid, events)
    observed = counts.ravel()[mine.grid.valid_cells()]
    total = int(observed.sum())
    if not total:
        return None
    k = mine.cells_for(coverage)
    a, b = hit_shares(mine, k), hit_shares(naive, k)
    rng = np.random.default_rng(seed)
    # Resampling the events is drawing the window's total again over the cells in proportion
    # to their counts.
    on = observed > 0
    sample = rng.multinomial(total, observed[on] / total, size=draws).astype(np.float64)
    mine_hits, naive_hits = sample @ a[on], sample @ b[on]
    # A resample where naive hits nothing has no ratio: left out.
    ratio = mine_hits[naive_hits > 0] / naive_hits[naive_hits > 0] - 1
    if not ratio.size:
        return None
    low, high = np.quantile(ratio, [0.025, 0.975])
    return float(low), float(high)


@dataclass
class Trial:
    """One candidate's backtest: its PAI at the coverage in each window."""

    candidate: Candidate
    pai: list[float]
    error: str | None = None

    def mean(self) -> float:
        defined = [p for p in self.pai if not math.isnan(p)]
        return float(np.mean(defined)) if defined else math.nan


class Auto(Forecaster):
    """The forecaster chosen by a backtest on the history alone (see the module's text).

    Parameters: ``coverage`` 0.05 (the share of cells whose PAI decides), ``max_windows`` 26,
    ``tolerance`` 0.005 (the least difference of mean PAI, relative, that is more than noise),
    ``learned`` True (the learned forecaster among the candidates). Month-only events are
    accepted (the candidates that need times are then left out).

    Learned (by ``predict``): ``chosen_`` (the fitted forecaster chosen), ``report_`` (plain
    data: the choice, its parameters, windows, won, lost, margin and interval, every
    candidate's mean PAI).
    """

    name = "auto"

    chosen_: Forecaster
    report_: dict[str, Any]

    def __init__(
        self,
        grid: Grid,
        *,
        coverage: float = 0.05,
        max_windows: int = 26,
        tolerance: float = 0.005,
        learned: bool = True,
    ) -> None:
        self.grid = grid
        self.coverage = coverage
        self.max_windows = max_windows
        self.tolerance = tolerance
        self.learned = learned

    def _check_parameters(self) -> None:
        if not (math.isfinite(self.coverage) and 0 < self.coverage <= 1):
            raise ForecastError(f"coverage == {self.coverage}, must be > 0 and <= 1")
        if not (isinstance(self.max_windows, int) and self.max_windows >= 1):
            raise ForecastError(f"max_windows == {self.max_windows!r}, must be a whole number >= 1")
        if not (math.isfinite(self.tolerance) and self.tolerance >= 0):
            raise ForecastError(f"tolerance == {self.tolerance}, must be >= 0")

    def _fit(self, events: Events) -> None:
        pass

    def _predict(self, start: float, end: float) -> FloatArray:
        history = self._history(start)
        span = float(start - history.t[0])
        pool = candidates(self.grid, has_times=history.has_times, span=span, learned=self.learned)
        windows = history_windows(history, start, end - start, self.max_windows)
        trials = [Trial(c, []) for c in pool]
        for cut, window_end in windows:
            past, future = history.before(cut), history.between(cut, window_end)
            for trial in trials:
                if trial.error:
                    continue
                try:
                    forecast = trial.candidate.make(self.grid).fit(past).predict(cut, window_end)
                except ForecastError as exc:
                    trial.error = str(exc)
                    continue
                trial.pai.append(score(forecast, future, (self.coverage,))[0].pai)
        failed = [t for t in trials if t.error]
        trials = [t for t in trials if not t.error]
        naive = trials[0]
        chosen, rule = self._choose(trials, naive)
        model = chosen.candidate.make(self.grid).fit(self.events_)
        out = model.predict(start, end).values
        self.chosen_ = model
        self.report_ = self._report(chosen, naive, trials, windows, rule, history)
        self.report_["not_run"] = [{"label": t.candidate.label, "error": t.error} for t in failed]
        return np.asarray(out, dtype=np.float64)

    def _choose(self, trials: list[Trial], naive: Trial) -> tuple[Trial, str]:
        if not naive.pai or math.isnan(naive.mean()):
            return naive, "no window of the history could be scored: naive, the baseline"
        eligible = [t for t in trials if not math.isnan(t.mean()) and t.mean() >= naive.mean()]
        best = max(eligible, key=lambda t: t.mean())
        for trial in eligible:  # simplest first
            gap = np.subtract(best.pai, trial.pai)
            noise = self.tolerance * best.mean()
            if gap.size > 1:
                noise = max(noise, 1.96 * float(np.std(gap, ddof=1)) / math.sqrt(gap.size))
            if best.mean() - trial.mean() <= noise:
                return trial, (
                    f"best mean PAI at {self.coverage:.0%}: {best.candidate.label} "
                    f"{best.mean():.3f}; the simplest within noise ({noise:.3f}) of it, "
                    "never below naive"
                )
        return best, "best mean PAI"

    def _report(
        self,
        chosen: Trial,
        naive: Trial,
        trials: list[Trial],
        windows: list[tuple[float, float]],
        rule: str,
        history: Events,
    ) -> dict[str, Any]:
        pairs = [(a, b) for a, b in zip(chosen.pai, naive.pai, strict=True)]
        won = sum(a > b for a, b in pairs)
        lost = sum(a < b for a, b in pairs)
        base = naive.mean()
        margin = chosen.mean() / base - 1 if pairs and base else None
        interval: tuple[float, float] | None = None
        how = "none: no window"
        if len(pairs) >= 2:
            diff = np.array([a / base - b / base for a, b in pairs])
            half = (
                float(special.stdtrit(len(diff) - 1, 0.975))
                * float(np.std(diff, ddof=1))
                / math.sqrt(len(diff))
            )
            interval = (float(diff.mean()) - half, float(diff.mean()) + half)
            how = f"95% t interval over {len(pairs)} windows"
        elif len(pairs) == 1:
            cut, window_end = windows[0]
            past = history.before(cut)
            future = history.between(cut, window_end)
            mine = chosen.candidate.make(self.grid).fit(past).predict(cut, window_end)
            theirs = Naive(self.grid).fit(past).predict(cut, window_end)
            interval = bootstrap_margin(mine, theirs, future, self.coverage)
            how = "95% paired bootstrap of the one window's events"
        return {
            "method": "auto",
            "choice": chosen.candidate.label,
            "chosen_method": chosen.candidate.method,
            "params": dict(chosen.candidate.params),
            "coverage": self.coverage,
            "windows": len(pairs),
            "window_cuts": [history.moment(c).date().isoformat() for c, _ in windows],
            "won": won,
            "lost": lost,
            "tied": len(pairs) - won - lost,
            "pai": None if math.isnan(chosen.mean()) else chosen.mean(),
            "naive_pai": None if math.isnan(base) else base,
            "margin": margin,
            "margin_interval": list(interval) if interval else None,
            "interval": how,
            "rule": rule,
            "candidates": [
                {
                    "label": t.candidate.label,
                    "pai": None if math.isnan(t.mean()) else t.mean(),
                    "won": sum(a > b for a, b in zip(t.pai, naive.pai, strict=True)),
                    "lost": sum(a < b for a, b in zip(t.pai, naive.pai, strict=True)),
                }
                for t in trials
            ],
        }


def summary(report: dict[str, Any]) -> str:
    """The report in one sentence, for the command line."""
    if not report["windows"]:
        return f"auto chose {report['choice']}: {report['rule']}."
    margin = report["margin"]
    text = (
        f"auto chose {report['choice']} by a backtest on the history: mean PAI at "
        f"{report['coverage']:.0%} {report['pai']:.2f} against naive's {report['naive_pai']:.2f} "
        f"over {report['windows']} window(s), {report['won']} won and {report['lost']} lost"
    )
    if margin is not None:
        text += f"; margin {margin:+.1%}"
        if report["margin_interval"]:
            low, high = report["margin_interval"]
            text += (
                f" (95% interval {low:+.1%} to {high:+.1%}, {report['interval'].split(' ', 1)[1]})"
            )
    return text + "."
