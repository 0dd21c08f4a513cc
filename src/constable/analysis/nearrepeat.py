"""Near repeats: the Knox test as Ratcliffe's Near Repeat Calculator runs it.

After a burglary, the same home and its neighbours run a raised risk for a while. The Knox test
asks whether pairs of events close in space are also close in time more often than chance.
Every pair of events falls in one cell of a table: its distance band (same location, 1–100 m,
101–200 m, …, more than the last band) by its time band (0–7 days, 8–14 days, …, more than the
last band). The **observed** count of each cell is compared with the counts when the events'
times are shuffled among their places (Monte Carlo permutations): this keeps where events happen
and when they happen, and breaks only the link between the two.

- **Expected** = the mean count of the cell over the permutations.
- **Knox ratio** = observed / expected (above 1: more pairs than chance).
- **p-value** = ``(1 + number of permutations with a count >= observed) / (1 + permutations)``,
  one-sided for raised counts; the observed arrangement counts as one of the possible ones,
  so p is never 0 and a test with 999 permutations can show p down to 0.001.

Only pairs within the largest distance band are ever looked at: a k-d tree finds them once
(``scipy.spatial.cKDTree.query_pairs``), and each permutation recomputes the time gaps of those
pairs only. This is exact, not an approximation: a permutation moves times between places but
never moves a place, so the set of pairs within the largest band, and each pair's distance
band, is the same in every permutation. The cells beyond the largest band are counted from the
time gaps of all pairs, which do not change under a permutation either (the same times are
paired, only at other places): beyond = all pairs in the time band − pairs within the largest
distance band in it, found in O(n log n) from the sorted times.

Example::

    result = knox(x, y, days, seed=1)
    result.summary()   # "Near repeats: after an event, risk is raised up to 200 m away …"
    result.ratio       # the table of Knox ratios, distance bands by time bands
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from constable.errors import ConstableError

DEFAULT_SPACE_BANDS: tuple[float, ...] = (0.0, 100.0, 200.0, 300.0, 400.0)
"""Upper edges of the distance bands in metres, as the Near Repeat Calculator's default table:
same location (0 m), 1–100 m, 101–200 m, 201–300 m, 301–400 m, then more than 400 m."""

DEFAULT_TIME_BANDS: tuple[float, ...] = (7.0, 14.0, 21.0, 28.0)
"""Upper edges of the time bands in days: 0–7, 8–14, 15–21, 22–28, then more than 28 days."""

DEFAULT_PERMUTATIONS = 999
"""Monte Carlo permutations: 999 resolves p-values to 0.001 (the smallest is 1 / 1000) and
takes about 1.5 s for 20,000 events over 30 km × 30 km (110,000 pairs within 400 m); 99 is
the least that can show p = 0.01."""

DEFAULT_MIN_RATIO = 1.2
"""A cell counts as raised risk when its Knox ratio is above this (20% more pairs than
chance) …"""

DEFAULT_ALPHA = 0.05
"""… and its p-value is below this."""

SECONDS_A_DAY = 86_400
"""Times are compared in whole seconds, so that a gap exactly on a band's edge always falls in
the same band whichever way it is computed."""

CHUNK_PAIRS = 2_000_000
"""Pairs handled at once in a permutation: bounds the memory to a few tens of megabytes."""

Metric = Literal["euclidean", "manhattan"]
"""How distance is measured: straight line, or along a grid of streets (|dx| + |dy|)."""


class NearRepeatError(ConstableError):
    """A Knox test cannot be run on what was given."""


@dataclass(frozen=True)
class Band:
    """One band of a Knox table: gaps above ``low`` up to and including ``high``.

    The first band also holds ``low`` itself (a gap of 0); the last band of each axis runs to
    infinity and holds every gap beyond the largest edge.
    """

    low: float
    high: float
    label: str

    @property
    def beyond(self) -> bool:
        """Whether this is the open band beyond the largest edge."""
        return math.isinf(self.high)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (``high`` is null for the open band)."""
        return {"low": self.low, "high": None if self.beyond else self.high, "label": self.label}


@dataclass(frozen=True)
class Cell:
    """One cell of a Knox table."""

    space: Band
    time: Band
    observed: int
    expected: float
    ratio: float
    p_value: float

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (an undefined ratio is null)."""
        return {
            "space": self.space.label,
            "time": self.time.label,
            "observed": self.observed,
            "expected": self.expected,
            "ratio": self.ratio if math.isfinite(self.ratio) else None,
            "p_value": self.p_value,
        }


def _edge_text(value: float) -> str:
    return f"{value:g}"


def _bands(edges: Sequence[float], unit: str, zero: str) -> tuple[Band, ...]:
    """The labelled bands for these upper edges, the open band beyond them last.

    Whole-number edges are labelled as the calculator does ("101–200 m"); others as ranges
    ("over 7.5 to 14 days").
    """
    bands: list[Band] = []
    for index, high in enumerate(edges):
        low = 0.0 if index == 0 else float(edges[index - 1])
        if index == 0:
            label = zero if high == 0 else f"0–{_edge_text(high)} {unit}"
        elif float(low).is_integer() and float(high).is_integer():
            label = f"{_edge_text(low + 1)}–{_edge_text(high)} {unit}"
        else:
            label = f"over {_edge_text(low)} to {_edge_text(high)} {unit}"
        bands.append(Band(low, float(high), label))
    last = float(edges[-1])
    bands.append(Band(last, math.inf, f"more than {_edge_text(last)} {unit}"))
    return tuple(bands)


def _listed(cells: Sequence[Cell]) -> str:
    return "; ".join(
        f"{cell.space.label}, {cell.time.label} (ratio {cell.ratio:.2f}, p = {cell.p_value:.3g})"
        for cell in cells
    )


@dataclass(frozen=True)
class Pattern:
    """How far and how long risk is raised (see :meth:`KnoxResult.pattern`).

    ``repeat_days``: how long risk at the same location stays raised (None: not raised).
    ``distance`` and ``days``: how far and how long risk near an event stays raised (None:
    not raised). The cells behind each, and the raised cells apart from both.
    """

    repeat_days: float | None
    distance: float | None
    days: float | None
    repeats: list[Cell]
    near: list[Cell]
    isolated: list[Cell]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "repeat_days": self.repeat_days,
            "distance": self.distance,
            "days": self.days,
            "repeats": [cell.as_dict() for cell in self.repeats],
            "near": [cell.as_dict() for cell in self.near],
            "isolated": [cell.as_dict() for cell in self.isolated],
        }


@dataclass(frozen=True, eq=False)
class KnoxResult:
    """A Knox table: rows are distance bands, columns time bands, the open bands last.

    ``observed``, ``expected``, ``ratio`` and ``p_value`` are arrays of shape
    ``(len(space_bands), len(time_bands))``. A ratio is NaN where no permutation gave a pair
    (nothing expected, nothing observed) and infinite where some pairs were observed but none
    expected.
    """

    space_bands: tuple[Band, ...]
    time_bands: tuple[Band, ...]
    observed: npt.NDArray[np.int64]
    expected: npt.NDArray[np.float64]
    ratio: npt.NDArray[np.float64]
    p_value: npt.NDArray[np.float64]
    events: int
    close_pairs: int
    """Pairs of events within the largest distance band."""
    permutations: int
    metric: Metric
    min_ratio: float
    alpha: float

    @property
    def pairs(self) -> int:
        """All pairs of events: ``n (n - 1) / 2``."""
        return self.events * (self.events - 1) // 2

    def cell(self, space: int, time: int) -> Cell:
        """The cell of distance band ``space`` and time band ``time``."""
        return Cell(
            space=self.space_bands[space],
            time=self.time_bands[time],
            observed=int(self.observed[space, time]),
            expected=float(self.expected[space, time]),
            ratio=float(self.ratio[space, time]),
            p_value=float(self.p_value[space, time]),
        )

    def cells(self) -> list[Cell]:
        """Every cell, row by row."""
        rows, columns = self.observed.shape
        return [self.cell(s, t) for s in range(rows) for t in range(columns)]

    def raised(self) -> list[Cell]:
        """The cells of raised risk: Knox ratio above ``min_ratio`` and p below ``alpha``.

        Only bounded bands count: the open bands beyond the largest edges say nothing about
        how far or how long risk is raised.
        """
        return [
            cell
            for cell in self.cells()
            if not cell.space.beyond
            and not cell.time.beyond
            and cell.ratio > self.min_ratio
            and cell.p_value < self.alpha
        ]

    def pattern(self) -> Pattern:
        """How far and how long risk is raised, read from the raised cells.

        - **Repeats**: in the "same location" row (when the first distance edge is 0), the
          raised cells that run unbroken from the first time band.
        - **Near repeats**: the raised cells of the other bounded rows that are joined to a
          raised cell of the first time band through raised cells side by side in the table
          (sharing an edge). Their furthest distance band and longest time band give how far
          and how long.
        - **Isolated**: raised cells joined to neither. With 20 cells each tested at
          p < 0.05, about one can be raised by chance alone; these are listed, not read as
          a pattern.
        """
        raised = {(cell.space, cell.time) for cell in self.raised()}
        rows, columns = len(self.space_bands) - 1, len(self.time_bands) - 1
        is_raised = np.zeros((rows, columns), dtype=bool)
        for s, t in itertools.product(range(rows), range(columns)):
            is_raised[s, t] = (self.space_bands[s], self.time_bands[t]) in raised
        first_near = 1 if self.space_bands[0].high == 0 else 0
        repeats: list[tuple[int, int]] = []
        if first_near:
            for t in range(columns):
                if not is_raised[0, t]:
                    break
                repeats.append((0, t))
        near: set[tuple[int, int]] = set()
        frontier = [(s, 0) for s in range(first_near, rows) if is_raised[s, 0]]
        while frontier:
            s, t = frontier.pop()
            if (s, t) in near:
                continue
            near.add((s, t))
            for ds, dt in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                ns, nt = s + ds, t + dt
                if first_near <= ns < rows and 0 <= nt < columns and is_raised[ns, nt]:
                    frontier.append((ns, nt))
        joined = set(repeats) | near
        isolated = [
            (s, t)
            for s, t in itertools.product(range(rows), range(columns))
            if is_raised[s, t] and (s, t) not in joined
        ]
        return Pattern(
            repeat_days=self.time_bands[repeats[-1][1]].high if repeats else None,
            distance=max(self.space_bands[s].high for s, _ in near) if near else None,
            days=max(self.time_bands[t].high for _, t in near) if near else None,
            repeats=[self.cell(s, t) for s, t in repeats],
            near=[self.cell(s, t) for s, t in sorted(near)],
            isolated=[self.cell(s, t) for s, t in isolated],
        )

    def summary(self) -> str:
        """How far and how long risk is raised, in plain words (see :meth:`pattern`)."""
        reach = _edge_text(self.space_bands[-1].low)
        tail = f"{self.events} events, {self.close_pairs} pairs within {reach} m, "
        tail += f"{self.permutations} permutations."
        if self.close_pairs == 0:
            return (
                f"No two events lie within {reach} m of each other, so there is nothing to "
                f"test for near repeats. {tail}"
            )
        pattern = self.pattern()
        parts: list[str] = []
        if pattern.repeat_days is not None:
            parts.append(
                "Repeats: risk at the same location is raised for up to "
                f"{_edge_text(pattern.repeat_days)} days after an event."
            )
        if pattern.distance is not None and pattern.days is not None:
            parts.append(
                f"Near repeats: risk is raised up to {_edge_text(pattern.distance)} m away for "
                f"up to {_edge_text(pattern.days)} days after an event."
            )
        if not parts:
            parts.append(
                f"No sign of raised risk soon after an event: no cell of the first "
                f"{_edge_text(self.time_bands[0].high)} days has a Knox ratio above "
                f"{self.min_ratio:g} with p below {self.alpha:g}."
            )
        if pattern.repeats or pattern.near:
            parts.append(f"Raised cells: {_listed([*pattern.repeats, *pattern.near])}.")
        if pattern.isolated:
            parts.append(
                "Raised cells apart from the pattern, which may be chance: "
                f"{_listed(pattern.isolated)}."
            )
        return " ".join([*parts, tail])

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "events": self.events,
            "pairs": self.pairs,
            "close_pairs": self.close_pairs,
            "permutations": self.permutations,
            "metric": self.metric,
            "min_ratio": self.min_ratio,
            "alpha": self.alpha,
            "space_bands": [band.as_dict() for band in self.space_bands],
            "time_bands": [band.as_dict() for band in self.time_bands],
            "cells": [cell.as_dict() for cell in self.cells()],
            "raised": [cell.as_dict() for cell in self.raised()],
            "pattern": self.pattern().as_dict(),
            "summary": self.summary(),
        }


def _edges(values: Sequence[float], name: str) -> npt.NDArray[np.float64]:
    try:
        edges = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise NearRepeatError(f"{name} must be numbers: {error}") from error
    if edges.ndim != 1 or edges.size == 0:
        raise NearRepeatError(f"{name} must be a list of at least one band edge")
    for index, edge in enumerate(edges):
        if not math.isfinite(edge) or edge < 0:
            raise NearRepeatError(f"{name}[{index}] == {edge:g}, must be a number >= 0")
        if index and edge <= edges[index - 1]:
            raise NearRepeatError(
                f"{name}[{index}] == {edge:g}, must be above {name}[{index - 1}] == "
                f"{edges[index - 1]:g}: give the bands' upper edges in increasing order"
            )
    return edges


def _coordinates(values: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise NearRepeatError(f"{name} must be numbers: {error}") from error
    if array.ndim != 1:
        raise NearRepeatError(f"{name} has {array.ndim} dimensions, must be a flat list")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise NearRepeatError(f"{name}[{int(bad[0])}] is not a number: every event needs one")
    return array


def _seconds(t: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Event times in whole seconds: days as numbers, or dates (``datetime64``, ``date``)."""
    raw = np.asarray(t)
    if raw.dtype.kind in "OUSM":
        try:
            stamps = (
                raw.astype("datetime64[s]")
                if raw.dtype.kind == "M"
                else np.asarray(raw.tolist(), dtype="datetime64[s]")
            )
        except (TypeError, ValueError) as error:
            raise NearRepeatError(f"t must be days or dates: {error}") from error
        if stamps.ndim != 1:
            raise NearRepeatError(f"t has {stamps.ndim} dimensions, must be a flat list")
        missing = np.flatnonzero(np.isnat(stamps))
        if missing.size:
            raise NearRepeatError(f"t[{int(missing[0])}] is missing: every event needs a time")
        return stamps.astype(np.int64)
    days = _coordinates(raw, "t")
    return np.rint(days * SECONDS_A_DAY).astype(np.int64)


def _all_pairs_by_time(
    seconds: npt.NDArray[np.int64], edges: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """How many of all the pairs of events fall in each time band (the open band last)."""
    ordered = np.sort(seconds)
    positions = np.arange(ordered.size)
    # For the event at position i, the later events within e of it are those up to
    # searchsorted(ordered, ordered[i] + e, "right"); counting only later ones counts each
    # pair once.
    within = np.array(
        [
            int((np.searchsorted(ordered, ordered + edge, side="right") - positions - 1).sum())
            for edge in edges
        ],
        dtype=np.int64,
    )
    total = ordered.size * (ordered.size - 1) // 2
    return np.diff(np.concatenate(([0], within, [total]))).astype(np.int64)


def _close_counts(
    seconds: npt.NDArray[np.int64],
    first: npt.NDArray[np.intp],
    second: npt.NDArray[np.intp],
    cell_of_space: npt.NDArray[np.int64],
    edges: npt.NDArray[np.int64],
    size: int,
) -> npt.NDArray[np.int64]:
    """Counts per (distance band × time band) cell of the close pairs, flattened."""
    counts = np.zeros(size, dtype=np.int64)
    for start in range(0, first.size, CHUNK_PAIRS):
        part = slice(start, start + CHUNK_PAIRS)
        gaps = np.abs(seconds[first[part]] - seconds[second[part]])
        cells = cell_of_space[part] + np.searchsorted(edges, gaps, side="left")
        counts += np.bincount(cells, minlength=size)
    return counts


def _table(
    close: npt.NDArray[np.int64], all_by_time: npt.NDArray[np.int64], rows: int, columns: int
) -> npt.NDArray[np.int64]:
    """The full table: the close pairs' rows, then the row beyond the largest distance."""
    table = np.empty((rows + 1, columns), dtype=np.int64)
    table[:rows] = close.reshape(rows, columns)
    table[rows] = all_by_time - table[:rows].sum(axis=0)
    return table


def knox(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t: npt.ArrayLike,
    *,
    space_bands: Sequence[float] = DEFAULT_SPACE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | np.random.Generator | None = None,
    metric: Metric = "euclidean",
    min_ratio: float = DEFAULT_MIN_RATIO,
    alpha: float = DEFAULT_ALPHA,
) -> KnoxResult:
    """The Knox test of events at ``x``, ``y`` (metres) and times ``t``.

    ``t`` is in days (numbers; whole days match the calculator) or dates (numpy ``datetime64``
    or ``datetime.date``/``datetime`` objects). Bands are given by their upper edges, in
    increasing order: a gap ``g`` falls in the first band with ``g <= edge`` (the first band
    holds 0; a first distance edge of 0 makes it "same location"), or in the open band beyond
    the last edge. So a pair 100 m apart is in "1–100 m" and one 8 days apart in "8–14 days".

    The permutations shuffle the times among the events with a numpy ``Generator`` made from
    ``seed`` (the same seed gives the same table). ``min_ratio`` and ``alpha`` choose the cells
    that :meth:`KnoxResult.summary` reports as raised risk.
    """
    xs, ys = _coordinates(x, "x"), _coordinates(y, "y")
    seconds = _seconds(t)
    if not xs.size == ys.size == seconds.size:
        raise NearRepeatError(
            f"x, y and t have {xs.size}, {ys.size} and {seconds.size} values: "
            "give one of each per event"
        )
    if xs.size < 2:
        raise NearRepeatError(f"{xs.size} event(s): a Knox test needs at least 2 (it counts pairs)")
    space = _edges(space_bands, "space_bands")
    time = _edges(time_bands, "time_bands")
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise NearRepeatError(f"permutations == {permutations!r}, must be a whole number")
    if not 0 < alpha < 1:
        raise NearRepeatError(f"alpha == {alpha}, must be between 0 and 1")
    if permutations < 1 or 1 / (1 + permutations) >= alpha:
        least = math.ceil(1 / alpha)
        raise NearRepeatError(
            f"permutations == {permutations}, must be >= {least}: with fewer, no p-value can "
            f"be below alpha ({alpha:g}), as the smallest is 1 / (1 + permutations)"
        )
    if not min_ratio > 0:
        raise NearRepeatError(f"min_ratio == {min_ratio}, must be > 0")
    if metric not in ("euclidean", "manhattan"):
        raise NearRepeatError(f"metric == {metric!r}, must be 'euclidean' or 'manhattan'")

    # Candidate pairs, once: the tree's radius is widened a hair so that rounding inside it
    # cannot drop a pair exactly on the largest edge, then distances are recomputed here and
    # the pairs beyond the edge dropped, so that the bands use one computation only.
    radius = float(space[-1])
    tree = cKDTree(np.column_stack([xs, ys]))
    pairs = tree.query_pairs(
        radius * (1 + 1e-9) + 1e-9, p=2.0 if metric == "euclidean" else 1.0, output_type="ndarray"
    )
    first, second = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
    dx, dy = xs[first] - xs[second], ys[first] - ys[second]
    distance = np.hypot(dx, dy) if metric == "euclidean" else np.abs(dx) + np.abs(dy)
    keep = distance <= radius
    first, second, distance = first[keep], second[keep], distance[keep]

    rows, columns = space.size, time.size + 1
    cell_of_space = np.searchsorted(space, distance, side="left").astype(np.int64) * columns
    time_edges = np.rint(time * SECONDS_A_DAY).astype(np.int64)
    all_by_time = _all_pairs_by_time(seconds, time_edges)

    def table(times: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        close = _close_counts(times, first, second, cell_of_space, time_edges, rows * columns)
        return _table(close, all_by_time, rows, columns)

    observed = table(seconds)
    generator = np.random.default_rng(seed)
    total = np.zeros(observed.shape, dtype=np.float64)
    as_large = np.zeros(observed.shape, dtype=np.int64)
    for _ in range(permutations):
        simulated = table(generator.permutation(seconds))
        total += simulated
        as_large += simulated >= observed
    expected = total / permutations
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / expected
    return KnoxResult(
        space_bands=_bands(list(space), "m", "same location"),
        time_bands=_bands(list(time), "days", "same day"),
        observed=observed,
        expected=expected,
        ratio=ratio,
        p_value=(1 + as_large) / (1 + permutations),
        events=int(xs.size),
        close_pairs=int(first.size),
        permutations=int(permutations),
        metric=metric,
        min_ratio=float(min_ratio),
        alpha=float(alpha),
    )
