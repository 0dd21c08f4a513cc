"""The quarter's community figures, for a district or the whole force.

``constable report community --district D --quarter 2017Q3`` prints them and
``GET /api/community/report`` answers them as JSON; both call :func:`build`.

A report is a list of :class:`Section` objects, each made by a builder registered with
:func:`section`. To add figures (anti-social-behaviour cases, repeat victims, crime), write a
function that takes a :class:`Scope` and returns a :class:`Section`, and decorate it::

    @section("asb")
    def asb_section(scope: Scope) -> Section:
        return Section("asb", "Anti-social behaviour cases", [Figure("opened", "Cases opened", 12)])

Builders in other modules register the same way; list the module in :data:`MODULES` so that it
is imported before a report is built. The command line, the API and the page show every
section with no other change.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from constable.community import s136, speedwatch, volunteers
from constable.community.enums import EngagementKind, PlaceOfSafety, S136Outcome, VolunteerRole
from constable.community.service import Quarter, rules
from constable.force.models import District, Force

Unit = Literal["count", "hours", "share", "minutes"]

MODULES: tuple[str, ...] = ("constable.community.asb_report", "constable.crime.report")
"""Modules (besides this one) whose builders register report sections."""


@dataclass(frozen=True)
class Figure:
    """One number of a report, with its label and unit."""

    key: str
    label: str
    value: int | float | None
    unit: Unit = "count"

    @property
    def text(self) -> str:
        """The value as printed: ``1,234``, ``1,234.5 hours``, ``93.52%``, ``95 minutes``."""
        if self.value is None:
            return "–"
        if self.unit == "share":
            return f"{self.value:.2%}"
        if self.unit == "hours":
            return f"{self.value:,.1f}"
        if self.unit == "minutes":
            return f"{self.value:,.0f} min"
        return f"{self.value:,}"


@dataclass(frozen=True)
class Table:
    """Rows of a report (a breakdown): ``columns`` are (key, heading) pairs."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]


@dataclass
class Section:
    """A part of the report: headline figures and breakdowns."""

    key: str
    title: str
    figures: list[Figure]
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, key: str) -> Figure:
        """The figure with this key."""
        return next(f for f in self.figures if f.key == key)

    def as_dict(self) -> dict[str, Any]:
        """Plain data: ``{"title", "figures": {key: value}, "tables": {key: rows}, "notes"}``."""
        return {
            "title": self.title,
            "figures": {f.key: f.value for f in self.figures},
            "tables": {t.key: t.rows for t in self.tables},
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Scope:
    """What a section builder reports on: a quarter, for a district or (None) the force."""

    session: Session
    force: Force
    quarter: Quarter
    district: District | None

    def districts(self) -> list[District]:
        """The districts covered: the one asked for, or every district of the force by name."""
        if self.district is not None:
            return [self.district]
        return sorted(self.force.districts, key=lambda d: d.name)


Builder = Callable[[Scope], Section]
BUILDERS: dict[str, Builder] = {}
"""Section builders in report order, by key."""


def section(key: str) -> Callable[[Builder], Builder]:
    """Register a section builder under ``key`` (a report shows sections in this order)."""

    def register(builder: Builder) -> Builder:
        BUILDERS[key] = builder
        return builder

    return register


@dataclass
class Report:
    """The quarter's community figures for a district or the force."""

    force: str
    district: str | None
    district_name: str | None
    quarter: Quarter
    sections: list[Section]

    @property
    def area(self) -> str:
        """``Sevenoaks district`` or ``Kent Police``."""
        return f"{self.district_name} district" if self.district_name else self.force

    def section(self, key: str) -> Section:
        """The section with this key."""
        return next(s for s in self.sections if s.key == key)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (dates as ISO strings)."""
        return {
            "force": self.force,
            "district": self.district,
            "district_name": self.district_name,
            "quarter": self.quarter.label,
            "start": self.quarter.start.isoformat(),
            "end": self.quarter.last_day.isoformat(),
            "financial_year": self.quarter.financial_year,
            "financial_quarter": self.quarter.financial_quarter,
            "sections": {s.key: s.as_dict() for s in self.sections},
        }


def build(
    *,
    session: Session,
    force: Force,
    quarter: Quarter,
    district: District | None = None,
    only: list[str] | None = None,
) -> Report:
    """The report for ``quarter``: every registered section (or those in ``only``)."""
    for module in MODULES:
        importlib.import_module(module)
    scope = Scope(session, force, quarter, district)
    keys = [k for k in BUILDERS if only is None or k in only]
    return Report(
        force=force.name,
        district=district.slug if district else None,
        district_name=district.name if district else None,
        quarter=quarter,
        sections=[BUILDERS[k](scope) for k in keys],
    )


# -- The sections -----------------------------------------------------------------------------


@section("s136")
def s136_section(scope: Scope) -> Section:
    """Section 136 detentions: how many, month by month, where people were taken, outcomes."""
    args: dict[str, Any] = {
        "session": scope.session,
        "force": scope.force,
        "period": scope.quarter,
        "district": scope.district,
    }
    found = s136.summary(**args)
    series = s136.monthly(**args)
    by_month = [
        {"month": month, "detentions": count}
        for month, count in zip(series.months, series.total, strict=True)
    ]
    tables = [
        Table(
            "by_month",
            "Detentions by month",
            [("month", "Month"), ("detentions", "Detentions")],
            by_month,
        ),
        Table(
            "by_place_of_safety",
            "Place of safety",
            [("label", "Place of safety"), ("detentions", "Detentions")],
            [
                {
                    "place_of_safety": p.value,
                    "label": p.label,
                    "detentions": found.by_place_of_safety[p.value],
                }
                for p in PlaceOfSafety
            ],
        ),
        Table(
            "by_outcome",
            "Outcome",
            [("label", "Outcome"), ("detentions", "Detentions")],
            [
                {"outcome": o.value, "label": o.label, "detentions": found.by_outcome[o.value]}
                for o in S136Outcome
            ],
        ),
    ]
    if scope.district is None:
        tables.append(
            Table(
                "by_district",
                "Detentions by district",
                [("name", "District"), *((m, m) for m in series.months), ("total", "Total")],
                [
                    {
                        "district": d.slug,
                        "name": d.name,
                        **dict(zip(series.months, c, strict=True)),
                        "total": sum(c),
                    }
                    for d, c in series.districts
                ],
            )
        )
    return Section(
        "s136",
        "Section 136 mental-health detentions",
        [
            Figure("detentions", "Detentions", found.detentions),
            Figure("ended", "Ended, with an outcome", found.ended),
            Figure("median_minutes", "Median time detained", found.median_minutes, "minutes"),
            Figure("over_24_hours", "Detained more than 24 hours", found.over_24_hours),
            Figure(
                "police_custody",
                "Taken to police custody",
                found.by_place_of_safety[PlaceOfSafety.POLICE_CUSTODY.value],
            ),
            Figure("linked_to_incident", "Linked to an incident", found.linked_to_incident),
        ],
        tables,
    )


@section("speedwatch")
def speedwatch_section(scope: Scope) -> Section:
    """Community Speedwatch: sessions, vehicles, letters, referrals, repeat vehicles, letters'
    effect."""
    args: dict[str, Any] = {
        "session": scope.session,
        "force": scope.force,
        "period": scope.quarter,
        "district": scope.district,
    }
    done = speedwatch.totals(**args)
    threshold = rules(scope.force).repeat_detections
    letters = speedwatch.letter_effectiveness(**args)
    visits = speedwatch.visits(**args)
    followed = (
        letters.followed_up_to.isoformat() if letters.followed_up_to else "the latest session"
    )
    return Section(
        "speedwatch",
        "Community Speedwatch",
        [
            Figure("sites_used", "Sites used", done.sites_used),
            Figure("sessions", "Sessions", done.sessions),
            Figure("volunteer_hours", "Volunteer hours", done.volunteer_hours, "hours"),
            Figure("vehicles_checked", "Vehicles checked", done.vehicles_checked),
            Figure("vehicles_detected", "Vehicles over the limit", done.vehicles_detected),
            Figure("letters_sent", "Letters sent", done.letters_sent),
            Figure(
                "untaxed_referrals", "Untaxed vehicles referred to the DVLA", done.untaxed_referrals
            ),
            Figure("no_mot_referrals", "Vehicles with no MOT referred", done.no_mot_referrals),
            Figure(
                "vehicles_flagged",
                f"Vehicles reaching {threshold} occasions (flagged for a visit)",
                speedwatch.newly_flagged(threshold=threshold, **args),
            ),
            Figure("visits", "Visits to flagged vehicles' keepers", len(visits)),
            Figure(
                "spoke_to_driver",
                "Visits where officers spoke to the driver",
                sum(1 for v in visits if v.spoke_to_driver),
            ),
            Figure("vehicles_sent_letter", "Vehicles sent a letter", letters.vehicles_sent_letter),
            Figure("detected_again", "Of those, detected again later", letters.detected_again),
            Figure(
                "letter_effectiveness",
                "Vehicles sent a letter not detected again",
                letters.share_not_detected_again,
                "share",
            ),
        ],
        notes=[
            f"Repeat vehicles: detected on {threshold} or more occasions (sessions) at the "
            "force's sites.",
            "Letters: each vehicle sent a letter in the quarter counts once; 'detected again' "
            "is a detection anywhere in the force on a later date, up to "
            f"{followed}.",
        ],
    )


def _people_row(totals: volunteers.PeopleTotals) -> dict[str, Any]:
    roles = totals.roles
    specials = roles[VolunteerRole.SPECIAL_CONSTABLE.value]
    psv = roles[VolunteerRole.POLICE_SUPPORT_VOLUNTEER.value]
    cpv = roles[VolunteerRole.COMMUNITY_POLICE_VOLUNTEER.value]
    schools = roles[VolunteerRole.SCHOOL_OFFICER.value]
    return {
        "special_constables": specials.serving,
        "independent_specials": specials.independent or 0,
        "special_hours": specials.hours,
        "police_support_volunteers": psv.serving,
        "police_support_volunteer_hours": psv.hours,
        "community_police_volunteers": cpv.serving,
        "community_police_volunteer_hours": cpv.hours,
        "school_officers": schools.serving,
        "school_officer_hours": schools.hours,
    }


PEOPLE_FIGURES: list[tuple[str, str, Unit]] = [
    ("special_constables", "Special Constables at the quarter's end", "count"),
    ("independent_specials", "Of those, independent", "count"),
    ("special_hours", "Hours given by Special Constables", "hours"),
    ("police_support_volunteers", "Police Support Volunteers at the quarter's end", "count"),
    ("police_support_volunteer_hours", "Hours given by Police Support Volunteers", "hours"),
    ("community_police_volunteers", "Community Police Volunteers at the quarter's end", "count"),
    ("community_police_volunteer_hours", "Hours given by Community Police Volunteers", "hours"),
    ("school_officers", "School officers at the quarter's end", "count"),
    ("school_officer_hours", "Hours logged by school officers", "hours"),
]


@section("volunteers")
def volunteers_section(scope: Scope) -> Section:
    """Special Constables and volunteers: numbers at the quarter's end, independent specials,
    hours given; role by role, and district by district for the force."""
    totals = volunteers.people_totals(
        session=scope.session, force=scope.force, period=scope.quarter, district=scope.district
    )
    row = _people_row(totals)
    tables = [
        Table(
            "by_role",
            "By role",
            [
                ("label", "Role"),
                ("serving", "At the end"),
                ("independent", "Independent"),
                ("joined", "Joined"),
                ("left", "Left"),
                ("duties", "Duties"),
                ("hours", "Hours"),
            ],
            [asdict(r) for r in totals.roles.values()],
        )
    ]
    if scope.district is None:
        rows = []
        for district in scope.districts():
            per = volunteers.people_totals(
                session=scope.session, force=scope.force, period=scope.quarter, district=district
            )
            rows.append({"district": district.slug, "name": district.name, **_people_row(per)})
        tables.append(
            Table(
                "by_district",
                "By district",
                [
                    ("name", "District"),
                    ("special_constables", "Specials"),
                    ("independent_specials", "Independent"),
                    ("special_hours", "Specials' hours"),
                    ("police_support_volunteers", "PSVs"),
                    ("police_support_volunteer_hours", "PSV hours"),
                    ("community_police_volunteers", "CPVs"),
                    ("community_police_volunteer_hours", "CPV hours"),
                ],
                rows,
            )
        )
    return Section(
        "volunteers",
        "Special Constables and volunteers",
        [Figure(key, label, row[key], unit) for key, label, unit in PEOPLE_FIGURES],
        tables,
    )


@section("schools")
def schools_section(scope: Scope) -> Section:
    """School officers: schools covered, engagements and how many attended."""
    found = volunteers.school_totals(
        session=scope.session, force=scope.force, period=scope.quarter, district=scope.district
    )
    return Section(
        "schools",
        "School officers",
        [
            Figure(
                "school_officers", "School officers at the quarter's end", found.school_officers
            ),
            Figure("schools", "Schools on record", found.schools),
            Figure(
                "schools_with_officer", "Schools with a school officer", found.schools_with_officer
            ),
            Figure("schools_engaged", "Schools engaged in the quarter", found.schools_engaged),
            Figure("engagements", "Engagements", found.engagements),
            Figure("attendees", "Attendees", found.attendees),
        ],
        [
            Table(
                "by_kind",
                "Engagements by kind",
                [("label", "Kind"), ("engagements", "Engagements")],
                [
                    {"kind": k.value, "label": k.label, "engagements": found.by_kind[k.value]}
                    for k in EngagementKind
                ],
            )
        ],
    )


def current_quarter(today: dt.date) -> str:
    """The label of the quarter ``today`` falls in: ``2025Q4``."""
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"
