"""What the public may see: police.uk practice, written down as functions.

- **Snapping.** A crime is never shown where it happened: :func:`snap` moves it to the centre of
  the square (``public_snap_metres``, 250 m by default) of the British National Grid it falls
  in, as police.uk moves each crime to an anonymous map point. Every crime in the square lands
  on the same point, so a point does not lead to a house.
- **Suppression.** A count from 1 to ``below - 1`` is not shown (:func:`suppress_table`): it
  says "fewer than 3". Zeros are shown. So that a hidden count cannot be worked out from a total
  and the other counts of its row or column, a second count is hidden wherever only one of a
  line (its counts and its total) would be (complementary suppression).
- **No personal data, no internal identifiers.** Public pages are built from
  :class:`PublicData` only: names of streets, victims, callers or subjects, dates of birth,
  references, database ids and exact coordinates never reach them. :func:`check_public` refuses
  data carrying such fields, and :func:`personal_data_in` scans finished pages for them (the
  tests run it over every public page).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from constable.errors import ConstableError


class PrivacyError(ConstableError):
    """Data on its way to a public page carries something private (a programming error)."""

    status = 500


def snap(easting: float, northing: float, metres: float) -> tuple[float, float]:
    """The centre of the ``metres`` square of the British National Grid holding the point."""
    if not metres > 0:
        raise PrivacyError(f"snap metres == {metres}, must be > 0")
    return (
        (math.floor(easting / metres) + 0.5) * metres,
        (math.floor(northing / metres) + 0.5) * metres,
    )


def suppressed(count: int, below: int) -> bool:
    """Whether ``count`` is too small to show exactly (1 to ``below - 1``)."""
    return 0 < count < below


@dataclass(frozen=True)
class Table:
    """Counts in rows and columns with their totals; a hidden count is None."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    below: int

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: hidden counts are null."""
        return {
            "cells": self.cells,
            "row_totals": self.row_totals,
            "column_totals": self.column_totals,
            "total": self.total,
            "suppressed_below": self.below,
        }


def _hide_one_more(line: list[tuple[int, bool, object]], hidden: set[object]) -> bool:
    """In a line of (count, is_total, key) whose sum is known, hide a second item when exactly
    one is hidden: the smallest shown non-zero count, else the line's total, else any count."""
    unknown = [key for _, _, key in line if key in hidden]
    if len(unknown) != 1:
        return False
    shown = [(count, is_total, key) for count, is_total, key in line if key not in hidden]
    if not shown:
        return False
    nonzero = [item for item in shown if not item[1] and item[0] > 0]
    totals = [item for item in shown if item[1]]
    choice = min(nonzero, key=lambda item: item[0]) if nonzero else (totals or shown)[0]
    hidden.add(choice[2])
    return True


def suppress_table(counts: Sequence[Sequence[int]], below: int) -> Table:
    """Rows × columns of counts with row, column and grand totals, small counts hidden so that
    none can be recovered by adding and subtracting what is shown."""
    if below < 1:
        raise PrivacyError(f"suppress below == {below}, must be >= 1")
    rows, columns = len(counts), len(counts[0]) if counts else 0
    row_totals = [sum(row) for row in counts]
    column_totals = [sum(counts[r][c] for r in range(rows)) for c in range(columns)]
    grand = sum(row_totals)
    hidden: set[object] = set()
    for r in range(rows):
        for c in range(columns):
            if suppressed(counts[r][c], below):
                hidden.add((r, c))
        if suppressed(row_totals[r], below):
            hidden.add(("row", r))
    for c in range(columns):
        if suppressed(column_totals[c], below):
            hidden.add(("column", c))
    if suppressed(grand, below):
        hidden.add("total")
    lines: list[list[tuple[int, bool, object]]] = []
    for r in range(rows):
        lines.append(
            [(counts[r][c], False, (r, c)) for c in range(columns)]
            + [(row_totals[r], True, ("row", r))]
        )
    for c in range(columns):
        lines.append(
            [(counts[r][c], False, (r, c)) for r in range(rows)]
            + [(column_totals[c], True, ("column", c))]
        )
    lines.append(
        [(t, False, ("row", r)) for r, t in enumerate(row_totals)] + [(grand, True, "total")]
    )
    lines.append(
        [(t, False, ("column", c)) for c, t in enumerate(column_totals)] + [(grand, True, "total")]
    )
    changed = True
    while changed:
        changed = False
        for line in lines:
            changed = _hide_one_more(line, hidden) or changed
    return Table(
        cells=[
            [None if (r, c) in hidden else counts[r][c] for c in range(columns)]
            for r in range(rows)
        ],
        row_totals=[None if ("row", r) in hidden else t for r, t in enumerate(row_totals)],
        column_totals=[None if ("column", c) in hidden else t for c, t in enumerate(column_totals)],
        total=None if "total" in hidden else grand,
        below=below,
    )


PRIVATE_KEYS = frozenset(
    {
        "id",
        "victim_name",
        "victim_date_of_birth",
        "victim_address",
        "victim_postcode",
        "victim_person_key",
        "victim_address_key",
        "subject_name",
        "subject_key",
        "caller_name",
        "caller_phone",
        "date_of_birth",
        "description",
        "reference",
        "record_key",
        "incident_id",
        "crime_id",
        "person_id",
        "latitude",
        "longitude",
        "easting",
        "northing",
        "location",
        "email",
        "recorded_by",
    }
)
"""Fields that never go to a public page: people, references, ids and exact places."""


def check_public(data: Any, where: str = "data") -> None:
    """Refuse (:class:`PrivacyError`) data whose mappings carry any of :data:`PRIVATE_KEYS` or
    an ``*_id`` field, anywhere inside it."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = str(key)
            if name in PRIVATE_KEYS or name.endswith("_id"):
                raise PrivacyError(f"{where}.{name} is private and cannot be published")
            check_public(value, f"{where}.{name}")
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            check_public(value, f"{where}[{index}]")


_PATTERNS: dict[str, re.Pattern[str]] = {
    "an exact latitude and longitude": re.compile(r"-?\d{1,2}\.\d{4,}\s*,\s*-?\d{1,3}\.\d{4,}"),
    "a number with five or more decimals (an exact coordinate?)": re.compile(r"\d\.\d{5,}"),
    "a link to a record by its id": re.compile(
        r"/(?:crimes|incidents|contacts|asb-cases|s136|volunteers|priorities|meetings)/\d+"
    ),
    "a record reference": re.compile(r"\b[A-Z]{2,10}-(?:CR|ASB|INC|C)-\d{4,}\b"),
    "an email address": re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
    "a private field name": re.compile(
        r"\b(?:victim_[a-z_]+|date_of_birth|subject_name|caller_[a-z]+|record_key)\b"
    ),
}


def personal_data_in(text: str, known: Iterable[str] = ()) -> list[str]:
    """What in ``text`` looks like personal data, an internal identifier or an exact place:
    the patterns above, and any of the ``known`` private values (names, dates of birth,
    addresses). Empty when the text is clean."""
    found = [f"{what}: {m.group(0)!r}" for what, p in _PATTERNS.items() for m in p.finditer(text)]
    lowered = text.casefold()
    found += [f"a private value: {value!r}" for value in known if value.casefold() in lowered]
    return found
