"""Shared computations of the pack and the pages: a measure by district, monthly series by
district, and Home Office recorded crime by offence group.

The plan pages (:mod:`constable.performance.pages`) call these same functions, so a page and
the pack show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.community.service import Period
from constable.crime.models import RecordedCrime
from constable.crime.service import records_name
from constable.force.models import District, Force
from constable.performance.measures import (
    Value,
    compute,
    get_measure,
    months_before,
    shift_years,
)
from constable.performance.status import ChangeTest, compare


@dataclass(frozen=True)
class DistrictRow:
    """A measure in one district for a quarter, the same quarter a year before, and the test
    of the change."""

    district: District
    value: Value
    previous: Value
    change: ChangeTest


def district_breakdown(
    *,
    session: Session,
    force: Force,
    measure: str,
    quarter: Period,
    cache: dict[Any, Any] | None = None,
) -> list[DistrictRow]:
    """``measure`` in every district of the force (by name) for ``quarter`` and a year before,
    with the change tested (:func:`constable.performance.status.compare`). Empty for a measure
    published for the force only."""
    found = get_measure(measure)
    if not found.districts:
        return []
    before = shift_years(quarter, -1)
    rows: list[DistrictRow] = []
    for district in sorted(force.districts, key=lambda d: d.name):
        value = compute(
            session=session,
            force=force,
            name=measure,
            period=quarter,
            district=district,
            cache=cache,
        )
        previous = compute(
            session=session,
            force=force,
            name=measure,
            period=before,
            district=district,
            cache=cache,
        )
        rows.append(DistrictRow(district, value, previous, compare(value, previous, found)))
    return rows


def district_months(
    *,
    session: Session,
    force: Force,
    measure: str,
    quarter: Period,
    months: int = 12,
    cache: dict[Any, Any] | None = None,
) -> list[tuple[District, list[Value]]]:
    """``measure`` for each of the ``months`` months ending with ``quarter``, per district."""
    spans = months_before(quarter.end, months)
    return [
        (
            district,
            [
                compute(
                    session=session,
                    force=force,
                    name=measure,
                    period=span,
                    district=district,
                    cache=cache,
                )
                for span in spans
            ],
        )
        for district in sorted(force.districts, key=lambda d: d.name)
    ]


@dataclass(frozen=True)
class GroupQuarters:
    """Home Office recorded crime of one offence group by financial quarter (1 to 4)."""

    group: str
    quarters: dict[int, int]

    @property
    def total(self) -> int:
        """Offences in the quarters imported."""
        return sum(self.quarters.values())


def home_office_groups(
    *, session: Session, force: Force, financial_year: str
) -> list[GroupQuarters]:
    """The force's Home Office recorded crime for a financial year by offence group and
    quarter, largest group first (empty when the year was not imported)."""
    found: dict[str, dict[int, int]] = {}
    for group, quarter, offences in session.execute(
        select(
            RecordedCrime.offence_group,
            RecordedCrime.quarter,
            func.sum(RecordedCrime.offences),
        )
        .where(
            RecordedCrime.force == records_name(force),
            RecordedCrime.financial_year == financial_year,
        )
        .group_by(RecordedCrime.offence_group, RecordedCrime.quarter)
    ):
        found.setdefault(str(group), {})[int(quarter)] = int(offences or 0)
    rows = [GroupQuarters(g, q) for g, q in found.items()]
    return sorted(rows, key=lambda r: (-r.total, r.group))
