"""Patrol plans, their boxes, visits and the randomised design's log (issue 5).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrol_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("shift_date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("cell_size", sa.Float(), nullable=False),
        sa.Column("crs", sa.String(length=200), nullable=False),
        sa.Column("history_from", sa.Date(), nullable=False),
        sa.Column("history_to", sa.Date(), nullable=False),
        sa.Column("history_events", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("priorities", sa.JSON(), nullable=True),
        sa.Column("design", sa.String(length=20), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_patrol_plan_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["force.id"],
            name=op.f("fk_patrol_plan_force_id_force"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plan")),
        sa.UniqueConstraint("district_id", "shift_date", "shift", name="uq_patrol_plan_shift"),
    )
    with op.batch_alter_table("patrol_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patrol_plan_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index("ix_patrol_plan_force_date", ["force_id", "shift_date"], unique=False)

    op.create_table(
        "patrol_box",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("cell", sa.String(length=40), nullable=False),
        sa.Column("x0", sa.Float(), nullable=False),
        sa.Column("y0", sa.Float(), nullable=False),
        sa.Column("size", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("arm", sa.String(length=12), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("unit", sa.Integer(), nullable=True),
        sa.Column("visit_order", sa.Integer(), nullable=True),
        sa.Column("arrive_minute", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["patrol_plan.id"],
            name=op.f("fk_patrol_box_plan_id_patrol_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_box")),
        sa.UniqueConstraint("plan_id", "cell", name="uq_patrol_box_cell"),
    )
    with op.batch_alter_table("patrol_box", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_box_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "patrol_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["patrol_box.id"],
            name=op.f("fk_patrol_visit_box_id_patrol_box"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["patrol_plan.id"],
            name=op.f("fk_patrol_visit_plan_id_patrol_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_visit")),
    )
    with op.batch_alter_table("patrol_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_visit_box_id"), ["box_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_visit_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patrol_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_visit_plan_id"))
        batch_op.drop_index(batch_op.f("ix_patrol_visit_box_id"))
    op.drop_table("patrol_visit")
    with op.batch_alter_table("patrol_box", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_box_plan_id"))
    op.drop_table("patrol_box")
    with op.batch_alter_table("patrol_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_plan_force_date")
        batch_op.drop_index(batch_op.f("ix_patrol_plan_district_id"))
    op.drop_table("patrol_plan")
