"""Reading data.police.uk CSV files: street crime, outcomes, and stop and search.

A file's kind is recognised from its header. Rows are validated one at a time and yielded as
plain dicts ready for the store, so a file of any size streams in bounded memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from constable.force.names import canonical_force_name, force_name_from_slug
from constable.ingest.errors import ImportFileError, ImportRowError


class FileKind(StrEnum):
    """The three kinds of data.police.uk file."""

    STREET = "street"
    OUTCOMES = "outcomes"
    STOP_SEARCH = "stop-and-search"


# Required columns per kind; any other columns are refused so a wrong file is never half-read.
LAYOUTS: dict[FileKind, tuple[str, ...]] = {
    FileKind.STREET: (
        "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
        "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
    ),
    FileKind.OUTCOMES: (
        "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
        "Location", "LSOA code", "LSOA name", "Outcome type",
    ),
    FileKind.STOP_SEARCH: (
        "Type", "Date", "Part of a policing operation", "Latitude", "Longitude", "Gender",
        "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
        "Object of search", "Outcome", "Outcome linked to object of search",
        "Removal of more than just outer clothing",
    ),
}  # fmt: skip
OPTIONAL_COLUMNS: dict[FileKind, tuple[str, ...]] = {
    FileKind.STREET: (),
    FileKind.OUTCOMES: (),
    FileKind.STOP_SEARCH: ("Policing operation",),
}

# Every category police.uk has used, including those retired in 2013 and 2011.
CRIME_TYPES = frozenset(
    {
        "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
        "Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
        "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
        "Violence and sexual offences", "Violent crime", "Public disorder and weapons",
    }
)  # fmt: skip

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_LSOA = re.compile(r"^[EWSN]\d{8}$")
_SLUG = re.compile(r"^\d{4}-\d{2}-(?P<force>.+)-(street|outcomes|stop-and-search)$")


@dataclass(frozen=True)
class Detected:
    """A file's kind and the position of each of its columns."""

    kind: FileKind
    columns: dict[str, int]


def detect(path: Path | str, header: list[str]) -> Detected:
    """The kind of file whose first row is ``header``, or :class:`ImportFileError`."""
    names = [h.strip() for h in header]
    for kind, required in LAYOUTS.items():
        allowed = set(required) | set(OPTIONAL_COLUMNS[kind])
        if set(required) <= set(names) and set(names) <= allowed:
            return Detected(kind, {name: i for i, name in enumerate(names)})
    best = max(LAYOUTS, key=lambda k: len(set(LAYOUTS[k]) & set(names)))
    missing = [c for c in LAYOUTS[best] if c not in names]
    unknown = [c for c in names if c not in set(LAYOUTS[best]) | set(OPTIONAL_COLUMNS[best])]
    detail = []
    if missing:
        detail.append(f"missing {', '.join(repr(c) for c in missing)}")
    if unknown:
        detail.append(f"unexpected {', '.join(repr(c) for c in unknown)}")
    raise ImportFileError(
        path,
        f"line 1: the header is not a data.police.uk street, outcomes or stop-and-search "
        f"header (closest is {best.value}: {'; '.join(detail)})",
    )


def force_from_filename(path: Path) -> str | None:
    """``2018-07-west-yorkshire-stop-and-search.csv`` → ``West Yorkshire``."""
    match = _SLUG.match(path.stem)
    return force_name_from_slug(match.group("force")) if match else None


class _Lines:
    """Decoded lines of a binary file, counting the bytes read for a progress bar."""

    def __init__(self, handle: BinaryIO, on_bytes: Callable[[int], None] | None) -> None:
        self.handle = handle
        self.on_bytes = on_bytes
        self.first = True

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            if self.on_bytes is not None:
                self.on_bytes(len(raw))
            if self.first:
                self.first = False
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            yield raw.decode("utf-8", errors="replace")


class RowReader:
    """Parses the rows of one file into records, raising :class:`ImportRowError` on a bad value."""

    def __init__(self, path: Path, detected: Detected, force: str | None = None) -> None:
        self.path = path
        self.detected = detected
        self.force = force
        self.line = 0
        self._seen: Counter[bytes] = Counter()

    def _error(self, column: str, value: str, problem: str) -> ImportRowError:
        return ImportRowError(self.path, self.line, column, value, problem)

    def _get(self, row: list[str], column: str) -> str:
        index = self.detected.columns.get(column)
        return row[index].strip() if index is not None else ""

    def _month(self, row: list[str], column: str = "Month") -> dt.date:
        text = self._get(row, column)
        match = _MONTH.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise self._error(column, text, "is not a month written YYYY-MM")
        return dt.date(int(match.group(1)), int(match.group(2)), 1)

    def _point(self, row: list[str]) -> tuple[float | None, float | None]:
        lon_text, lat_text = self._get(row, "Longitude"), self._get(row, "Latitude")
        if not lon_text and not lat_text:
            return None, None
        values = []
        for column, text, limit in (("Longitude", lon_text, 180.0), ("Latitude", lat_text, 90.0)):
            if not text:
                other = "Latitude" if column == "Longitude" else "Longitude"
                raise self._error(column, text, f"is empty but {other} is not")
            try:
                value = float(text)
            except ValueError:
                raise self._error(column, text, "is not a number") from None
            if not -limit <= value <= limit:
                raise self._error(column, text, f"is outside -{limit:g} to {limit:g}")
            values.append(value)
        return values[0], values[1]

    def _lsoa(self, row: list[str]) -> str | None:
        code = self._get(row, "LSOA code")
        if code and not _LSOA.match(code):
            raise self._error("LSOA code", code, "is not an LSOA code like E01011954")
        return code or None

    def _force(self, row: list[str]) -> str:
        falls_within = self._get(row, "Falls within") or self._get(row, "Reported by")
        if not falls_within:
            raise self._error("Falls within", falls_within, "is empty: the force is needed")
        return canonical_force_name(falls_within)

    def _occurrence_key(self, prefix: str, fields: list[str]) -> str:
        # Identical rows are distinct records: number each repeat of the same content.
        digest = hashlib.sha1("\x1f".join(fields).encode()).digest()[:16]
        self._seen[digest] += 1
        return f"{prefix}:{digest.hex()}:{self._seen[digest]}"

    def street(self, row: list[str]) -> dict[str, Any]:
        """A street-crime row as a ``crime`` record."""
        crime_type = self._get(row, "Crime type")
        if crime_type not in CRIME_TYPES:
            raise self._error("Crime type", crime_type, "is not a police.uk crime type")
        month = self._month(row)
        longitude, latitude = self._point(row)
        crime_id = self._get(row, "Crime ID")
        if crime_id and len(crime_id) > 80:
            raise self._error("Crime ID", crime_id, "is longer than 80 characters")
        return {
            "record_key": crime_id or self._occurrence_key("row", row),
            "police_uk_id": crime_id or None,
            "force": self._force(row),
            "reported_by": self._get(row, "Reported by") or None,
            "falls_within": self._get(row, "Falls within") or None,
            "month": month,
            "category": crime_type,
            "location": self._get(row, "Location")[:200] or None,
            "longitude": longitude,
            "latitude": latitude,
            "lsoa_code": self._lsoa(row),
            "lsoa_name": self._get(row, "LSOA name")[:120] or None,
            "last_outcome": self._get(row, "Last outcome category")[:120] or None,
            "context": self._get(row, "Context") or None,
        }

    def outcome(self, row: list[str]) -> dict[str, Any]:
        """An outcomes row as an ``outcome`` record."""
        crime_id = self._get(row, "Crime ID")
        if not crime_id:
            raise self._error("Crime ID", crime_id, "is empty: an outcome needs its crime")
        outcome_type = self._get(row, "Outcome type")
        if not outcome_type:
            raise self._error("Outcome type", outcome_type, "is empty")
        self._point(row)
        self._lsoa(row)
        return {
            "police_uk_id": crime_id,
            "force": self._force(row),
            "month": self._month(row),
            "outcome_type": outcome_type[:120],
        }

    def _flag(self, row: list[str], column: str) -> bool | None:
        text = self._get(row, column)
        if text == "":
            return None
        if text.casefold() in ("true", "yes"):
            return True
        if text.casefold() in ("false", "no"):
            return False
        raise self._error(column, text, "is not True or False")

    def stop_search(self, row: list[str]) -> dict[str, Any]:
        """A stop-and-search row as a ``stop_search`` record."""
        if self.force is None:
            raise ImportFileError(
                self.path,
                "stop-and-search files do not name their force: name the file "
                "YYYY-MM-<force>-stop-and-search.csv or pass --force",
            )
        date_text = self._get(row, "Date")
        try:
            searched_at = dt.datetime.fromisoformat(date_text)
        except ValueError:
            raise self._error("Date", date_text, "is not an ISO date and time") from None
        if searched_at.tzinfo is None:
            searched_at = searched_at.replace(tzinfo=dt.UTC)
        search_type = self._get(row, "Type")
        if not search_type:
            raise self._error("Type", search_type, "is empty")
        longitude, latitude = self._point(row)
        return {
            "record_key": self._occurrence_key(f"ss:{self.force}", row),
            "force": self.force,
            "search_type": search_type[:80],
            "searched_at": searched_at,
            "part_of_operation": self._flag(row, "Part of a policing operation"),
            "operation_name": self._get(row, "Policing operation")[:200] or None,
            "longitude": longitude,
            "latitude": latitude,
            "gender": self._get(row, "Gender")[:40] or None,
            "age_range": self._get(row, "Age range")[:40] or None,
            "self_defined_ethnicity": self._get(row, "Self-defined ethnicity")[:200] or None,
            "officer_defined_ethnicity": self._get(row, "Officer-defined ethnicity")[:40] or None,
            "legislation": self._get(row, "Legislation")[:200] or None,
            "object_of_search": self._get(row, "Object of search")[:120] or None,
            "outcome": self._get(row, "Outcome")[:120] or None,
            "outcome_linked_to_object": self._flag(row, "Outcome linked to object of search"),
            "removal_of_outer_clothing": self._flag(
                row, "Removal of more than just outer clothing"
            ),
        }

    def parse(self, row: list[str]) -> dict[str, Any]:
        """One row as a record of this file's kind."""
        kind = self.detected.kind
        if kind is FileKind.STREET:
            return self.street(row)
        if kind is FileKind.OUTCOMES:
            return self.outcome(row)
        return self.stop_search(row)


@dataclass
class OpenedFile:
    """A police.uk file opened for reading: its kind, and its records one by one."""

    path: Path
    detected: Detected
    reader: RowReader
    _csv: Any

    @property
    def kind(self) -> FileKind:
        """What the file holds."""
        return self.detected.kind

    def records(self) -> Iterator[dict[str, Any]]:
        """Every data row as a record; :class:`ImportRowError` at the first bad one."""
        width = len(self.detected.columns)
        while True:
            try:
                row = next(self._csv)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportRowError(
                    self.path, self._csv.line_num, "(whole row)", "", f"cannot be read: {exc}"
                ) from exc
            self.reader.line = self._csv.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                raise ImportRowError(
                    self.path,
                    self.reader.line,
                    "(whole row)",
                    ",".join(row)[:80],
                    f"has {len(row)} fields where the header has {width}",
                )
            yield self.reader.parse(row)


def open_file(
    path: Path,
    handle: BinaryIO,
    *,
    force: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> OpenedFile:
    """Read the header of a police.uk file from ``handle`` and get ready to read its rows."""
    try:
        rows = csv.reader(_Lines(handle, on_bytes), strict=True)
        header = next(rows, None)
    except csv.Error as exc:
        raise ImportFileError(path, f"line 1: {exc}") from exc
    if header is None:
        raise ImportFileError(path, "the file is empty")
    detected = detect(path, header)
    if detected.kind is FileKind.STOP_SEARCH and force is None:
        force = force_from_filename(path)
    return OpenedFile(path, detected, RowReader(path, detected, force), rows)
