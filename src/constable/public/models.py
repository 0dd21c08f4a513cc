"""Tables of neighbourhood priorities: public meetings and consultations, the priorities agreed
at them, and what was done about each ("you said, we did")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from constable.store.base import Base, PrimaryKey, UTCDateTime


class PublicMeeting(Base):
    """A public meeting or online consultation held for a neighbourhood."""

    __tablename__ = "public_meeting"
    __table_args__ = (Index("ix_public_meeting_neighbourhood_held", "neighbourhood_id", "held_on"),)

    id: Mapped[PrimaryKey]
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[dt.date] = mapped_column(Date)
    # A venue ("St Mary's church hall") or the consultation's web address: public, never a home.
    place: Mapped[str | None] = mapped_column(String(200))
    attendance: Mapped[int] = mapped_column(Integer)
    issues_raised: Mapped[list[Any]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    priorities: Mapped[list[NeighbourhoodPriority]] = relationship(
        back_populates="meeting", order_by="NeighbourhoodPriority.id"
    )


class NeighbourhoodPriority(Base):
    """A priority agreed with residents: an owner, a date to review it, and a status."""

    __tablename__ = "neighbourhood_priority"
    __table_args__ = (
        Index("ix_neighbourhood_priority_district_status", "district_id", "status"),
        Index("ix_neighbourhood_priority_neighbourhood_status", "neighbourhood_id", "status"),
    )

    id: Mapped[PrimaryKey]
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("public_meeting.id", ondelete="CASCADE"), index=True
    )
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    # The post's name as it was when agreed: the report back stays readable if posts change.
    owner_name: Mapped[str] = mapped_column(String(200))
    agreed_on: Mapped[dt.date] = mapped_column(Date)
    review_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[PublicMeeting] = relationship(back_populates="priorities")
    actions: Mapped[list[PriorityAction]] = relationship(
        back_populates="priority", order_by="PriorityAction.done_on, PriorityAction.id"
    )


class PriorityAction(Base):
    """Something done about a priority, told back to residents ("we did")."""

    __tablename__ = "priority_action"

    id: Mapped[PrimaryKey]
    priority_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood_priority.id", ondelete="CASCADE"), index=True
    )
    done_on: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    priority: Mapped[NeighbourhoodPriority] = relationship(back_populates="actions")
