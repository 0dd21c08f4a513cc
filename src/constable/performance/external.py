"""Import the values of external measures (survey results, sickness, savings...) from CSV.

The layout (docs/plan.md): a header row, then one value per row.

========================  ======================================================================
column                    what it holds
========================  ======================================================================
``measure``               an external measure's name (``constable plan measures`` lists them)
``period_start``          the first day the value covers, ``YYYY-MM-DD``
``period_end``            the last day it covers (included), ``YYYY-MM-DD``
``area``                  ``force`` (or the force's code or name), or a district's slug,
                          name or ONS code (``medway``, ``Medway``, ``E06000035``)
``value``                 a number; a share is written as a percentage (``61.5`` for 61.5%),
                          a sum of money in pounds, hours as a decimal (66 h 36 min = ``66.6``)
``numerator``             optional: for a share, how many said yes (or met the standard)
``denominator``           optional: for a share, how many were asked (then both are needed)
``source``                where the figure comes from (a report, a system, a survey wave)
========================  ======================================================================

The import is all or nothing: every row is checked first and the first problem is reported
with the file, the line and the column, and nothing is written. A value for a measure, area and
period already in the store is replaced (a correction); importing the same file again changes
nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.crime.service import records_name
from constable.force.models import District, Force
from constable.ingest.errors import ImportFileError, ImportRowError
from constable.ingest.models import ImportedFile
from constable.ingest.service import checksum
from constable.performance.measures import FORCE_AREA, MEASURES, near_measure
from constable.performance.models import ExternalMeasureValue
from constable.store import audit
from constable.store.base import utcnow

COLUMNS: tuple[str, ...] = (
    "measure",
    "period_start",
    "period_end",
    "area",
    "value",
    "numerator",
    "denominator",
    "source",
)
"""The columns of an external-measures CSV, in the documented order (any order is read)."""

REQUIRED: tuple[str, ...] = ("measure", "period_start", "period_end", "area", "value", "source")
"""The columns every file must have; ``numerator`` and ``denominator`` may be left out."""

SHARE_TOLERANCE = 0.5
"""Percentage points by which a share's ``value`` may differ from 100 × numerator /
denominator (published percentages are rounded)."""

KIND = "external-measures"
"""The kind under which imported files are recorded."""


@dataclass(frozen=True)
class ExternalRow:
    """One checked row, ready to store (a share's value as a fraction, 0 to 1)."""

    line: int
    measure: str
    area: str
    period_start: dt.date
    period_end: dt.date
    value: float
    numerator: float | None
    denominator: float | None
    source: str


@dataclass(frozen=True)
class ExternalImport:
    """What an import did."""

    name: str
    rows: int
    added: int
    replaced: int
    unchanged: int
    already_imported: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        number = float(text.replace(",", "").replace("£", "").strip())
    except ValueError:
        raise ImportRowError(path, line, column, text, "is not a number") from None
    if not math.isfinite(number):
        raise ImportRowError(path, line, column, text, "is not a finite number")
    return number


def _date(path: Path, line: int, column: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ImportRowError(
            path, line, column, text, "is not a date written YYYY-MM-DD, like 2007-04-01"
        ) from None


def read_external(path: Path | str, *, areas: dict[str, str]) -> list[ExternalRow]:
    """The checked rows of an external-measures CSV; ``areas`` maps every accepted spelling of
    an area (lower case: ``force``, slugs, names) to its area key. Raises
    :class:`~constable.ingest.errors.ImportFileError` or
    :class:`~constable.ingest.errors.ImportRowError` at the first problem."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            path, f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise ImportFileError(path, "is empty: the first row must name the columns")
    names = [h.strip().casefold() for h in header]
    for index, name in enumerate(names):
        if name not in COLUMNS:
            raise ImportRowError(
                path,
                1,
                header[index],
                header[index],
                f"is not a column of an external-measures file; the columns are "
                f"{', '.join(COLUMNS)} (numerator and denominator optional)",
            )
        if names.index(name) != index:
            raise ImportRowError(path, 1, header[index], header[index], "is repeated")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFileError(
            path,
            f"line 1: the column(s) {', '.join(missing)} are missing; the columns are "
            f"{', '.join(COLUMNS)} (numerator and denominator optional)",
        )
    at = {name: index for index, name in enumerate(names)}
    rows: list[ExternalRow] = []
    seen: dict[tuple[str, str, dt.date, dt.date], int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            raise ImportFileError(
                path, f"line {line}: {len(cells)} cells, but the header names {len(names)} columns"
            )

        def cell(column: str, cells: list[str] = cells) -> str:
            return cells[at[column]].strip() if column in at else ""

        row = _row(path, line, cell, areas)
        key = (row.measure, row.area, row.period_start, row.period_end)
        if key in seen:
            raise ImportRowError(
                path,
                line,
                "measure",
                row.measure,
                f"is given again for area {row.area} and the same period (first on line "
                f"{seen[key]}): give each value once",
            )
        seen[key] = line
        rows.append(row)
    if not rows:
        raise ImportFileError(path, "has a header but no rows")
    return rows


def _row(path: Path, line: int, cell: Any, areas: dict[str, str]) -> ExternalRow:
    name = cell("measure")
    found = MEASURES.get(name)
    if found is None or found.source != "external":
        listed = ", ".join(m.name for m in MEASURES.values() if m.source == "external")
        problem = (
            f"is computed from the store's records, not imported; the external measures are "
            f"{listed}"
            if found is not None
            else f"is not an external measure{near_measure(name, only='external')}; the "
            f"external measures are {listed}"
        )
        raise ImportRowError(path, line, "measure", name, problem)
    start = _date(path, line, "period_start", cell("period_start"))
    end = _date(path, line, "period_end", cell("period_end"))
    if end < start:
        raise ImportRowError(
            path, line, "period_end", cell("period_end"), f"is before period_start {start}"
        )
    area_text = cell("area")
    area = areas.get(area_text.casefold())
    if area is None:
        raise ImportRowError(
            path,
            line,
            "area",
            area_text,
            f"is not an area: write force or a district's slug "
            f"({', '.join(sorted(set(areas.values()) - {FORCE_AREA}))})",
        )
    value = _number(path, line, "value", cell("value"))
    numerator = _number(path, line, "numerator", cell("numerator")) if cell("numerator") else None
    denominator = (
        _number(path, line, "denominator", cell("denominator")) if cell("denominator") else None
    )
    if (numerator is None) != (denominator is None):
        column = "numerator" if numerator is None else "denominator"
        raise ImportRowError(
            path, line, column, cell(column), "is empty: give numerator and denominator together"
        )
    if numerator is not None and denominator is not None:
        if found.unit != "share":
            raise ImportRowError(
                path,
                line,
                "numerator",
                cell("numerator"),
                f"is given, but {name} is not a share: leave numerator and denominator empty",
            )
        if denominator <= 0:
            raise ImportRowError(path, line, "denominator", cell("denominator"), "must be > 0")
        if not 0 <= numerator <= denominator:
            raise ImportRowError(
                path, line, "numerator", cell("numerator"), "must be between 0 and the denominator"
            )
    if found.unit == "share":
        if not 0 <= value <= 100:
            raise ImportRowError(
                path,
                line,
                "value",
                cell("value"),
                "is not a percentage: a share is written from 0 to 100 (61.5 for 61.5%)",
            )
        if numerator is not None and denominator is not None:
            implied = 100 * numerator / denominator
            if abs(implied - value) > SHARE_TOLERANCE:
                raise ImportRowError(
                    path,
                    line,
                    "value",
                    cell("value"),
                    f"does not match numerator / denominator ({implied:.2f}%)",
                )
        value /= 100
    elif value < 0:
        raise ImportRowError(path, line, "value", cell("value"), "must be >= 0")
    if found.unit == "count" and not value.is_integer():
        raise ImportRowError(path, line, "value", cell("value"), "must be a whole number")
    source = cell("source")
    if not source:
        raise ImportRowError(
            path, line, "source", source, "is empty: say where the figure comes from"
        )
    return ExternalRow(line, name, area, start, end, value, numerator, denominator, source[:300])


def area_names(session: Session, force: Force) -> dict[str, str]:
    """Every accepted spelling of the force's areas (lower case) → the area key: ``force`` (or
    the force's code or name: ``kent``, ``Kent Police``, ``Kent``) and each district's slug,
    name or ONS code."""
    found = {FORCE_AREA: FORCE_AREA}
    for spelling in (force.code, force.name, records_name(force)):
        found[spelling.casefold()] = FORCE_AREA
    for slug, name, code in session.execute(
        select(District.slug, District.name, District.code).where(District.force_id == force.id)
    ):
        for spelling in (slug, name, code):
            found[spelling.casefold()] = slug
    return found


def import_external(
    *, session: Session, force: Force, path: Path | str, actor: str = "system"
) -> ExternalImport:
    """Import an external-measures CSV for ``force`` in the caller's transaction: every row is
    checked before anything is written (see the module's documentation)."""
    path = Path(path)
    rows = read_external(path, areas=area_names(session, force))
    digest = checksum(path)
    previous = session.scalar(select(ImportedFile).where(ImportedFile.checksum == digest))
    if previous is not None:
        return ExternalImport(path.name, len(rows), 0, 0, len(rows), already_imported=True)
    imported = ImportedFile(
        name=path.name, kind=KIND, checksum=digest, rows=len(rows), rows_added=0
    )
    session.add(imported)
    session.flush()
    now = utcnow()
    existing = {
        (v.measure, v.area, v.period_start, v.period_end): v
        for v in session.scalars(
            select(ExternalMeasureValue).where(
                ExternalMeasureValue.force_id == force.id,
                ExternalMeasureValue.measure.in_(sorted({r.measure for r in rows})),
            )
        )
    }
    added = replaced = unchanged = 0
    for row in rows:
        key = (row.measure, row.area, row.period_start, row.period_end)
        fields = {
            "value": row.value,
            "numerator": row.numerator,
            "denominator": row.denominator,
            "source": row.source,
        }
        held = existing.get(key)
        if held is None:
            session.add(
                ExternalMeasureValue(
                    force_id=force.id,
                    measure=row.measure,
                    area=row.area,
                    period_start=row.period_start,
                    period_end=row.period_end,
                    imported_file_id=imported.id,
                    imported_at=now,
                    imported_by=actor,
                    **fields,
                )
            )
            added += 1
        elif all(getattr(held, k) == v for k, v in fields.items()):
            unchanged += 1
        else:
            for name, value in fields.items():
                setattr(held, name, value)
            held.imported_file_id, held.imported_at, held.imported_by = imported.id, now, actor
            replaced += 1
    imported.rows_added = added
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"import.{KIND}",
        entity="imported_file",
        entity_id=imported.id,
        after={
            "name": path.name,
            "rows": len(rows),
            "added": added,
            "replaced": replaced,
            "unchanged": unchanged,
        },
    )
    return ExternalImport(path.name, len(rows), added, replaced, unchanged)
