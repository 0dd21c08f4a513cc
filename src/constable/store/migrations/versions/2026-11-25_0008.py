"""The public side: neighbourhood priorities, alert subscribers and alerts, victim care (issue 8).

This revision creates the neighbourhood priorities: public meetings and online consultations,
the priorities agreed at them, and what was done about each.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("attendance", sa.Integer(), nullable=False),
        sa.Column("issues_raised", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_public_meeting_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_public_meeting_neighbourhood_id_neighbourhood"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_meeting")),
    )
    with op.batch_alter_table("public_meeting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_meeting_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(
            "ix_public_meeting_neighbourhood_held", ["neighbourhood_id", "held_on"], unique=False
        )

    op.create_table(
        "neighbourhood_priority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_neighbourhood_priority_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["public_meeting.id"],
            name=op.f("fk_neighbourhood_priority_meeting_id_public_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_neighbourhood_priority_neighbourhood_id_neighbourhood"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["person.id"],
            name=op.f("fk_neighbourhood_priority_owner_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhood_priority")),
    )
    with op.batch_alter_table("neighbourhood_priority", schema=None) as batch_op:
        batch_op.create_index(
            "ix_neighbourhood_priority_district_status", ["district_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_neighbourhood_priority_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            "ix_neighbourhood_priority_neighbourhood_status",
            ["neighbourhood_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_neighbourhood_priority_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "priority_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["priority_id"],
            ["neighbourhood_priority.id"],
            name=op.f("fk_priority_action_priority_id_neighbourhood_priority"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_action")),
    )
    with op.batch_alter_table("priority_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_priority_action_priority_id"), ["priority_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("priority_action")
    op.drop_table("neighbourhood_priority")
    op.drop_table("public_meeting")
