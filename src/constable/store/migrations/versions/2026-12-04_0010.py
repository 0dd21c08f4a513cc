"""Crimes indexed by force and moment: a plan's measures ask whether the force has any record in
a period, and count its records by month, for periods with and without records (issue 6); the
victims' indexes name the force too, so that a repeat-victim look-up keeps to them.

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
    # A repeat-victim look-up names the force too: with it in the victim's index, SQLite takes
    # that index (three terms) rather than the force's moments (two), which read every crime of
    # the window (1.9 s a save at 1,000,000 crimes).
    for key in ("person", "address"):
        op.drop_index(f"ix_crime_victim_{key}", table_name="crime")
        op.create_index(
            f"ix_crime_victim_{key}", "crime", [f"victim_{key}_key", "force", "occurred_at"]
        )


def downgrade() -> None:
    for key in ("person", "address"):
        op.drop_index(f"ix_crime_victim_{key}", table_name="crime")
        op.create_index(f"ix_crime_victim_{key}", "crime", [f"victim_{key}_key", "occurred_at"])
    op.drop_index("ix_crime_force_occurred", table_name="crime")
    op.drop_index("ix_crime_force_recorded", table_name="crime")
    op.create_index("ix_crime_recorded_at", "crime", ["recorded_at"])
