"""Budgets and commissioning from CSV, on SQLite and PostgreSQL: the shipped tables of seeds 002
and 004 import with their published totals checked; a table imported again replaces itself;
year-on-year change; bad files are refused naming the file, line and column, with nothing
written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from planfixtures import force_of, make_tiny, write_csv
from sqlalchemy import func, select
from typer.testing import CliRunner

from constable.cli import app
from constable.ingest.errors import ImportFileError, ImportRowError
from constable.ingest.models import ImportedFile
from constable.performance.budgets import (
    BUDGETS_DIR,
    budget_tables,
    import_budgets,
    read_budgets,
    total_warnings,
)
from constable.performance.models import BudgetLine
from constable.store import Store
from constable.store.audit import AuditEntry

GOOD = """
    statement,financial_year,heading,line,kind,amount,source,note
    subjective,2016/17,,Police pay,line,100000000,Budget book 2016/17,
    subjective,2016/17,,Income,line,-10000000,Budget book 2016/17,
    subjective,2016/17,,Budget requirement,total,90000000,Budget book 2016/17,
    subjective,2017/18,,Police pay,line,"£104,000,000",Budget book 2017/18,
    subjective,2017/18,,Staff,line,5000000,Budget book 2017/18,new line
    subjective,2017/18,,Income,line,-9000000,Budget book 2017/18,
    subjective,2017/18,,Budget requirement,total,100000000,Budget book 2017/18,
    commissioning,2017/18,Victims,Victim services,line,1500000.50,PCC allocations,
"""


@pytest.fixture
def tiny(store: Store) -> Store:
    make_tiny(store)
    return store


def _lines(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(BudgetLine)) or 0)


def test_a_good_file_is_imported_with_year_on_year_change(tiny: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "budgets.csv", GOOD)
    with tiny.session() as s:
        result = import_budgets(session=s, force=force_of(s), path=path, actor="finance")
    assert result.rows == 8 and not result.warnings and not result.replaced
    assert result.tables == ["commissioning 2017/18", "subjective 2016/17", "subjective 2017/18"]
    with tiny.session() as s:
        tables, later = budget_tables(session=s, force=force_of(s), upto="2017/18")
        assert [t.statement for t in tables] == ["subjective", "commissioning"] and not later
        subjective = tables[0]
        assert subjective.financial_year == "2017/18" and subjective.previous_year == "2016/17"
        pay, staff, income, total = subjective.figures
        assert pay.amount == Decimal("104000000") and pay.previous == Decimal("100000000")
        assert pay.change == Decimal("4000000") and pay.change_share == pytest.approx(0.04)
        assert staff.previous is None and staff.change is None and staff.note == "new line"
        # Income falls from -£10m to -£9m: £1m less income is a change of +£1m, -10% of it.
        assert income.change == Decimal("1000000") and income.change_share == pytest.approx(0.1)
        assert total.kind == "total" and total.change_share == pytest.approx(1 / 9)
        assert subjective.lines_sum == Decimal("100000000") and not subjective.checks
        assert tables[1].previous_year is None
        assert tables[1].figures[0].amount == Decimal("1500000.50")
        assert tables[1].figures[0].heading == "Victims"
        # A pack for 2016/17 sees that year only; the commissioning table is later.
        early, later = budget_tables(session=s, force=force_of(s), upto="2016/17")
        assert [t.financial_year for t in early] == ["2016/17"] and early[0].previous_year is None
        assert len(later) == 1 and "2017/18 only" in later[0]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "import.budgets")).one()
        assert entry.actor == "finance"


def test_a_table_imported_again_is_replaced_whole(tiny: Store, tmp_path: Path) -> None:
    with tiny.session() as s:
        import_budgets(
            session=s, force=force_of(s), path=write_csv(tmp_path, "a.csv", GOOD), actor="t"
        )
    again = write_csv(
        tmp_path,
        "b.csv",
        """
        statement,financial_year,line,kind,amount,source
        subjective,2017/18,Police pay,line,1,Revised budget
        """,
    )
    with tiny.session() as s:
        result = import_budgets(session=s, force=force_of(s), path=again, actor="t")
        assert result.replaced == ["subjective 2017/18"]
    with tiny.session() as s:
        rows = s.scalars(select(BudgetLine).where(BudgetLine.financial_year == "2017/18")).all()
        assert {(r.statement, r.line) for r in rows} == {
            ("subjective", "Police pay"),
            ("commissioning", "Victim services"),
        }
    before = _lines(tiny)
    with tiny.session() as s:
        assert import_budgets(session=s, force=force_of(s), path=again).already_imported
    assert _lines(tiny) == before


def test_the_shipped_seed_tables_import_and_their_totals_are_checked(tiny: Store) -> None:
    with tiny.session() as s:
        first = import_budgets(session=s, force=force_of(s), path="kent-2006-08")
        second = import_budgets(session=s, force=force_of(s), path=BUDGETS_DIR / "kent-2020-21.csv")
    assert first.rows == 32 and second.rows == 10
    # Seed 002's subject-area table adds up; its activity and directorate totals do not, and the
    # commissioning total of seed 004 is £40 short of its lines: kept as published, and said.
    assert len(first.warnings) == 2 and "activity 2007/08" in first.warnings[0]
    assert "£257,275,000" in first.warnings[0] and "+£1,000" in first.warnings[0]
    assert "directorate 2006/07" in first.warnings[1]
    assert second.warnings == [
        "commissioning 2020/21, Total (line 11): published as £4,109,761, its lines add up to "
        "£4,109,801 (difference \N{MINUS SIGN}£40); kept as published"
    ]
    with tiny.session() as s:
        tables, _ = budget_tables(session=s, force=force_of(s), upto="2007/08")
        subjective = next(t for t in tables if t.statement == "subjective")
        requirement = subjective.figures[-1]
        assert (requirement.line, requirement.amount) == ("Budget requirement", 257_912_000)
        assert requirement.change == 10_601_000
        assert requirement.change_share == pytest.approx(10_601 / 247_311)
        assert subjective.figures[4].kind == "subtotal" and not subjective.checks


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("subjective,2017/18,,Pay,line,12x,Book,", 2, "amount", "is not an amount in pounds"),
        ("budget,2017/18,,Pay,line,1,Book,", 2, "statement", "is not a budget table"),
        ("subjective,2017-18,,Pay,line,1,Book,", 2, "financial_year", "is not a financial year"),
        ("subjective,2017/19,,Pay,line,1,Book,", 2, "financial_year", "is not a financial year"),
        ("subjective,2017/18,,Pay,sum,1,Book,", 2, "kind", "is not a kind"),
        ("subjective,2017/18,,,line,1,Book,", 2, "line", "is empty"),
        ("subjective,2017/18,,Pay,line,1,,", 2, "source", "is empty"),
        ("subjective,2017/18,,Pay,line,1.001,Book,", 2, "amount", "more than two decimal"),
    ],
)
def test_bad_values_name_the_file_line_and_column(
    tiny: Store, tmp_path: Path, text: str, line: int, column: str, words: str
) -> None:
    path = write_csv(tmp_path, "bad.csv", f"{GOOD.strip().splitlines()[0]}\n{text}")
    with pytest.raises(ImportRowError) as caught:
        read_budgets(path)
    assert caught.value.line == line and caught.value.column == column
    assert words in str(caught.value) and str(path) in str(caught.value)


def test_a_bad_row_after_good_ones_writes_nothing(tiny: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "late.csv", GOOD + "    subjective,2018/19,,Pay,line,oops,Book,")
    with pytest.raises(ImportRowError) as caught, tiny.session() as s:
        import_budgets(session=s, force=force_of(s), path=path)
    assert caught.value.line == 10 and caught.value.column == "amount"
    assert _lines(tiny) == 0
    with tiny.session() as s:
        assert s.scalar(select(func.count()).select_from(ImportedFile)) == 0


def test_whole_file_problems(tmp_path: Path) -> None:
    wrong = write_csv(tmp_path, "wrong.csv", "statement,year,line,kind,amount,source\n")
    with pytest.raises(ImportRowError, match="'year' is not a column of a budget file"):
        read_budgets(wrong)
    missing = write_csv(tmp_path, "missing.csv", "statement,financial_year,line,kind,amount\n")
    with pytest.raises(ImportFileError, match="the column\\(s\\) source are missing"):
        read_budgets(missing)
    empty = write_csv(tmp_path, "empty.csv", "statement,financial_year,line,kind,amount,source\n")
    with pytest.raises(ImportFileError, match="has a header but no rows"):
        read_budgets(empty)
    twice = write_csv(
        tmp_path,
        "twice.csv",
        """
        statement,financial_year,line,kind,amount,source
        funding,2020/21,Council tax,line,1,Book
        funding,2020/21,council tax,line,2,Book
        """,
    )
    with pytest.raises(ImportRowError, match="first on line 2"):
        read_budgets(twice)
    only_totals = write_csv(
        tmp_path,
        "totals.csv",
        "statement,financial_year,line,kind,amount,source\nfunding,2020/21,Total,total,1,Book\n",
    )
    with pytest.raises(ImportFileError, match="has totals but no lines"):
        read_budgets(only_totals)
    with pytest.raises(ImportFileError, match="no such file"):
        read_budgets(tmp_path / "nowhere.csv")


def test_a_subtotal_is_checked_against_the_lines_above_it(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "sub.csv",
        """
        statement,financial_year,line,kind,amount,source
        subjective,2017/18,Pay,line,10,Book
        subjective,2017/18,Other,line,5,Book
        subjective,2017/18,Gross,subtotal,16,Book
        subjective,2017/18,Income,line,-3,Book
        subjective,2017/18,Net,total,12,Book
        """,
    )
    warnings = total_warnings(read_budgets(path))
    assert (
        len(warnings) == 1
        and "Gross (line 4): published as £16, its lines add up to £15" in (warnings[0])
    )


def test_import_budgets_on_the_command_line(tiny: Store, tmp_path: Path) -> None:
    url = tiny.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(app, ["--db", url, "plan", "import-budgets", "kent-2006-08"])
    assert result.exit_code == 0, result.output
    assert "kent-2006-08.csv: 32 rows in 4 tables" in result.output
    assert "Budget by broad subject area, 2007/08 (against 2006/07)" in result.output
    assert "+£10,601,000" in result.output
    bad = write_csv(tmp_path, "bad.csv", "statement,financial_year,line,kind,amount,source\n")
    failed = runner.invoke(app, ["--db", url, "plan", "import-budgets", str(bad)])
    assert failed.exit_code != 0
