"""Hotspot forecasters: naive counts, kernel density, prospective hotspots, self-exciting process.

Every forecaster has one shape, after scikit-learn's estimators:

- ``__init__(grid, *, parameter=default, ...)`` stores the grid and the parameters unchanged and
  does nothing else (the papers' values are the defaults where a paper gives one);
- ``fit(events) -> self`` checks the parameters against the grid and the events (the guard rails:
  a bandwidth smaller than a cell, month-only events for a forecaster that needs times, events
  in another coordinate system or none on the grid), then learns; learned attributes end in
  ``_``;
- ``predict(start, end) -> Scores`` scores every cell of the grid for the window
  ``[start, end)`` from the fitted events before ``start`` only (events at or after ``start`` are
  never used, whatever ``fit`` was given).

The formulas are in the classes' docstrings and in ``docs/hotspots.md``. Month-only events
(``has_times`` False, data.police.uk) are accepted by :class:`Naive` and :class:`KDE` and
refused by :class:`Prospective` (weeks) and :class:`SEPP` (days), which would otherwise be
fitted to invented times.
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, optimize, special
from scipy.spatial import cKDTree

from constable.analysis.events import AnalysisError, Events, FloatArray, TimeLike
from constable.analysis.grid import Grid, Scores

# Floats per block in the kernel sums: two blocks of this size stay near 32 MB.
_BLOCK = 4_000_000


class ForecastError(AnalysisError):
    """A forecast that cannot be made as asked."""


class NotFittedError(ForecastError):
    """``predict`` before ``fit``."""


# --- Kernel sums on a grid ------------------------------------------------------------------------


def _gaussian_1d(
    centres: FloatArray, points: FloatArray, sigma: float, cell: float, integrate: bool
) -> FloatArray:
    """``(points, centres)``: the 1-D Gaussian density at each centre, or its mass over each
    cell when ``integrate``."""
    if not integrate:
        offset = centres[None, :] - points[:, None]
        scale = 1.0 / (math.sqrt(2 * math.pi) * sigma)
        return np.asarray(scale * np.exp(-0.5 * (offset / sigma) ** 2), dtype=np.float64)
    edges = np.append(centres - cell / 2, centres[-1] + cell / 2)
    u = (edges[None, :] - points[:, None]) / sigma
    # The distribution function at each edge, written as -(upper tail) above the point so that
    # far cells keep their small masses instead of cancelling to zero; the cell holding the
    # point gets back the 1 this takes away.
    tail = special.ndtr(-np.abs(u))
    below = np.where(u > 0, -tail, tail)
    crossing = (u[:, :-1] <= 0) & (u[:, 1:] > 0)
    return np.asarray(np.diff(below, axis=1) + crossing, dtype=np.float64)


def gaussian_sum(
    grid: Grid,
    x: FloatArray,
    y: FloatArray,
    weights: FloatArray,
    sigma: float,
    *,
    integrate: bool = False,
) -> FloatArray:
    """``sum_i w_i N(c - p_i; sigma)`` for every cell ``c`` of the grid, ``(ny, nx)``.

    The 2-D Gaussian is the product of two 1-D ones, so the sum over events is a matrix
    product of an ``(events, ny)`` and an ``(events, nx)`` matrix: exact (no binning, no
    truncation) and as fast as the machine's BLAS. With ``integrate`` the kernel's mass over
    each cell replaces its density at the centre.
    """
    xc, yc = grid.column_centres(), grid.row_centres()
    out = np.zeros(grid.shape, dtype=np.float64)
    step = max(1, _BLOCK // (grid.nx + grid.ny))
    for first in range(0, len(x), step):
        part = slice(first, first + step)
        across = _gaussian_1d(xc, x[part], sigma, grid.cell_size, integrate)
        up = _gaussian_1d(yc, y[part], sigma, grid.cell_size, integrate) * weights[part, None]
        out += up.T @ across
    return out


def quartic_sum(
    grid: Grid, x: FloatArray, y: FloatArray, weights: FloatArray, bandwidth: float
) -> FloatArray:
    """``sum_i w_i K(|c - p_i|)`` for every cell centre ``c``, with the quartic (biweight)
    kernel ``K(d) = 3 / (pi h^2) (1 - d^2 / h^2)^2`` for ``d < h`` and 0 beyond.

    The kernel reaches only the cells near each event, so each event is added to the block of
    cells around its own; exact, and linear in the number of events.
    """
    size = grid.cell_size
    reach = int(bandwidth // size) + 1
    col = np.floor((x - grid.x0) / size).astype(np.intp)
    row = np.floor((y - grid.y0) / size).astype(np.intp)
    offsets = np.arange(-reach, reach + 1)
    cols = col[:, None] + offsets[None, :]  # (events, 2 reach + 1)
    dx2 = ((grid.x0 + (cols + 0.5) * size) - x[:, None]) ** 2
    total = np.zeros(grid.n_cells, dtype=np.float64)
    for shift in offsets:
        rows = row + shift
        dy2 = ((grid.y0 + (rows + 0.5) * size) - y) ** 2
        u = (dx2 + dy2[:, None]) / bandwidth**2
        on = (u < 1) & (cols >= 0) & (cols < grid.nx) & ((rows >= 0) & (rows < grid.ny))[:, None]
        if not on.any():
            continue
        flat = (rows[:, None] * grid.nx + cols)[on]
        value = ((1 - u) ** 2 * weights[:, None])[on]
        total += np.bincount(flat, weights=value, minlength=grid.n_cells)
    return (3 / (math.pi * bandwidth**2)) * total.reshape(grid.shape)


# --- The shape every forecaster has ---------------------------------------------------------------


class Forecaster(ABC):
    """Configure in ``__init__``, ``fit(events)``, ``predict(start, end) -> Scores``."""

    name: ClassVar[str] = ""
    needs_times: ClassVar[bool] = False
    grid: Grid

    # Learned by fit: the events it was given (all of them) and how many were off the grid.
    events_: Events
    outside_: int

    def fit(self, events: Events) -> Self:
        """Check the parameters and the events, then learn from the events; returns self."""
        self._check_parameters()
        self._check_events(events)
        self.events_ = events
        self.outside_ = int(np.count_nonzero(self.grid.flat_index(events.x, events.y) < 0))
        self._fit(events)
        return self

    def predict(self, start: TimeLike, end: TimeLike) -> Scores:
        """Scores of every cell for ``[start, end)``, from the fitted events before ``start``."""
        events = self._fitted()
        first, last = events.days(start), events.days(end)
        if not last > first:
            raise ForecastError(f"the window ends ({end}) before or when it starts ({start})")
        if events.t[0] >= first:
            raise ForecastError(
                f"empty history: none of the {len(events):,} events {self.name} was fitted on "
                f"is before {start} (the first is at {events.moment(float(events.t[0]))})"
            )
        return Scores(self.grid, self._predict(first, last))

    def check_params(self) -> Self:
        """Raise :class:`ForecastError` now for parameters that do not fit the grid (``fit``
        checks them too); returns self. For commands that take parameters as text."""
        self._check_parameters()
        return self

    def get_params(self) -> dict[str, Any]:
        """The parameters (everything ``__init__`` takes but the grid), for reports and JSON."""
        names = list(inspect.signature(type(self).__init__).parameters)[2:]
        return {name: getattr(self, name) for name in names}

    def clone(self, grid: Grid | None = None) -> Self:
        """An unfitted forecaster with the same parameters (on another grid if given)."""
        make: Callable[..., Self] = type(self)
        return make(self.grid if grid is None else grid, **self.get_params())

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    # What each forecaster supplies ------------------------------------------------------------

    @abstractmethod
    def _check_parameters(self) -> None:
        """Raise :class:`ForecastError` for parameters that do not fit the grid."""

    @abstractmethod
    def _fit(self, events: Events) -> None: ...

    @abstractmethod
    def _predict(self, start: float, end: float) -> FloatArray: ...

    # Shared checks ---------------------------------------------------------------------------

    def _check_events(self, events: Events) -> None:
        if not isinstance(events, Events):
            raise ForecastError(f"fit takes Events, not {type(events).__name__}")
        if events.crs != self.grid.crs:
            raise ForecastError(f"the events are in {events.crs}, the grid is in {self.grid.crs}")
        if self.needs_times and not events.has_times:
            raise ForecastError(
                f"{type(self).__name__} needs the time of each event, but these events have "
                "their month only (as data.police.uk publishes them); use Naive or KDE, or "
                "events with dates"
            )
        if not len(events):
            raise ForecastError("empty history: there are no events to fit")
        if not np.any(self.grid.flat_index(events.x, events.y) >= 0):
            xmin, ymin, xmax, ymax = events.bounds()
            raise ForecastError(
                f"none of the {len(events):,} events is on the grid ({self.grid.describe()}); "
                f"the events lie within x {xmin:,.0f} to {xmax:,.0f}, y {ymin:,.0f} to {ymax:,.0f}"
            )

    def _check_bandwidth(self, name: str, value: float) -> None:
        if not (math.isfinite(value) and value > 0):
            raise ForecastError(f"{name} == {value}, must be > 0 (metres)")
        if value < self.grid.cell_size:
            raise ForecastError(
                f"{name} == {value:g} m is smaller than the grid's {self.grid.cell_size:g} m "
                f"cells: use a {name} of at least {self.grid.cell_size:g} m or smaller cells"
            )

    def _fitted(self) -> Events:
        if not hasattr(self, "events_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: call fit(events) first"
            )
        return self.events_

    def _history(self, start: float, days: float | None = None) -> Events:
        """The fitted events in ``[start - days, start)`` (all before ``start`` if no days)."""
        events = self.events_
        first = 0 if days is None else int(np.searchsorted(events.t, start - days, side="left"))
        last = int(np.searchsorted(events.t, start, side="left"))
        return events.select(np.arange(first, last, dtype=np.intp))


# --- Naive ---------------------------------------------------------------------------------------


class Naive(Forecaster):
    """The baseline: the number of events in each cell in the last ``days`` before ``start``
    (every fitted event before ``start`` when ``days`` is None), optionally weighted by age.

    ``score(c) = sum_{start - days <= t_i < start, p_i in c} 2^{-(start - t_i) / half_life}``
    (each event counts 1 when ``half_life`` is None, the default: a plain count). Works with
    month-only events (then choose whole months: ``days`` as the span of the months wanted).
    """

    name = "naive"

    def __init__(
        self, grid: Grid, *, days: float | None = None, half_life: float | None = None
    ) -> None:
        self.grid = grid
        self.days = days
        self.half_life = half_life

    def _check_parameters(self) -> None:
        if self.days is not None and not (math.isfinite(self.days) and self.days > 0):
            raise ForecastError(f"days == {self.days}, must be > 0 or None")
        _check_half_life(self.half_life)

    def _fit(self, events: Events) -> None:
        pass

    def _predict(self, start: float, end: float) -> FloatArray:
        history = self._history(start, self.days)
        if self.half_life is None:
            return self.grid.histogram(history.x, history.y)
        return self.grid.histogram(history.x, history.y, _decay(start, history.t, self.half_life))


def _check_half_life(half_life: float | None) -> None:
    if half_life is not None and not (math.isfinite(half_life) and half_life > 0):
        raise ForecastError(f"half_life == {half_life}, must be > 0 days or None")


def _decay(start: float, t: FloatArray, half_life: float | None) -> FloatArray:
    """Each event's weight ``2^{-(start - t) / half_life}`` (1 without a half-life)."""
    if half_life is None:
        return np.ones_like(t)
    return np.asarray(np.exp2(-(start - t) / half_life), dtype=np.float64)


# --- Kernel density with time decay --------------------------------------------------------------


class KDE(Forecaster):
    """Retrospective kernel density with an exponential time decay.

    ``score(c) = sum_{t_i < start} 2^{-(start - t_i) / half_life} K_h(|c - p_i|)`` where ``c``
    is the cell's centre and ``K_h`` is

    - ``"gaussian"``: ``1 / (2 pi h^2) exp(-d^2 / (2 h^2))`` (``h`` is the standard deviation);
    - ``"quartic"``: ``3 / (pi h^2) (1 - d^2 / h^2)^2`` for ``d < h``, else 0 (``h`` is the
      radius), the kernel of most crime-mapping software.

    Parameters: ``bandwidth`` (metres, default 200: the order of the street-segment scale in
    crime-mapping practice; no single paper value), ``kernel`` (default ``"gaussian"``),
    ``half_life`` (days, default 60; None for no decay). Month-only events are accepted: all the
    events of a month get the same weight, measured from the month's start, and the shift
    this makes is one factor on every weight, which does not change the ranking.
    """

    name = "kde"
    KERNELS = ("gaussian", "quartic")

    def __init__(
        self,
        grid: Grid,
        *,
        bandwidth: float = 200.0,
        kernel: str = "gaussian",
        half_life: float | None = 60.0,
    ) -> None:
        self.grid = grid
        self.bandwidth = bandwidth
        self.kernel = kernel
        self.half_life = half_life

    def _check_parameters(self) -> None:
        if self.kernel not in self.KERNELS:
            raise ForecastError(f"kernel == {self.kernel!r}, must be one of {self.KERNELS}")
        self._check_bandwidth("bandwidth", self.bandwidth)
        _check_half_life(self.half_life)

    def _fit(self, events: Events) -> None:
        pass

    def weights(self, start: float, t: FloatArray) -> FloatArray:
        """Each event's time weight for a forecast made at ``start`` (days)."""
        return _decay(start, t, self.half_life)

    def _predict(self, start: float, end: float) -> FloatArray:
        history = self._history(start)
        w = self.weights(start, history.t)
        if self.kernel == "gaussian":
            return gaussian_sum(self.grid, history.x, history.y, w, self.bandwidth)
        return quartic_sum(self.grid, history.x, history.y, w, self.bandwidth)


class Blend(Forecaster):
    """Naive counts with a small smooth term: ``(1 - weight) count(c) + weight smooth(c)``.

    ``count(c)`` is :class:`Naive`'s score (``days``, ``half_life``) and ``smooth(c)`` the same
    events spread by the quartic kernel of radius ``bandwidth`` and scaled to events per cell
    (the kernel's density at the cell's centre times the cell's area), so both terms add up to
    about the same total. Where events sit on a fixed set of map points (data.police.uk's
    anonymous points), next period's crime lands on the very points of the last, so the count
    must dominate; the smooth term then breaks the count's many ties (cells with one or two
    events) in favour of cells near others, and ranks the cells without history. On West
    Yorkshire this is the one change that beat the plain count (docs/hotspots.md).

    Parameters: ``weight`` 0.1 (0 is :class:`Naive`, 1 a quartic KDE), ``bandwidth`` 200 m
    (at least a cell), ``days`` None and ``half_life`` None (as :class:`Naive`; the smooth
    term uses the same events and weights). Month-only events are accepted.
    """

    name = "blend"

    def __init__(
        self,
        grid: Grid,
        *,
        weight: float = 0.1,
        bandwidth: float = 200.0,
        days: float | None = None,
        half_life: float | None = None,
    ) -> None:
        self.grid = grid
        self.weight = weight
        self.bandwidth = bandwidth
        self.days = days
        self.half_life = half_life

    def _check_parameters(self) -> None:
        if not (math.isfinite(self.weight) and 0 <= self.weight <= 1):
            raise ForecastError(f"weight == {self.weight}, must be >= 0 and <= 1")
        self._check_bandwidth("bandwidth", self.bandwidth)
        if self.days is not None and not (math.isfinite(self.days) and self.days > 0):
            raise ForecastError(f"days == {self.days}, must be > 0 or None")
        _check_half_life(self.half_life)

    def _fit(self, events: Events) -> None:
        pass

    def _predict(self, start: float, end: float) -> FloatArray:
        history = self._history(start, self.days)
        w = _decay(start, history.t, self.half_life)
        count = self.grid.histogram(history.x, history.y, w)
        if self.weight == 0:
            return count
        smooth = quartic_sum(self.grid, history.x, history.y, w, self.bandwidth)
        return (1 - self.weight) * count + self.weight * smooth * self.grid.cell_area


# --- Prospective hotspots ------------------------------------------------------------------------


class Prospective(Forecaster):
    """Prospective hotspots (Bowers, Johnson & Pease 2004, "Prospective hot-spotting: the
    future of crime mapping?", Brit. J. Criminol. 44: 641-658).

    ``score(c) = sum_i 1 / (1 + d_i) * 1 / (1 + w_i)`` over the events with ``d_i *
    cell_size < bandwidth`` and ``w_i < weeks``, where ``d_i`` is the distance in cells between
    ``c`` and the event's cell and ``w_i = floor((start - t_i) / 7)`` its age in whole weeks.

    Parameters (the paper's values): ``bandwidth`` 400 m, ``weeks`` 8 (two months);
    ``distance`` ``"chebyshev"`` (diagonal neighbours are 1 cell away, as in the paper's grid
    and open_cp's default), ``"manhattan"`` or ``"euclidean"``. The paper used 50 m cells (the
    bandwidth is then 8 cells); on 150 m cells 400 m reaches 2 cells. Needs event times
    (weeks): month-only events are refused.

    The sum separates into a weekly-weighted count of events per cell, convolved with the
    small spatial kernel: one pass over the events and one over the grid.
    """

    name = "prospective"
    needs_times = True
    DISTANCES = ("chebyshev", "manhattan", "euclidean")

    def __init__(
        self,
        grid: Grid,
        *,
        bandwidth: float = 400.0,
        weeks: int = 8,
        distance: str = "chebyshev",
    ) -> None:
        self.grid = grid
        self.bandwidth = bandwidth
        self.weeks = weeks
        self.distance = distance

    def _check_parameters(self) -> None:
        self._check_bandwidth("bandwidth", self.bandwidth)
        if not (isinstance(self.weeks, int) and self.weeks >= 1):
            raise ForecastError(f"weeks == {self.weeks!r}, must be a whole number >= 1")
        if self.distance not in self.DISTANCES:
            raise ForecastError(f"distance == {self.distance!r}, must be one of {self.DISTANCES}")

    def _fit(self, events: Events) -> None:
        pass

    def kernel(self) -> FloatArray:
        """The spatial weights ``1 / (1 + d)`` by cell offset, ``(2 m + 1, 2 m + 1)``."""
        reach = math.ceil(self.bandwidth / self.grid.cell_size)
        a = np.abs(np.arange(-reach, reach + 1, dtype=np.float64))
        di, dj = a[None, :], a[:, None]
        if self.distance == "chebyshev":
            d = np.maximum(di, dj)
        elif self.distance == "manhattan":
            d = di + dj
        else:
            d = np.hypot(di, dj)
        return np.where(d * self.grid.cell_size < self.bandwidth, 1 / (1 + d), 0.0)

    def _predict(self, start: float, end: float) -> FloatArray:
        history = self._history(start, 7.0 * self.weeks)
        weeks = np.floor((start - history.t) / 7.0)
        # An event exactly ``weeks`` weeks old is in the history window but not in the sum.
        weight = np.where(weeks < self.weeks, 1 / (1 + weeks), 0.0)
        kernel = self.kernel()
        reach = kernel.shape[0] // 2
        grid = self.grid
        # Events up to ``reach`` cells off the grid still reach cells on it: bin on a wider grid.
        wide = Grid(
            grid.x0 - reach * grid.cell_size,
            grid.y0 - reach * grid.cell_size,
            grid.cell_size,
            grid.nx + 2 * reach,
            grid.ny + 2 * reach,
            grid.crs,
        )
        counts = wide.histogram(history.x, history.y, weight)
        # Direct (not FFT) convolution keeps empty cells at exactly zero, so ties stay ties.
        spread = ndimage.correlate(counts, kernel, mode="constant", cval=0.0)
        return np.asarray(spread[reach : reach + grid.ny, reach : reach + grid.nx])


# --- Self-exciting point process -----------------------------------------------------------------


def _truncated_mean(rate: float, cutoffs: FloatArray) -> FloatArray:
    """The mean of an exponential distribution of ``rate`` truncated to ``[0, cutoff]``."""
    x = rate * cutoffs
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        exact = 1 / rate - cutoffs / np.expm1(x)
    series = cutoffs * (0.5 - x / 12)  # 1/x - 1/(e^x - 1) near 0, where the exact form cancels
    return np.asarray(np.where(x < 1e-4, series, exact), dtype=np.float64)


def _truncated_rate(total: float, weights: FloatArray, cutoffs: FloatArray, lowest: float) -> float:
    """The rate whose truncated means, weighted, add up to ``total``: the maximum-likelihood
    rate of exponential samples each observed only up to its own cutoff; at least
    ``lowest``."""

    def gap(log_rate: float) -> float:
        return float(weights @ _truncated_mean(math.exp(log_rate), cutoffs)) - total

    low, high = math.log(lowest), math.log(max(1e9, 2 * lowest))
    if gap(low) <= 0:
        return math.exp(low)
    if gap(high) >= 0:
        return math.exp(high)
    return math.exp(optimize.brentq(gap, low, high, xtol=1e-12))


@dataclass(frozen=True)
class _Pairs:
    """The candidate (parent, child) pairs of a SEPP fit and the sums over them."""

    parent: NDArray[np.intp]
    child: NDArray[np.intp]
    delay: FloatArray
    dist2: FloatArray
    n: int
    radius2: float

    def rate(
        self, mu_at: FloatArray, theta: float, omega: float, sigma: float
    ) -> tuple[FloatArray, FloatArray]:
        """The intensity at each event, and the triggering term of each pair."""
        g = (theta * omega / (2 * math.pi * sigma**2)) * np.exp(
            -omega * self.delay - self.dist2 / (2 * sigma**2)
        )
        return mu_at + np.bincount(self.child, weights=g, minlength=self.n), g

    def seen(self, omega: float, sigma: float, window: FloatArray) -> float:
        """The expected number of visible children of all events, per unit of theta."""
        in_time = float(np.sum(-np.expm1(-omega * window)))
        return in_time * -math.expm1(-self.radius2 / (2 * sigma**2))

    def expected(self, theta: float, omega: float, sigma: float, window: FloatArray) -> float:
        """The expected number of triggered events within the cutoffs."""
        return theta * self.seen(omega, sigma, window)

    def fit_kernel(
        self, p_pair: FloatArray, window: FloatArray, lowest_omega: float
    ) -> tuple[float, float]:
        """The maximum-likelihood omega and sigma of the pairs' delays and distances, each
        observed only up to its cutoff (omega at least ``lowest_omega``, sigma at most the
        distance cutoff)."""
        by_parent = np.bincount(self.parent, weights=p_pair, minlength=self.n)
        omega = _truncated_rate(
            float(p_pair @ self.delay), by_parent.astype(np.float64), window, lowest_omega
        )
        # d^2 / (2 sigma^2) of a 2-D Gaussian is exponential: the same estimator, on d^2.
        beta = _truncated_rate(
            float(p_pair @ self.dist2),
            np.array([float(p_pair.sum())]),
            np.array([self.radius2]),
            0.5 / self.radius2,
        )
        return omega, math.sqrt(1 / (2 * beta))

    def fit_theta(
        self, p_pair: FloatArray, omega: float, sigma: float, window: FloatArray
    ) -> float:
        """The expected children found over the children that could have been seen."""
        return min(float(p_pair.sum()) / self.seen(omega, sigma, window), 1 - 1e-9)


class SEPP(Forecaster):
    """A self-exciting point process (Mohler, Short, Brantingham, Schoenberg & Tita 2011,
    "Self-exciting point process modeling of crime", JASA 106: 100-108).

    The rate of events at time ``t`` and place ``p`` is a background plus the triggering of
    every earlier event::

        lambda(t, p) = mu(p) + sum_{t_i < t} g(t - t_i, |p - p_i|)
        g(t, d) = theta * omega * exp(-omega t) * exp(-d^2 / (2 sigma^2)) / (2 pi sigma^2)

    ``theta`` is the expected number of events each event triggers, ``1 / omega`` their mean
    delay (days) and ``sigma`` their spread (metres). The background ``mu`` is constant in time
    and piecewise constant on the grid: the events' background probabilities counted per cell
    (``background="histogram"``) or smoothed with a Gaussian of ``background_bandwidth`` metres
    (``"kernel"``, the default, which keeps clusters of triggered events out of the
    background).

    Fitting is expectation-maximisation (stochastic declustering, as in the paper) on the
    events in the grid's valid cells: the E-step gives each event the probability that it is
    background or was triggered by each earlier event within ``time_cutoff`` days and
    ``distance_cutoff`` metres (pairs from a k-d tree); the M-step re-estimates ``theta``,
    ``omega``, ``sigma`` and ``mu``. The delays and distances are only seen up to the cutoffs
    and the end of the data, so the M-step solves the likelihood of truncated exponentials
    rather than using plain means: the estimates do not drift towards the cutoffs. ``omega`` is
    kept at least ``1 / time_cutoff`` and ``sigma`` at most ``distance_cutoff``: beyond them
    the cutoffs, not the data, would set the estimate (widen the cutoffs if one sits there).

    The forecast for ``[start, end)`` is the expected number of events in each cell: the
    background over the window plus the events each past event triggers in it (first
    generation), ``theta (e^{-omega (start - t_i)} - e^{-omega (end - t_i)})`` spread over the
    cells by the Gaussian's mass in each. Needs event times: month-only events are refused.

    Parameters: ``initial_theta`` 0.5, ``initial_omega`` 0.1 per day and ``initial_sigma`` 50 m
    only start the iteration (the paper estimates the triggering from the data); ``time_cutoff``
    90 days and ``distance_cutoff`` 500 m, beyond the month or two and few hundred metres of
    raised risk after a burglary that near-repeat studies find (Bowers, Johnson & Pease 2004);
    ``max_iter`` 200; ``tol`` 1e-6: it stops when the largest change of the parameters (relative
    for ``omega`` and ``sigma``, absolute for ``theta``) or of the log-likelihood per event is
    smaller.

    Learned: ``theta_``, ``omega_``, ``sigma_``, ``background_`` (events per day in each cell),
    ``background_share_`` (the expected share of events that are background), ``n_iter_``,
    ``converged_``, ``log_likelihood_``, ``pairs_`` (candidate parent-child pairs) and
    ``degenerate_``: why the fit sits at a limit (``theta_`` at 1, ``sigma_`` collapsed below a
    hundredth of a cell or at the distance cutoff, the mean delay at the time cutoff), empty
    when none does. A degenerate fit is never ``converged_``.
    """

    name = "sepp"
    needs_times = True
    BACKGROUNDS = ("kernel", "histogram")

    theta_: float
    omega_: float
    sigma_: float
    background_: FloatArray
    background_share_: float
    n_iter_: int
    converged_: bool
    degenerate_: list[str]
    log_likelihood_: float
    pairs_: int

    def __init__(
        self,
        grid: Grid,
        *,
        background: str = "kernel",
        background_bandwidth: float = 500.0,
        time_cutoff: float = 90.0,
        distance_cutoff: float = 500.0,
        initial_theta: float = 0.5,
        initial_omega: float = 0.1,
        initial_sigma: float = 50.0,
        max_iter: int = 200,
        tol: float = 1e-6,
    ) -> None:
        self.grid = grid
        self.background = background
        self.background_bandwidth = background_bandwidth
        self.time_cutoff = time_cutoff
        self.distance_cutoff = distance_cutoff
        self.initial_theta = initial_theta
        self.initial_omega = initial_omega
        self.initial_sigma = initial_sigma
        self.max_iter = max_iter
        self.tol = tol

    def _check_parameters(self) -> None:
        if self.background not in self.BACKGROUNDS:
            raise ForecastError(
                f"background == {self.background!r}, must be one of {self.BACKGROUNDS}"
            )
        if self.background == "kernel":
            self._check_bandwidth("background_bandwidth", self.background_bandwidth)
        self._check_bandwidth("distance_cutoff", self.distance_cutoff)
        for name in ("time_cutoff", "initial_omega", "initial_sigma", "tol"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ForecastError(f"{name} == {value}, must be > 0")
        if not 0 < self.initial_theta < 1:
            raise ForecastError(f"initial_theta == {self.initial_theta}, must be in (0, 1)")
        if not (isinstance(self.max_iter, int) and self.max_iter >= 1):
            raise ForecastError(f"max_iter == {self.max_iter!r}, must be a whole number >= 1")

    def _smooth(self, counts: FloatArray) -> FloatArray:
        """The background counts spread by the kernel within the grid's valid cells only."""
        if self.background == "histogram":
            return counts
        sigma = self.background_bandwidth / self.grid.cell_size
        valid = self.grid.valid
        spread = ndimage.gaussian_filter(counts, sigma, mode="constant", truncate=4.0)
        reach = ndimage.gaussian_filter(
            valid.astype(np.float64), sigma, mode="constant", truncate=4.0
        )
        # Dividing by the kernel's mass inside the area (normalised convolution) keeps the
        # background from leaking past the edge or the mask, which would leave too little
        # background where the events are and push their share into the triggering.
        smooth = np.where(valid, spread / np.maximum(reach, 1e-12), 0.0)
        total = float(smooth.sum())
        return smooth * (float(counts.sum()) / total) if total > 0 else smooth

    def _fit(self, events: Events) -> None:
        grid = self.grid
        used = events.select(grid.flat_index(events.x, events.y, valid_only=True) >= 0)
        n = len(used)
        t = used.t - used.t[0]
        span = float(t[-1])
        if n < 2 or span <= 0:
            raise ForecastError(
                f"SEPP needs events at two or more different times on the grid; it has {n}"
            )
        pairs = _Pairs(*self._pairs(used.x, used.y, t), n=n, radius2=self.distance_cutoff**2)
        cells = grid.flat_index(used.x, used.y)
        # Each event's children can only be seen up to the cutoff or the end of the data.
        window = np.minimum(self.time_cutoff, span - t)
        volume = span * grid.cell_area
        floor = 1e-9 * n / (volume * grid.n_valid)

        def background(counts: FloatArray) -> FloatArray:
            """Events per m² per day in each cell, from counts of background events."""
            return np.where(grid.valid, np.maximum(self._smooth(counts) / volume, floor), 0.0)

        theta, omega, sigma = self.initial_theta, self.initial_omega, self.initial_sigma
        mu = background(grid.histogram(used.x, used.y))
        converged, iteration, last = False, 0, -math.inf
        for iteration in range(1, self.max_iter + 1):  # noqa: B007 (n_iter_ after the loop)
            # E-step: the probability that each event is background or each pair's child.
            mu_at = mu.ravel()[cells]
            rate, g = pairs.rate(mu_at, theta, omega, sigma)
            likelihood = float(np.sum(np.log(rate))) - (
                float(mu.sum()) * volume + pairs.expected(theta, omega, sigma, window)
            )
            p_pair = g / rate[pairs.child]
            # M-step.
            new_theta, new_omega, new_sigma = theta, omega, sigma
            if float(p_pair.sum()) > 0:
                new_omega, new_sigma = pairs.fit_kernel(p_pair, window, 1 / self.time_cutoff)
                new_theta = pairs.fit_theta(p_pair, new_omega, new_sigma, window)
            mu = background(grid.histogram(used.x, used.y, mu_at / rate))
            change = max(
                abs(new_theta - theta),
                abs(new_omega - omega) / omega,
                abs(new_sigma - sigma) / sigma,
            )
            # Where there is next to no triggering the parameters drift for a long time while
            # the fit no longer improves: the log-likelihood per event says when to stop.
            gain = abs(likelihood - last) / n
            theta, omega, sigma, last = new_theta, new_omega, new_sigma, likelihood
            if change < self.tol or gain < self.tol:
                converged = True
                break

        mu_at = mu.ravel()[cells]
        rate, _ = pairs.rate(mu_at, theta, omega, sigma)
        self.theta_, self.omega_, self.sigma_ = theta, omega, sigma
        self.background_ = mu * grid.cell_area
        self.background_share_ = float(np.sum(mu_at / rate)) / n
        self.n_iter_ = iteration
        self.degenerate_ = self._degenerate()
        # A fit at its limits has stopped moving, not found an answer: not converged.
        self.converged_ = converged and not self.degenerate_
        self.log_likelihood_ = float(np.sum(np.log(rate))) - (
            float(mu.sum()) * volume + pairs.expected(theta, omega, sigma, window)
        )
        self.pairs_ = len(pairs.parent)
        self._used = used

    def _degenerate(self) -> list[str]:
        """Why the fitted parameters sit at their limits (empty when none does)."""
        found = []
        if self.theta_ >= 0.99:
            found.append(f"theta_ == {self.theta_:.3f}, at its limit of 1")
        if self.sigma_ < 0.01 * self.grid.cell_size:
            found.append(
                f"sigma_ == {self.sigma_:.2g} m, collapsed: triggered events on their parents' "
                "exact points, as on snapped data (police.uk's map points)"
            )
        elif self.sigma_ >= 0.99 * self.distance_cutoff:
            found.append(f"sigma_ == {self.sigma_:.0f} m, at the distance cutoff")
        if self.omega_ <= 1.01 / self.time_cutoff:
            found.append(f"mean delay 1 / omega_ == {1 / self.omega_:.1f} days, at the time cutoff")
        return found

    def _pairs(
        self, x: FloatArray, y: FloatArray, t: FloatArray
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray, FloatArray]:
        """Every (earlier, later) pair within the cutoffs, with its delay and squared distance.

        Time is scaled so that the time cutoff is as long as the distance cutoff; one k-d tree
        query for pairs within that distance in the maximum norm then finds every candidate.
        """
        scale = self.distance_cutoff / self.time_cutoff
        tree = cKDTree(np.column_stack([x, y, t * scale]))
        pairs = tree.query_pairs(self.distance_cutoff, p=np.inf, output_type="ndarray")
        first, second = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
        # Events are in time order, so the lower index is never the later one.
        parent = np.minimum(first, second)
        child = np.maximum(first, second)
        delay = t[child] - t[parent]
        dist2 = (x[child] - x[parent]) ** 2 + (y[child] - y[parent]) ** 2
        keep = (delay > 0) & (delay <= self.time_cutoff) & (dist2 <= self.distance_cutoff**2)
        return parent[keep], child[keep], delay[keep], dist2[keep]

    def _predict(self, start: float, end: float) -> FloatArray:
        used = self._used
        base = self.background_ * (end - start)
        history = np.searchsorted(used.t, start, side="left")
        t = used.t[:history]
        decay = np.exp(-self.omega_ * (start - t))
        # Events older than about 28 / omega add less than 1e-12 of their weight: left out.
        recent = decay > 1e-12
        weights = self.theta_ * decay[recent] * -math.expm1(-self.omega_ * (end - start))
        if not weights.size or self.theta_ == 0:
            return np.asarray(base, dtype=np.float64)
        spread = gaussian_sum(
            self.grid,
            used.x[:history][recent],
            used.y[:history][recent],
            weights,
            self.sigma_,
            integrate=True,
        )
        return np.asarray(base + spread, dtype=np.float64)


_BUILT_IN: dict[str, type[Forecaster]] = {
    "naive": Naive,
    "kde": KDE,
    "blend": Blend,
    "prospective": Prospective,
    "sepp": SEPP,
}

FORECASTERS: dict[str, type[Forecaster]]
"""The forecasters by the name a user gives (``--method``): ``auto`` (the default of the
commands), ``naive``, ``kde``, ``blend``, ``prospective``, ``sepp`` and ``learned``."""


def _registry() -> dict[str, type[Forecaster]]:
    """Every forecaster by name. ``auto`` and ``learned`` live in their own modules, which import
    this one, so they join when first asked for (a module ``__getattr__``), not at import."""
    found = globals().get("_ALL")
    if found is None:
        from constable.analysis.auto import Auto
        from constable.analysis.learned import Learned

        found = {"auto": Auto, **_BUILT_IN, "learned": Learned}
        globals()["_ALL"] = found
    return dict(found)


def __getattr__(name: str) -> Any:
    if name == "FORECASTERS":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_forecaster(method: str, grid: Grid, **params: Any) -> Forecaster:
    """A forecaster by name (one of :data:`FORECASTERS`) on ``grid`` with ``params``."""
    known = _registry()
    try:
        cls = known[method]
    except KeyError:
        raise ForecastError(f"method == {method!r}, must be one of {', '.join(known)}") from None
    make: Callable[..., Forecaster] = cls
    try:
        return make(grid, **params)
    except TypeError as exc:
        raise ForecastError(f"{cls.__name__}: {exc}") from None
