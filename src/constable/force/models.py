"""Tables of the organisation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from constable.store.base import Base, PrimaryKey


class Force(Base):
    """A territorial police force, described by a configuration file."""

    __tablename__ = "force"

    id: Mapped[PrimaryKey]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Loaded only when asked for: every request loads its force, and a process parses the
    # configuration once per build (``constable.control.service.force_config``).
    config: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # New at every build. A force is never changed, only built again, so what a process
    # remembers of a force (its parsed configuration, its locator, its places' ids) is kept
    # under this key and is never stale.
    build_key: Mapped[str | None] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)

    districts: Mapped[list[District]] = relationship(
        back_populates="force", order_by="District.name", cascade="all, delete-orphan"
    )
    teams: Mapped[list[Team]] = relationship(
        back_populates="force", cascade="all, delete-orphan", order_by="Team.id"
    )


class Geography:
    """Centre and outline in WGS84 and British National Grid (metres)."""

    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)
    # GeoJSON geometries: one in WGS84 degrees, one in EPSG:27700 metres.
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    boundary_bng: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)


class District(Geography, Base):
    """A district (a local authority area) under its District Commander."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("force_id", "code"), UniqueConstraint("force_id", "slug"))

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    population: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    hectares: Mapped[float] = mapped_column(Float)

    force: Mapped[Force] = relationship(back_populates="districts")
    neighbourhoods: Mapped[list[Neighbourhood]] = relationship(
        back_populates="district", order_by="Neighbourhood.code", cascade="all, delete-orphan"
    )
    teams: Mapped[list[Team]] = relationship(back_populates="district", order_by="Team.id")


class Neighbourhood(Geography, Base):
    """A neighbourhood: one census LSOA, with its residents and its named PCSO."""

    __tablename__ = "neighbourhood"

    id: Mapped[PrimaryKey]
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    msoa_code: Mapped[str | None] = mapped_column(String(20))
    population: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    hectares: Mapped[float] = mapped_column(Float)
    urban: Mapped[bool] = mapped_column(Boolean)
    pcso_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )

    district: Mapped[District] = relationship(back_populates="neighbourhoods")
    pcso: Mapped[Person | None] = relationship(foreign_keys=[pcso_id])

    @property
    def density(self) -> float:
        """Residents per hectare."""
        return self.population / self.hectares if self.hectares else 0.0


class Team(Base):
    """A team of a district (or of the force, when ``district_id`` is empty)."""

    __tablename__ = "team"

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    shift_pattern: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))

    force: Mapped[Force] = relationship(back_populates="teams")
    district: Mapped[District | None] = relationship(back_populates="teams")
    people: Mapped[list[Person]] = relationship(
        back_populates="team", order_by="Person.id", foreign_keys="Person.team_id"
    )
    units: Mapped[list[Unit]] = relationship(back_populates="team", order_by="Unit.id")


class Person(Base):
    """A post holder: a role in a team, with a line manager (the chain of command)."""

    __tablename__ = "person"

    id: Mapped[PrimaryKey]
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(80))
    shift: Mapped[str | None] = mapped_column(String(20))
    line_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )

    team: Mapped[Team] = relationship(back_populates="people", foreign_keys=[team_id])
    line_manager: Mapped[Person | None] = relationship(remote_side="Person.id")


class Unit(Base):
    """A deployable resource of a team (patrol car, foot patrol, PCSO, special)."""

    __tablename__ = "unit"

    id: Mapped[PrimaryKey]
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    call_sign: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    shift: Mapped[str | None] = mapped_column(String(20))
    home_neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL")
    )

    team: Mapped[Team] = relationship(back_populates="units")
