"""Snapped points: how many events share their exact coordinates.

data.police.uk moves every crime to one of a fixed set of anonymous map points, and some other
sources to the nearest street intersection. Next period's crime then lands on the very points of
the last, so a plain count per cell is hard to beat and smoothing moves weight off the points
(docs/hotspots.md, "Snapped points"). These shares say when that is so.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from constable.analysis.events import Events


def _points(events: Events) -> NDArray[np.void]:
    # Exact equality is meant: snapped points are the same floats, projected the same way.
    pairs = np.ascontiguousarray(np.column_stack([events.x, events.y]))
    return pairs.view(np.dtype((np.void, pairs.dtype.itemsize * 2))).ravel()


def repeated_point_share(events: Events) -> float:
    """The share of events whose exact point is shared with another event (0 without events)."""
    if not len(events):
        return 0.0
    _, inverse, counts = np.unique(_points(events), return_inverse=True, return_counts=True)
    return float(np.count_nonzero(counts[inverse] > 1)) / len(events)


def reused_point_share(history: Events, later: Events) -> float:
    """The share of ``later``'s events on a point some event of ``history`` used (NaN without
    later events)."""
    if not len(later):
        return float("nan")
    return float(np.isin(_points(later), _points(history)).mean())
