"""Synthetic events with a known truth: a self-exciting point process simulated exactly.

The process is the one :class:`~constable.analysis.forecasters.SEPP` fits: a background of
independent events, each of which triggers further events (a Poisson number with mean
``theta``), each ``Exponential(omega)`` days later and ``Normal(0, sigma^2)`` metres away in
each direction, and so on through the generations (the branching structure; Hawkes & Oakes
1974). With ``theta < 1`` every cascade dies out, and about ``1 / (1 - theta)`` events follow
from each background event.

The background is a rate per square kilometre per day, either one number over every valid
cell of a grid (a rectangle, or a mask such as a district) or one number per cell (an
inhomogeneous background: hotspots that stay put). Triggered events may land off the grid;
they are kept, as in the real world.

Seeded with a numpy Generator, so a seed gives the same events on every machine and run::

    truth = simulate(grid, 0.5, days=365, theta=0.5, omega=0.2, sigma=60, seed=1)
    SEPP(grid).fit(truth.events).theta_   # close to 0.5
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from constable.analysis.events import EPOCH, AnalysisError, Events
from constable.analysis.grid import Grid

MAX_EVENTS = 20_000_000
"""More expected background events than this is refused before any is drawn."""


class SimulationError(AnalysisError):
    """Parameters that cannot be simulated."""


@dataclass(frozen=True, eq=False)
class Synthetic:
    """Simulated events and their true family tree."""

    events: Events
    parent: NDArray[np.intp]
    """For each event (in the events' time order), the index of the event that triggered it,
    or -1 for a background event."""
    theta: float
    omega: float
    sigma: float

    @property
    def background_count(self) -> int:
        """How many of the events are background."""
        return int(np.count_nonzero(self.parent < 0))


def _rates(grid: Grid, background: float | ArrayLike) -> NDArray[np.float64]:
    rates = np.asarray(background, dtype=np.float64)
    if rates.ndim == 0:
        rates = np.full(grid.shape, float(rates))
    if rates.shape != grid.shape:
        raise SimulationError(f"the background is {rates.shape}, the grid {grid.shape}")
    if not (np.isfinite(rates).all() and (rates >= 0).all()):
        raise SimulationError("every background rate must be a finite number >= 0")
    return np.where(grid.valid, rates, 0.0)


def simulate(
    grid: Grid,
    background: float | ArrayLike,
    *,
    days: float,
    theta: float,
    omega: float,
    sigma: float,
    seed: int | np.random.Generator | None = None,
    start: dt.datetime = dt.datetime(2020, 1, 1),
) -> Synthetic:
    """Simulate ``days`` days of a self-exciting process from ``start`` on ``grid``.

    ``background`` is events per km² per day (one number, or an ``(ny, nx)`` array, one per
    cell); ``theta`` (0 <= theta < 1) the mean number of events each event triggers; ``omega``
    the rate of the exponential delay (per day: the mean delay is ``1 / omega`` days);
    ``sigma`` the standard deviation of the displacement in each direction (metres).
    """
    if not (math.isfinite(days) and days > 0):
        raise SimulationError(f"days == {days}, must be > 0")
    if not 0 <= theta < 1:
        raise SimulationError(f"theta == {theta}, must be >= 0 and < 1 (or cascades never end)")
    if not (math.isfinite(omega) and omega > 0):
        raise SimulationError(f"omega == {omega}, must be > 0 (per day)")
    if not (math.isfinite(sigma) and sigma >= 0):
        raise SimulationError(f"sigma == {sigma}, must be >= 0 (metres)")
    rng = np.random.default_rng(seed)
    per_cell = _rates(grid, background).ravel() * (grid.cell_area / 1e6) * days
    expected = float(per_cell.sum())
    if expected > MAX_EVENTS:
        raise SimulationError(
            f"the background would give about {expected:,.0f} events, more than {MAX_EVENTS:,}"
        )

    # Generation 0: background events, uniform within their cells and over the days.
    count = int(rng.poisson(expected))
    cells = np.zeros(0, dtype=np.intp)
    if count:
        cells = rng.choice(grid.n_cells, size=count, p=per_cell / expected).astype(np.intp)
    row, col = np.divmod(cells, grid.nx)
    xs = [grid.x0 + (col + rng.random(count)) * grid.cell_size]
    ys = [grid.y0 + (row + rng.random(count)) * grid.cell_size]
    ts = [rng.random(count) * days]
    parents = [np.full(count, -1, dtype=np.intp)]

    # Each later generation: the children of the one before, kept if within the days.
    first, size = 0, count
    while size:
        x, y, t = xs[-1], ys[-1], ts[-1]
        children = rng.poisson(theta, size=size)
        of = np.repeat(np.arange(size), children)
        delay = rng.exponential(1 / omega, size=of.size)
        child_t = t[of] + delay
        child_x = x[of] + rng.normal(0.0, sigma, size=of.size)
        child_y = y[of] + rng.normal(0.0, sigma, size=of.size)
        keep = child_t < days
        xs.append(child_x[keep])
        ys.append(child_y[keep])
        ts.append(child_t[keep])
        parents.append((first + of[keep]).astype(np.intp))
        first, size = first + size, int(np.count_nonzero(keep))

    x_all, y_all, t_all = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    parent = np.concatenate(parents)
    # Events keeps time order: renumber the parents to match.
    order = np.argsort(t_all, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    parent = parent[order]
    parent = np.where(parent >= 0, position[np.maximum(parent, 0)], -1).astype(np.intp)
    start_days = (start - EPOCH).total_seconds() / 86_400
    events = Events.from_bng(
        x_all[order], y_all[order], start_days + t_all[order], has_times=True, crs=grid.crs
    )
    return Synthetic(events, parent, theta, omega, sigma)
