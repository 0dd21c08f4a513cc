"""Tables of community alerts: subscribers, alerts, deliveries, and the intelligence that replies
bring to a district's inbox.

A subscriber is an email address and nothing else: their choices of neighbourhoods, districts
and topics hang off it, and the row is deleted when they unsubscribe. Nothing is stored before
the address is confirmed (the confirmation link carries the choices, signed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from constable.store.base import Base, PrimaryKey, UTCDateTime


class AlertSubscriber(Base):
    """A confirmed email address that receives community alerts."""

    __tablename__ = "alert_subscriber"

    id: Mapped[PrimaryKey]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AlertSubscriberArea(Base):
    """A neighbourhood or a whole district a subscriber chose (one of the two is set)."""

    __tablename__ = "alert_subscriber_area"
    __table_args__ = (
        Index("ix_alert_subscriber_area_neighbourhood", "neighbourhood_id"),
        Index("ix_alert_subscriber_area_district", "district_id"),
    )

    id: Mapped[PrimaryKey]
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriber.id", ondelete="CASCADE"), index=True
    )
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE")
    )
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))


class AlertSubscriberTopic(Base):
    """A topic a subscriber chose (``appeal``, ``prevention``, ``result``)."""

    __tablename__ = "alert_subscriber_topic"
    __table_args__ = (UniqueConstraint("subscriber_id", "topic"),)

    id: Mapped[PrimaryKey]
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriber.id", ondelete="CASCADE")
    )
    topic: Mapped[str] = mapped_column(String(20), index=True)


class AlertSigningKey(Base):
    """The key that signs confirmation and unsubscribe links when the settings name none."""

    __tablename__ = "alert_signing_key"

    id: Mapped[PrimaryKey]
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CommunityAlert(Base):
    """A message to the subscribers of some neighbourhoods of one district, and its sending.

    ``origin_kind``/``origin_ref`` say what it was started from (an incident, a trend signal or
    a patrol result); ``incident_id`` links the incident when it was one. ``send_lock`` is held
    by the one process sending it (with ``lock_at`` as its heartbeat).
    """

    __tablename__ = "community_alert"
    __table_args__ = (Index("ix_community_alert_district_created", "district_id", "created_at"),)

    id: Mapped[PrimaryKey]
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    origin_kind: Mapped[str | None] = mapped_column(String(20))
    origin_ref: Mapped[str | None] = mapped_column(String(200))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[int | None] = mapped_column(Integer)
    send_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(100))
    send_lock: Mapped[str | None] = mapped_column(String(40))
    lock_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CommunityAlertArea(Base):
    """A neighbourhood an alert is for, or its whole district (``neighbourhood_id`` empty)."""

    __tablename__ = "community_alert_area"

    id: Mapped[PrimaryKey]
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("community_alert.id", ondelete="CASCADE"), index=True
    )
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE")
    )
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))


class AlertDelivery(Base):
    """One subscriber's copy of an alert and how far it got: ``pending``, ``sending`` (claimed
    by a batch), ``sent``, ``failed`` (refused by the server), ``skipped`` (unsubscribed before
    it went) or ``uncertain`` (the send stopped mid-batch; never sent again)."""

    __tablename__ = "alert_delivery"
    __table_args__ = (
        UniqueConstraint("alert_id", "subscriber_id"),
        Index("ix_alert_delivery_alert_state", "alert_id", "state"),
    )

    id: Mapped[PrimaryKey]
    alert_id: Mapped[int] = mapped_column(ForeignKey("community_alert.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscriber.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))


class IntelligenceSubmission(Base):
    """Information from the public for a district's inbox (a reply to an alert), to review."""

    __tablename__ = "intelligence_submission"
    __table_args__ = (
        Index("ix_intelligence_submission_district_state", "district_id", "reviewed_at"),
    )

    id: Mapped[PrimaryKey]
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_alert.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    sender: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    filed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    review_note: Mapped[str | None] = mapped_column(Text)
