"""Budgets and commissioning: published tables imported from CSV, with year-on-year change.

The layout (docs/plan.md): a header row, then one line of a table per row, in the table's order.

==================  ==========================================================================
column              what it holds
==================  ==========================================================================
``statement``       which table: ``subjective`` (budget by broad subject area), ``activity``
                    (by policing activity), ``directorate`` (by directorate), ``funding``
                    (where the money comes from), ``commissioning`` (commissioning and
                    victim services allocations)
``financial_year``  the year the figure is for, written ``2007/08``
``heading``         optional: the group a line sits under (``Crime``, ``Policing in the
                    community``)
``line``            the line's name as published (``Police pay``)
``kind``            ``line`` (an amount), ``subtotal`` (as published: the sum of the lines
                    above it) or ``total`` (as published: the sum of every line of the table)
``amount``          pounds, a whole number or with pence; negative for income
                    (``-52835000``); ``£`` and thousands commas are allowed
``source``          where the figure comes from (a document and its table)
``note``            optional: anything a reader should know about the figure
==================  ==========================================================================

The import is all or nothing: every row is checked first, and the first problem is reported with
the file, the line and the column; nothing is written. A table (statement and year) in the file
replaces the same table already in the store, whole; importing the same file again changes
nothing. Published totals are kept as printed: when one differs from the sum of its lines (a
rounding in the original, or a misprint), the import says so as a warning and the Finance paper
shows both figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from constable.force.models import Force
from constable.ingest.errors import ImportFileError, ImportRowError
from constable.ingest.models import ImportedFile
from constable.ingest.service import checksum
from constable.performance.models import BudgetLine
from constable.store import audit
from constable.store.base import utcnow

BUDGETS_DIR = Path(__file__).parent / "data" / "budgets"
"""Budget tables shipped with Constable, transcribed from the seed documents."""

STATEMENTS: dict[str, str] = {
    "subjective": "Budget by broad subject area",
    "activity": "Budget by policing activity",
    "directorate": "Budget by directorate",
    "funding": "Funding: where the money comes from",
    "commissioning": "Commissioning and victim services allocations",
}
"""The tables a budget file may hold, by key, with their titles."""

COLUMNS: tuple[str, ...] = (
    "statement",
    "financial_year",
    "heading",
    "line",
    "kind",
    "amount",
    "source",
    "note",
)
"""The columns of a budget CSV, in the documented order (any order is read)."""

REQUIRED: tuple[str, ...] = ("statement", "financial_year", "line", "kind", "amount", "source")
"""The columns every budget file must have; ``heading`` and ``note`` may be left out."""

KINDS: tuple[str, ...] = ("line", "subtotal", "total")

KIND = "budgets"
"""The kind under which imported files are recorded."""

TOLERANCE = Decimal("0.005")
"""A published total within half a penny of its lines' sum agrees with it."""


@dataclass(frozen=True)
class BudgetRow:
    """One checked row of a budget file."""

    line_number: int
    statement: str
    financial_year: str
    position: int
    heading: str | None
    line: str
    kind: str
    amount: Decimal
    source: str
    note: str | None


@dataclass(frozen=True)
class BudgetImport:
    """What an import did: ``tables`` written (``statement financial_year``), ``warnings`` about
    published totals that differ from their lines."""

    name: str
    rows: int
    tables: list[str]
    replaced: list[str]
    warnings: list[str] = field(default_factory=list)
    already_imported: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def _amount(path: Path, line: int, text: str) -> Decimal:
    cleaned = text.replace(",", "").replace("£", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ImportRowError(
            path, line, "amount", text, "is not an amount in pounds (like 150005000 or -52835000)"
        ) from None
    if not value.is_finite():
        raise ImportRowError(path, line, "amount", text, "is not a finite amount")
    if value != value.quantize(Decimal("0.01")):
        raise ImportRowError(path, line, "amount", text, "has more than two decimal places")
    return value


def _year(path: Path, line: int, text: str) -> str:
    match = re.fullmatch(r"(\d{4})/(\d{2})", text.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ImportRowError(
            path,
            line,
            "financial_year",
            text,
            "is not a financial year: write it like 2007/08 (April 2007 to March 2008)",
        )
    return match.group(0)


def read_budgets(path: Path | str) -> list[BudgetRow]:
    """The checked rows of a budget CSV, or :class:`~constable.ingest.errors.ImportFileError` /
    :class:`~constable.ingest.errors.ImportRowError` at the first problem."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            path, f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise ImportFileError(path, "is empty: the first row must name the columns")
    names = [h.strip().casefold() for h in header]
    for index, name in enumerate(names):
        if name not in COLUMNS:
            raise ImportRowError(
                path,
                1,
                header[index],
                header[index],
                f"is not a column of a budget file; the columns are {', '.join(COLUMNS)} "
                "(heading and note optional)",
            )
        if names.index(name) != index:
            raise ImportRowError(path, 1, header[index], header[index], "is repeated")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFileError(
            path,
            f"line 1: the column(s) {', '.join(missing)} are missing; the columns are "
            f"{', '.join(COLUMNS)} (heading and note optional)",
        )
    at = {name: index for index, name in enumerate(names)}
    rows: list[BudgetRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    positions: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            raise ImportFileError(
                path,
                f"line {number}: {len(cells)} cells, but the header names {len(names)} columns",
            )

        def cell(column: str, cells: list[str] = cells) -> str:
            return cells[at[column]].strip() if column in at else ""

        statement = cell("statement").casefold()
        if statement not in STATEMENTS:
            raise ImportRowError(
                path,
                number,
                "statement",
                cell("statement"),
                f"is not a budget table; the tables are {', '.join(STATEMENTS)}",
            )
        year = _year(path, number, cell("financial_year"))
        line = cell("line")
        if not line:
            raise ImportRowError(path, number, "line", line, "is empty: name the line")
        if len(line) > 200:
            raise ImportRowError(path, number, "line", line[:40], "is longer than 200 characters")
        kind = cell("kind").casefold()
        if kind not in KINDS:
            raise ImportRowError(
                path, number, "kind", cell("kind"), f"is not a kind; write {', '.join(KINDS)}"
            )
        amount = _amount(path, number, cell("amount"))
        if abs(amount) >= Decimal("1e13"):
            raise ImportRowError(
                path, number, "amount", cell("amount"), "is too large (£10 trillion or more)"
            )
        source = cell("source")
        if not source:
            raise ImportRowError(
                path, number, "source", source, "is empty: say where the figure comes from"
            )
        key = (statement, year, line.casefold())
        if key in seen:
            raise ImportRowError(
                path,
                number,
                "line",
                line,
                f"is given again for {statement} {year} (first on line {seen[key]}): give each "
                "line of a table once",
            )
        seen[key] = number
        position = positions.get((statement, year), 0) + 1
        positions[(statement, year)] = position
        heading = cell("heading") or None
        note = cell("note") or None
        rows.append(
            BudgetRow(
                number,
                statement,
                year,
                position,
                heading[:120] if heading else None,
                line,
                kind,
                amount,
                source[:300],
                note[:500] if note else None,
            )
        )
    if not rows:
        raise ImportFileError(path, "has a header but no rows")
    for (statement, year), _ in positions.items():
        if not any(
            r.kind == "line" for r in rows if (r.statement, r.financial_year) == (statement, year)
        ):
            raise ImportFileError(
                path, f"{statement} {year} has totals but no lines: give the lines they add up"
            )
    return rows


def total_warnings(rows: Sequence[BudgetRow]) -> list[str]:
    """Published subtotals and totals that differ from the sum of their lines, in words."""
    found: list[str] = []
    tables: dict[tuple[str, str], list[BudgetRow]] = {}
    for row in rows:
        tables.setdefault((row.statement, row.financial_year), []).append(row)
    for (statement, year), lines in tables.items():
        running = Decimal(0)
        for row in sorted(lines, key=lambda r: r.position):
            if row.kind == "line":
                running += row.amount
                continue
            expected = running if row.kind == "subtotal" else _sum_lines(lines)
            if abs(row.amount - expected) > TOLERANCE:
                found.append(
                    f"{statement} {year}, {row.line} (line {row.line_number}): published as "
                    f"{pounds(row.amount)}, its lines add up to {pounds(expected)} (difference "
                    f"{pounds(row.amount - expected, sign=True)}); kept as published"
                )
    return found


def pounds(amount: Decimal | float, *, sign: bool = False) -> str:
    """``£1,591,756``, ``−£52,835,000``; with ``sign``, ``+£1,000`` for a rise."""
    value = Decimal(str(amount)) if isinstance(amount, float) else amount
    whole = f"£{abs(value):,.0f}"
    if value < 0:
        return f"\N{MINUS SIGN}{whole}"
    return f"+{whole}" if sign and value > 0 else whole


def _sum_lines(rows: Sequence[BudgetRow]) -> Decimal:
    return sum((r.amount for r in rows if r.kind == "line"), Decimal(0))


def budget_path(name_or_path: str | Path) -> Path:
    """A path as given, or a shipped budget file by name (``kent-2006-08``)."""
    path = Path(name_or_path)
    if path.suffix == ".csv" or path.exists():
        return path
    shipped = BUDGETS_DIR / f"{name_or_path}.csv"
    if shipped.is_file():
        return shipped
    names = ", ".join(sorted(p.stem for p in BUDGETS_DIR.glob("*.csv")))
    raise ImportFileError(path, f"no such file, and no shipped budget file of that name ({names})")


def import_budgets(
    *, session: Session, force: Force, path: Path | str, actor: str = "system"
) -> BudgetImport:
    """Import a budget CSV for ``force`` in the caller's transaction: every row is checked
    before anything is written, and each table in the file replaces the same table (statement
    and year) in the store (see the module's documentation)."""
    path = budget_path(path)
    rows = read_budgets(path)
    warnings = total_warnings(rows)
    tables = sorted({(r.statement, r.financial_year) for r in rows})
    names = [f"{s} {y}" for s, y in tables]
    digest = checksum(path)
    previous = session.scalar(select(ImportedFile).where(ImportedFile.checksum == digest))
    if previous is not None and previous.kind != KIND:
        raise ImportFileError(path, f"was imported before as {previous.kind}, not as a budget file")
    if previous is not None:
        return BudgetImport(path.name, len(rows), names, [], warnings, already_imported=True)
    imported = ImportedFile(
        name=path.name, kind=KIND, checksum=digest, rows=len(rows), rows_added=len(rows)
    )
    session.add(imported)
    session.flush()
    replaced: list[str] = []
    for statement, year in tables:
        gone = session.execute(
            delete(BudgetLine).where(
                BudgetLine.force_id == force.id,
                BudgetLine.statement == statement,
                BudgetLine.financial_year == year,
            )
        )
        if getattr(gone, "rowcount", 0):
            replaced.append(f"{statement} {year}")
    now = utcnow()
    session.add_all(
        BudgetLine(
            force_id=force.id,
            statement=r.statement,
            financial_year=r.financial_year,
            position=r.position,
            heading=r.heading,
            line=r.line,
            kind=r.kind,
            amount=r.amount,
            source=r.source,
            note=r.note,
            imported_file_id=imported.id,
            imported_at=now,
            imported_by=actor,
        )
        for r in rows
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"import.{KIND}",
        entity="imported_file",
        entity_id=imported.id,
        after={"name": path.name, "rows": len(rows), "tables": names, "replaced": replaced},
    )
    return BudgetImport(path.name, len(rows), names, replaced, warnings)


# -- Reading back, with year-on-year change ---------------------------------------------------


@dataclass(frozen=True)
class BudgetFigure:
    """A line of a table for a year, with the same line the year before (matched by name)."""

    heading: str | None
    line: str
    kind: str
    amount: Decimal
    previous: Decimal | None
    note: str | None

    @property
    def change(self) -> Decimal | None:
        """Pounds more (or less) than the year before."""
        return None if self.previous is None else self.amount - self.previous

    @property
    def change_share(self) -> float | None:
        """The change as a share of the year before's amount (None from 0)."""
        if self.previous is None or self.previous == 0:
            return None
        return float((self.amount - self.previous) / abs(self.previous))


@dataclass(frozen=True)
class BudgetTable:
    """A table for a year: its lines in order, the year before (when imported), and the sum of
    its lines against its published total."""

    statement: str
    title: str
    financial_year: str
    previous_year: str | None
    figures: tuple[BudgetFigure, ...]
    sources: tuple[str, ...]
    checks: tuple[str, ...]

    @property
    def lines_sum(self) -> Decimal:
        """The sum of the table's lines (not its totals)."""
        return sum((f.amount for f in self.figures if f.kind == "line"), Decimal(0))


def previous_year(year: str) -> str:
    """``2007/08`` → ``2006/07``."""
    first = int(year[:4]) - 1
    return f"{first}/{(first + 1) % 100:02d}"


def year_on_year(
    current: Sequence[BudgetLine], previous: Sequence[BudgetLine]
) -> list[BudgetFigure]:
    """The lines of ``current`` in order, each with the same line of ``previous`` (matched by
    its name, ignoring case), if there is one."""
    before = {p.line.casefold(): p.amount for p in previous}
    return [
        BudgetFigure(
            row.heading, row.line, row.kind, row.amount, before.get(row.line.casefold()), row.note
        )
        for row in sorted(current, key=lambda r: r.position)
    ]


def _checks(rows: Sequence[BudgetLine]) -> list[str]:
    as_rows = [
        BudgetRow(
            r.position,
            r.statement,
            r.financial_year,
            r.position,
            r.heading,
            r.line,
            r.kind,
            r.amount,
            r.source,
            r.note,
        )
        for r in rows
    ]
    return [re.sub(r" \(line \d+\)", "", w) for w in total_warnings(as_rows)]


def budget_years(*, session: Session, force: Force) -> dict[str, list[str]]:
    """The years imported for each table, oldest first."""
    found: dict[str, list[str]] = {}
    for statement, year in session.execute(
        select(BudgetLine.statement, BudgetLine.financial_year)
        .where(BudgetLine.force_id == force.id)
        .distinct()
        .order_by(BudgetLine.statement, BudgetLine.financial_year)
    ):
        found.setdefault(statement, []).append(year)
    return found


def budget_tables(
    *, session: Session, force: Force, upto: str | None = None
) -> tuple[list[BudgetTable], list[str]]:
    """For each table, its latest year at or before ``upto`` (a financial year like ``2017/18``;
    None: the latest imported), with year-on-year change against the year before it when that
    year was imported. Also, in words, the tables left out because every year imported for them
    is after ``upto``."""
    tables: list[BudgetTable] = []
    later: list[str] = []
    for statement, years in budget_years(session=session, force=force).items():
        usable = [y for y in years if upto is None or y <= upto]
        if not usable:
            later.append(
                f"{STATEMENTS.get(statement, statement)}: imported for {', '.join(years)} only, "
                f"after {upto}"
            )
            continue
        year = usable[-1]
        before_year = previous_year(year)

        def rows_for(wanted: str, statement: str = statement) -> list[BudgetLine]:
            return list(
                session.scalars(
                    select(BudgetLine)
                    .where(
                        BudgetLine.force_id == force.id,
                        BudgetLine.statement == statement,
                        BudgetLine.financial_year == wanted,
                    )
                    .order_by(BudgetLine.position)
                )
            )

        current = rows_for(year)
        previous = rows_for(before_year)
        tables.append(
            BudgetTable(
                statement,
                STATEMENTS.get(statement, statement),
                year,
                before_year if previous else None,
                tuple(year_on_year(current, previous)),
                tuple(sorted({r.source for r in current})),
                tuple(_checks(current)),
            )
        )
    order = list(STATEMENTS)
    tables.sort(key=lambda t: order.index(t.statement) if t.statement in order else len(order))
    return tables, later


def financial_year_label(day: dt.date) -> str:
    """The financial year (April to March) holding ``day``, as ``2017/18``."""
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"
