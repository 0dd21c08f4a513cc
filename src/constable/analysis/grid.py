"""Square grids over an area, and scores on their cells.

A :class:`Grid` is ``nx`` by ``ny`` square cells of ``cell_size`` metres whose lower-left corner
is ``(x0, y0)`` in a projected system (British National Grid by default), with an optional mask
of the cells that count (the area with population or events; the sea and other forces do not).
Arrays over a grid have the shape ``(ny, nx)``: row ``j`` is the ``j``-th band of cells from the
south, column ``i`` the ``i``-th from the west, and a cell's flat index is ``j * nx + i``.

Cells are half-open, ``[x0 + i s, x0 + (i + 1) s)`` by ``[y0 + j s, y0 + (j + 1) s)``, and by
default the origin is snapped to a multiple of the cell size, so that the same cell of British
National Grid has the same id (``E612300N158400``, its lower-left corner in metres) in every
forecast.

Guard rails: a cell size that is not a positive number, no events, or an extent that would need
more than ``max_cells`` cells (a stray point far from the rest, usually) are refused before any
array is made, with the extent and the points furthest out named.

A :class:`Scores` is a grid with one number per cell; only the cells of the mask are ranked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage

from constable.analysis.events import AnalysisError, Events, FloatArray, transformer
from constable.force.geography import BNG, WGS84

DEFAULT_CELL_SIZE = 150.0
"""Metres: the 150 m x 150 m boxes of Mohler et al. (2015)."""

DEFAULT_MAX_CELLS = 5_000_000
"""Far more than a force needs (Kent at 150 m is about 170,000 cells); about 40 MB a score grid."""


class GridError(AnalysisError):
    """A grid that cannot be made or used."""


def _check_cell_size(cell_size: float) -> float:
    if not (isinstance(cell_size, int | float) and math.isfinite(cell_size) and cell_size > 0):
        raise GridError(f"cell_size == {cell_size}, must be > 0 (metres)")
    return float(cell_size)


def _metres(value: float) -> str:
    """A coordinate for a cell id: whole metres when whole, else to the centimetre."""
    return str(round(value)) if abs(value - round(value)) < 1e-6 else f"{value:.2f}"


def cell_name(x: float, y: float) -> str:
    """The id of the cell whose lower-left corner is ``(x, y)``: ``E612300N158400``."""
    return f"E{_metres(x)}N{_metres(y)}"


def _extent_text(xmin: float, ymin: float, xmax: float, ymax: float) -> str:
    return (
        f"{(xmax - xmin) / 1000:,.1f} km x {(ymax - ymin) / 1000:,.1f} km "
        f"(x {xmin:,.0f} to {xmax:,.0f}, y {ymin:,.0f} to {ymax:,.0f})"
    )


def _span(low: float, high: float, size: float, snap: bool, closed: bool) -> tuple[float, int]:
    """The origin and number of cells covering ``[low, high)`` (``[low, high]`` if closed)."""
    origin = math.floor(low / size) * size if snap else low
    reach = (high - origin) / size
    count = math.floor(reach) + 1 if closed else math.ceil(reach)
    return origin, max(1, count)


def _strays(events: Events, count: int = 3) -> str:
    """The points furthest from the middle of the others, to name in an error: up to
    ``count`` of those more than twice as far out as nine in ten points (at least one)."""
    mid_x, mid_y = float(np.median(events.x)), float(np.median(events.y))
    distance = np.hypot(events.x - mid_x, events.y - mid_y)
    far = np.argsort(-distance, kind="stable")[:count]
    usual = float(np.quantile(distance, 0.9))
    far = far[: max(1, int(np.count_nonzero(distance[far] > 2 * usual)))]
    named = [
        f"{events.label(int(i))} at x {events.x[i]:,.0f}, y {events.y[i]:,.0f} "
        f"({distance[i] / 1000:,.1f} km from the median point)"
        for i in far
    ]
    return "; the points furthest out are " + "; ".join(named)


@dataclass(frozen=True, eq=False)
class Grid:
    """Square cells over a rectangle in a projected system, with an optional mask."""

    x0: float
    y0: float
    cell_size: float
    nx: int
    ny: int
    crs: str = BNG
    mask: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        _check_cell_size(self.cell_size)
        if not (math.isfinite(self.x0) and math.isfinite(self.y0)):
            raise GridError(f"the origin ({self.x0}, {self.y0}) must be finite")
        if int(self.nx) < 1 or int(self.ny) < 1:
            raise GridError(f"nx == {self.nx} and ny == {self.ny}, both must be >= 1")
        object.__setattr__(self, "nx", int(self.nx))
        object.__setattr__(self, "ny", int(self.ny))
        if self.mask is not None:
            mask = np.array(self.mask, dtype=bool, copy=True)
            if mask.shape != (self.ny, self.nx):
                raise GridError(f"the mask is {mask.shape}, the grid {(self.ny, self.nx)}")
            if not mask.any():
                raise GridError("the mask leaves no cell of the grid")
            mask.setflags(write=False)
            object.__setattr__(self, "mask", mask)

    # Construction -------------------------------------------------------------------------------

    @classmethod
    def from_bounds(
        cls,
        xmin: float,
        ymin: float,
        xmax: float,
        ymax: float,
        *,
        cell_size: float = DEFAULT_CELL_SIZE,
        crs: str = BNG,
        max_cells: int = DEFAULT_MAX_CELLS,
        snap: bool = True,
    ) -> Grid:
        """The grid covering ``[xmin, xmax) x [ymin, ymax)``, origin snapped to the cell size."""
        size = _check_cell_size(cell_size)
        if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
            raise GridError(f"the bounds {(xmin, ymin, xmax, ymax)} must be finite")
        if xmax < xmin or ymax < ymin:
            raise GridError(
                f"the bounds are in the wrong order: x {xmin} to {xmax}, y {ymin} to {ymax}"
            )
        x0, nx = _span(xmin, xmax, size, snap, closed=False)
        y0, ny = _span(ymin, ymax, size, snap, closed=False)
        _check_cells(nx, ny, size, (xmin, ymin, xmax, ymax), max_cells)
        return cls(x0, y0, size, nx, ny, crs)

    @classmethod
    def from_events(
        cls,
        events: Events,
        *,
        cell_size: float = DEFAULT_CELL_SIZE,
        margin: float = 0.0,
        mask_radius: float | None = None,
        max_cells: int = DEFAULT_MAX_CELLS,
        snap: bool = True,
    ) -> Grid:
        """The grid covering every event (plus ``margin`` metres), in the events' system.

        With ``mask_radius`` (metres), only the cells within that distance of a cell with an
        event count (see :meth:`mask_events`); 0 keeps the cells that hold an event.
        """
        size = _check_cell_size(cell_size)
        if not len(events):
            raise GridError("there are no events to place a grid over")
        xmin, ymin, xmax, ymax = events.bounds()
        xmin, ymin, xmax, ymax = xmin - margin, ymin - margin, xmax + margin, ymax + margin
        x0, nx = _span(xmin, xmax, size, snap, closed=True)
        y0, ny = _span(ymin, ymax, size, snap, closed=True)
        _check_cells(nx, ny, size, (xmin, ymin, xmax, ymax), max_cells, _strays(events))
        grid = cls(x0, y0, size, nx, ny, events.crs)
        return grid if mask_radius is None else grid.mask_events(events, mask_radius)

    @classmethod
    def from_geometry(
        cls,
        geometry: shapely.Geometry,
        *,
        cell_size: float = DEFAULT_CELL_SIZE,
        crs: str = BNG,
        max_cells: int = DEFAULT_MAX_CELLS,
        snap: bool = True,
    ) -> Grid:
        """The grid over a shape (in ``crs`` metres), masked to the cells whose centre is in it."""
        if geometry is None or shapely.is_empty(geometry):
            raise GridError("the shape is empty")
        xmin, ymin, xmax, ymax = (float(v) for v in shapely.bounds(geometry))
        grid = cls.from_bounds(
            xmin, ymin, xmax, ymax, cell_size=cell_size, crs=crs, max_cells=max_cells, snap=snap
        )
        return grid.mask_geometry(geometry)

    # Masks --------------------------------------------------------------------------------------

    def with_mask(self, mask: ArrayLike) -> Grid:
        """This grid with its mask narrowed to the cells that are also True in ``mask``."""
        narrowed = np.asarray(mask, dtype=bool)
        if narrowed.shape != self.shape:
            raise GridError(f"the mask is {narrowed.shape}, the grid {self.shape}")
        if self.mask is not None:
            narrowed = narrowed & self.mask
        return Grid(self.x0, self.y0, self.cell_size, self.nx, self.ny, self.crs, narrowed)

    def mask_events(self, events: Events, radius: float = 0.0) -> Grid:
        """Keep the cells within ``radius`` metres of a cell holding one of ``events``.

        Distances are between cell centres, so 0 keeps exactly the cells with an event and 150
        on a 150 m grid adds the four neighbours sharing a side.
        """
        if not (math.isfinite(radius) and radius >= 0):
            raise GridError(f"radius == {radius}, must be >= 0 (metres)")
        occupied = self.histogram(events.x, events.y) > 0
        if not occupied.any():
            raise GridError(f"none of the {len(events):,} events is on the grid {self.describe()}")
        reach = int(radius // self.cell_size)
        if reach:
            offsets = np.arange(-reach, reach + 1)
            disc = (offsets[:, None] ** 2 + offsets[None, :] ** 2) * self.cell_size**2
            occupied = ndimage.binary_dilation(occupied, structure=disc <= radius**2 + 1e-9)
        return self.with_mask(occupied)

    def mask_geometry(self, *geometries: shapely.Geometry) -> Grid:
        """Keep the cells whose centre lies in one of the shapes (in this grid's metres)."""
        union = shapely.union_all(list(geometries))
        shapely.prepare(union)
        xc, yc = self.centres()
        inside = shapely.contains_xy(union, xc.ravel(), yc.ravel()).reshape(self.shape)
        if not inside.any():
            raise GridError(f"no cell centre of the grid {self.describe()} is inside the shape")
        return self.with_mask(inside)

    # Shape --------------------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``: the shape of every array over this grid."""
        return (self.ny, self.nx)

    @property
    def n_cells(self) -> int:
        """Cells in the rectangle, masked or not."""
        return self.nx * self.ny

    @property
    def valid(self) -> NDArray[np.bool_]:
        """The cells that count, as a ``(ny, nx)`` boolean array (all of them without a mask)."""
        return np.ones(self.shape, dtype=bool) if self.mask is None else self.mask

    @property
    def n_valid(self) -> int:
        """Cells that count."""
        return self.n_cells if self.mask is None else int(self.mask.sum())

    @property
    def cell_area(self) -> float:
        """Square metres of one cell."""
        return self.cell_size**2

    @property
    def x1(self) -> float:
        """The eastern edge."""
        return self.x0 + self.nx * self.cell_size

    @property
    def y1(self) -> float:
        """The northern edge."""
        return self.y0 + self.ny * self.cell_size

    def describe(self) -> str:
        """The grid in words, for messages."""
        size = f"{self.nx} x {self.ny} cells of {self.cell_size:g} m over "
        return size + _extent_text(self.x0, self.y0, self.x1, self.y1)

    # Cells --------------------------------------------------------------------------------------

    def column_centres(self) -> FloatArray:
        """The x of each column's centre (``nx`` values)."""
        return self.x0 + (np.arange(self.nx, dtype=np.float64) + 0.5) * self.cell_size

    def row_centres(self) -> FloatArray:
        """The y of each row's centre (``ny`` values)."""
        return self.y0 + (np.arange(self.ny, dtype=np.float64) + 0.5) * self.cell_size

    def centres(self) -> tuple[FloatArray, FloatArray]:
        """The x and the y of every cell's centre, each of shape ``(ny, nx)``."""
        xc, yc = np.meshgrid(self.column_centres(), self.row_centres())
        return xc, yc

    def cell_of(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """The column and row of each point; both -1 for a point off the grid."""
        col = np.floor((np.asarray(x, dtype=np.float64) - self.x0) / self.cell_size)
        row = np.floor((np.asarray(y, dtype=np.float64) - self.y0) / self.cell_size)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        col_i = np.where(inside, col, -1).astype(np.intp)
        row_i = np.where(inside, row, -1).astype(np.intp)
        return col_i, row_i

    def flat_index(
        self, x: ArrayLike, y: ArrayLike, *, valid_only: bool = False
    ) -> NDArray[np.intp]:
        """Each point's flat cell index, -1 off the grid (and in masked-out cells if
        ``valid_only``)."""
        col, row = self.cell_of(x, y)
        flat = np.where(col >= 0, row * self.nx + col, -1).astype(np.intp)
        if valid_only and self.mask is not None:
            on = flat >= 0
            flat[on] = np.where(self.mask.ravel()[flat[on]], flat[on], -1)
        return flat

    def histogram(self, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> FloatArray:
        """The points (or their weights) summed in each cell, ``(ny, nx)``; points off the grid
        are left out, masked-out cells are not."""
        flat = self.flat_index(x, y)
        on = flat >= 0
        w = None if weights is None else np.asarray(weights, dtype=np.float64)[on]
        counts = np.bincount(flat[on], weights=w, minlength=self.n_cells)
        return np.asarray(counts, dtype=np.float64).reshape(self.shape)

    def valid_cells(self) -> NDArray[np.intp]:
        """The flat indices of the cells that count, in flat order."""
        return np.flatnonzero(self.valid.ravel())

    def cell_id(self, flat: int) -> str:
        """A cell's name from its lower-left corner in metres: ``E612300N158400``."""
        row, col = divmod(int(flat), self.nx)
        return cell_name(self.x0 + col * self.cell_size, self.y0 + row * self.cell_size)

    def cell_ids(self, cells: ArrayLike | None = None) -> list[str]:
        """The ids of ``cells`` (flat indices; every valid cell by default)."""
        chosen = self.valid_cells() if cells is None else np.asarray(cells, dtype=np.intp)
        return [self.cell_id(int(c)) for c in chosen]

    def polygons_wgs84(self, cells: ArrayLike | None = None) -> FloatArray:
        """The corners of ``cells`` (flat indices; every valid cell by default) as WGS84
        longitude and latitude, ``(n, 5, 2)``: closed rings, anticlockwise from the south-west
        corner, ready for GeoJSON."""
        chosen = self.valid_cells() if cells is None else np.asarray(cells, dtype=np.intp)
        xs = self.x0 + np.arange(self.nx + 1) * self.cell_size
        ys = self.y0 + np.arange(self.ny + 1) * self.cell_size
        gx, gy = np.meshgrid(xs, ys)
        lon, lat = transformer(self.crs, WGS84).transform(gx, gy)
        row, col = np.divmod(chosen, self.nx)
        corner_rows = row[:, None] + np.array([0, 0, 1, 1, 0])
        corner_cols = col[:, None] + np.array([0, 1, 1, 0, 0])
        lons = np.asarray(lon)[corner_rows, corner_cols]
        lats = np.asarray(lat)[corner_rows, corner_cols]
        return np.stack([lons, lats], axis=-1).astype(np.float64)


def _check_cells(
    nx: int,
    ny: int,
    cell_size: float,
    bounds: tuple[float, float, float, float],
    max_cells: int,
    strays: str = "",
) -> None:
    if nx * ny > max_cells:
        raise GridError(
            f"a grid of {cell_size:g} m cells over {_extent_text(*bounds)} would have "
            f"{nx * ny:,} cells, more than max_cells = {max_cells:,}{strays}"
        )


@dataclass(frozen=True, eq=False)
class Scores:
    """One score per cell of a grid (``(ny, nx)``, read-only); higher means more expected
    crime. Only the grid's valid cells are ranked."""

    grid: Grid
    values: FloatArray

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.float64, copy=True)
        if values.size != self.grid.n_cells:
            raise GridError(f"{values.size} scores for a grid of {self.grid.n_cells} cells")
        values = values.reshape(self.grid.shape)
        if not np.isfinite(values).all():
            raise GridError("every score must be a finite number")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    def ranked(self) -> NDArray[np.intp]:
        """The valid cells' flat indices, highest score first (ties in flat order)."""
        cells = self.grid.valid_cells()
        order = np.argsort(-self.values.ravel()[cells], kind="stable")
        return cells[order]

    def cells_for(self, fraction: float) -> int:
        """How many cells make ``fraction`` of the valid area: the nearest whole number, at
        least one."""
        if not (0 < fraction <= 1):
            raise GridError(f"fraction == {fraction}, must be > 0 and <= 1")
        n = self.grid.n_valid
        return min(n, max(1, math.floor(fraction * n + 0.5)))

    def top(self, fraction: float) -> NDArray[np.intp]:
        """The flat indices of the highest-scoring ``fraction`` of the valid cells."""
        return self.ranked()[: self.cells_for(fraction)]

    def ranks(self) -> NDArray[np.intp]:
        """Each cell's rank, ``(ny, nx)``: 1 for the highest score, 0 for masked-out cells."""
        ranks = np.zeros(self.grid.n_cells, dtype=np.intp)
        ordered = self.ranked()
        ranks[ordered] = np.arange(1, len(ordered) + 1)
        return ranks.reshape(self.grid.shape)

    def to_geojson(self, fraction: float | None = None, *, precision: int = 6) -> dict[str, Any]:
        """A GeoJSON FeatureCollection (WGS84) of the valid cells, or of the top ``fraction``,
        best first, each with properties ``cell`` (its id), ``score`` and ``rank``."""
        cells = self.ranked() if fraction is None else self.top(fraction)
        rings = np.round(self.grid.polygons_wgs84(cells), precision)
        flat_values = self.values.ravel()
        features = [
            {
                "type": "Feature",
                "id": self.grid.cell_id(int(cell)),
                "geometry": {"type": "Polygon", "coordinates": [ring.tolist()]},
                "properties": {
                    "cell": self.grid.cell_id(int(cell)),
                    "score": float(flat_values[cell]),
                    "rank": rank,
                },
            }
            for rank, (cell, ring) in enumerate(zip(cells, rings, strict=True), start=1)
        ]
        return {"type": "FeatureCollection", "features": features}
