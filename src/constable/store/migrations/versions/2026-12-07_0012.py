"""Triage by questions (issue 14): an assessment keeps the handler's answers to the risk
questions and the version of the triage rules it was made with.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("assessment", sa.Column("answers", sa.JSON(), nullable=True))
    op.add_column("assessment", sa.Column("rules_version", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("assessment", "rules_version")
    op.drop_column("assessment", "answers")
