"""Neighbourhoods (LSOAs) for forecasts: which neighbourhood each cell is in, residents by
neighbourhood, forecasts summed per neighbourhood, and the metrics of a ranking of
neighbourhoods.

**Cells to neighbourhoods.** data.police.uk gives each crime's LSOA; a cell belongs to the
neighbourhood of the nearest such crime to its centre. This needs no boundaries, so it works for
any force in the store (a built force's boundaries give the same answer except along the edges).

**Metrics of a ranking of neighbourhoods.** Neighbourhoods differ in size, so coverage is a
share of the *area*: neighbourhoods are flagged in decreasing order of forecast per km² until
they make ``f`` of the total area, the last one in part (its share of area that still fits,
and the same share of its crimes), exactly as tied cells are shared on a grid. Then, as on a
grid, hit rate = hits / n, PAI = hit rate / f, and PEI* = hits / the most crimes any
neighbourhoods of the same area held (the same rule applied to the crimes that happened, per
km²).

**A backtest by neighbourhood.** :func:`compare_areas` runs the rolling-origin backtest of
:mod:`constable.analysis.evaluation` and scores each window's grid forecasts summed per
neighbourhood, with the naive counts per neighbourhood as the baseline. Everything fitted for a
window (the forecasts, the counts and each cell's neighbourhood) comes from the crimes before
its cut.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.analysis.evaluation import (
    DEFAULT_COVERAGES,
    Backtest,
    Factory,
    Period,
    Window,
    check_coverages,
    comparison_rows,
    coverage_label,
    window_bounds,
)
from constable.analysis.events import AnalysisError, Events, TimeLike
from constable.analysis.grid import Grid, Scores
from constable.crime.models import Crime
from constable.crime.offences import ASB_CATEGORY
from constable.crime.service import resolve_force_name
from constable.ingest.census import read_census
from constable.ingest.sources import census_2011
from constable.performance.forces import lsoa_forces


class AreaError(AnalysisError):
    """Neighbourhoods that cannot be used as asked."""


def store_area_events(
    *,
    session: Session,
    force: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
) -> tuple[Events, NDArray[np.str_]]:
    """The force's located crimes with an LSOA code (months ``start`` to ``end``, both
    included), as month-only events unless every one has a time, and each one's LSOA code."""
    name = resolve_force_name(session=session, force=force)
    query = select(
        Crime.easting, Crime.northing, Crime.month, Crime.occurred_at, Crime.lsoa_code
    ).where(
        Crime.force == name,
        Crime.easting.is_not(None),
        Crime.northing.is_not(None),
        Crime.lsoa_code.is_not(None),
    )
    if start is not None:
        query = query.where(Crime.month >= start.replace(day=1))
    if end is not None:
        query = query.where(Crime.month <= end.replace(day=1))
    if categories:
        query = query.where(Crime.category.in_(list(categories)))
    else:
        query = query.where(Crime.category != ASB_CATEGORY)
    rows = session.execute(query).all()
    if not rows:
        raise AreaError(f"{name} has no located crimes with an LSOA code in those months")
    has_times = all(row.occurred_at is not None for row in rows)
    times = [
        row.occurred_at if has_times else dt.datetime.combine(row.month, dt.time(), dt.UTC)
        for row in rows
    ]
    events = Events.from_bng(
        [row.easting for row in rows],
        [row.northing for row in rows],
        times,
        has_times=has_times,
        ids=[str(i) for i in range(len(rows))],
    )
    codes = np.array([row.lsoa_code for row in rows], dtype=np.str_)
    assert events.ids is not None
    # Events are kept in time order: put the codes in the same order.
    return events, codes[events.ids.astype(np.intp)]


def cell_areas_from_points(
    grid: Grid, x: NDArray[np.float64], y: NDArray[np.float64], codes: NDArray[np.str_]
) -> list[str | None]:
    """Each valid cell's neighbourhood: the code of the labelled point nearest its centre
    (flat order; None for masked-out cells)."""
    if not len(codes):
        raise AreaError("there are no labelled points to take neighbourhoods from")
    tree = cKDTree(np.column_stack([x, y]))
    cells = grid.valid_cells()
    xc, yc = grid.centres()
    _, nearest = tree.query(np.column_stack([xc.ravel()[cells], yc.ravel()[cells]]))
    areas: list[str | None] = [None] * grid.n_cells
    for cell, index in zip(cells, nearest, strict=True):
        areas[int(cell)] = str(codes[int(index)])
    return areas


@dataclass(frozen=True)
class Census:
    """Residents and area (km²) of each LSOA, from the 2011 census."""

    population: dict[str, float]
    km2: dict[str, float]


def census_for(codes: Sequence[str]) -> Census:
    """The 2011 census residents and area of these LSOAs (from crime-sim-toolkit's table)."""
    wanted = set(codes)
    population, km2 = {}, {}
    for area in read_census(census_2011()):
        if area.lsoa_code in wanted:
            population[area.lsoa_code] = float(area.population)
            km2[area.lsoa_code] = area.hectares / 100
    return Census(population, km2)


def force_lsoas(force: str) -> list[str]:
    """The 2011 census LSOAs of a territorial force's area, sorted (none for another force,
    such as British Transport Police)."""
    return sorted(code for code, name in lsoa_forces().items() if name == force)


def area_scores(scores: Scores, cell_areas: Sequence[str | None]) -> dict[str, float]:
    """A grid forecast summed over each neighbourhood's cells."""
    if len(cell_areas) != scores.grid.n_cells:
        raise AreaError(f"{len(cell_areas)} codes for a grid of {scores.grid.n_cells} cells")
    totals: dict[str, float] = {}
    values = scores.values.ravel()
    for cell in scores.grid.valid_cells():
        code = cell_areas[int(cell)]
        if code:
            totals[code] = totals.get(code, 0.0) + float(values[cell])
    return totals


def count_by_area(codes: NDArray[np.str_] | Sequence[str]) -> dict[str, float]:
    """How many times each code appears."""
    found, counts = np.unique(np.asarray(codes, dtype=np.str_), return_counts=True)
    return {str(c): float(n) for c, n in zip(found, counts, strict=True)}


@dataclass(frozen=True)
class AreaCoverageScore:
    """The metrics of a ranking of neighbourhoods at one share of the area."""

    coverage: float
    areas: float
    """Neighbourhoods flagged (the last in part)."""
    total_areas: int
    events: int
    hits: float
    max_hits: float

    @property
    def hit_rate(self) -> float:
        """Share of the crimes in the flagged area."""
        return self.hits / self.events if self.events else math.nan

    @property
    def pai(self) -> float:
        """Hit rate over the share of area flagged."""
        return self.hit_rate / self.coverage if self.events else math.nan

    @property
    def pei_star(self) -> float:
        """Hits over the most the same area could have held."""
        return self.hits / self.max_hits if self.max_hits else math.nan

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (NaN as None)."""
        return {
            "coverage": self.coverage,
            "areas": self.areas,
            "total_areas": self.total_areas,
            "events": self.events,
            "hits": self.hits,
            "max_hits": self.max_hits,
            **{
                m: None if math.isnan(getattr(self, m)) else getattr(self, m)
                for m in ("hit_rate", "pai", "pei_star")
            },
        }


def _flagged(
    order: NDArray[np.intp], km2: NDArray[np.float64], budget: float
) -> NDArray[np.float64]:
    """How much of each area (0 to 1) is flagged when areas are taken in ``order`` until
    ``budget`` km²."""
    taken = np.zeros(km2.size)
    used = 0.0
    for index in order:
        if used >= budget - 1e-12:
            break
        part = min(1.0, (budget - used) / km2[index])
        taken[index] = part
        used += part * km2[index]
    return taken


def score_areas(
    predicted: Mapping[str, float],
    observed: Mapping[str, float],
    km2: Mapping[str, float],
    coverages: Sequence[float] = DEFAULT_COVERAGES,
) -> list[AreaCoverageScore]:
    """Hit rate, PAI and PEI* of a ranking of neighbourhoods (see the module's docstring).

    The neighbourhoods are those of ``km2`` (each with an area above 0); a forecast or a crime
    elsewhere is left out. Ties in forecast per km² are broken by code, so the result does not
    depend on the order of the mappings."""
    codes = sorted(code for code, size in km2.items() if size > 0)
    if not codes:
        raise AreaError("there are no neighbourhoods with an area to rank")
    size = np.array([km2[c] for c in codes], dtype=np.float64)
    guess = np.array([float(predicted.get(c, 0.0)) for c in codes]) / size
    seen = np.array([float(observed.get(c, 0.0)) for c in codes])
    total_area, events = float(size.sum()), int(seen.sum())
    ranked = np.lexsort((np.arange(len(codes)), -guess))
    best = np.lexsort((np.arange(len(codes)), -(seen / size)))
    out = []
    for coverage in coverages:
        if not 0 < coverage <= 1:
            raise AreaError(f"coverage {coverage} must be > 0 and <= 1")
        budget = coverage * total_area
        taken = _flagged(ranked, size, budget)
        most = _flagged(best, size, budget)
        out.append(
            AreaCoverageScore(
                coverage=coverage,
                areas=float(taken.sum()),
                total_areas=len(codes),
                events=events,
                hits=float(taken @ seen),
                max_hits=float(most @ seen),
            )
        )
    return out


def area_table(rows: Mapping[str, list[AreaCoverageScore]]) -> list[dict[str, Any]]:
    """One row per method and coverage, like :func:`constable.analysis.evaluation.compare`."""
    return [
        {"method": method, "coverage": coverage_label(s.coverage), **s.as_dict()}
        for method, scores in rows.items()
        for s in scores
    ]


NAIVE_COUNTS = "naive-lsoa"
"""The baseline of a backtest by neighbourhood: each neighbourhood's crimes before the cut."""


@dataclass(frozen=True)
class AreaBacktests:
    """Backtests by neighbourhood on the same windows, the naive counts first."""

    runs: dict[str, Backtest]
    """Each method's windows, scored by neighbourhood (``Window.test_events``: the window's
    crimes in the neighbourhoods ranked; ``outside``: the rest)."""
    forecasts: list[dict[str, dict[str, float]]]
    """Window by window, each method's forecast per neighbourhood."""

    def rows(self) -> list[dict[str, Any]]:
        """One row per method and coverage, as :func:`constable.analysis.evaluation.compare`
        gives them; ``pai_vs_naive`` is over the naive counts per neighbourhood."""
        return comparison_rows(self.runs, baseline=NAIVE_COUNTS)


def compare_areas(
    factories: Mapping[str, Factory],
    events: Events,
    codes: NDArray[np.str_],
    grid: Grid,
    km2: Mapping[str, float],
    first_cut: TimeLike,
    step: Period,
    horizon: Period,
    n_windows: int,
    *,
    coverages: Sequence[float] = DEFAULT_COVERAGES,
) -> AreaBacktests:
    """The rolling-origin backtest by neighbourhood.

    ``codes`` are the events' neighbourhoods (as :func:`store_area_events` gives them), and the
    neighbourhoods ranked are those of ``km2``. For each window (the windows of
    :func:`constable.analysis.evaluation.window_bounds`): each cell's neighbourhood is that of
    the nearest crime **before the cut**; each factory's forecaster is fitted on the crimes
    before the cut and its grid forecast summed per neighbourhood; the naive counts
    (``NAIVE_COUNTS``) are the crimes before the cut per neighbourhood; and each is scored by
    :func:`score_areas` on the window's crimes. Errors before any fitting: those of the
    windows, the coverages, codes that do not match the events, or nothing to rank.
    """
    if len(codes) != len(events):
        raise AreaError(f"{len(codes)} neighbourhood codes for {len(events)} events")
    if NAIVE_COUNTS in factories:
        raise AreaError(f"{NAIVE_COUNTS!r} is the naive counts per neighbourhood: rename it")
    if not any(size > 0 for size in km2.values()):
        raise AreaError("there are no neighbourhoods with an area to rank")
    coverages = check_coverages(coverages)
    bounds = window_bounds(events, first_cut, step, horizon, n_windows)
    names = [NAIVE_COUNTS, *factories]
    params: dict[str, dict[str, Any]] = {NAIVE_COUNTS: {}}
    windows: dict[str, list[Window]] = {name: [] for name in names}
    forecasts = []
    for index, (cut, end) in enumerate(bounds):
        n, m = (int(np.searchsorted(events.t, events.days(w), side="left")) for w in (cut, end))
        history, known = events.before(cut), codes[:n]
        cells = cell_areas_from_points(grid, history.x, history.y, known)
        predicted = {NAIVE_COUNTS: count_by_area(known)}
        for name, factory in factories.items():
            forecaster = factory(grid)
            params[name] = forecaster.get_params()
            predicted[name] = area_scores(forecaster.fit(history).predict(cut, end), cells)
        forecasts.append(predicted)
        observed = count_by_area(codes[n:m])
        ranked = int(sum(count for code, count in observed.items() if km2.get(code, 0) > 0))
        for name, guess in predicted.items():
            windows[name].append(
                Window(
                    index=index,
                    cut=cut,
                    end=end,
                    train_events=n,
                    test_events=ranked,
                    outside=m - n - ranked,
                    scores=score_areas(guess, observed, km2, coverages),
                )
            )
    runs = {name: Backtest(name, params[name], coverages, windows[name]) for name in names}
    return AreaBacktests(runs, forecasts)
