"""Tables of victim care: the needs assessment of a crime's victim, the updates they were given
and their referrals to support services.

Everything here is private (like the victim fields of ``crime``): shown only to roles that need
it, never published.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from constable.store.base import Base, PrimaryKey, UTCDateTime


class VictimCare(Base):
    """One crime's victim: their needs, consent to referral, how and how often they want news,
    and the officer who keeps them informed."""

    __tablename__ = "victim_care"
    __table_args__ = (Index("ix_victim_care_officer_closed", "officer", "closed_at"),)

    id: Mapped[PrimaryKey]
    crime_id: Mapped[int] = mapped_column(ForeignKey("crime.id", ondelete="CASCADE"), unique=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    officer: Mapped[str] = mapped_column(String(100))
    needs: Mapped[list[str]] = mapped_column(JSON)
    enhanced_reasons: Mapped[list[str]] = mapped_column(JSON)
    needs_note: Mapped[str | None] = mapped_column(Text)
    consent_to_referral: Mapped[bool] = mapped_column(Boolean)
    preferred_contact: Mapped[str] = mapped_column(String(20))
    contact_detail: Mapped[str | None] = mapped_column(String(200))
    wants_updates: Mapped[bool] = mapped_column(Boolean)
    update_every_days: Mapped[int] = mapped_column(Integer)
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    assessed_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(300))


class VictimUpdate(Base):
    """News given to the victim about their crime (each resets the clock of the next one)."""

    __tablename__ = "victim_update"

    id: Mapped[PrimaryKey]
    care_id: Mapped[int] = mapped_column(
        ForeignKey("victim_care.id", ondelete="CASCADE"), index=True
    )
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    made_by: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)


class VictimReferral(Base):
    """A referral sent to a support service, with where it went."""

    __tablename__ = "victim_referral"

    id: Mapped[PrimaryKey]
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    care_id: Mapped[int] = mapped_column(
        ForeignKey("victim_care.id", ondelete="CASCADE"), index=True
    )
    service: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(500))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_by: Mapped[str] = mapped_column(String(100))
