"""Crime trends of a force from the store: monthly series per area and crime type, scanned
for what is rising or falling beyond chance (:func:`constable.analysis.trends.scan`).

- **Area**: the record's district when it has one (the force's own records), otherwise the
  local authority of its LSOA (police.uk names LSOAs after it: "Leeds 001A" → "Leeds"), which
  on a district model is the district.
- **Months with data only.** data.police.uk samples may hold a few months years apart (the West
  Yorkshire sample has three Julys). Months missing from the store are not months with no
  crime, so series are built only when the months present run without a gap; otherwise only
  the latest month is compared with the same month a year before, if the store has it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.analysis import trends
from constable.crime.models import Crime
from constable.crime.offences import ASB_CATEGORY
from constable.crime.service import resolve_force_name
from constable.force.models import District

By = Literal["area", "category", "both"]


@dataclass
class CrimeTrends:
    """What a scan of a force found."""

    force: str
    months: list[str]
    mode: str
    findings: list[trends.Finding]
    series: dict[Hashable, trends.Series] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "force": self.force,
            "months": self.months,
            "mode": self.mode,
            "findings": [f.as_dict() for f in self.findings],
        }


def _area(district: str | None, lsoa_name: str | None) -> str:
    if district:
        return district
    if lsoa_name and " " in lsoa_name:
        return lsoa_name.rsplit(" ", 1)[0]
    return "unknown"


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def crime_trends(
    *,
    session: Session,
    force: str,
    by: By = "both",
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_asb: bool = False,
    alpha: float = 0.05,
    rules: trends.Rules = trends.Rules(),
) -> CrimeTrends:
    """Scan the force's crime by ``area``, ``category`` or both (see the module's docstring)."""
    name = resolve_force_name(session=session, force=force)
    query = (
        select(District.name, Crime.lsoa_name, Crime.category, Crime.month, func.count())
        .outerjoin(District, District.id == Crime.district_id)
        .where(Crime.force == name)
        .group_by(District.name, Crime.lsoa_name, Crime.category, Crime.month)
    )
    if not include_asb:
        query = query.where(Crime.category != ASB_CATEGORY)
    if start is not None:
        query = query.where(Crime.month >= start.replace(day=1))
    if end is not None:
        query = query.where(Crime.month <= end.replace(day=1))
    counts: Counter[tuple[Hashable, dt.date]] = Counter()
    months: set[dt.date] = set()
    for district, lsoa_name, category, month, count in session.execute(query):
        area = _area(district, lsoa_name)
        key: Hashable = area if by == "area" else category if by == "category" else (area, category)
        counts[(key, month)] += count
        months.add(month)
    ordered = sorted(months)
    labels = [f"{m:%Y-%m}" for m in ordered]
    if not ordered:
        return CrimeTrends(name, [], "no data", [])
    groups = sorted({k for k, _ in counts}, key=str)
    contiguous = all(_next_month(a) == b for a, b in pairwise(ordered))
    if contiguous:
        starts = np.array(ordered, dtype="datetime64[D]")
        days = np.array([(_next_month(m) - m).days for m in ordered], dtype=np.int64)
        series = {
            group: trends.Series(
                freq="month",
                starts=starts,
                counts=np.array([counts[(group, m)] for m in ordered], dtype=np.int64),
                days=days,
            )
            for group in groups
        }
        found = trends.scan(series, rules=rules, alpha=alpha)
        return CrimeTrends(name, labels, "monthly series", found, series)
    latest = ordered[-1]
    year_before = latest.replace(year=latest.year - 1)
    if year_before not in months:
        return CrimeTrends(name, labels, "months with gaps and no month a year before", [])
    findings = []
    tests = []
    for group in groups:
        now, then = counts[(group, latest)], counts[(group, year_before)]
        if now + then == 0:
            continue
        tests.append((group, now, then, trends.poisson_change(now, then, alpha=alpha)))
    q_values = [float(q) for q in trends.benjamini_hochberg([t[3].p_value for t in tests])]
    for (group, now, then, change), q in zip(tests, q_values, strict=True):
        if q >= alpha or now == then:
            continue
        direction = trends.Direction.RISING if now > then else trends.Direction.FALLING
        findings.append(
            trends.Finding(
                group=group,
                rule=trends.Rule.YEAR_ON_YEAR,
                direction=direction,
                first=f"{latest:%Y-%m}",
                last=f"{latest:%Y-%m}",
                value=float(now),
                reference=float(then),
                strength=abs(change.z),
                detail=(
                    f"{now:,} in {latest:%B %Y} against {then:,} in {year_before:%B %Y}: "
                    f"ratio {change.ratio:.2f} ({change.low:.2f} to {change.high:.2f}), "
                    f"adjusted p {q:.3g}"
                ),
                ratio=change.ratio,
                low=change.low,
                high=change.high,
                p_value=change.p_value,
                q_value=q,
            )
        )
    findings.sort(key=lambda f: (-f.strength, f.label))
    return CrimeTrends(name, labels, "latest month against a year before", findings)
