"""API shapes of the control room."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from constable.control.enums import Channel, IncidentState, UnitStatus
from constable.control.triage import Factor, Lowering, Thrive


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactCreate(_In):
    """A contact as a call handler records it."""

    channel: Channel
    description: str = Field(min_length=3, max_length=5000)
    category: str | None = Field(
        default=None,
        description="an opening category code (GET /api/categories); left out, the category "
        "the caller's words suggest",
    )
    call_started_at: dt.datetime | None = Field(
        default=None, description="when the call began ringing (default: now)"
    )
    answered_at: dt.datetime | None = Field(default=None, description="when it was answered")
    caller_name: str | None = Field(default=None, max_length=200)
    caller_phone: str | None = Field(default=None, max_length=40)
    postcode: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    neighbourhood: str | None = Field(default=None, description="an LSOA code, e.g. E01024445")
    location_text: str | None = Field(default=None, max_length=300)
    answers: dict[str, str] | None = Field(
        default=None,
        description="the handler's answers to the risk questions (GET /api/triage/questions), "
        'e.g. {"danger": "no", "when": "earlier"}; unanswered ones are read from the description',
    )
    thrive: Thrive | None = Field(
        default=None,
        description="the handler's THRIVE assessment; made from the answers when left out",
    )
    grade: int | None = Field(default=None, ge=1, le=4, description="overrides the recommendation")
    override_reason: str | None = Field(default=None, max_length=2000)
    link_to: int | None = Field(
        default=None, description="add this contact to an existing incident (a duplicate)"
    )

    @model_validator(mode="after")
    def _location_and_override(self) -> ContactCreate:
        if self.link_to is None:
            given = [
                name
                for name, value in (
                    ("postcode", self.postcode),
                    (
                        "latitude and longitude",
                        self.latitude if self.longitude is not None else None,
                    ),
                    ("neighbourhood", self.neighbourhood),
                )
                if value is not None
            ]
            if (self.latitude is None) != (self.longitude is None):
                raise ValueError("give both latitude and longitude, or neither")
            if not given:
                raise ValueError(
                    "give the location: a postcode, latitude and longitude, or a neighbourhood"
                )
            if len(given) > 1:
                raise ValueError(f"give one location, not {' and '.join(given)}")
        if self.grade is not None and not (self.override_reason or "").strip():
            raise ValueError("a grade that overrides THRIVE needs an override_reason")
        return self


class Reassessment(_In):
    """A new assessment when the situation changes: answers, a THRIVE assessment, or both."""

    answers: dict[str, str] | None = Field(
        default=None, description="the handler's answers to the risk questions"
    )
    thrive: Thrive | None = None
    description: str | None = Field(
        default=None, max_length=5000, description="what has changed, in the caller's words"
    )
    grade: int | None = Field(default=None, ge=1, le=4)
    override_reason: str | None = None
    version: int | None = Field(default=None, description="refuse if the incident changed since")

    @model_validator(mode="after")
    def _override(self) -> Reassessment:
        if self.grade is not None and not (self.override_reason or "").strip():
            raise ValueError("a grade that overrides THRIVE needs an override_reason")
        return self


class StateChange(_In):
    """Move an incident to another state (closing needs a category and result)."""

    state: IncidentState
    closing_category: str | None = Field(default=None, max_length=60)
    result: str | None = Field(default=None, max_length=5000)
    crime_reference: str | None = Field(default=None, max_length=80)
    version: int | None = None


class DispatchRequest(_In):
    """Send a unit."""

    unit_id: int


class UnitStatusUpdate(_In):
    """A unit's new status and, optionally, where it is."""

    status: UnitStatus
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both(self) -> UnitStatusUpdate:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class AssessmentRead(BaseModel):
    """An assessment as kept."""

    at: dt.datetime
    by: str
    thrive: Thrive
    derived: bool
    recommended_grade: int
    grade: int
    reasons: list[str]
    override_reason: str | None
    answers: dict[str, str] = Field(default_factory=dict, description="the handler's answers")
    rules_version: str | None = Field(default=None, description="the triage rules' version")


class LogRead(BaseModel):
    """An entry of the incident's log."""

    at: dt.datetime
    actor: str
    action: str
    before: dict[str, object] | None
    after: dict[str, object] | None


class DeploymentRead(BaseModel):
    """A unit sent to the incident."""

    unit_id: int
    call_sign: str
    assigned_at: dt.datetime
    assigned_by: str
    en_route_at: dt.datetime | None
    at_scene_at: dt.datetime | None
    cleared_at: dt.datetime | None
    eta_minutes: float | None
    distance_km: float | None


class DuplicateRead(BaseModel):
    """An open incident that may be the same event."""

    id: int
    reference: str
    category: str
    distance_m: float
    minutes_apart: float


class CallerRead(BaseModel):
    """The caller: shown only to roles that need it."""

    name: str | None
    phone: str | None


class ContactRead(BaseModel):
    """A contact on the incident."""

    channel: str
    call_started_at: dt.datetime
    answered_at: dt.datetime | None
    description: str
    caller: CallerRead | None


class IncidentRead(BaseModel):
    """An incident."""

    id: int
    reference: str
    district: str
    neighbourhood: str | None
    urban: bool
    latitude: float
    longitude: float
    location_text: str | None
    category: str
    description: str
    grade: int
    grade_label: str
    reasons: list[str]
    state: str
    opened_at: dt.datetime
    first_arrival_at: dt.datetime | None
    closed_at: dt.datetime | None
    closing_category: str | None
    result: str | None
    crime_reference: str | None
    linked_to: int | None
    attendance_standard_minutes: float | None
    attended_within_standard: bool | None
    version: int
    possible_duplicates: list[DuplicateRead] = []
    contacts: list[ContactRead] = []
    assessments: list[AssessmentRead] = []
    deployments: list[DeploymentRead] = []
    log: list[LogRead] = []


class UnitRead(BaseModel):
    """A unit with its status now."""

    id: int
    call_sign: str
    kind: str
    team: str
    district: str | None
    shift: str | None
    status: UnitStatus
    on_rota: bool
    incident_id: int | None
    latitude: float | None
    longitude: float | None
    updated_at: dt.datetime | None


class RecommendationRead(BaseModel):
    """A unit recommended for an incident."""

    unit_id: int
    call_sign: str
    kind: str
    district: str
    distance_km: float | None
    """None when where the unit is is not known (``position`` says so)."""
    eta_minutes: float | None
    own_district: bool
    reason: str
    position: str
    """``reported``, ``home neighbourhood`` (assumed) or ``unknown``."""


class CategoryRead(BaseModel):
    """An opening category."""

    code: str
    label: str
    group: str
    attend: bool


class TriageRequest(_In):
    """A call as far as the handler has got: what the caller said and the answers so far."""

    channel: Channel
    description: str = Field(default="", max_length=5000)
    category: str | None = Field(default=None, description="left out: suggested from the words")
    answers: dict[str, str] = Field(default_factory=dict)


class QuestionRead(BaseModel):
    """A risk question, with its keyboard shortcut and answers (most serious first)."""

    key: str
    ask: str
    shortcut: str
    choices: dict[str, str]
    help: str


class TriageRead(BaseModel):
    """The recommendation for a call so far: written nowhere."""

    grade: int
    grade_label: str
    reasons: list[str]
    category: str
    category_label: str
    category_suggested: bool
    factors: dict[str, Factor]
    lowering: list[Lowering]
    thrive: Thrive
    rules_version: str
