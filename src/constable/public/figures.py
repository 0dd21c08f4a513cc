"""Crime and ASB in a neighbourhood as the public sees them: counts by month and type with
small counts hidden, the trend of the monthly totals, and crimes on the map at snapped points.

:func:`crime_figures` is pure (records in, figures out); :func:`load_records` reads the store.
The rules are in :mod:`constable.public.privacy`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.analysis import trends
from constable.crime.models import Crime
from constable.crime.offences import ASB_CATEGORY
from constable.force.geography import to_bng
from constable.public.privacy import Table, snap, suppress_table, suppressed

RECENT_POINTS = 3
"""A chart signal among the last this many months makes the trend "rising" or "falling"."""


@dataclass(frozen=True)
class Record:
    """One crime or ASB report, as much as the public figures need (nothing personal)."""

    month: dt.date
    category: str
    easting: float | None
    northing: float | None


@dataclass(frozen=True)
class MapPoint:
    """Crimes and ASB at one snapped point over the whole window: the count is None when too
    small to show."""

    easting: float
    northing: float
    count: int | None
    categories: list[str]


@dataclass(frozen=True)
class Trend:
    """The monthly totals' XmR chart, and what it says in words."""

    verdict: str
    sentence: str
    chart: trends.XmRChart | None


@dataclass(frozen=True)
class CrimeFigures:
    """What a neighbourhood page shows of crime and ASB."""

    months: list[str]
    categories: list[str]
    table: Table
    trend: Trend
    points: list[MapPoint]
    asb_total: int | None
    crime_total: int | None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (no chart drawing)."""
        return {
            "months": self.months,
            "categories": self.categories,
            "counts": self.table.as_dict(),
            "trend": {"verdict": self.trend.verdict, "sentence": self.trend.sentence},
            "crime_total": self.crime_total,
            "asb_total": self.asb_total,
            "points": [
                {"snapped_easting": p.easting, "snapped_northing": p.northing, "count": p.count}
                for p in self.points
            ],
        }


def month_window(last: dt.date, months: int) -> list[dt.date]:
    """The first days of the ``months`` months ending with the month of ``last``."""
    index = last.year * 12 + last.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def _trend(months: list[dt.date], totals: list[int], shown: bool) -> Trend:
    if not shown:
        return Trend(
            "too few",
            "There are too few crimes and ASB reports each month to show a trend safely.",
            None,
        )
    if sum(totals) == 0:
        return Trend("none", "No crime or ASB was recorded here in these months.", None)
    dates = np.repeat(np.array(months, dtype="datetime64[D]"), totals)
    last_day = (np.datetime64(months[-1], "M") + 1).astype("datetime64[D]") - 1
    series = trends.monthly_counts(dates, start=months[0], end=last_day)
    chart = trends.xmr(series)
    recent = [s for s in chart.signals if s.last >= len(chart) - RECENT_POINTS]
    if recent:
        direction = recent[-1].direction
        verdict = str(direction)
        sentence = (
            f"Crime and ASB are {direction} here: recent months are "
            f"{'higher' if direction is trends.Direction.RISING else 'lower'} than the usual "
            "month-to-month variation explains."
        )
    else:
        verdict = "steady"
        sentence = "Crime and ASB here are within their usual month-to-month variation."
    return Trend(verdict, sentence, chart)


def crime_figures(
    records: Sequence[Record], months: list[dt.date], *, below: int, snap_metres: float
) -> CrimeFigures:
    """Counts by type (rows, most frequent first, ASB last) and month (columns), hidden where
    small; the trend of the monthly totals; snapped map points."""
    column = {month: index for index, month in enumerate(months)}
    inside = [r for r in records if r.month in column]
    totals = Counter(r.category for r in inside)
    categories = sorted(totals, key=lambda name: (name == ASB_CATEGORY, -totals[name], name))
    row = {name: index for index, name in enumerate(categories)}
    counts = [[0] * len(months) for _ in categories]
    for record in inside:
        counts[row[record.category]][column[record.month]] += 1
    table = suppress_table(counts, below)
    monthly = [sum(counts[r][c] for r in range(len(categories))) for c in range(len(months))]
    trend = _trend(months, monthly, all(t is not None for t in table.column_totals))
    at: dict[tuple[float, float], list[str]] = {}
    for record in inside:
        if record.easting is None or record.northing is None:
            continue
        at.setdefault(snap(record.easting, record.northing, snap_metres), []).append(
            record.category
        )
    points = [
        MapPoint(
            easting=e,
            northing=n,
            count=None if suppressed(len(found), below) else len(found),
            categories=sorted(set(found)),
        )
        for (e, n), found in sorted(at.items())
    ]
    # The headline totals come from the table, so that they hide what it hides: ASB is its
    # row's total; crime is the whole less ASB, shown only when both of those are.
    asb: int | None = 0
    if ASB_CATEGORY in row:
        asb = table.row_totals[row[ASB_CATEGORY]]
    crime = None if table.total is None or asb is None else table.total - asb
    return CrimeFigures(
        months=[f"{m:%Y-%m}" for m in months],
        categories=categories,
        table=table,
        trend=trend,
        points=points,
        asb_total=asb,
        crime_total=crime if crime is None or not suppressed(crime, below) else None,
    )


def latest_month(session: Session, force_name: str) -> dt.date | None:
    """The latest month with crime records of the force (its own or from police.uk)."""
    found = session.scalar(select(func.max(Crime.month)).where(Crime.force == force_name))
    return found


def load_records(
    session: Session, force_name: str, lsoa_code: str, months: list[dt.date]
) -> list[Record]:
    """The force's crimes and ASB reports in the neighbourhood in those months: month, type
    and grid reference only (a row with only latitude and longitude is converted)."""
    rows = session.execute(
        select(
            Crime.month,
            Crime.category,
            Crime.easting,
            Crime.northing,
            Crime.latitude,
            Crime.longitude,
        ).where(
            Crime.force == force_name,
            Crime.lsoa_code == lsoa_code,
            Crime.month >= months[0],
            Crime.month <= months[-1],
        )
    ).all()
    records = []
    for month, category, easting, northing, latitude, longitude in rows:
        if easting is None and latitude is not None and longitude is not None:
            eastings, northings = to_bng([longitude], [latitude])
            easting, northing = float(eastings[0]), float(northings[0])
        records.append(Record(month, category, easting, northing))
    return records
