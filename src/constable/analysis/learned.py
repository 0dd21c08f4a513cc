"""The learned forecaster: gradient-boosted trees on per-cell features built from the history.

For a forecast of ``[start, end)`` (``h = end - start`` days) it learns, from the history alone,
how a cell's past predicts its next ``h`` days, then applies that to the cells' pasts at
``start``:

- **training origins**: up to ``origins`` earlier windows of the same length inside the history
  (:func:`constable.analysis.evaluation.history_windows`: ``start - h``, ``start - 2h``, ...; for
  month-only data, the months with events). At each origin ``c`` every valid cell is one row:
  its features from the events **before** ``c``, its target the number of events in
  ``[c, c + h)``. Every origin's window ends at or before ``start``;
- **features** of a cell at ``c`` (events before ``c`` only): counts in the last 7, 28, 91, 182
  and 365 days and in the year before those; its whole history as a rate per ``h`` days (so a
  longer history at ``start`` than at an origin does not look like more crime); the same rate
  summed over the ring of 8 neighbouring cells and the ring of 16 beyond it; the last year's
  count over the 8 neighbours; days since its last event; and the shares of its events of the
  history's four most common crime types (when the events have types). Season and day of week
  are the same for every cell at a cut, so they cannot change a ranking of cells: left out;
- **model**: scikit-learn's ``HistGradientBoostingRegressor`` with the Poisson loss (the target
  is a count), a fixed ``random_state`` and no early stopping, so the same events give the same
  forecast.

Leakage: ``predict(start, end)`` uses only the fitted events before ``start`` (as every
forecaster): features and targets alike come from them, so an event at or after ``start``
cannot change a forecast (``tests/analysis/test_learned.py`` checks it). The training happens in
``predict``, because the windows depend on the forecast's own start and length; the model of the
last forecast is kept as ``model_`` with ``origins_`` (the cuts used, in days) and
``feature_names_``.

scikit-learn is imported only when a forecast is made, so the command line starts fast.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import ndimage

from constable.analysis.evaluation import history_windows
from constable.analysis.events import Events, FloatArray
from constable.analysis.forecasters import Forecaster, ForecastError
from constable.analysis.grid import Grid

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingRegressor

LOOK_BACKS = (7, 28, 91, 182, 365)
TYPES = 4
NEVER = 3650.0  # days since the last event of a cell that has none


def _ring(values: FloatArray, inner: int, outer: int) -> FloatArray:
    """The sum of ``values`` over the cells at Chebyshev distance ``inner < d <= outer``."""

    def box(size: int) -> FloatArray:
        if size == 0:
            return values
        width = 2 * size + 1
        return np.asarray(
            ndimage.uniform_filter(values, width, mode="constant") * width**2, dtype=np.float64
        )

    return box(outer) - box(inner)


def cell_features(
    events: Events, grid: Grid, cut: float, horizon: float, types: list[str]
) -> tuple[FloatArray, list[str]]:
    """The features of every valid cell at ``cut`` from the events before it: ``(cells,
    features)`` and the features' names."""
    t = events.t[: int(np.searchsorted(events.t, cut, side="left"))]
    n = t.size
    x, y = events.x[:n], events.y[:n]
    cells = grid.valid_cells()
    columns: dict[str, FloatArray] = {}

    def count(lo: float, hi: float) -> FloatArray:
        a, b = np.searchsorted(t, [lo, hi], side="left")
        return grid.histogram(x[a:b], y[a:b])

    for days in LOOK_BACKS:
        columns[f"count_{days}d"] = count(cut - days, cut)
    columns["count_year_before"] = count(cut - 730, cut - 365)
    if events.has_times:
        span = max(cut - float(t[0]), horizon) if n else horizon
    else:
        # Month-only data may have gaps of many months: the months with data are the span.
        span = max(1, np.unique(t).size) * 30.44
    rate = grid.histogram(x, y) * (horizon / span)
    columns["rate"] = rate
    columns["rate_ring_1"] = _ring(rate, 0, 1)
    columns["rate_ring_2"] = _ring(rate, 1, 2)
    columns["count_365d_ring_1"] = _ring(columns["count_365d"], 0, 1)
    flat = grid.flat_index(x, y)
    on = flat >= 0
    last = np.full(grid.n_cells, -math.inf)
    np.maximum.at(last, flat[on], t[on])
    columns["days_since_last"] = np.minimum(cut - last, NEVER).reshape(grid.shape)
    if types and events.types is not None:
        total = np.maximum(grid.histogram(x, y), 1.0)
        kinds = events.types[:n]
        for kind in types:
            mine = kinds == kind
            columns[f"share_{kind}"] = grid.histogram(x[mine], y[mine]) / total
    names = list(columns)
    matrix = np.column_stack([columns[name].ravel()[cells] for name in names])
    return np.asarray(matrix, dtype=np.float64), names


class Learned(Forecaster):
    """Gradient-boosted trees on per-cell features of the history (see the module's text).

    Parameters: ``origins`` 6 (training windows at most), ``max_iter`` 200, ``learning_rate``
    0.05, ``max_leaf_nodes`` 15, ``min_samples_leaf`` 40 (scikit-learn's meanings),
    ``random_state`` 0. Month-only events are accepted.

    Learned (by ``predict``): ``model_``, ``origins_``, ``feature_names_``, ``training_rows_``.
    """

    name = "learned"

    model_: HistGradientBoostingRegressor
    origins_: list[float]
    feature_names_: list[str]
    training_rows_: int

    def __init__(
        self,
        grid: Grid,
        *,
        origins: int = 6,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        random_state: int = 0,
    ) -> None:
        self.grid = grid
        self.origins = origins
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def _check_parameters(self) -> None:
        for name in ("origins", "max_iter", "min_samples_leaf"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ForecastError(f"{name} == {value!r}, must be a whole number >= 1")
        if not (isinstance(self.max_leaf_nodes, int) and self.max_leaf_nodes >= 2):
            raise ForecastError(
                f"max_leaf_nodes == {self.max_leaf_nodes!r}, must be a whole number >= 2"
            )
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ForecastError(f"learning_rate == {self.learning_rate}, must be > 0")

    def _fit(self, events: Events) -> None:
        pass

    def _types(self, history: Events) -> list[str]:
        if history.types is None or not len(history):
            return []
        kinds, counts = np.unique(history.types, return_counts=True)
        return [str(k) for k in kinds[np.argsort(-counts, kind="stable")][:TYPES]]

    def _predict(self, start: float, end: float) -> FloatArray:
        from sklearn.ensemble import HistGradientBoostingRegressor
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        horizon = end - start
        history = self._history(start)
        windows = history_windows(history, start, horizon, self.origins)
        if not windows:
            raise ForecastError(
                f"the learned forecaster needs an earlier window of {horizon:g} days with "
                "events, and history before it, inside the history; there is none"
            )
        types = self._types(history)
        cells = self.grid.valid_cells()
        rows: list[FloatArray] = []
        targets: list[FloatArray] = []
        names: list[str] = []
        for cut, window_end in windows:
            features, names = cell_features(history, self.grid, cut, horizon, types)
            a, b = np.searchsorted(history.t, [cut, window_end], side="left")
            target = self.grid.histogram(history.x[a:b], history.y[a:b]).ravel()[cells]
            rows.append(features)
            # A window shorter or longer than the forecast (whole months) counts per h days.
            targets.append(target * (horizon / (window_end - cut)))
        params: dict[str, Any] = {
            "loss": "poisson",
            "max_iter": self.max_iter,
            "learning_rate": self.learning_rate,
            "max_leaf_nodes": self.max_leaf_nodes,
            "min_samples_leaf": self.min_samples_leaf,
            "early_stopping": False,
            "random_state": self.random_state,
        }
        model = HistGradientBoostingRegressor(**params)
        # One OpenMP thread: its threads spin while they wait, and on a busy machine (the 2
        # shared cores here) the default of one per core made a 1 s fit take 24 s.
        with threadpool_limits(1, user_api="openmp"):
            model.fit(np.vstack(rows), np.concatenate(targets))
            predicted = model.predict(cell_features(history, self.grid, start, horizon, types)[0])
        out = np.zeros(self.grid.n_cells)
        out[cells] = predicted
        self.model_, self.origins_, self.feature_names_ = model, [c for c, _ in windows], names
        self.training_rows_ = sum(len(r) for r in rows)
        return out.reshape(self.grid.shape)
