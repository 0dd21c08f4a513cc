"""Community alerts (subscribers, alerts, deliveries, intelligence from replies) and victim care
(needs assessments, updates, referrals) (issue 8).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_signing_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_signing_key")),
    )
    op.create_table(
        "alert_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriber")),
        sa.UniqueConstraint("email", name=op.f("uq_alert_subscriber_email")),
    )
    op.create_table(
        "alert_subscriber_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["alert_subscriber.id"],
            name=op.f("fk_alert_subscriber_topic_subscriber_id_alert_subscriber"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriber_topic")),
        sa.UniqueConstraint(
            "subscriber_id", "topic", name=op.f("uq_alert_subscriber_topic_subscriber_id_topic")
        ),
    )
    op.create_index(
        op.f("ix_alert_subscriber_topic_topic"), "alert_subscriber_topic", ["topic"], unique=False
    )
    op.create_table(
        "alert_subscriber_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_alert_subscriber_area_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_alert_subscriber_area_neighbourhood_id_neighbourhood"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["alert_subscriber.id"],
            name=op.f("fk_alert_subscriber_area_subscriber_id_alert_subscriber"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriber_area")),
    )
    op.create_index(
        "ix_alert_subscriber_area_district", "alert_subscriber_area", ["district_id"], unique=False
    )
    op.create_index(
        "ix_alert_subscriber_area_neighbourhood",
        "alert_subscriber_area",
        ["neighbourhood_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_alert_subscriber_area_subscriber_id"),
        "alert_subscriber_area",
        ["subscriber_id"],
        unique=False,
    )
    op.create_table(
        "community_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("origin_kind", sa.String(length=20), nullable=True),
        sa.Column("origin_ref", sa.String(length=200), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("send_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=100), nullable=True),
        sa.Column("send_lock", sa.String(length=40), nullable=True),
        sa.Column("lock_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_community_alert_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["force.id"],
            name=op.f("fk_community_alert_force_id_force"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_community_alert_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_alert")),
        sa.UniqueConstraint("reference", name=op.f("uq_community_alert_reference")),
    )
    op.create_index(
        "ix_community_alert_district_created",
        "community_alert",
        ["district_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_community_alert_force_id"), "community_alert", ["force_id"], unique=False
    )
    op.create_index(
        op.f("ix_community_alert_incident_id"), "community_alert", ["incident_id"], unique=False
    )
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["community_alert.id"],
            name=op.f("fk_alert_delivery_alert_id_community_alert"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["alert_subscriber.id"],
            name=op.f("fk_alert_delivery_subscriber_id_alert_subscriber"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_delivery")),
        sa.UniqueConstraint(
            "alert_id", "subscriber_id", name=op.f("uq_alert_delivery_alert_id_subscriber_id")
        ),
    )
    op.create_index(
        "ix_alert_delivery_alert_state", "alert_delivery", ["alert_id", "state"], unique=False
    )
    op.create_index(
        op.f("ix_alert_delivery_subscriber_id"), "alert_delivery", ["subscriber_id"], unique=False
    )
    op.create_table(
        "community_alert_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["community_alert.id"],
            name=op.f("fk_community_alert_area_alert_id_community_alert"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_community_alert_area_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_community_alert_area_neighbourhood_id_neighbourhood"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_alert_area")),
    )
    op.create_index(
        op.f("ix_community_alert_area_alert_id"), "community_alert_area", ["alert_id"], unique=False
    )
    op.create_table(
        "intelligence_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["community_alert.id"],
            name=op.f("fk_intelligence_submission_alert_id_community_alert"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_intelligence_submission_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_submission")),
        sa.UniqueConstraint("message_id", name=op.f("uq_intelligence_submission_message_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_intelligence_submission_reference")),
    )
    op.create_index(
        op.f("ix_intelligence_submission_alert_id"),
        "intelligence_submission",
        ["alert_id"],
        unique=False,
    )
    op.create_index(
        "ix_intelligence_submission_district_state",
        "intelligence_submission",
        ["district_id", "reviewed_at"],
        unique=False,
    )
    op.create_table(
        "victim_care",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crime_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("officer", sa.String(length=100), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("enhanced_reasons", sa.JSON(), nullable=False),
        sa.Column("needs_note", sa.Text(), nullable=True),
        sa.Column("consent_to_referral", sa.Boolean(), nullable=False),
        sa.Column("preferred_contact", sa.String(length=20), nullable=False),
        sa.Column("contact_detail", sa.String(length=200), nullable=True),
        sa.Column("wants_updates", sa.Boolean(), nullable=False),
        sa.Column("update_every_days", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_by", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["crime_id"],
            ["crime.id"],
            name=op.f("fk_victim_care_crime_id_crime"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_victim_care_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_care")),
        sa.UniqueConstraint("crime_id", name=op.f("uq_victim_care_crime_id")),
    )
    op.create_index(
        op.f("ix_victim_care_district_id"), "victim_care", ["district_id"], unique=False
    )
    op.create_index(
        "ix_victim_care_officer_closed", "victim_care", ["officer", "closed_at"], unique=False
    )
    op.create_table(
        "victim_referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("care_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_id"],
            ["victim_care.id"],
            name=op.f("fk_victim_referral_care_id_victim_care"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_referral")),
        sa.UniqueConstraint("reference", name=op.f("uq_victim_referral_reference")),
    )
    op.create_index(
        op.f("ix_victim_referral_care_id"), "victim_referral", ["care_id"], unique=False
    )
    op.create_table(
        "victim_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("care_id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_id"],
            ["victim_care.id"],
            name=op.f("fk_victim_update_care_id_victim_care"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_update")),
    )
    op.create_index(op.f("ix_victim_update_care_id"), "victim_update", ["care_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_victim_update_care_id"), table_name="victim_update")
    op.drop_table("victim_update")
    op.drop_index(op.f("ix_victim_referral_care_id"), table_name="victim_referral")
    op.drop_table("victim_referral")
    op.drop_index("ix_victim_care_officer_closed", table_name="victim_care")
    op.drop_index(op.f("ix_victim_care_district_id"), table_name="victim_care")
    op.drop_table("victim_care")
    op.drop_index("ix_intelligence_submission_district_state", table_name="intelligence_submission")
    op.drop_index(op.f("ix_intelligence_submission_alert_id"), table_name="intelligence_submission")
    op.drop_table("intelligence_submission")
    op.drop_index(op.f("ix_community_alert_area_alert_id"), table_name="community_alert_area")
    op.drop_table("community_alert_area")
    op.drop_index(op.f("ix_alert_delivery_subscriber_id"), table_name="alert_delivery")
    op.drop_index("ix_alert_delivery_alert_state", table_name="alert_delivery")
    op.drop_table("alert_delivery")
    op.drop_index(op.f("ix_community_alert_incident_id"), table_name="community_alert")
    op.drop_index(op.f("ix_community_alert_force_id"), table_name="community_alert")
    op.drop_index("ix_community_alert_district_created", table_name="community_alert")
    op.drop_table("community_alert")
    op.drop_index(
        op.f("ix_alert_subscriber_area_subscriber_id"), table_name="alert_subscriber_area"
    )
    op.drop_index("ix_alert_subscriber_area_neighbourhood", table_name="alert_subscriber_area")
    op.drop_index("ix_alert_subscriber_area_district", table_name="alert_subscriber_area")
    op.drop_table("alert_subscriber_area")
    op.drop_index(op.f("ix_alert_subscriber_topic_topic"), table_name="alert_subscriber_topic")
    op.drop_table("alert_subscriber_topic")
    op.drop_table("alert_subscriber")
    op.drop_table("alert_signing_key")
