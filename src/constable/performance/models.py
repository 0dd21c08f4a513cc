"""Tables of the performance area: values of external measures, and budget and commissioning
lines, imported from CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from constable.store.base import Base, PrimaryKey, UTCDateTime


class ExternalMeasureValue(Base):
    """One value of an external measure (a survey result, sickness hours, savings...) for an
    area (``force`` or a district's slug) and a period (first and last day, both included).

    One row per force, measure, area and period: importing a row for the same key again
    replaces its value (a correction), so re-running an import adds nothing.
    """

    __tablename__ = "external_measure_value"
    __table_args__ = (
        # Named here: the convention's name (all five columns) is too long for PostgreSQL.
        UniqueConstraint(
            "force_id",
            "measure",
            "area",
            "period_start",
            "period_end",
            name="uq_external_measure_value_key",
        ),
        Index("ix_external_measure_value_lookup", "force_id", "measure", "area"),
    )

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"))
    measure: Mapped[str] = mapped_column(String(80))
    area: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
    imported_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("imported_file.id", ondelete="SET NULL"), index=True
    )
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(100))


class BudgetLine(Base):
    """One line of a published budget or commissioning table for a financial year.

    ``statement`` names the table (``subjective``, ``activity``, ``directorate``, ``funding``,
    ``commissioning``: :data:`constable.performance.budgets.STATEMENTS`); ``kind`` is ``line``
    for an amount that adds up to the table's total, or ``total`` for a total as published
    (kept as printed, even when it differs from the sum of its lines). A table for a year is
    replaced whole when it is imported again.
    """

    __tablename__ = "budget_line"
    __table_args__ = (
        UniqueConstraint(
            "force_id",
            "statement",
            "financial_year",
            "line",
            name="uq_budget_line_key",
        ),
        Index("ix_budget_line_lookup", "force_id", "statement", "financial_year"),
    )

    id: Mapped[PrimaryKey]
    force_id: Mapped[int] = mapped_column(ForeignKey("force.id", ondelete="CASCADE"))
    statement: Mapped[str] = mapped_column(String(40))
    financial_year: Mapped[str] = mapped_column(String(7))
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str | None] = mapped_column(String(120))
    line: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Numeric(15, 2))
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(500))
    imported_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("imported_file.id", ondelete="SET NULL"), index=True
    )
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(100))
