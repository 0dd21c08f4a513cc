"""Keep the values of external performance measures imported from CSV.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:16:14.913106
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_measure_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=80), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("imported_file_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["force.id"],
            name=op.f("fk_external_measure_value_force_id_force"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["imported_file_id"],
            ["imported_file.id"],
            name=op.f("fk_external_measure_value_imported_file_id_imported_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_measure_value")),
        sa.UniqueConstraint(
            "force_id",
            "measure",
            "area",
            "period_start",
            "period_end",
            name="uq_external_measure_value_key",
        ),
    )
    with op.batch_alter_table("external_measure_value", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_external_measure_value_imported_file_id"),
            ["imported_file_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_external_measure_value_lookup", ["force_id", "measure", "area"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("external_measure_value", schema=None) as batch_op:
        batch_op.drop_index("ix_external_measure_value_lookup")
        batch_op.drop_index(batch_op.f("ix_external_measure_value_imported_file_id"))

    op.drop_table("external_measure_value")
