"""Writing a forecast as GeoJSON fast: each feature is formatted as text from numpy arrays,
without building a dict and a list per cell for ``json.dumps`` (that took about a fifth of
``constable hotspots forecast``). The output is the same FeatureCollection as
:meth:`constable.analysis.grid.Scores.to_geojson`, plus top-level ``properties`` (a foreign
member, which GeoJSON readers ignore) saying what the forecast is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from constable.analysis.grid import Scores, cell_name

# One feature, with %-slots: id, 5 corners (10 numbers), id, score, rank. Formatting many
# features with one ``%`` over a flat tuple runs the loop in C.
_FEATURE = (
    '{"type":"Feature","id":"%s","geometry":{"type":"Polygon","coordinates":[['
    + ",".join(["[%r,%r]"] * 5)
    + ']]},"properties":{"cell":"%s","score":%r,"rank":%d}}'
)
_CHUNK = 5_000


def write_geojson(
    scores: Scores,
    path: Path,
    fraction: float | None = None,
    properties: dict[str, Any] | None = None,
    *,
    precision: int = 6,
) -> None:
    """Write the valid cells (or the top ``fraction``) best first, as ``Scores.to_geojson``
    gives them, with ``properties`` at the top level."""
    grid = scores.grid
    cells = scores.ranked() if fraction is None else scores.top(fraction)
    rings = np.round(grid.polygons_wgs84(cells), precision).reshape(-1, 10)
    values = scores.values.ravel()[cells]
    row, col = np.divmod(cells, grid.nx)
    xs = (grid.x0 + col * grid.cell_size).tolist()
    ys = (grid.y0 + row * grid.cell_size).tolist()
    if all(float(v).is_integer() for v in (grid.x0, grid.y0, grid.cell_size)):
        # Whole-metre corners (every snapped grid): the ids without a call per cell.
        ids = ["E%dN%d" % pair for pair in zip(xs, ys, strict=True)]  # noqa: UP031
    else:
        ids = [cell_name(x, y) for x, y in zip(xs, ys, strict=True)]
    score_list = values.tolist()
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection"')
        if properties is not None:
            out.write(',"properties":' + json.dumps(properties))
        out.write(',"features":[')
        for first in range(0, len(cells), _CHUNK):
            last = min(first + _CHUNK, len(cells))
            flat: list[Any] = []
            for i, ring in enumerate(rings[first:last].tolist(), start=first):
                flat += (ids[i], *ring, ids[i], score_list[i], i + 1)
            if first:
                out.write(",")
            out.write(",".join([_FEATURE] * (last - first)) % tuple(flat))
        out.write("]}\n")
