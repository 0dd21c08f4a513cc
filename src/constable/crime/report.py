"""The quarter's crime and repeat-victim figures, as sections of the community report
(``constable report community``; see :mod:`constable.community.report`)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from constable.community.report import Figure, Scope, Section, Table, section
from constable.crime.detections import detections
from constable.crime.models import Crime, RepeatVictim
from constable.crime.offences import ASB_CATEGORY
from constable.crime.service import records_name


@section("crime")
def crime_section(scope: Scope) -> Section:
    """Crimes recorded, sanction detections and offences brought to justice, by offence group."""
    found = detections(
        session=scope.session,
        force=scope.force,
        start=scope.quarter.start,
        end=scope.quarter.last_day,
        district_id=scope.district.id if scope.district else None,
    )
    low, high = scope.quarter.utc_bounds()
    asb_where = [
        Crime.force == records_name(scope.force),
        Crime.reference.is_not(None),
        Crime.category == ASB_CATEGORY,
        Crime.recorded_at >= low,
        Crime.recorded_at < high,
    ]
    if scope.district is not None:
        asb_where.append(Crime.district_id == scope.district.id)
    asb_reports = scope.session.scalar(select(func.count()).select_from(Crime).where(*asb_where))
    return Section(
        "crime",
        "Crime and outcomes",
        [
            Figure("crimes", "Crimes recorded", found.force.crimes),
            Figure(
                "sanction_detections",
                "Of those, sanction detections",
                found.force.sanction_detections,
            ),
            Figure("sanction_detection_rate", "Sanction detection rate", found.force.rate, "share"),
            Figure(
                "brought_to_justice", "Offences brought to justice", found.force.brought_to_justice
            ),
            Figure("asb_reports", "ASB reports recorded", int(asb_reports or 0)),
        ],
        [
            Table(
                "by_group",
                "By offence group",
                [
                    ("group", "Offence group"),
                    ("crimes", "Crimes"),
                    ("sanction_detections", "Sanction detections"),
                    ("brought_to_justice", "Brought to justice"),
                ],
                [{"group": name, **line.as_dict()} for name, line in found.groups.items()],
            )
        ],
        [
            "Crimes recorded in the quarter; a sanction detection is counted for those of them "
            "with a sanction outcome so far. Offences brought to justice: outcomes dated in the "
            "quarter. Dates in UTC. Definitions: docs/crimes.md."
        ],
    )


@section("repeat_victims")
def repeat_victims_section(scope: Scope) -> Section:
    """Repeat victims flagged, reviewed, and waiting at the quarter's end."""
    low, high = scope.quarter.utc_bounds()
    where: list[ColumnElement[bool]] = []
    if scope.district is not None:
        where.append(RepeatVictim.district_id == scope.district.id)

    def count(*conditions: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(RepeatVictim).where(*where, *conditions)
        return int(scope.session.scalar(query) or 0)

    flagged = count(RepeatVictim.flagged_at >= low, RepeatVictim.flagged_at < high)
    reviewed = count(RepeatVictim.reviewed_at >= low, RepeatVictim.reviewed_at < high)
    waiting = count(
        RepeatVictim.flagged_at < high,
        (RepeatVictim.reviewed_at.is_(None)) | (RepeatVictim.reviewed_at >= high),
    )
    return Section(
        "repeat_victims",
        "Repeat victims",
        [
            Figure("flagged", "Flagged", flagged),
            Figure("reviewed", "Reviewed by the Community Safety Unit", reviewed),
            Figure("waiting", "Waiting for review at the quarter's end", waiting),
        ],
    )
