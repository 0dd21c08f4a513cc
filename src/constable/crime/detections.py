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

from sqlalchemy import select
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
    ``end`` (both included), for the force or one district, all groups or one."""
    kinds = {t.code: t for t in table().types}
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

    cohort = session.execute(
        select(Crime.id, Crime.district_id, Crime.offence_code).where(
            *own,
            Crime.recorded_at >= _moment(start),
            Crime.recorded_at < _moment(end + dt.timedelta(days=1)),
        )
    ).all()
    sanctioned = (
        {
            crime_id
            for crime_id, code in session.execute(
                select(CrimeOutcome.crime_id, CrimeOutcome.outcome_type).where(
                    CrimeOutcome.crime_id.in_([c.id for c in cohort])
                )
            )
            if kinds[code].sanction
        }
        if cohort
        else set()
    )
    for crime_id, crime_district, code in cohort:
        for line in lines(crime_district, code):
            line.crimes += 1
            line.sanction_detections += crime_id in sanctioned

    justice: dict[int, tuple[int | None, str | None]] = {}
    for crime_id, crime_district, code, outcome in session.execute(
        select(Crime.id, Crime.district_id, Crime.offence_code, CrimeOutcome.outcome_type)
        .join(CrimeOutcome, CrimeOutcome.crime_id == Crime.id)
        .where(*own, CrimeOutcome.outcome_on >= start, CrimeOutcome.outcome_on <= end)
    ):
        if kinds[outcome].brought_to_justice:
            justice[crime_id] = (crime_district, code)
    for crime_district, code in justice.values():
        for line in lines(crime_district, code):
            line.brought_to_justice += 1
    report.groups = dict(sorted(report.groups.items()))
    return report
