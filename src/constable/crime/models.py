"""Tables of crime records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from constable.store.base import Base, PrimaryKey, UTCDateTime


class Located:
    """A point as published (WGS84 degrees) and on the British National Grid (metres)."""

    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)


class Crime(Located, Base):
    """A recorded crime or anti-social-behaviour report, as police.uk publishes it or as recorded.

    ``record_key`` makes re-imports idempotent: the police.uk Crime ID when there is one, else a
    digest of the row's fields with its occurrence number in the file (identical rows are distinct).
    A record made in Constable has its ``reference`` as its key, and the fields of the force's own
    records (district, incident, victim, who recorded it) that published rows leave empty.
    """

    __tablename__ = "crime"
    __table_args__ = (
        Index("ix_crime_force_month", "force", "month"),
        Index("ix_crime_lsoa_month", "lsoa_code", "month"),
        # Repeat victims are found on save by these keys within a window of time.
        # The force too, so that these beat (force, occurred_at) for a victim's records.
        Index("ix_crime_victim_person", "victim_person_key", "force", "occurred_at"),
        Index("ix_crime_victim_address", "victim_address_key", "force", "occurred_at"),
        Index("ix_crime_district_occurred", "district_id", "occurred_at"),
        # A plan's measures count the force's records by moment (migration 0010).
        Index("ix_crime_force_recorded", "force", "recorded_at"),
        Index("ix_crime_force_occurred", "force", "occurred_at"),
    )

    id: Mapped[PrimaryKey]
    record_key: Mapped[str] = mapped_column(String(80), unique=True)
    police_uk_id: Mapped[str | None] = mapped_column(String(80), index=True)
    force: Mapped[str] = mapped_column(String(80))
    reported_by: Mapped[str | None] = mapped_column(String(120))
    falls_within: Mapped[str | None] = mapped_column(String(120))
    month: Mapped[dt.date] = mapped_column(Date)
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    category: Mapped[str] = mapped_column(String(80), index=True)
    offence_code: Mapped[str | None] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(200))
    lsoa_code: Mapped[str | None] = mapped_column(String(20))
    lsoa_name: Mapped[str | None] = mapped_column(String(120))
    last_outcome: Mapped[str | None] = mapped_column(String(120))
    last_outcome_month: Mapped[dt.date | None] = mapped_column(Date)
    context: Mapped[str | None] = mapped_column(Text)
    imported_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("imported_file.id", ondelete="SET NULL"), index=True
    )

    # The force's own records.
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL")
    )
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    # The victim is private: shown only to roles that need it, never published.
    victim_name: Mapped[str | None] = mapped_column(String(200))
    victim_date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    victim_address: Mapped[str | None] = mapped_column(String(300))
    victim_postcode: Mapped[str | None] = mapped_column(String(10))
    victim_person_key: Mapped[str | None] = mapped_column(String(250))
    victim_address_key: Mapped[str | None] = mapped_column(String(120))
    repeat_victim: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Anti-social behaviour: the person the report is about (links it to a case).
    subject_name: Mapped[str | None] = mapped_column(String(200))
    subject_key: Mapped[str | None] = mapped_column(String(200), index=True)


class CrimeOutcome(Base):
    """A Home Office outcome given to one of the force's own crimes (every one kept)."""

    __tablename__ = "crime_outcome"

    id: Mapped[PrimaryKey]
    crime_id: Mapped[int] = mapped_column(ForeignKey("crime.id", ondelete="CASCADE"), index=True)
    outcome_type: Mapped[str] = mapped_column(String(4))
    outcome_on: Mapped[dt.date] = mapped_column(Date, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class RepeatVictim(Base):
    """A record whose victim (person or address) had another crime or ASB report in the window:
    an entry on the district Community Safety Unit's worklist until someone reviews it."""

    __tablename__ = "repeat_victim"
    __table_args__ = (Index("ix_repeat_victim_district_open", "district_id", "reviewed_at"),)

    id: Mapped[PrimaryKey]
    crime_id: Mapped[int] = mapped_column(ForeignKey("crime.id", ondelete="CASCADE"), unique=True)
    previous_id: Mapped[int] = mapped_column(ForeignKey("crime.id", ondelete="CASCADE"))
    earlier: Mapped[int] = mapped_column(Integer)
    matched_on: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    flagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    review_note: Mapped[str | None] = mapped_column(Text)


class Outcome(Base):
    """One outcome of a crime (the history behind ``Crime.last_outcome``)."""

    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("police_uk_id", "month", "outcome_type"),)

    id: Mapped[PrimaryKey]
    # Linked by the police.uk Crime ID: an outcome may arrive before (or without) its crime.
    police_uk_id: Mapped[str] = mapped_column(String(80), index=True)
    force: Mapped[str] = mapped_column(String(80))
    month: Mapped[dt.date] = mapped_column(Date)
    outcome_type: Mapped[str] = mapped_column(String(120))
    imported_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("imported_file.id", ondelete="SET NULL"), index=True
    )


class StopSearch(Located, Base):
    """A stop and search, as police.uk publishes it."""

    __tablename__ = "stop_search"
    __table_args__ = (Index("ix_stop_search_force_searched_at", "force", "searched_at"),)

    id: Mapped[PrimaryKey]
    record_key: Mapped[str] = mapped_column(String(80), unique=True)
    force: Mapped[str] = mapped_column(String(80))
    search_type: Mapped[str] = mapped_column(String(80))
    searched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    part_of_operation: Mapped[bool | None]
    operation_name: Mapped[str | None] = mapped_column(String(200))
    gender: Mapped[str | None] = mapped_column(String(40))
    age_range: Mapped[str | None] = mapped_column(String(40))
    self_defined_ethnicity: Mapped[str | None] = mapped_column(String(200))
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(40))
    legislation: Mapped[str | None] = mapped_column(String(200))
    object_of_search: Mapped[str | None] = mapped_column(String(120))
    outcome: Mapped[str | None] = mapped_column(String(120))
    outcome_linked_to_object: Mapped[bool | None]
    removal_of_outer_clothing: Mapped[bool | None]
    imported_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("imported_file.id", ondelete="SET NULL"), index=True
    )


class RecordedCrime(Base):
    """Home Office police recorded crime: offences by force, financial year, quarter and code."""

    __tablename__ = "recorded_crime"
    __table_args__ = (
        UniqueConstraint("force", "financial_year", "quarter", "offence_code"),
        Index("ix_recorded_crime_force_year", "force", "financial_year"),
    )

    id: Mapped[PrimaryKey]
    force: Mapped[str] = mapped_column(String(80))
    financial_year: Mapped[str] = mapped_column(String(7))
    quarter: Mapped[int] = mapped_column(Integer)
    offence_code: Mapped[str] = mapped_column(String(20))
    offence_description: Mapped[str] = mapped_column(String(200))
    offence_group: Mapped[str] = mapped_column(String(120))
    offence_subgroup: Mapped[str] = mapped_column(String(120))
    police_uk_category: Mapped[str | None] = mapped_column(String(80))
    offences: Mapped[int] = mapped_column(Integer)
    imported_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("imported_file.id", ondelete="SET NULL"), index=True
    )
