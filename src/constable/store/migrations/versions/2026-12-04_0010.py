"""Crimes indexed by force and moment: a plan's measures ask whether the force has any record in
a period, and count its records by month, for periods with and without records (issue 6).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_crime_recorded_at", table_name="crime")
    op.create_index("ix_crime_force_recorded", "crime", ["force", "recorded_at"])
    op.create_index("ix_crime_force_occurred", "crime", ["force", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_crime_force_occurred", table_name="crime")
    op.drop_index("ix_crime_force_recorded", table_name="crime")
    op.create_index("ix_crime_recorded_at", "crime", ["recorded_at"])
