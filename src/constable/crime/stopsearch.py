"""Stop and search: the arrest rate by ethnicity with confidence intervals (seed 002's SPI 3c).

- A search **led to an arrest** when its outcome is an arrest (police.uk: ``Arrest``, and
  ``Suspect arrested`` / ``Offender arrested`` in older files).
- **Ethnicity** is either the officer-defined one (White, Black, Asian, Mixed, Other) or the
  self-defined one grouped by its first part ("White - English/Welsh/..." → "White"); searches
  without it count under "Not stated".
- The **interval** is Wilson's score interval for a binomial proportion (95% by default), which
  behaves with small counts and with rates of 0 or 1, unlike the normal approximation.
- A search is placed in a **district** by its published point (police.uk snaps points to nearby
  map points); searches without a location, or outside the force, count under "not located".
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.crime.models import StopSearch
from constable.errors import ConstableError
from constable.force.locate import LocationError, Locator

NOT_STATED = "Not stated"
NOT_LOCATED = "not located"
ARREST_OUTCOMES = {"arrest", "suspect arrested", "offender arrested"}

Basis = Literal["officer", "self"]


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson's score interval for ``successes`` out of ``trials`` (None when there are none)."""
    if trials == 0:
        return None
    if not 0 < confidence < 1:
        raise ConstableError(f"confidence {confidence} must be between 0 and 1")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def ethnic_group(value: str | None, basis: Basis) -> str:
    """The group a published ethnicity counts under."""
    if not value or not value.strip():
        return NOT_STATED
    text = value.strip()
    if basis == "self":
        text = text.split(" - ")[0].split("/")[0].strip()
        if text.lower().startswith("other"):
            return "Other"
    return text


def is_arrest(outcome: str | None) -> bool:
    """Whether the search's outcome was an arrest."""
    return outcome is not None and outcome.strip().lower() in ARREST_OUTCOMES


@dataclass
class ArrestRate:
    """Searches and arrests of one group."""

    searches: int = 0
    arrests: int = 0

    def as_dict(self, confidence: float) -> dict[str, Any]:
        """Plain data for JSON, with the rate and its interval."""
        interval = wilson(self.arrests, self.searches, confidence)
        return {
            "searches": self.searches,
            "arrests": self.arrests,
            "arrest_rate": self.arrests / self.searches if self.searches else None,
            "low": interval[0] if interval else None,
            "high": interval[1] if interval else None,
        }


@dataclass
class ArrestRates:
    """Arrest rates by ethnicity for a force and period, overall and by district."""

    force: str
    start: dt.date | None
    end: dt.date | None
    basis: Basis
    confidence: float
    overall: dict[str, ArrestRate] = field(default_factory=dict)
    districts: dict[str, dict[str, ArrestRate]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "force": self.force,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "ethnicity": f"{self.basis}-defined",
            "confidence": self.confidence,
            "overall": {k: v.as_dict(self.confidence) for k, v in self.overall.items()},
            "districts": {
                d: {k: v.as_dict(self.confidence) for k, v in groups.items()}
                for d, groups in self.districts.items()
            },
        }


def arrest_rates(
    *,
    session: Session,
    force_name: str,
    locator: Locator | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    basis: Basis = "officer",
    confidence: float = 0.95,
) -> ArrestRates:
    """Arrest rates of a force's searches from ``start`` to ``end`` (dates, both included), by
    ethnicity, overall and — given the force's ``locator`` — by district."""
    where = [StopSearch.force == force_name]
    if start is not None:
        where.append(StopSearch.searched_at >= dt.datetime.combine(start, dt.time(), dt.UTC))
    if end is not None:
        where.append(
            StopSearch.searched_at
            < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    column = (
        StopSearch.officer_defined_ethnicity
        if basis == "officer"
        else StopSearch.self_defined_ethnicity
    )
    result = ArrestRates(force_name, start, end, basis, confidence)
    districts: dict[str, dict[str, ArrestRate]] = defaultdict(dict)
    rows = session.execute(
        select(column, StopSearch.outcome, StopSearch.easting, StopSearch.northing).where(*where)
    )
    for ethnicity, outcome, easting, northing in rows:
        group = ethnic_group(ethnicity, basis)
        arrested = is_arrest(outcome)
        for rates in (result.overall, districts[_district(locator, easting, northing)]):
            rate = rates.setdefault(group, ArrestRate())
            rate.searches += 1
            rate.arrests += arrested
    if locator is not None:
        result.districts = {d: dict(sorted(g.items())) for d, g in sorted(districts.items())}
    result.overall = dict(sorted(result.overall.items()))
    return result


def _district(locator: Locator | None, easting: float | None, northing: float | None) -> str:
    if locator is None or easting is None or northing is None:
        return NOT_LOCATED
    try:
        return locator.at_point(easting, northing).district_slug
    except LocationError:
        return NOT_LOCATED
