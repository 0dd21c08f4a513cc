"""API shapes of the community records."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from constable.community.enums import (
    SPEED_LIMITS_MPH,
    DutyType,
    EngagementKind,
    PlaceOfSafety,
    S136Outcome,
    VolunteerRole,
)

REGISTRATION = re.compile(r"[A-Z0-9]{2,8}")
"""A vehicle registration mark once spaces and dashes are gone (UK marks are 2 to 7 long)."""


def normalise_registration(text: str) -> str:
    """``ab12 cde`` → ``AB12CDE``: upper case, without spaces or dashes."""
    mark = re.sub(r"[\s-]+", "", text).upper()
    if not REGISTRATION.fullmatch(mark):
        raise ValueError(
            f"{text!r} is not a registration: give 2 to 8 letters and digits, like AB12 CDE"
        )
    return mark


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Place(_In):
    """Where: exactly one of a postcode, a latitude with a longitude, or a neighbourhood."""

    postcode: str | None = Field(default=None, max_length=10)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    neighbourhood: str | None = Field(
        default=None, max_length=20, description="an LSOA code of the force, e.g. E01024445"
    )
    location_text: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _one_place(self) -> Place:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        given = [
            name
            for name, value in (
                ("postcode", self.postcode),
                ("latitude and longitude", self.latitude),
                ("neighbourhood", self.neighbourhood),
            )
            if value is not None
        ]
        if len(given) != 1:
            problem = " and ".join(given) if given else "none"
            raise ValueError(
                "give one location (postcode, latitude and longitude, or neighbourhood), "
                f"not {problem}"
            )
        return self


# -- Section 136 ------------------------------------------------------------------------------


class S136Create(Place):
    """A s.136 detention as recorded; the end and outcome may follow later (PATCH)."""

    detained_at: AwareDatetime = Field(description="when the person was detained")
    ended_at: AwareDatetime | None = Field(
        default=None, description="when the detention ended (at most 36 hours after)"
    )
    place_of_safety: PlaceOfSafety
    place_of_safety_detail: str | None = Field(
        default=None, max_length=200, description="which place; needed when place_of_safety=other"
    )
    outcome: S136Outcome | None = Field(default=None, description="given with ended_at")
    incident_id: int | None = Field(default=None, description="the control-room incident")
    notes: str | None = Field(default=None, max_length=5000)


class S136Update(_In):
    """A change to a detention: usually its end and outcome. Fields left out are kept."""

    ended_at: AwareDatetime | None = None
    outcome: S136Outcome | None = None
    place_of_safety: PlaceOfSafety | None = None
    place_of_safety_detail: str | None = Field(default=None, max_length=200)
    incident_id: int | None = None
    notes: str | None = Field(default=None, max_length=5000)


class S136Read(BaseModel):
    """A s.136 detention."""

    id: int
    district: str
    district_name: str
    neighbourhood: str | None
    latitude: float
    longitude: float
    location_text: str | None
    detained_at: dt.datetime
    ended_at: dt.datetime | None
    duration_minutes: float | None
    place_of_safety: PlaceOfSafety
    place_of_safety_label: str
    place_of_safety_detail: str | None
    outcome: S136Outcome | None
    outcome_label: str | None
    incident_id: int | None
    notes: str | None
    recorded_by: str
    recorded_at: dt.datetime


class MonthlyDistrict(BaseModel):
    """One district's detentions, month by month."""

    district: str
    name: str
    counts: list[int]
    total: int


class S136Monthly(BaseModel):
    """Detentions per month (local time) per district, and their total."""

    months: list[str]
    districts: list[MonthlyDistrict]
    total: list[int]


# -- Speedwatch -------------------------------------------------------------------------------


class SiteCreate(Place):
    """A Speedwatch site: a road with its limit, placed in a neighbourhood."""

    road: str = Field(min_length=2, max_length=200, description="the road's name")
    speed_limit_mph: int = Field(description=f"one of {', '.join(map(str, SPEED_LIMITS_MPH))}")

    @field_validator("speed_limit_mph")
    @classmethod
    def _limit(cls, value: int) -> int:
        if value not in SPEED_LIMITS_MPH:
            limits = ", ".join(map(str, SPEED_LIMITS_MPH))
            raise ValueError(f"{value} mph is not a speed limit: use one of {limits}")
        return value


class SiteRead(BaseModel):
    """A Speedwatch site with its sessions so far."""

    id: int
    district: str
    district_name: str
    neighbourhood: str | None
    road: str
    speed_limit_mph: int
    latitude: float
    longitude: float
    location_text: str | None
    sessions: int
    vehicles_checked: int
    vehicles_detected: int
    last_session: dt.date | None
    created_by: str
    created_at: dt.datetime


class DetectionIn(_In):
    """A vehicle seen over the limit: its registration and what followed."""

    registration: str = Field(description="spaces, dashes and case do not matter: ab12 cde")
    speed_mph: int | None = Field(default=None, ge=1, le=200)
    letter_sent: bool = False
    untaxed: bool = Field(default=False, description="referred to the DVLA as untaxed")
    no_mot: bool = Field(default=False, description="referred as having no valid MOT")

    @field_validator("registration")
    @classmethod
    def _registration(cls, value: str) -> str:
        return normalise_registration(value)


class SessionCreate(_In):
    """A Speedwatch session and the vehicles detected over the limit in it."""

    held_on: dt.date
    volunteers: int = Field(ge=1, le=100)
    hours: float = Field(gt=0, le=24, description="how long the session lasted")
    vehicles_checked: int = Field(ge=0, le=100_000)
    detections: list[DetectionIn] = Field(default_factory=list, max_length=100_000)


class DetectionRead(BaseModel):
    """A vehicle detected over the limit."""

    registration: str
    speed_mph: int | None
    letter_sent: bool
    untaxed: bool
    no_mot: bool


class SessionRead(BaseModel):
    """A Speedwatch session with its counts (and its detections when asked for one)."""

    id: int
    site_id: int
    road: str
    district: str
    held_on: dt.date
    volunteers: int
    hours: float
    volunteer_hours: float
    vehicles_checked: int
    vehicles_detected: int
    letters_sent: int
    untaxed_referrals: int
    no_mot_referrals: int
    recorded_by: str
    detections: list[DetectionRead] | None = None


class FlaggedRead(BaseModel):
    """A vehicle detected on the threshold number of occasions or more: visit the keeper."""

    registration: str
    occasions: int
    first_detected: dt.date
    flagged_on: dt.date
    last_detected: dt.date
    district: str
    roads: list[str]
    letters_sent: int
    last_visit: dt.date | None
    open: bool


class VisitCreate(_In):
    """An officer's visit to a flagged vehicle's keeper."""

    visited_on: dt.date
    spoke_to_driver: bool = True
    notes: str | None = Field(default=None, max_length=5000)


class VisitRead(BaseModel):
    """A visit to a flagged vehicle's keeper."""

    id: int
    registration: str
    district: str
    visited_on: dt.date
    spoke_to_driver: bool
    notes: str | None
    recorded_by: str


class EffectivenessRead(BaseModel):
    """Of the vehicles sent a letter in the period, how many were not detected again."""

    start: dt.date | None
    end: dt.date | None
    district: str | None
    vehicles_sent_letter: int
    detected_again: int
    not_detected_again: int
    share_not_detected_again: float | None
    followed_up_to: dt.date | None


# -- Volunteers, specials and school officers -------------------------------------------------


class VolunteerCreate(_In):
    """A Special Constable, volunteer or school officer joining a district."""

    name: str = Field(min_length=2, max_length=200)
    role: VolunteerRole
    district: str = Field(description="slug, name or ONS code")
    joined_on: dt.date
    independent_since: dt.date | None = Field(
        default=None, description="Special Constables: passed for independent patrol on"
    )


class VolunteerUpdate(_In):
    """A change: a name, leaving, or independent patrol status. Fields left out are kept."""

    name: str | None = Field(default=None, min_length=2, max_length=200)
    left_on: dt.date | None = None
    independent_since: dt.date | None = None


class VolunteerRead(BaseModel):
    """A person with the hours they gave (in the period asked for, or ever)."""

    id: int
    name: str
    role: VolunteerRole
    role_label: str
    district: str
    district_name: str
    joined_on: dt.date
    left_on: dt.date | None
    independent_since: dt.date | None
    independent: bool
    duties: int
    hours: float


class DutyCreate(_In):
    """Hours given on a duty."""

    duty_on: dt.date
    hours: float = Field(gt=0, le=24)
    duty_type: DutyType
    notes: str | None = Field(default=None, max_length=5000)


class DutyRead(BaseModel):
    """A duty."""

    id: int
    volunteer_id: int
    duty_on: dt.date
    hours: float
    duty_type: DutyType
    duty_type_label: str
    notes: str | None
    recorded_by: str


class SchoolCreate(_In):
    """A school of a district, optionally with its school officer."""

    name: str = Field(min_length=2, max_length=200)
    district: str = Field(description="slug, name or ONS code")
    urn: str | None = Field(
        default=None, pattern=r"^\d{6}$", description="the DfE unique reference number"
    )
    officer_id: int | None = Field(default=None, description="a school officer's volunteer id")


class SchoolUpdate(_In):
    """A new school officer for the school (null: none)."""

    officer_id: int | None


class SchoolRead(BaseModel):
    """A school with its officer and its engagements (in the period asked for, or ever)."""

    id: int
    name: str
    urn: str | None
    district: str
    officer_id: int | None
    officer: str | None
    engagements: int
    attendees: int


class EngagementCreate(_In):
    """A lesson, assembly or visit at a school."""

    held_on: dt.date
    kind: EngagementKind
    attendees: int = Field(ge=0, le=10_000)
    officer_id: int | None = Field(default=None, description="default: the school's officer")
    notes: str | None = Field(default=None, max_length=5000)


class EngagementRead(BaseModel):
    """An engagement at a school."""

    id: int
    school_id: int
    school: str
    officer_id: int | None
    held_on: dt.date
    kind: EngagementKind
    kind_label: str
    attendees: int
    notes: str | None
    recorded_by: str
