"""Hotspot maps as SVG: the area, the top cells of a forecast shaded by rank, and (optionally)
the events of the window on top, for print and for the pages."""

from __future__ import annotations

from html import escape

import numpy as np

from constable.analysis.events import Events
from constable.analysis.grid import Scores

SHADES = ("#7a0177", "#c51b8a", "#f768a1", "#fbb4b9")
"""Top cells from the highest-ranked quarter (darkest) to the lowest."""


def scores_svg(
    scores: Scores,
    *,
    fraction: float = 0.05,
    title: str = "Hotspot forecast",
    events: Events | None = None,
    width: int = 720,
) -> str:
    """An SVG map of ``scores``: valid cells in grey, the top ``fraction`` shaded by rank,
    ``events`` as black dots, a scale bar; north is up."""
    grid = scores.grid
    height = max(120, int(width * grid.ny / max(grid.nx, 1)))
    cell_w, cell_h = width / grid.nx, height / grid.ny

    def rect(flat: int, fill: str, css: str) -> str:
        row, column = divmod(int(flat), grid.nx)
        x, y = column * cell_w, (grid.ny - 1 - row) * cell_h
        return (
            f'<rect class="{css}" x="{x:.2f}" y="{y:.2f}" width="{cell_w + 0.05:.2f}" '
            f'height="{cell_h + 0.05:.2f}" fill="{fill}"/>'
        )

    top = scores.top(fraction)
    parts = _area_runs(grid.valid.reshape(grid.ny, grid.nx), cell_w, cell_h)
    for rank, flat in enumerate(top):
        shade = SHADES[min(len(SHADES) - 1, rank * len(SHADES) // max(len(top), 1))]
        parts.append(rect(flat, shade, "hotspot"))
    if events is not None and len(events):
        xs = (np.asarray(events.x) - grid.x0) / grid.cell_size * cell_w
        ys = height - (np.asarray(events.y) - grid.y0) / grid.cell_size * cell_h
        parts += [
            f'<circle class="event" cx="{x:.1f}" cy="{y:.1f}" r="1.6" fill="#0b0c0c"/>'
            for x, y in zip(xs, ys, strict=True)
            if 0 <= x <= width and 0 <= y <= height
        ]
    kilometre = 1000 / grid.cell_size * cell_w
    bar = max(1, round((width / 5) / kilometre)) * kilometre
    parts.append(
        f'<g class="scale"><rect x="8" y="{height - 30}" width="{bar + 16:.1f}" height="24" '
        f'fill="#fff" fill-opacity="0.85"/><line x1="16" y1="{height - 12}" x2="{16 + bar:.1f}" '
        f'y2="{height - 12}" stroke="#0b0c0c" stroke-width="3"/><text x="16" y="{height - 16}" '
        f'font-size="12">{bar / kilometre:.0f} km</text></g>'
    )
    described = (
        f"The top {fraction:.0%} of {grid.n_valid:,} cells of {grid.cell_size:g} m "
        f"({len(top):,} cells), darker for higher ranks"
        + (f"; {len(events):,} events of the window as dots" if events is not None else "")
        + "."
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="map-title map-desc">'
        f'<title id="map-title">{escape(title)}</title>'
        f'<desc id="map-desc">{escape(described)}</desc>' + "".join(parts) + "</svg>"
    )


def _area_runs(valid: np.ndarray, cell_w: float, cell_h: float) -> list[str]:
    """The area as one rectangle per run of valid cells in a row (small files for big grids)."""
    rows = valid.shape[0]
    parts = []
    for row in range(rows):
        line = np.concatenate(([False], valid[row], [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(line))
        y = (rows - 1 - row) * cell_h
        for first, stop in zip(edges[::2], edges[1::2], strict=True):
            parts.append(
                f'<rect class="area" x="{first * cell_w:.2f}" y="{y:.2f}" '
                f'width="{(stop - first) * cell_w + 0.05:.2f}" height="{cell_h + 0.05:.2f}" '
                'fill="#ecebea"/>'
            )
    return parts
