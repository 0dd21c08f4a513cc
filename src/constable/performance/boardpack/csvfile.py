"""``figures.csv``: every figure of the pack, one row each, in the order they appear."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from constable.performance.boardpack.assemble import Figure

COLUMNS: tuple[str, ...] = (
    "id",
    "paper",
    "section",
    "figure",
    "area",
    "period",
    "value",
    "unit",
    "text",
    "status",
    "note",
)
"""The columns of ``figures.csv`` (docs/board-pack.md describes each)."""


def figures_csv(figures: Sequence[Figure]) -> str:
    """The CSV text: a header, then one row per figure."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for figure in figures:
        writer.writerow(figure.as_row())
    return buffer.getvalue()
