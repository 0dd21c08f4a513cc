"""API shapes of crime recording: crimes and ASB reports, outcomes, repeat victims."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VictimIn(_In):
    """The victim: a person, their address, or both (private: never published)."""

    name: str | None = Field(default=None, max_length=200)
    date_of_birth: dt.date | None = None
    address: str | None = Field(
        default=None, max_length=300, description="first line, e.g. '12 Rose Lane'"
    )
    postcode: str | None = Field(default=None, max_length=10)

    @model_validator(mode="after")
    def _something(self) -> VictimIn:
        if not any((self.name, self.address, self.postcode)):
            raise ValueError("give the victim's name, address or postcode")
        if self.date_of_birth is not None and self.date_of_birth > dt.date.today():
            raise ValueError("date_of_birth is in the future")
        return self


class CrimeCreate(_In):
    """A crime (with its Home Office offence code) or, with ``asb``, an ASB report."""

    offence_code: str | None = Field(
        default=None, description="a Home Office offence code, e.g. 28E (GET /api/offences)"
    )
    asb: bool = Field(default=False, description="an anti-social behaviour report, not a crime")
    description: str = Field(min_length=3, max_length=5000)
    occurred_at: AwareDatetime = Field(description="when it happened (with a time zone)")
    incident_id: int | None = Field(default=None, description="the incident it comes from")
    postcode: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    neighbourhood: str | None = Field(default=None, description="an LSOA code, e.g. E01024445")
    location_text: str | None = Field(default=None, max_length=200)
    victim: VictimIn | None = None
    subject_name: str | None = Field(
        default=None, max_length=200, description="ASB: the person the report is about"
    )

    @model_validator(mode="after")
    def _consistent(self) -> CrimeCreate:
        if self.asb and self.offence_code:
            raise ValueError("an ASB report has no offence_code: leave it out, or set asb false")
        if not self.asb and not (self.offence_code or "").strip():
            raise ValueError("give the offence_code of the crime, or set asb true")
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
        if len(given) > 1:
            raise ValueError(f"give one location, not {' and '.join(given)}")
        return self

    def has_location(self) -> bool:
        """Whether a location was given (else it comes from the incident)."""
        return any(v is not None for v in (self.postcode, self.latitude, self.neighbourhood))


class OutcomeCreate(_In):
    """A Home Office outcome for a crime."""

    outcome_type: str = Field(description="a Home Office outcome type: 1, 1A, 2, ... 22")
    outcome_on: dt.date
    note: str | None = Field(default=None, max_length=2000)


class OutcomeRead(BaseModel):
    """An outcome as the API shows it."""

    outcome_type: str
    label: str
    sanction_detection: bool
    brought_to_justice: bool
    outcome_on: dt.date
    recorded_by: str
    note: str | None


class VictimRead(BaseModel):
    """The victim, for the roles that may see it."""

    name: str | None
    date_of_birth: dt.date | None
    address: str | None
    postcode: str | None


class CrimeRead(BaseModel):
    """A crime or ASB report of the force."""

    id: int
    reference: str
    asb: bool
    offence_code: str | None
    offence: str | None
    offence_group: str | None
    offence_subgroup: str | None
    category: str
    description: str | None
    occurred_at: dt.datetime | None
    district: str | None
    neighbourhood: str | None
    location: str | None
    incident_id: int | None
    recorded_at: dt.datetime | None
    recorded_by: str | None
    repeat_victim: bool
    last_outcome: str | None
    sanction_detection: bool
    outcomes: list[OutcomeRead] = []
    victim: VictimRead | None = None
    subject_name: str | None = None
    asb_cases: list[str] = []


class RepeatVictimRead(BaseModel):
    """An entry of the repeat-victim worklist."""

    id: int
    district: str | None
    matched_on: str
    earlier_records: int
    crime: str
    crime_id: int
    category: str
    occurred_at: dt.datetime | None
    previous: str
    previous_category: str
    previous_occurred_at: dt.datetime | None
    victim: VictimRead | None
    flagged_at: dt.datetime
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    review_note: str | None


class Review(_In):
    """What was done for a repeat victim."""

    note: str = Field(min_length=3, max_length=2000)
