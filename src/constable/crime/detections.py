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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from constable.crime.models import Crime, CrimeOutcome
from constable.crime.offences import ASB_CATEGORY, offences
from constable.crime.outcomes import table
from constable.crime.service import records_name
from constable.force.models import District, Force
from constable.store.periods import span_index, within


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


Key = tuple[int | None, str | None]
"""A crime's district id and Home Office offence code."""


@dataclass(frozen=True)
class DetectionTallies:
    """Crimes recorded, sanction detections and offences brought to justice in each of a run of
    consecutive spans of days (UTC dates), by district and offence code: a report for any run
    of the spans is added up from them exactly (:meth:`report`).

    A crime brought to justice in two spans counts once in a report covering both, as it does
    when the report's period is counted at once: ``repeated`` holds such crimes' spans.
    """

    edges: tuple[dt.date, ...]
    slugs: dict[int, str]
    district_id: int | None
    group: str | None
    cohort: dict[int, dict[Key, tuple[int, int]]]
    justice: dict[int, dict[Key, int]]
    repeated: tuple[tuple[Key, frozenset[int]], ...] = ()

    def report(self, first: int = 0, end: int | None = None) -> DetectionReport:
        """The report of spans ``first`` to ``end`` (excluded; default all)."""
        end = len(self.edges) - 1 if end is None else end
        spans = range(first, end)
        groups = {code: o.group for code, o in offences().items()}
        report = DetectionReport(self.edges[first], self.edges[end] - dt.timedelta(days=1))
        report.districts = {
            slug: Detections()
            for d, slug in sorted(self.slugs.items(), key=lambda item: item[1])
            if self.district_id in (None, d)
        }

        def lines(key: Key) -> list[Detections]:
            crime_district, code = key
            name = groups.get(code or "", "Unknown")
            if self.group is not None and name != self.group:
                return []
            found = [report.force, report.groups.setdefault(name, Detections())]
            if crime_district in self.slugs:
                found.append(report.districts[self.slugs[crime_district]])
            return found

        justice: dict[Key, int] = defaultdict(int)
        for span in spans:
            for key, (crimes, detected) in self.cohort.get(span, {}).items():
                for line in lines(key):
                    line.crimes += crimes
                    line.sanction_detections += detected
            for key, count in self.justice.get(span, {}).items():
                justice[key] += count
        for key, crime_spans in self.repeated:
            justice[key] -= max(0, len(crime_spans.intersection(spans)) - 1)
        for key, count in justice.items():
            if not count:  # a crime counted in an earlier span of the run: no line of its own
                continue
            for line in lines(key):
                line.brought_to_justice += count
        report.groups = dict(sorted(report.groups.items()))
        return report


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def tallies(
    *,
    session: Session,
    force: Force,
    edges: Sequence[dt.date],
    district_id: int | None = None,
    group: str | None = None,
) -> DetectionTallies:
    """Detections in the spans ``edges[i]`` to ``edges[i + 1]`` (UTC dates, the end excluded),
    for the force or one district, all groups or one.

    Counted in the database, grouped by span, district and offence code: the 24 months of an
    SPC chart over a million crimes are two grouped queries (three when a crime is brought to
    justice in more than one span), not a list of ids.
    """
    kinds = table().types
    sanction_codes = [t.code for t in kinds if t.sanction]
    justice_codes = [t.code for t in kinds if t.brought_to_justice]
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
    moments = [_moment(day) for day in edges]

    # Asked of each crime through the outcomes' index on crime_id, rather than joined to the
    # list of every detected crime, which a window with few crimes would read whole.
    sanctioned = (
        select(CrimeOutcome.id)
        .where(CrimeOutcome.crime_id == Crime.id, CrimeOutcome.outcome_type.in_(sanction_codes))
        .exists()
    )
    recorded = (
        select(
            span_index(Crime.recorded_at, moments).label("span"),
            Crime.district_id.label("district_id"),
            Crime.offence_code.label("offence_code"),
            case((sanctioned, 1), else_=0).label("detected"),
        )
        .where(*own, *within(Crime.recorded_at, moments))
        .subquery()
    )
    cohort: dict[int, dict[Key, tuple[int, int]]] = defaultdict(dict)
    for span, crime_district, code, crimes, detected in session.execute(
        select(
            recorded.c.span,
            recorded.c.district_id,
            recorded.c.offence_code,
            func.count(),
            func.sum(recorded.c.detected),
        ).group_by(recorded.c.span, recorded.c.district_id, recorded.c.offence_code)
    ):
        cohort[int(span)][(crime_district, code)] = (int(crimes), int(detected or 0))

    outcomes = (
        select(
            span_index(CrimeOutcome.outcome_on, edges).label("span"),
            Crime.id.label("crime_id"),
            Crime.district_id.label("district_id"),
            Crime.offence_code.label("offence_code"),
        )
        .join(CrimeOutcome, CrimeOutcome.crime_id == Crime.id)
        .where(
            *own,
            CrimeOutcome.outcome_type.in_(justice_codes),
            *within(CrimeOutcome.outcome_on, edges),
        )
        .subquery()
    )
    justice: dict[int, dict[Key, int]] = defaultdict(dict)
    for span, crime_district, code, count in session.execute(
        select(
            outcomes.c.span,
            outcomes.c.district_id,
            outcomes.c.offence_code,
            func.count(func.distinct(outcomes.c.crime_id)),
        ).group_by(outcomes.c.span, outcomes.c.district_id, outcomes.c.offence_code)
    ):
        justice[int(span)][(crime_district, code)] = int(count)

    repeated: dict[int, tuple[Key, set[int]]] = {}
    if len(edges) > 2:
        # Only a crime with more than one such outcome can have them in more than one span:
        # found from the outcomes alone, before the join.
        several = (
            select(CrimeOutcome.crime_id)
            .where(
                CrimeOutcome.outcome_type.in_(justice_codes),
                *within(CrimeOutcome.outcome_on, edges),
            )
            .group_by(CrimeOutcome.crime_id)
            .having(func.count() > 1)
        )
        for crime_id, crime_district, code, span in session.execute(
            select(
                outcomes.c.crime_id,
                outcomes.c.district_id,
                outcomes.c.offence_code,
                outcomes.c.span,
            )
            .where(outcomes.c.crime_id.in_(several))
            .distinct()
        ):
            repeated.setdefault(crime_id, ((crime_district, code), set()))[1].add(int(span))
    repeated = {key: found for key, found in repeated.items() if len(found[1]) > 1}
    return DetectionTallies(
        tuple(edges),
        slugs,
        district_id,
        group,
        dict(cohort),
        dict(justice),
        tuple((key, frozenset(spans)) for key, spans in repeated.values()),
    )


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
    ``end`` (both included), for the force or one district, all groups or one: the
    :func:`tallies` of that one span."""
    return tallies(
        session=session,
        force=force,
        edges=(start, end + dt.timedelta(days=1)),
        district_id=district_id,
        group=group,
    ).report()
