"""Shared parts of the community records: errors, periods, districts, places and the rules.

The records themselves live in :mod:`~constable.community.s136`,
:mod:`~constable.community.speedwatch` and :mod:`~constable.community.volunteers`; the quarter's
figures in :mod:`~constable.community.report`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.config import CommunityConfig
from constable.force.locate import Location, LocationError, UnknownNeighbourhoodError
from constable.force.models import District, Force, Neighbourhood

LOCAL_TIME = ZoneInfo("Europe/London")
"""Months, quarters and "today" are those of England and Wales."""


class CommunityError(ConstableError):
    """A community record that cannot be written or read as asked; ``status`` is the HTTP
    status to answer, and the message starts with the field at fault."""

    status = 422


class CommunityNotFound(CommunityError):
    """A record, district or neighbourhood that does not exist."""

    status = 404


@dataclass(frozen=True)
class Period:
    """A run of whole months: ``start`` is the first day, ``end`` the day after the last."""

    start: dt.date
    end: dt.date
    label: str

    @property
    def last_day(self) -> dt.date:
        """The period's last day."""
        return self.end - dt.timedelta(days=1)

    def months(self) -> list[dt.date]:
        """The first day of each month of the period."""
        found, day = [], self.start
        while day < self.end:
            found.append(day)
            day = _next_month(day)
        return found

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as moments: local midnight at the start and at the end, in UTC."""
        return _midnight(self.start), _midnight(self.end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day < self.end


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TIME).astimezone(dt.UTC)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Quarter(Period):
    """A calendar quarter: ``2017Q3`` is July to September 2017."""

    year: int = 0
    number: int = 0

    @property
    def financial_year(self) -> str:
        """The Home Office financial year (April to March) it falls in: ``2017/18``."""
        first = self.year if self.number > 1 else self.year - 1
        return f"{first}/{(first + 1) % 100:02d}"

    @property
    def financial_quarter(self) -> int:
        """Its quarter of the financial year: ``2017Q3`` is quarter 2 of 2017/18."""
        return (self.number + 2) % 4 + 1


def parse_quarter(text: str, *, field: str = "quarter") -> Quarter:
    """``2017Q3`` (any case, ``2017-Q3`` too) → July to September 2017."""
    match = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text.strip())
    if not match:
        raise CommunityError(
            f"{field}: {text!r} is not a quarter written like 2017Q3 (July to September 2017)"
        )
    year, number = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * number - 2, 1)
    end = dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)
    return Quarter(start, end, f"{year}Q{number}", year, number)


def parse_month(text: str, *, field: str = "month") -> Period:
    """``2022-12`` → December 2022."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommunityError(f"{field}: {text!r} is not a month written YYYY-MM, like 2022-12")
    start = dt.date(int(match.group(1)), int(match.group(2)), 1)
    return Period(start, _next_month(start), f"{start:%Y-%m}")


def month_span(first: str, last: str) -> Period:
    """Months ``first`` to ``last`` (both YYYY-MM, included)."""
    start = parse_month(first, field="from").start
    end = parse_month(last, field="to").end
    if end <= start:
        raise CommunityError(f"to: {last} is before from: {first}")
    if (end.year - start.year) * 12 + end.month - start.month > 120:
        raise CommunityError("to: give at most 120 months")
    return Period(start, end, f"{first} to {last}")


def parse_year(text: str, *, field: str = "year") -> Period:
    """``2022`` → January to December 2022."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise CommunityError(f"{field}: {text!r} is not a year written like 2022")
    year = int(text)
    return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year))


def period_of(
    *, month: str | None = None, quarter: str | None = None, year: str | None = None
) -> Period | None:
    """The period named by one of a ``month``, ``quarter`` or ``year`` filter, or None."""
    given = [(n, v) for n, v in (("month", month), ("quarter", quarter), ("year", year)) if v]
    if len(given) > 1:
        raise CommunityError(f"{given[0][0]}: give a month, a quarter or a year, not several")
    if month:
        return parse_month(month)
    if quarter:
        return parse_quarter(quarter)
    if year:
        return parse_year(year)
    return None


def today() -> dt.date:
    """Today's date in England and Wales."""
    return dt.datetime.now(LOCAL_TIME).date()


def not_in_future(field: str, value: dt.date) -> None:
    """A date that has not happened yet is refused."""
    if value > today():
        raise CommunityError(f"{field}: {value.isoformat()} is in the future")


def get_force(*, session: Session, code: str) -> Force:
    """The force with this code, or :class:`CommunityNotFound`."""
    try:
        return force_service.get_or_raise(session=session, code=code)
    except force_service.NotFoundError as exc:
        raise CommunityNotFound(str(exc)) from exc


def get_district(
    *, session: Session, force: Force, district: str, field: str = "district"
) -> District:
    """A district of ``force`` by slug, name or ONS code, or :class:`CommunityNotFound`."""
    try:
        return force_service.get_district_or_raise(session=session, force=force, district=district)
    except force_service.NotFoundError as exc:
        raise CommunityNotFound(f"{field}: {exc}") from exc


def district_or_none(*, session: Session, force: Force, district: str | None) -> District | None:
    """The district named by a filter, or None for the whole force."""
    if district is None or not district.strip():
        return None
    return get_district(session=session, force=force, district=district)


def rules(force: Force) -> CommunityConfig:
    """The force's community rules (its configuration's ``community`` section, or defaults)."""
    section = (force.config or {}).get("community")
    return CommunityConfig.model_validate(section) if section else CommunityConfig()


@dataclass(frozen=True)
class Placement:
    """A resolved place with the district and neighbourhood rows it falls in."""

    location: Location
    district: District
    neighbourhood_id: int | None


def place(
    *,
    session: Session,
    force: Force,
    postcode: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    neighbourhood: str | None = None,
) -> Placement:
    """Resolve a postcode, point or LSOA code to the force's district and neighbourhood."""
    # The control room's locator: built once per database and force, and shared.
    from constable.control.service import locator

    try:
        location = locator(session, force).resolve(
            postcode=postcode, latitude=latitude, longitude=longitude, neighbourhood=neighbourhood
        )
    except UnknownNeighbourhoodError as exc:
        raise CommunityNotFound(f"neighbourhood: {exc}") from exc
    except LocationError as exc:
        field = "postcode" if postcode is not None else "location"
        raise CommunityError(f"{field}: {exc}") from exc
    district = session.scalar(
        select(District).where(
            District.force_id == force.id, District.slug == location.district_slug
        )
    )
    assert district is not None  # the locator only answers with the force's districts
    neighbourhood_id = session.scalar(
        select(Neighbourhood.id).where(Neighbourhood.code == location.neighbourhood_code)
    )
    return Placement(location, district, neighbourhood_id)


@dataclass(frozen=True)
class Names:
    """Districts of a force by id (slug and name), for showing records."""

    slugs: dict[int, str]
    names: dict[int, str]

    @classmethod
    def of(cls, session: Session, force: Force) -> Names:
        rows = session.execute(
            select(District.id, District.slug, District.name).where(District.force_id == force.id)
        ).all()
        return cls({i: s for i, s, _ in rows}, {i: n for i, _, n in rows})


def neighbourhood_codes(session: Session, ids: set[int]) -> dict[int, str]:
    """LSOA codes of these neighbourhoods, by id."""
    if not ids:
        return {}
    rows = session.execute(
        select(Neighbourhood.id, Neighbourhood.code).where(Neighbourhood.id.in_(sorted(ids)))
    )
    return {i: c for i, c in rows}
