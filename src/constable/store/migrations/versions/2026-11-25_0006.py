"""Budgets and commissioning lines for the board pack's Finance paper (issue 6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.String(length=40), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=120), nullable=True),
        sa.Column("line", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=15, scale=2), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("imported_file_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["force.id"],
            name=op.f("fk_budget_line_force_id_force"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["imported_file_id"],
            ["imported_file.id"],
            name=op.f("fk_budget_line_imported_file_id_imported_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_line")),
        sa.UniqueConstraint(
            "force_id", "statement", "financial_year", "line", name="uq_budget_line_key"
        ),
    )
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_line_imported_file_id"), ["imported_file_id"], unique=False
        )
        batch_op.create_index(
            "ix_budget_line_lookup", ["force_id", "statement", "financial_year"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_index("ix_budget_line_lookup")
        batch_op.drop_index(batch_op.f("ix_budget_line_imported_file_id"))

    op.drop_table("budget_line")
