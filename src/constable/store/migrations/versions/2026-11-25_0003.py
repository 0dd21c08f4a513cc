"""Create the community record tables: s.136 detentions, Speedwatch, volunteers and schools.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:11:34.177376
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "speedwatch_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("registration", sa.String(length=10), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("spoke_to_driver", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_speedwatch_visit_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["force.id"],
            name=op.f("fk_speedwatch_visit_force_id_force"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speedwatch_visit")),
    )
    with op.batch_alter_table("speedwatch_visit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speedwatch_visit_force_id"), ["force_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_speedwatch_visit_registration"), ["registration"], unique=False
        )

    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("independent_since", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_volunteer_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["force.id"], name=op.f("fk_volunteer_force_id_force"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer")),
    )
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.create_index("ix_volunteer_district_role", ["district_id", "role"], unique=False)
        batch_op.create_index(batch_op.f("ix_volunteer_force_id"), ["force_id"], unique=False)

    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("urn", sa.String(length=10), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_school_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["force.id"], name=op.f("fk_school_force_id_force"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["volunteer.id"],
            name=op.f("fk_school_officer_id_volunteer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("force_id", "urn", name=op.f("uq_school_force_id_urn")),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_school_force_id"), ["force_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_school_officer_id"), ["officer_id"], unique=False)

    op.create_table(
        "volunteer_duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("duty_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("duty_type", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_duty_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_duty")),
    )
    with op.batch_alter_table("volunteer_duty", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_duty_duty_on"), ["duty_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_volunteer_duty_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "school_engagement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["volunteer.id"],
            name=op.f("fk_school_engagement_officer_id_volunteer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_school_engagement_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_engagement")),
    )
    with op.batch_alter_table("school_engagement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_engagement_held_on"), ["held_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_school_engagement_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "speedwatch_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=True),
        sa.Column("road", sa.String(length=200), nullable=False),
        sa.Column("speed_limit_mph", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("easting", sa.Float(), nullable=False),
        sa.Column("northing", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("location_text", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_speedwatch_site_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["force.id"],
            name=op.f("fk_speedwatch_site_force_id_force"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_speedwatch_site_neighbourhood_id_neighbourhood"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speedwatch_site")),
    )
    with op.batch_alter_table("speedwatch_site", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speedwatch_site_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_speedwatch_site_force_id"), ["force_id"], unique=False)

    op.create_table(
        "s136_detention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=True),
        sa.Column("detained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place_of_safety", sa.String(length=40), nullable=False),
        sa.Column("place_of_safety_detail", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("easting", sa.Float(), nullable=False),
        sa.Column("northing", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("location_text", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_s136_detention_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["force.id"],
            name=op.f("fk_s136_detention_force_id_force"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_s136_detention_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_s136_detention_neighbourhood_id_neighbourhood"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_s136_detention")),
    )
    with op.batch_alter_table("s136_detention", schema=None) as batch_op:
        batch_op.create_index("ix_s136_detention_detained_at", ["detained_at"], unique=False)
        batch_op.create_index(
            "ix_s136_detention_district_detained", ["district_id", "detained_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_s136_detention_force_id"), ["force_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_s136_detention_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "speedwatch_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("vehicles_checked", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["speedwatch_site.id"],
            name=op.f("fk_speedwatch_session_site_id_speedwatch_site"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speedwatch_session")),
    )
    with op.batch_alter_table("speedwatch_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speedwatch_session_held_on"), ["held_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_speedwatch_session_site_id"), ["site_id"], unique=False
        )

    op.create_table(
        "speedwatch_detection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("registration", sa.String(length=10), nullable=False),
        sa.Column("speed_mph", sa.Integer(), nullable=True),
        sa.Column("letter_sent", sa.Boolean(), nullable=False),
        sa.Column("untaxed", sa.Boolean(), nullable=False),
        sa.Column("no_mot", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["speedwatch_session.id"],
            name=op.f("fk_speedwatch_detection_session_id_speedwatch_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speedwatch_detection")),
        sa.UniqueConstraint(
            "session_id",
            "registration",
            name=op.f("uq_speedwatch_detection_session_id_registration"),
        ),
    )
    with op.batch_alter_table("speedwatch_detection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speedwatch_detection_registration"), ["registration"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("speedwatch_detection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speedwatch_detection_registration"))

    op.drop_table("speedwatch_detection")
    with op.batch_alter_table("speedwatch_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speedwatch_session_site_id"))
        batch_op.drop_index(batch_op.f("ix_speedwatch_session_held_on"))

    op.drop_table("speedwatch_session")
    with op.batch_alter_table("s136_detention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_s136_detention_incident_id"))
        batch_op.drop_index(batch_op.f("ix_s136_detention_force_id"))
        batch_op.drop_index("ix_s136_detention_district_detained")
        batch_op.drop_index("ix_s136_detention_detained_at")

    op.drop_table("s136_detention")
    with op.batch_alter_table("speedwatch_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speedwatch_site_force_id"))
        batch_op.drop_index(batch_op.f("ix_speedwatch_site_district_id"))

    op.drop_table("speedwatch_site")
    with op.batch_alter_table("school_engagement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_engagement_school_id"))
        batch_op.drop_index(batch_op.f("ix_school_engagement_held_on"))

    op.drop_table("school_engagement")
    with op.batch_alter_table("volunteer_duty", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_duty_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_volunteer_duty_duty_on"))

    op.drop_table("volunteer_duty")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_officer_id"))
        batch_op.drop_index(batch_op.f("ix_school_force_id"))
        batch_op.drop_index(batch_op.f("ix_school_district_id"))

    op.drop_table("school")
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_force_id"))
        batch_op.drop_index("ix_volunteer_district_role")

    op.drop_table("volunteer")
    with op.batch_alter_table("speedwatch_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speedwatch_visit_registration"))
        batch_op.drop_index(batch_op.f("ix_speedwatch_visit_force_id"))

    op.drop_table("speedwatch_visit")
