"""Sanction detections and offences brought to justice among the force's own crimes.

- **Crimes recorded**: the force's own crimes (not ASB reports) recorded in the period.
- **Sanction detection rate**: of those crimes, the share whose outcomes (so far) include a
  sanction detection — charge or summons, caution, offence taken into consideration, penalty
  notice (``sanction: true`` in ``crime/data/outcomes.yaml``). A cohort rate: always 0 to 1.
- **Offences brought to justice**: crimes given an outcome that brings an offence to justice
  (``brought_to_justice: true``: the sanction detections and cannabis warnings) on a date in the
  period, whenever the crime was recorded: a count, as seed 002's OBTJ target is.

Both by district and by Home Office offence group; periods are calendar dates in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.crime.models import Crime, CrimeOutcome
from constable.crime.offences import ASB_CATEGORY, offences
from constable.crime.outcomes import table
from constable.crime.service import records_name
from constable.force.models import District, Force


@dataclass
class Detections:
    """One line: a district, an offence group, or the whole force."""

    crimes: int = 0
    sanction_detections: int = 0
    brought_to_justice: int = 0

    @property
    def rate(self) -> float | None:
        """Sanction detections over crimes recorded."""
        return self.sanction_detections / self.crimes if self.crimes else None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {**asdict(self), "sanction_detection_rate": self.rate}


@dataclass
class DetectionReport:
    """Detections of a period for the force, by district and by offence group."""

    start: dt.date
    end: dt.date
    force: Detections = field(default_factory=Detections)
    districts: dict[str, Detections] = field(default_factory=dict)
    groups: dict[str, Detections] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "force": self.force.as_dict(),
            "districts": {k: v.as_dict() for k, v in self.districts.items()},
            "groups": {k: v.as_dict() for k, v in self.groups.items()},
        }


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def detections(
    *,
    session: Session,
    force: Force,
    start: dt.date,
    end: dt.date,
    district_id: int | None = None,
    group: str | None = None,
) -> DetectionReport:
    """Crimes recorded, sanction detections and offences brought to justice from ``start`` to
    ``end`` (both included), for the force or one district, all groups or one.

    Counted in the database, grouped by district and offence code: a quarter of a million
    crimes is two small grouped queries, not a list of ids.
    """
    kinds = table().types
    sanction_codes = [t.code for t in kinds if t.sanction]
    justice_codes = [t.code for t in kinds if t.brought_to_justice]
    groups = {code: o.group for code, o in offences().items()}
    slugs = dict(
        session.execute(
            select(District.id, District.slug).where(District.force_id == force.id)
        ).all()
    )
    own = [
        Crime.force == records_name(force),
        Crime.reference.is_not(None),
        Crime.category != ASB_CATEGORY,
    ]
    if district_id is not None:
        own.append(Crime.district_id == district_id)
    report = DetectionReport(start, end)
    report.districts = {
        slug: Detections()
        for d, slug in sorted(slugs.items(), key=lambda item: item[1])
        if district_id in (None, d)
    }

    def lines(crime_district: int | None, code: str | None) -> list[Detections]:
        name = groups.get(code or "", "Unknown")
        if group is not None and name != group:
            return []
        found = [report.force, report.groups.setdefault(name, Detections())]
        if crime_district in slugs:
            found.append(report.districts[slugs[crime_district]])
        return found

    sanctioned = (
        select(CrimeOutcome.crime_id)
        .where(CrimeOutcome.outcome_type.in_(sanction_codes))
        .distinct()
        .subquery()
    )
    cohort = session.execute(
        select(
            Crime.district_id,
            Crime.offence_code,
            func.count(),
            func.count(sanctioned.c.crime_id),
        )
        .outerjoin(sanctioned, sanctioned.c.crime_id == Crime.id)
        .where(
            *own,
            Crime.recorded_at >= _moment(start),
            Crime.recorded_at < _moment(end + dt.timedelta(days=1)),
        )
        .group_by(Crime.district_id, Crime.offence_code)
    )
    for crime_district, code, crimes, detected in cohort:
        for line in lines(crime_district, code):
            line.crimes += crimes
            line.sanction_detections += detected

    justice = session.execute(
        select(Crime.district_id, Crime.offence_code, func.count(func.distinct(Crime.id)))
        .join(CrimeOutcome, CrimeOutcome.crime_id == Crime.id)
        .where(
            *own,
            CrimeOutcome.outcome_type.in_(justice_codes),
            CrimeOutcome.outcome_on >= start,
            CrimeOutcome.outcome_on <= end,
        )
        .group_by(Crime.district_id, Crime.offence_code)
    )
    for crime_district, code, count in justice:
        for line in lines(crime_district, code):
            line.brought_to_justice += count
    report.groups = dict(sorted(report.groups.items()))
    return report
