"""Create the organisation, crime, import and audit tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 06:26:51.575709
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_entity"), ["entity"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "force",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_force")),
        sa.UniqueConstraint("code", name=op.f("uq_force_code")),
    )
    op.create_table(
        "imported_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("rows_added", sa.Integer(), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_file")),
        sa.UniqueConstraint("checksum", name=op.f("uq_imported_file_checksum")),
    )
    op.create_table(
        "crime",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=80), nullable=False),
        sa.Column("police_uk_id", sa.String(length=80), nullable=True),
        sa.Column("force", sa.String(length=80), nullable=False),
        sa.Column("reported_by", sa.String(length=120), nullable=True),
        sa.Column("falls_within", sa.String(length=120), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("offence_code", sa.String(length=20), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("lsoa_code", sa.String(length=20), nullable=True),
        sa.Column("lsoa_name", sa.String(length=120), nullable=True),
        sa.Column("last_outcome", sa.String(length=120), nullable=True),
        sa.Column("last_outcome_month", sa.Date(), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("imported_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_file_id"],
            ["imported_file.id"],
            name=op.f("fk_crime_imported_file_id_imported_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crime")),
        sa.UniqueConstraint("record_key", name=op.f("uq_crime_record_key")),
    )
    with op.batch_alter_table("crime", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crime_category"), ["category"], unique=False)
        batch_op.create_index("ix_crime_force_month", ["force", "month"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_crime_imported_file_id"), ["imported_file_id"], unique=False
        )
        batch_op.create_index("ix_crime_lsoa_month", ["lsoa_code", "month"], unique=False)
        batch_op.create_index(batch_op.f("ix_crime_police_uk_id"), ["police_uk_id"], unique=False)

    op.create_table(
        "district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("hectares", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("boundary", sa.JSON(), nullable=True),
        sa.Column("boundary_bng", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["force_id"], ["force.id"], name=op.f("fk_district_force_id_force"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("force_id", "code", name=op.f("uq_district_force_id_code")),
        sa.UniqueConstraint("force_id", "slug", name=op.f("uq_district_force_id_slug")),
    )
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_district_force_id"), ["force_id"], unique=False)

    op.create_table(
        "outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("police_uk_id", sa.String(length=80), nullable=False),
        sa.Column("force", sa.String(length=80), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("outcome_type", sa.String(length=120), nullable=False),
        sa.Column("imported_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_file_id"],
            ["imported_file.id"],
            name=op.f("fk_outcome_imported_file_id_imported_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome")),
        sa.UniqueConstraint(
            "police_uk_id",
            "month",
            "outcome_type",
            name=op.f("uq_outcome_police_uk_id_month_outcome_type"),
        ),
    )
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_imported_file_id"), ["imported_file_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outcome_police_uk_id"), ["police_uk_id"], unique=False)

    op.create_table(
        "recorded_crime",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force", sa.String(length=80), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("offence_code", sa.String(length=20), nullable=False),
        sa.Column("offence_description", sa.String(length=200), nullable=False),
        sa.Column("offence_group", sa.String(length=120), nullable=False),
        sa.Column("offence_subgroup", sa.String(length=120), nullable=False),
        sa.Column("police_uk_category", sa.String(length=80), nullable=True),
        sa.Column("offences", sa.Integer(), nullable=False),
        sa.Column("imported_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_file_id"],
            ["imported_file.id"],
            name=op.f("fk_recorded_crime_imported_file_id_imported_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorded_crime")),
        sa.UniqueConstraint(
            "force",
            "financial_year",
            "quarter",
            "offence_code",
            name=op.f("uq_recorded_crime_force_financial_year_quarter_offence_code"),
        ),
    )
    with op.batch_alter_table("recorded_crime", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recorded_crime_force_year", ["force", "financial_year"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recorded_crime_imported_file_id"), ["imported_file_id"], unique=False
        )

    op.create_table(
        "stop_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=80), nullable=False),
        sa.Column("force", sa.String(length=80), nullable=False),
        sa.Column("search_type", sa.String(length=80), nullable=False),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("part_of_operation", sa.Boolean(), nullable=True),
        sa.Column("operation_name", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("gender", sa.String(length=40), nullable=True),
        sa.Column("age_range", sa.String(length=40), nullable=True),
        sa.Column("self_defined_ethnicity", sa.String(length=200), nullable=True),
        sa.Column("officer_defined_ethnicity", sa.String(length=40), nullable=True),
        sa.Column("legislation", sa.String(length=200), nullable=True),
        sa.Column("object_of_search", sa.String(length=120), nullable=True),
        sa.Column("outcome", sa.String(length=120), nullable=True),
        sa.Column("outcome_linked_to_object", sa.Boolean(), nullable=True),
        sa.Column("removal_of_outer_clothing", sa.Boolean(), nullable=True),
        sa.Column("imported_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_file_id"],
            ["imported_file.id"],
            name=op.f("fk_stop_search_imported_file_id_imported_file"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stop_search")),
        sa.UniqueConstraint("record_key", name=op.f("uq_stop_search_record_key")),
    )
    with op.batch_alter_table("stop_search", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stop_search_force_searched_at", ["force", "searched_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stop_search_imported_file_id"), ["imported_file_id"], unique=False
        )

    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("shift_pattern", sa.String(length=200), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_team_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["force.id"], name=op.f("fk_team_force_id_force"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["team.id"], name=op.f("fk_team_parent_id_team"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_team_force_id"), ["force_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=80), nullable=False),
        sa.Column("shift", sa.String(length=20), nullable=True),
        sa.Column("line_manager_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_manager_id"],
            ["person.id"],
            name=op.f("fk_person_line_manager_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_person_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_line_manager_id"), ["line_manager_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_person_team_id"), ["team_id"], unique=False)

    op.create_table(
        "neighbourhood",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("msoa_code", sa.String(length=20), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("hectares", sa.Float(), nullable=False),
        sa.Column("urban", sa.Boolean(), nullable=False),
        sa.Column("pcso_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("boundary", sa.JSON(), nullable=True),
        sa.Column("boundary_bng", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_neighbourhood_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pcso_id"],
            ["person.id"],
            name=op.f("fk_neighbourhood_pcso_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhood")),
        sa.UniqueConstraint("code", name=op.f("uq_neighbourhood_code")),
    )
    with op.batch_alter_table("neighbourhood", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_neighbourhood_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_neighbourhood_pcso_id"), ["pcso_id"], unique=False)

    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("call_sign", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("shift", sa.String(length=20), nullable=True),
        sa.Column("home_neighbourhood_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["home_neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_unit_home_neighbourhood_id_neighbourhood"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_unit_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("call_sign", name=op.f("uq_unit_call_sign")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_team_id"))

    op.drop_table("unit")
    with op.batch_alter_table("neighbourhood", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_neighbourhood_pcso_id"))
        batch_op.drop_index(batch_op.f("ix_neighbourhood_district_id"))

    op.drop_table("neighbourhood")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_team_id"))
        batch_op.drop_index(batch_op.f("ix_person_line_manager_id"))

    op.drop_table("person")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_force_id"))
        batch_op.drop_index(batch_op.f("ix_team_district_id"))

    op.drop_table("team")
    with op.batch_alter_table("stop_search", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stop_search_imported_file_id"))
        batch_op.drop_index("ix_stop_search_force_searched_at")

    op.drop_table("stop_search")
    with op.batch_alter_table("recorded_crime", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recorded_crime_imported_file_id"))
        batch_op.drop_index("ix_recorded_crime_force_year")

    op.drop_table("recorded_crime")
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_police_uk_id"))
        batch_op.drop_index(batch_op.f("ix_outcome_imported_file_id"))

    op.drop_table("outcome")
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_force_id"))

    op.drop_table("district")
    with op.batch_alter_table("crime", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crime_police_uk_id"))
        batch_op.drop_index("ix_crime_lsoa_month")
        batch_op.drop_index(batch_op.f("ix_crime_imported_file_id"))
        batch_op.drop_index("ix_crime_force_month")
        batch_op.drop_index(batch_op.f("ix_crime_category"))

    op.drop_table("crime")
    op.drop_table("imported_file")
    op.drop_table("force")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_entity_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_entity"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
