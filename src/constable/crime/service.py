"""Questions about crime records."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.crime.models import Crime
from constable.errors import ConstableError
from constable.force.models import Force
from constable.force.names import canonical_force_name

NO_OUTCOME = "No outcome recorded"


class CrimeQueryError(ConstableError):
    """A question about crimes that cannot be answered as asked."""


def parse_month(text: str) -> dt.date:
    """``2018-07`` → 1 July 2018, or :class:`CrimeQueryError`."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CrimeQueryError(f"month {text!r} is not a month written YYYY-MM, like 2018-07")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass
class CrimeSummary:
    """Counts of a force's crimes by type and by last outcome."""

    force: str
    month: str | None
    total: int
    by_type: dict[str, int]
    by_outcome: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def forces_with_crimes(*, session: Session) -> list[str]:
    """The forces that have crime records, by name."""
    return list(session.scalars(select(Crime.force).distinct().order_by(Crime.force)))


def resolve_force_name(*, session: Session, force: str) -> str:
    """The force's name as the crime records spell it, or an error listing the forces there."""
    name = canonical_force_name(force)
    known = {f.casefold(): f for f in forces_with_crimes(session=session)}
    if name.casefold() not in known:
        listed = ", ".join(known.values()) or "none yet: run `constable import`"
        raise CrimeQueryError(f"no crimes for force {force!r} in the store (forces: {listed})")
    return known[name.casefold()]


def summary(*, session: Session, force: str, month: dt.date | None = None) -> CrimeSummary:
    """Counts by crime type and last outcome for ``force`` (any spelling), in ``month`` if given."""
    name = resolve_force_name(session=session, force=force)
    where = [Crime.force == name]
    if month is not None:
        where.append(Crime.month == month)
    by_type = {
        category: count
        for category, count in session.execute(
            select(Crime.category, func.count())
            .where(*where)
            .group_by(Crime.category)
            .order_by(func.count().desc(), Crime.category)
        )
    }
    by_outcome: dict[str, int] = {}
    for outcome, count in session.execute(
        select(Crime.last_outcome, func.count())
        .where(*where)
        .group_by(Crime.last_outcome)
        .order_by(func.count().desc(), Crime.last_outcome)
    ):
        key = outcome or NO_OUTCOME
        by_outcome[key] = by_outcome.get(key, 0) + count
    return CrimeSummary(
        force=name,
        month=month.strftime("%Y-%m") if month else None,
        total=sum(by_type.values()),
        by_type=by_type,
        by_outcome=by_outcome,
    )


def records_name(force: Force) -> str:
    """The name under which the force's crimes are stored (``Kent Police`` → ``Kent``), the same
    as imported data.police.uk rows use, so both are counted together."""
    return canonical_force_name(force.name)
