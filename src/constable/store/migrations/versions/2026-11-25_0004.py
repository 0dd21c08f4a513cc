"""Record the force's own crimes, outcomes, repeat victims and ASB cases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:29:17.737335
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asb_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("subject_key", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("ladder", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closing_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_asb_case_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["force.id"], name=op.f("fk_asb_case_force_id_force"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_asb_case_team_id_team"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asb_case")),
        sa.UniqueConstraint("reference", name=op.f("uq_asb_case_reference")),
    )
    with op.batch_alter_table("asb_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_asb_case_district_status", ["district_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_asb_case_force_id"), ["force_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_asb_case_subject_key"), ["subject_key"], unique=False)

    op.create_table(
        "asb_case_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("skipped", sa.String(length=300), nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["asb_case.id"],
            name=op.f("fk_asb_case_step_case_id_asb_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asb_case_step")),
    )
    with op.batch_alter_table("asb_case_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asb_case_step_case_id"), ["case_id"], unique=False)

    op.create_table(
        "asb_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("authorised_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["asb_case.id"],
            name=op.f("fk_asb_order_case_id_asb_case"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_asb_order_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["force.id"], name=op.f("fk_asb_order_force_id_force"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_asb_order_neighbourhood_id_neighbourhood"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asb_order")),
    )
    with op.batch_alter_table("asb_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_asb_order_district_starts", ["district_id", "starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_asb_order_force_id"), ["force_id"], unique=False)

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("crime_id", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["asb_case.id"], name=op.f("fk_alert_case_id_asb_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["crime_id"], ["crime.id"], name=op.f("fk_alert_crime_id_crime"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_recipient_read", ["recipient", "read_at"], unique=False)

    op.create_table(
        "asb_case_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("crime_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["asb_case.id"],
            name=op.f("fk_asb_case_report_case_id_asb_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["crime_id"],
            ["crime.id"],
            name=op.f("fk_asb_case_report_crime_id_crime"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asb_case_report")),
        sa.UniqueConstraint(
            "case_id", "crime_id", name=op.f("uq_asb_case_report_case_id_crime_id")
        ),
    )
    with op.batch_alter_table("asb_case_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asb_case_report_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_asb_case_report_crime_id"), ["crime_id"], unique=False)

    op.create_table(
        "crime_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crime_id", sa.Integer(), nullable=False),
        sa.Column("outcome_type", sa.String(length=4), nullable=False),
        sa.Column("outcome_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crime_id"],
            ["crime.id"],
            name=op.f("fk_crime_outcome_crime_id_crime"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crime_outcome")),
    )
    with op.batch_alter_table("crime_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crime_outcome_crime_id"), ["crime_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_crime_outcome_outcome_on"), ["outcome_on"], unique=False
        )

    op.create_table(
        "repeat_victim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crime_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.Column("earlier", sa.Integer(), nullable=False),
        sa.Column("matched_on", sa.String(length=20), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crime_id"],
            ["crime.id"],
            name=op.f("fk_repeat_victim_crime_id_crime"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_repeat_victim_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["crime.id"],
            name=op.f("fk_repeat_victim_previous_id_crime"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repeat_victim")),
        sa.UniqueConstraint("crime_id", name=op.f("uq_repeat_victim_crime_id")),
    )
    with op.batch_alter_table("repeat_victim", schema=None) as batch_op:
        batch_op.create_index(
            "ix_repeat_victim_district_open", ["district_id", "reviewed_at"], unique=False
        )

    with op.batch_alter_table("crime", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("neighbourhood_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recorded_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("victim_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("victim_date_of_birth", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("victim_address", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("victim_postcode", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("victim_person_key", sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column("victim_address_key", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("repeat_victim", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("subject_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("subject_key", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_crime_district_occurred", ["district_id", "occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_crime_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index("ix_crime_recorded_at", ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_crime_subject_key"), ["subject_key"], unique=False)
        batch_op.create_index(
            "ix_crime_victim_address", ["victim_address_key", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_crime_victim_person", ["victim_person_key", "occurred_at"], unique=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_crime_reference"), ["reference"])
        batch_op.create_foreign_key(
            batch_op.f("fk_crime_district_id_district"),
            "district",
            ["district_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_crime_incident_id_incident"),
            "incident",
            ["incident_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_crime_neighbourhood_id_neighbourhood"),
            "neighbourhood",
            ["neighbourhood_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("crime", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_crime_neighbourhood_id_neighbourhood"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_crime_incident_id_incident"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_crime_district_id_district"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_crime_reference"), type_="unique")
        batch_op.drop_index("ix_crime_victim_person")
        batch_op.drop_index("ix_crime_victim_address")
        batch_op.drop_index(batch_op.f("ix_crime_subject_key"))
        batch_op.drop_index("ix_crime_recorded_at")
        batch_op.drop_index(batch_op.f("ix_crime_incident_id"))
        batch_op.drop_index("ix_crime_district_occurred")
        batch_op.drop_column("subject_key")
        batch_op.drop_column("subject_name")
        batch_op.drop_column("repeat_victim")
        batch_op.drop_column("victim_address_key")
        batch_op.drop_column("victim_person_key")
        batch_op.drop_column("victim_postcode")
        batch_op.drop_column("victim_address")
        batch_op.drop_column("victim_date_of_birth")
        batch_op.drop_column("victim_name")
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("recorded_at")
        batch_op.drop_column("description")
        batch_op.drop_column("incident_id")
        batch_op.drop_column("neighbourhood_id")
        batch_op.drop_column("district_id")
        batch_op.drop_column("reference")

    with op.batch_alter_table("repeat_victim", schema=None) as batch_op:
        batch_op.drop_index("ix_repeat_victim_district_open")

    op.drop_table("repeat_victim")
    with op.batch_alter_table("crime_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crime_outcome_outcome_on"))
        batch_op.drop_index(batch_op.f("ix_crime_outcome_crime_id"))

    op.drop_table("crime_outcome")
    with op.batch_alter_table("asb_case_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asb_case_report_crime_id"))
        batch_op.drop_index(batch_op.f("ix_asb_case_report_case_id"))

    op.drop_table("asb_case_report")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_recipient_read")

    op.drop_table("alert")
    with op.batch_alter_table("asb_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asb_order_force_id"))
        batch_op.drop_index("ix_asb_order_district_starts")

    op.drop_table("asb_order")
    with op.batch_alter_table("asb_case_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asb_case_step_case_id"))

    op.drop_table("asb_case_step")
    with op.batch_alter_table("asb_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asb_case_subject_key"))
        batch_op.drop_index(batch_op.f("ix_asb_case_force_id"))
        batch_op.drop_index("ix_asb_case_district_status")

    op.drop_table("asb_case")
