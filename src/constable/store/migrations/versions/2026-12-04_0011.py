"""Recording a contact quickly (issue 3: 200 contacts a second): a force has a build key, new at
every build, so that a request can use what its process remembers of the force (the parsed
configuration, the locator) without loading the whole configuration to compare it; and the
search for possible duplicates has an index, by category, square of the grid and time (it read
every incident of the force).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:30:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("force", sa.Column("build_key", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    for (force_id,) in connection.execute(sa.text("SELECT id FROM force")).all():
        connection.execute(
            sa.text("UPDATE force SET build_key = :key WHERE id = :id"),
            {"key": uuid.uuid4().hex, "id": force_id},
        )
    # Incidents filed under squares of 250 m of the British National Grid, numbered as
    # constable.control.models.grid_cell numbers them (SQLite's CAST truncates, which is the
    # floor for positive eastings and northings; PostgreSQL's rounds).
    op.add_column("incident", sa.Column("grid_cell", sa.Integer(), nullable=True))
    whole = "CAST({} AS INTEGER)" if connection.dialect.name == "sqlite" else "FLOOR({})::integer"
    op.execute(
        f"UPDATE incident SET grid_cell = {whole.format('easting / 250')} * 10000 "
        f"+ {whole.format('northing / 250')}"
    )
    op.create_index(
        "ix_incident_duplicates", "incident", ["force_id", "category", "grid_cell", "opened_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_incident_duplicates", table_name="incident")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("grid_cell")
    with op.batch_alter_table("force") as batch:
        batch.drop_column("build_key")
