"""Tables of the control room: contacts, incidents, assessments, logs, deployments, unit states."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from constable.store.base import Base, PrimaryKey, UTCDateTime

GRID_CELL_METRES = 250
"""Side of the squares of British National Grid that incidents are filed under, to find those
near a place quickly (:func:`grid_cell`). Stored in every incident: a change needs a migration
that files them again (as 0011 did)."""


def grid_cell(easting: float, northing: float) -> int:
    """The number of the square that holds a point (eastings and northings are positive)."""
    return int(easting // GRID_CELL_METRES) * 10_000 + int(northing // GRID_CELL_METRES)


def grid_cells(west: float, south: float, east: float, north: float) -> list[int]:
    """The numbers of the squares that a rectangle (metres) touches."""
    size = GRID_CELL_METRES
    columns = range(int(max(west, 0) // size), int(east // size) + 1)
    rows = range(int(max(south, 0) // size), int(north // size) + 1)
    return [grid_cell(column * size, row * size) for column in columns for row in rows]


def _cell_of_insert(context: DefaultExecutionContext) -> int:
    values: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return grid_cell(values["easting"], values["northing"])


class Incident(Base):
    """Something the force must deal with, from the first contact to closing."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_state_district", "state", "district_id"),
        Index("ix_incident_opened_at", "opened_at"),
        # The search for possible duplicates of every new contact: the same category in the
        # cells around it, in the last half hour. Without it SQLite read every incident of the
        # force each time; by time alone, every incident of a busy half hour.
        Index("ix_incident_duplicates", "force_id", "category", "grid_cell", "opened_at"),
    )

    id: Mapped[PrimaryKey]
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL")
    )
    easting: Mapped[float] = mapped_column(Float)
    northing: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    urban: Mapped[bool] = mapped_column(Boolean)
    location_text: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    grade: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    graded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_arrival_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closing_category: Mapped[str | None] = mapped_column(String(60))
    result: Mapped[str | None] = mapped_column(Text)
    crime_reference: Mapped[str | None] = mapped_column(String(80))
    linked_to_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    # Bumped on every change: a stale update is refused rather than lost.
    version: Mapped[int] = mapped_column(Integer, default=1)
    grid_cell: Mapped[int | None] = mapped_column(Integer, default=_cell_of_insert)

    contacts: Mapped[list[Contact]] = relationship(back_populates="incident", order_by="Contact.id")
    assessments: Mapped[list[Assessment]] = relationship(order_by="Assessment.id")
    deployments: Mapped[list[Deployment]] = relationship(order_by="Deployment.id")
    log: Mapped[list[IncidentLog]] = relationship(order_by="IncidentLog.id")


class Contact(Base):
    """A call, online report or visit; the caller's details are private."""

    __tablename__ = "contact"

    id: Mapped[PrimaryKey]
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    call_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    caller_name: Mapped[str | None] = mapped_column(String(200))
    caller_phone: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    recorded_by: Mapped[str] = mapped_column(String(100))

    incident: Mapped[Incident] = relationship(back_populates="contacts")


class Assessment(Base):
    """A THRIVE assessment of an incident; every one is kept, the latest rules."""

    __tablename__ = "assessment"

    id: Mapped[PrimaryKey]
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(100))
    thrive: Mapped[dict[str, Any]] = mapped_column(JSON)
    derived: Mapped[bool] = mapped_column(Boolean)
    recommended_grade: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    grade: Mapped[int] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(Text)
    # The handler's own answers to the risk questions, and the triage rules' version (0012).
    answers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    rules_version: Mapped[str | None] = mapped_column(String(40))


class IncidentLog(Base):
    """One change to an incident: who, when, what, before and after."""

    __tablename__ = "incident_log"

    id: Mapped[PrimaryKey]
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Deployment(Base):
    """A unit sent to an incident, with the times it was sent, set off, arrived and cleared."""

    __tablename__ = "deployment"

    id: Mapped[PrimaryKey]
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str] = mapped_column(String(100))
    en_route_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    at_scene_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    eta_minutes: Mapped[float | None] = mapped_column(Float)
    distance_km: Mapped[float | None] = mapped_column(Float)


class UnitState(Base):
    """A unit's status and last known position (one row per unit, made on first use)."""

    __tablename__ = "unit_state"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
