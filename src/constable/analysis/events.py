"""Events for the hotspot forecasters: points in metres and times in days, from any source.

An :class:`Events` holds plain numpy arrays, kept in time order:

- ``x``, ``y``: metres in a projected coordinate reference system (``crs``): British National
  Grid (EPSG:27700) for points in Great Britain, otherwise a local azimuthal equidistant
  projection centred on the data, so that distances are true metres anywhere in the world;
- ``t``: days (float) since ``epoch``;
- ``has_times``: False for month-only data such as data.police.uk, where ``t`` is the start of
  each event's month. Forecasters that need real times (weeks, days) refuse such events rather
  than invent times for them.

Example::

    events = Events.read_csv("extract.csv")            # time, latitude, longitude[, type, id]
    burglary = events.of_type("Burglary")
    history = burglary.before("2018-07-01")
    july = burglary.between("2018-07-01", "2018-08-01")
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

from constable.errors import ConstableError
from constable.force.geography import BNG, WGS84

FloatArray: TypeAlias = NDArray[np.float64]
StrArray: TypeAlias = NDArray[np.str_]
TimeLike: TypeAlias = dt.datetime | dt.date | np.datetime64 | str | float | int
"""A moment: a date or date-time (or an ISO string of one), or days since an :class:`Events`'
epoch when a number."""

EPOCH = dt.datetime(1970, 1, 1)
"""The default origin of ``t``: float days since then keep microseconds for thousands of years."""

# One day in the unit every time is converted to (numpy datetime64 in microseconds).
_DAY = np.timedelta64(86_400_000_000, "us")
_MONTH_ONLY = re.compile(r"^\d{4}-\d{2}$")


class AnalysisError(ConstableError):
    """Base class of the analysis errors: input a forecast or an evaluation cannot use."""


class EventsError(AnalysisError):
    """Events that cannot be used; for a file, the message names the file, line and column."""

    def __init__(
        self,
        problem: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        where = [
            part
            for part in (
                self.path,
                None if line is None else f"line {line}",
                None if column is None else f"column {column!r}",
            )
            if part
        ]
        super().__init__(f"{', '.join(where)}: {problem}" if where else problem)


# --- Times ---------------------------------------------------------------------------------------


def parse_time(text: str) -> tuple[dt.datetime, bool]:
    """An ISO 8601 month (``2018-07``), date or date-time as a naive datetime, and whether it
    was a month only.

    A date-time with an offset (``...+01:00``, ``...Z``) is converted to UTC and the offset
    dropped; one without is taken as it is (local wall-clock time).
    """
    text = text.strip()
    if _MONTH_ONLY.match(text):
        return dt.datetime(int(text[:4]), int(text[5:7]), 1), True
    parsed = dt.datetime.fromisoformat(text)
    return _naive(parsed), False


def _naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def to_datetime64(moment: TimeLike) -> np.datetime64:
    """One moment (not a number) as a numpy datetime64 in microseconds."""
    if isinstance(moment, np.datetime64):
        converted: np.datetime64 = moment.astype("datetime64[us]")
        return converted
    if isinstance(moment, str):
        try:
            moment = parse_time(moment)[0]
        except ValueError:
            raise EventsError(
                f"{str(moment)!r} is not an ISO date (2018-07-14), date-time (2018-07-14T21:30) "
                "or month (2018-07)"
            ) from None
    if isinstance(moment, dt.datetime):
        return np.datetime64(_naive(moment), "us")
    if isinstance(moment, dt.date):
        return np.datetime64(dt.datetime(moment.year, moment.month, moment.day), "us")
    raise EventsError(f"{moment!r} is not a date or a date-time")


def _times_as_days(times: ArrayLike | Sequence[Any], epoch: dt.datetime) -> FloatArray:
    """Times of any common kind as float days since ``epoch``; numbers are taken as such days."""
    array = np.asarray(times)
    if array.dtype.kind in "iuf":
        return np.asarray(array, dtype=np.float64).reshape(-1)
    if array.dtype.kind != "M":
        array = np.array([to_datetime64(value) for value in array.reshape(-1)], dtype="M8[us]")
    since = array.astype("datetime64[us]") - np.datetime64(epoch, "us")
    return np.asarray(since / _DAY, dtype=np.float64).reshape(-1)


def _month_starts(days: FloatArray, epoch: dt.datetime) -> FloatArray:
    """Each time moved back to the start of its calendar month."""
    moments = np.datetime64(epoch, "us") + np.round(days * 86_400_000_000).astype("m8[us]")
    starts = moments.astype("datetime64[M]").astype("datetime64[us]")
    return np.asarray((starts - np.datetime64(epoch, "us")) / _DAY, dtype=np.float64)


# --- Projections ---------------------------------------------------------------------------------


@lru_cache
def transformer(source: str, target: str) -> Transformer:
    """A cached pyproj transformer between two coordinate reference systems (x = east)."""
    return Transformer.from_crs(source, target, always_xy=True)


@lru_cache
def _bng_extent() -> tuple[float, float, float, float]:
    area = CRS(BNG).area_of_use
    if area is None:  # pragma: no cover - PROJ's database always has it
        return (-9.01, 49.75, 2.01, 61.01)
    return (area.west, area.south, area.east, area.north)


def inside_bng_extent(latitudes: ArrayLike, longitudes: ArrayLike) -> bool:
    """Whether every point lies in British National Grid's area of use (Great Britain and
    its waters: 9.01° W to 2.01° E, 49.75° N to 61.01° N)."""
    west, south, east, north = _bng_extent()
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64)
    return bool(np.all((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)))


def local_projection(latitudes: ArrayLike, longitudes: ArrayLike) -> str:
    """A PROJ string for an azimuthal equidistant projection centred on the points.

    Distances from the centre are exact and others close to it over a city or a county, which
    is what a grid of metres needs. The centre longitude is a circular mean, so points on both
    sides of the antimeridian are handled.
    """
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.radians(np.asarray(longitudes, dtype=np.float64))
    centre_lat = (float(lat.min()) + float(lat.max())) / 2
    centre_lon = math.degrees(math.atan2(float(np.sin(lon).mean()), float(np.cos(lon).mean())))
    return (
        f"+proj=aeqd +lat_0={centre_lat:.4f} +lon_0={centre_lon:.4f} +datum=WGS84 +units=m +no_defs"
    )


# --- Events --------------------------------------------------------------------------------------


def _frozen(array: NDArray[Any]) -> NDArray[Any]:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Events:
    """Points with times, in time order; every array is read-only and of the same length.

    Build one with :meth:`from_bng`, :meth:`from_lat_lon` or :meth:`read_csv` rather than
    directly: they convert times and choose the projection.
    """

    x: FloatArray
    y: FloatArray
    t: FloatArray
    has_times: bool
    crs: str = BNG
    epoch: dt.datetime = EPOCH
    types: StrArray | None = None
    ids: StrArray | None = None

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=np.float64).reshape(-1)
        y = np.asarray(self.y, dtype=np.float64).reshape(-1)
        t = np.asarray(self.t, dtype=np.float64).reshape(-1)
        extra = {
            name: None if values is None else np.asarray(values, dtype=np.str_).reshape(-1)
            for name, values in (("types", self.types), ("ids", self.ids))
        }
        lengths = {"x": len(x), "y": len(y), "t": len(t)}
        lengths.update({k: len(v) for k, v in extra.items() if v is not None})
        if len(set(lengths.values())) > 1:
            raise EventsError(f"the arrays differ in length: {lengths}")
        for name, numbers in (("x", x), ("y", y), ("t", t)):
            bad = np.flatnonzero(~np.isfinite(numbers))
            if bad.size:
                raise EventsError(f"{name}[{bad[0]}] is {numbers[bad[0]]}, must be a finite number")
        # Time order lets every filter be a binary search, and SEPP's pairs need it.
        order = np.argsort(t, kind="stable")
        object.__setattr__(self, "x", _frozen(x[order]))
        object.__setattr__(self, "y", _frozen(y[order]))
        object.__setattr__(self, "t", _frozen(t[order]))
        for name, values in extra.items():
            object.__setattr__(self, name, None if values is None else _frozen(values[order]))

    # Construction -------------------------------------------------------------------------------

    @classmethod
    def from_bng(
        cls,
        eastings: ArrayLike,
        northings: ArrayLike,
        times: ArrayLike | Sequence[Any],
        *,
        has_times: bool = True,
        types: ArrayLike | None = None,
        ids: ArrayLike | None = None,
        epoch: dt.datetime = EPOCH,
        crs: str = BNG,
    ) -> Events:
        """Events from eastings and northings (metres; British National Grid unless ``crs``
        names another projected system).

        ``times`` are datetimes, dates, ISO strings or numpy datetime64 values, or numbers of
        days since ``epoch``. With ``has_times=False`` (month-only data) each time is moved to
        the start of its month.
        """
        t = _times_as_days(times, epoch)
        if not has_times:
            t = _month_starts(t, epoch)
        return cls(
            x=np.asarray(eastings, dtype=np.float64),
            y=np.asarray(northings, dtype=np.float64),
            t=t,
            has_times=has_times,
            crs=crs,
            epoch=epoch,
            types=None if types is None else np.asarray(types, dtype=np.str_),
            ids=None if ids is None else np.asarray(ids, dtype=np.str_),
        )

    @classmethod
    def from_lat_lon(
        cls,
        latitudes: ArrayLike,
        longitudes: ArrayLike,
        times: ArrayLike | Sequence[Any],
        *,
        has_times: bool = True,
        types: ArrayLike | None = None,
        ids: ArrayLike | None = None,
        epoch: dt.datetime = EPOCH,
        crs: str | None = None,
    ) -> Events:
        """Events from WGS84 latitudes and longitudes (degrees), projected to metres.

        The projection is British National Grid when every point is inside its area of use,
        otherwise a local azimuthal equidistant projection centred on the points (see
        :func:`local_projection`); ``crs`` forces a given projected system instead.
        """
        lat = np.asarray(latitudes, dtype=np.float64).reshape(-1)
        lon = np.asarray(longitudes, dtype=np.float64).reshape(-1)
        if lat.shape != lon.shape:
            raise EventsError(f"{len(lat)} latitudes but {len(lon)} longitudes")
        for name, values, limit in (("latitude", lat, 90.0), ("longitude", lon, 180.0)):
            bad = np.flatnonzero(~(np.abs(values) <= limit))
            if bad.size:
                raise EventsError(
                    f"{name} of event {bad[0]} is {values[bad[0]]}, must be within ±{limit:g}"
                )
        if crs is None:
            if lat.size == 0 or inside_bng_extent(lat, lon):
                crs = BNG
            else:
                crs = local_projection(lat, lon)
        x, y = transformer(WGS84, crs).transform(lon, lat)
        return cls.from_bng(
            x, y, times, has_times=has_times, types=types, ids=ids, epoch=epoch, crs=crs
        )

    @classmethod
    def read_csv(
        cls, path: Path | str, *, epoch: dt.datetime = EPOCH, crs: str | None = None
    ) -> Events:
        """Events from a CSV file with columns ``time``, ``latitude``, ``longitude`` and
        optionally ``type`` and ``id`` (any order, any case; other columns are ignored).

        ``time`` is an ISO 8601 date (``2018-07-14``), date-time (``2018-07-14T21:30``, an
        offset allowed) or month (``2018-07``: month-only data, ``has_times`` False); a file
        must not mix months with dates. Ids, when given, must be unique. The first bad value
        stops the read with an :class:`EventsError` naming the file, line and column.
        """
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows = _read_rows(path, csv.reader(handle, strict=True))
        except OSError as exc:
            raise EventsError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
        except UnicodeDecodeError as exc:
            raise EventsError(f"is not UTF-8 text ({exc.reason})", path=path) from exc
        return cls.from_lat_lon(
            rows.latitudes,
            rows.longitudes,
            np.array(rows.times, dtype="M8[us]"),
            has_times=not rows.month_only,
            types=rows.types,
            ids=rows.ids,
            epoch=epoch,
            crs=crs,
        )

    # Reading ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.t)

    def days(self, moment: TimeLike) -> float:
        """``moment`` as days since this epoch (a number is taken to be such days already)."""
        if isinstance(moment, int | float | np.integer | np.floating) and not isinstance(
            moment, bool
        ):
            return float(moment)
        since = to_datetime64(moment) - np.datetime64(self.epoch, "us")
        return float(since / _DAY)

    def moment(self, days: float) -> dt.datetime:
        """Days since this epoch as a datetime (to the microsecond)."""
        return self.epoch + dt.timedelta(microseconds=round(days * 86_400_000_000))

    @property
    def span(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The first and last event times, or None when there are no events."""
        if not len(self):
            return None
        return self.moment(float(self.t[0])), self.moment(float(self.t[-1]))

    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the points (an error when there are none)."""
        if not len(self):
            raise EventsError("there are no events, so no extent")
        return (float(self.x.min()), float(self.y.min()), float(self.x.max()), float(self.y.max()))

    def label(self, index: int) -> str:
        """How to name one event in a message: its id when there are ids, else its position."""
        if self.ids is not None:
            return f"event {str(self.ids[index])!r}"
        return f"event #{index}"

    # Filters ------------------------------------------------------------------------------------

    def select(self, keep: NDArray[np.bool_] | NDArray[np.intp]) -> Events:
        """The events picked by a boolean mask or by indices (time order kept)."""
        return Events(
            x=self.x[keep],
            y=self.y[keep],
            t=self.t[keep],
            has_times=self.has_times,
            crs=self.crs,
            epoch=self.epoch,
            types=None if self.types is None else self.types[keep],
            ids=None if self.ids is None else self.ids[keep],
        )

    def _slice(self, first: int, last: int) -> Events:
        return self.select(np.arange(first, last, dtype=np.intp))

    def before(self, moment: TimeLike) -> Events:
        """The events strictly before ``moment`` (the history a forecast made then could use)."""
        return self._slice(0, int(np.searchsorted(self.t, self.days(moment), side="left")))

    def between(self, start: TimeLike, end: TimeLike) -> Events:
        """The events with ``start <= time < end`` (half-open, so windows tile without overlap)."""
        first, last = self.days(start), self.days(end)
        if last < first:
            raise EventsError(f"the window ends ({end}) before it starts ({start})")
        lo = int(np.searchsorted(self.t, first, side="left"))
        hi = int(np.searchsorted(self.t, last, side="left"))
        return self._slice(lo, hi)

    def of_type(self, *types: str) -> Events:
        """The events of the given types (an error when the events have no types)."""
        if self.types is None:
            raise EventsError("these events have no types to select on")
        return self.select(np.isin(self.types, list(types)))


# --- The CSV reader ------------------------------------------------------------------------------

REQUIRED_COLUMNS = ("time", "latitude", "longitude")
OPTIONAL_COLUMNS = ("type", "id")


@dataclass
class _Rows:
    times: list[dt.datetime]
    latitudes: list[float]
    longitudes: list[float]
    types: list[str] | None
    ids: list[str] | None
    month_only: bool


def _columns(path: Path, header: Sequence[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            if name in found:
                raise EventsError(f"has two columns named {name!r}", path=path, line=1)
            found[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        raise EventsError(
            f"has no column {', '.join(repr(m) for m in missing)} (its header is: "
            f"{', '.join(header)[:200]}); the columns are time, latitude, longitude "
            "and optionally type and id",
            path=path,
            line=1,
        )
    return found


def _coordinate(path: Path, line: int, column: str, text: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not text.strip():
        raise EventsError(
            "is empty: every event needs a location", path=path, line=line, column=column
        )
    if not abs(value) <= limit:
        raise EventsError(
            f"{text!r} is not a number of degrees within ±{limit:g}",
            path=path,
            line=line,
            column=column,
        )
    return value


def _read_rows(path: Path, reader: Iterable[list[str]]) -> _Rows:
    rows = iter(reader)
    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise EventsError(f"cannot be read: {exc}", path=path, line=1) from exc
    if header is None:
        raise EventsError("the file is empty", path=path)
    columns = _columns(path, header)
    out = _Rows(
        [], [], [], [] if "type" in columns else None, [] if "id" in columns else None, False
    )
    kinds: dict[bool, int] = {}
    seen_ids: dict[str, int] = {}
    line = 1
    while True:
        try:
            row = next(rows, None)
        except csv.Error as exc:
            raise EventsError(f"cannot be read: {exc}", path=path, line=line + 1) from exc
        if row is None:
            break
        line = getattr(reader, "line_num", line + 1)
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise EventsError(
                f"has {len(row)} fields where the header has {len(header)}", path=path, line=line
            )
        text = row[columns["time"]]
        try:
            moment, month_only = parse_time(text)
        except ValueError:
            raise EventsError(
                f"{text!r} is not an ISO date (2018-07-14), date-time (2018-07-14T21:30) "
                "or month (2018-07)",
                path=path,
                line=line,
                column="time",
            ) from None
        if kinds and month_only not in kinds:
            other = kinds[not month_only]
            raise EventsError(
                f"{text!r} is {'a month only' if month_only else 'a date'}, but line {other} "
                f"has {'a date' if month_only else 'a month only'}: use one kind in a file",
                path=path,
                line=line,
                column="time",
            )
        kinds.setdefault(month_only, line)
        out.times.append(moment)
        out.latitudes.append(_coordinate(path, line, "latitude", row[columns["latitude"]], 90))
        out.longitudes.append(_coordinate(path, line, "longitude", row[columns["longitude"]], 180))
        if out.types is not None:
            out.types.append(row[columns["type"]].strip())
        if out.ids is not None:
            identifier = row[columns["id"]].strip()
            if not identifier:
                raise EventsError(
                    "is empty: with an id column every event needs an id",
                    path=path,
                    line=line,
                    column="id",
                )
            if identifier in seen_ids:
                raise EventsError(
                    f"{identifier!r} is already the id of line {seen_ids[identifier]}",
                    path=path,
                    line=line,
                    column="id",
                )
            seen_ids[identifier] = line
            out.ids.append(identifier)
    if not out.times:
        raise EventsError("has a header but no events", path=path)
    out.month_only = bool(kinds.get(True)) and not kinds.get(False)
    return out
