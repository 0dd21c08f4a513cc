"""Tables of the community records: s.136 detentions, Speedwatch, volunteers and schools."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from constable.store.base import Base, PrimaryKey, UTCDateTime


class Placed:
    """Where a record is: its district, neighbourhood and point (WGS84 and British grid)."""

    easting: Mapped[float] = mapped_column(Float)
    northing: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    location_text: Mapped[str | None] = mapped_column(String(300))


class S136Detention(Placed, Base):
    """A person detained under section 136 of the Mental Health Act 1983 and taken to a place
    of safety for assessment; the detention ends with an outcome."""

    __tablename__ = "s136_detention"
    __table_args__ = (
        Index("ix_s136_detention_district_detained", "district_id", "detained_at"),
        Index("ix_s136_detention_detained_at", "detained_at"),
    )

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL")
    )
    detained_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    place_of_safety: Mapped[str] = mapped_column(String(40))
    place_of_safety_detail: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SpeedwatchSite(Placed, Base):
    """A roadside place where Community Speedwatch volunteers check speeds."""

    __tablename__ = "speedwatch_site"

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL")
    )
    road: Mapped[str] = mapped_column(String(200))
    speed_limit_mph: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    sessions: Mapped[list[SpeedwatchSession]] = relationship(
        back_populates="site", order_by="SpeedwatchSession.held_on"
    )


class SpeedwatchSession(Base):
    """One session at a site: its date, volunteers, hours and the vehicles checked."""

    __tablename__ = "speedwatch_session"

    id: Mapped[PrimaryKey]
    site_id: Mapped[int] = mapped_column(
        ForeignKey("speedwatch_site.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    volunteers: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    vehicles_checked: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    site: Mapped[SpeedwatchSite] = relationship(back_populates="sessions")
    detections: Mapped[list[SpeedwatchDetection]] = relationship(
        back_populates="session", order_by="SpeedwatchDetection.id"
    )


class SpeedwatchDetection(Base):
    """A vehicle seen over the limit in a session (once a session), and what followed."""

    __tablename__ = "speedwatch_detection"
    __table_args__ = (UniqueConstraint("session_id", "registration"),)

    id: Mapped[PrimaryKey]
    session_id: Mapped[int] = mapped_column(ForeignKey("speedwatch_session.id", ondelete="CASCADE"))
    registration: Mapped[str] = mapped_column(String(10), index=True)
    speed_mph: Mapped[int | None] = mapped_column(Integer)
    letter_sent: Mapped[bool] = mapped_column(Boolean)
    untaxed: Mapped[bool] = mapped_column(Boolean)
    no_mot: Mapped[bool] = mapped_column(Boolean)

    session: Mapped[SpeedwatchSession] = relationship(back_populates="detections")


class SpeedwatchVisit(Base):
    """An officer's visit to the keeper of a vehicle flagged by Speedwatch."""

    __tablename__ = "speedwatch_visit"

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    registration: Mapped[str] = mapped_column(String(10), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    spoke_to_driver: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Volunteer(Base):
    """A Special Constable, police support or community police volunteer, or school officer."""

    __tablename__ = "volunteer"
    __table_args__ = (Index("ix_volunteer_district_role", "district_id", "role"),)

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    joined_on: Mapped[dt.date] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    # Special Constables only: the date they were passed for independent patrol.
    independent_since: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    duties: Mapped[list[VolunteerDuty]] = relationship(
        back_populates="volunteer", order_by="VolunteerDuty.duty_on"
    )


class VolunteerDuty(Base):
    """Hours given on one duty, on one day."""

    __tablename__ = "volunteer_duty"

    id: Mapped[PrimaryKey]
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    duty_on: Mapped[dt.date] = mapped_column(Date, index=True)
    hours: Mapped[float] = mapped_column(Float)
    duty_type: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    volunteer: Mapped[Volunteer] = relationship(back_populates="duties")


class School(Base):
    """A school of a district, with the school officer who looks after it."""

    __tablename__ = "school"
    __table_args__ = (UniqueConstraint("force_id", "urn"),)

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # The Department for Education's unique reference number, when known.
    urn: Mapped[str | None] = mapped_column(String(10))
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SchoolEngagement(Base):
    """A school officer's lesson, assembly or visit at a school, and how many attended."""

    __tablename__ = "school_engagement"

    id: Mapped[PrimaryKey]
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id", ondelete="SET NULL"))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    attendees: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AsbCase(Base):
    """An anti-social behaviour case against one person, worked up the staged approach by a
    district's Community Policing Team or Community Safety Unit."""

    __tablename__ = "asb_case"
    __table_args__ = (Index("ix_asb_case_district_status", "district_id", "status"),)

    id: Mapped[PrimaryKey]
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"))
    owner: Mapped[str] = mapped_column(String(100))
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_key: Mapped[str] = mapped_column(String(200), index=True)
    summary: Mapped[str] = mapped_column(Text)
    ladder: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closing_reason: Mapped[str | None] = mapped_column(Text)
    # Bumped on every change: a stale update is refused rather than lost.
    version: Mapped[int] = mapped_column(Integer, default=1)

    steps: Mapped[list[AsbCaseStep]] = relationship(order_by="AsbCaseStep.id")


class AsbCaseStep(Base):
    """A stage of the ladder reached by a case; skipping stages needs a recorded reason."""

    __tablename__ = "asb_case_step"

    id: Mapped[PrimaryKey]
    case_id: Mapped[int] = mapped_column(ForeignKey("asb_case.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    taken_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    skipped: Mapped[str | None] = mapped_column(String(300))
    skip_reason: Mapped[str | None] = mapped_column(Text)


class AsbCaseReport(Base):
    """An ASB report (a record of the ``crime`` table) linked to a case."""

    __tablename__ = "asb_case_report"
    __table_args__ = (UniqueConstraint("case_id", "crime_id"),)

    id: Mapped[PrimaryKey]
    case_id: Mapped[int] = mapped_column(ForeignKey("asb_case.id", ondelete="CASCADE"), index=True)
    crime_id: Mapped[int] = mapped_column(ForeignKey("crime.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    linked_by: Mapped[str] = mapped_column(String(100))
    automatic: Mapped[bool] = mapped_column(Boolean)


class AsbOrder(Base):
    """A dispersal order (an area, for a time) or a closure order (premises)."""

    __tablename__ = "asb_order"
    __table_args__ = (Index("ix_asb_order_district_starts", "district_id", "starts_at"),)

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("asb_case.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(300))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL")
    )
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    authorised_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class Alert(Base):
    """A message for one user (a case owner told of a new report about their subject)."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_recipient_read", "recipient", "read_at"),)

    id: Mapped[PrimaryKey]
    recipient: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("asb_case.id", ondelete="CASCADE"))
    crime_id: Mapped[int | None] = mapped_column(ForeignKey("crime.id", ondelete="CASCADE"))
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
