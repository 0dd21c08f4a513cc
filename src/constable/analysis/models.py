"""Tables of the analysis area: patrol plans, their boxes, and the visits recorded against them.

A plan's boxes are kept as planned (cell, forecast rank and score, unit and route order) and, in
the randomised design, with their arm: the plan's ``seed`` and the boxes' arms are the log of
the day's draw, which :func:`constable.analysis.patrol.randomise` reproduces from the seed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from constable.store.base import Base, PrimaryKey, UTCDateTime


class PatrolPlan(Base):
    """The boxes a district's units are asked to patrol in one shift, from a forecast."""

    __tablename__ = "patrol_plan"
    __table_args__ = (
        UniqueConstraint("district_id", "shift_date", "shift", name="uq_patrol_plan_shift"),
        Index("ix_patrol_plan_force_date", "force_id", "shift_date"),
    )

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"))
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    shift_date: Mapped[dt.date] = mapped_column(Date)
    shift: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(20))
    cell_size: Mapped[float] = mapped_column(Float)
    crs: Mapped[str] = mapped_column(String(200))
    history_from: Mapped[dt.date] = mapped_column(Date)
    history_to: Mapped[dt.date] = mapped_column(Date)
    history_events: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    priorities: Mapped[dict[str, float] | None] = mapped_column(JSON)
    design: Mapped[str] = mapped_column(String(20))
    seed: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))

    boxes: Mapped[list[PatrolBox]] = relationship(
        back_populates="plan",
        order_by="PatrolBox.rank",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class PatrolBox(Base):
    """One box of a plan: a forecast cell, its arm, and the unit and place in its route."""

    __tablename__ = "patrol_box"
    __table_args__ = (UniqueConstraint("plan_id", "cell", name="uq_patrol_box_cell"),)

    id: Mapped[PrimaryKey]
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_plan.id", ondelete="CASCADE"), index=True
    )
    cell: Mapped[str] = mapped_column(String(40))
    x0: Mapped[float] = mapped_column(Float)
    y0: Mapped[float] = mapped_column(Float)
    size: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    arm: Mapped[str] = mapped_column(String(12))
    area: Mapped[str | None] = mapped_column(String(20))
    weight: Mapped[float] = mapped_column(Float)
    unit: Mapped[int | None] = mapped_column(Integer)
    visit_order: Mapped[int | None] = mapped_column(Integer)
    arrive_minute: Mapped[float | None] = mapped_column(Float)

    plan: Mapped[PatrolPlan] = relationship(back_populates="boxes")
    visits: Mapped[list[PatrolVisit]] = relationship(
        back_populates="box",
        order_by="PatrolVisit.arrived_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class PatrolVisit(Base):
    """A unit's visit to a box: when it arrived and how many minutes it stayed."""

    __tablename__ = "patrol_visit"

    id: Mapped[PrimaryKey]
    box_id: Mapped[int] = mapped_column(ForeignKey("patrol_box.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_plan.id", ondelete="CASCADE"), index=True
    )
    unit: Mapped[str] = mapped_column(String(40))
    arrived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))

    box: Mapped[PatrolBox] = relationship(back_populates="visits")
