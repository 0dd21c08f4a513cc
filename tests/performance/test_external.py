"""External measures from CSV, on SQLite and PostgreSQL: imported all or nothing with errors
naming the file, line and column; read back for any period; corrections replace; the same file
twice adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from planfixtures import district, force_of, make_tiny, write_csv
from sqlalchemy import func, select
from typer.testing import CliRunner

from constable.cli import app
from constable.ingest.errors import ImportFileError, ImportRowError
from constable.ingest.models import ImportedFile
from constable.performance.external import ExternalImport, import_external
from constable.performance.measures import Value, compute, parse_period
from constable.performance.models import ExternalMeasureValue
from constable.store import Store
from constable.store.audit import AuditEntry

GOOD = """
    measure,period_start,period_end,area,value,numerator,denominator,source
    kcvs_confidence,2007-04-01,2007-06-30,force,60,600,1000,KCVS wave 1
    kcvs_confidence,2007-07-01,2007-09-30,force,64,640,1000,KCVS wave 2
    kcvs_confidence,2007-04-01,2007-09-30,Medway,55.5,,,KCVS half year
    confiscation_orders,2007-04-01,2007-06-30,force,20,,,POCA returns
    confiscation_orders,2007-07-01,2007-09-30,force,25,,,POCA returns
    sickness_hours_officers,2006-04-01,2007-03-31,force,66.6,,,HR annual report
    sickness_hours_officers,2007-04-01,2007-09-30,force,31.5,,,HR half year
    cashable_savings,2007-04-01,2007-09-30,force,"600,000",,,Finance paper
"""


@pytest.fixture
def tiny(store: Store) -> Store:
    make_tiny(store)
    return store


def rows(store: Store) -> dict[str, int]:
    """Rows of the tables an import writes."""
    with store.session() as s:
        return {
            table.__tablename__: int(s.scalar(select(func.count()).select_from(table)) or 0)
            for table in (ExternalMeasureValue, ImportedFile, AuditEntry)
        }


def load(store: Store, path: Path) -> ExternalImport:
    with store.session() as s:
        return import_external(session=s, force=force_of(s), path=path)


def value(store: Store, name: str, period: str, area: str | None = None) -> Value:
    with store.session() as s:
        where = district(s, area) if area else None
        return compute(
            session=s, force=force_of(s), name=name, period=parse_period(period), district=where
        )


def test_a_good_file_is_imported_and_read_back_for_any_period(tiny: Store, tmp_path: Path) -> None:
    result = load(tiny, write_csv(tmp_path, "kcvs.csv", GOOD))
    assert result.as_dict() == {
        "name": "kcvs.csv",
        "rows": 8,
        "added": 8,
        "replaced": 0,
        "unchanged": 0,
        "already_imported": False,
    }
    q1 = value(tiny, "kcvs_confidence", "2007Q2")
    assert (q1.value, q1.numerator, q1.denominator, q1.source) == (0.6, 600, 1000, "KCVS wave 1")
    half = value(tiny, "kcvs_confidence", "2007-04-01..2007-09-30")
    assert half.value == pytest.approx(0.62) and half.denominator == 2000
    assert value(tiny, "kcvs_confidence", "2007-04-01..2007-09-30", "medway").value == 0.555
    orders = value(tiny, "confiscation_orders", "2007/08")
    assert (orders.value, orders.count, orders.covered_days) == (45, 45, 183)
    sickness = value(tiny, "sickness_hours_officers", "2006-04-01..2007-09-30")
    assert sickness.value == 31.5  # a level: the latest row
    assert value(tiny, "cashable_savings", "2007/08").value == 600_000
    assert value(tiny, "kcvs_confidence", "2008/09").value is None


def test_the_same_file_twice_adds_nothing_and_a_correction_replaces(
    tiny: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "kcvs.csv", GOOD)
    load(tiny, path)
    before = rows(tiny)
    again = load(tiny, path)
    assert again.already_imported and rows(tiny) == before
    corrected = write_csv(
        tmp_path,
        "kcvs-corrected.csv",
        """
        measure,period_start,period_end,area,value,source
        confiscation_orders,2007-04-01,2007-06-30,force,21,POCA returns (revised)
        confiscation_orders,2007-07-01,2007-09-30,force,25,POCA returns
        """,
    )
    result = load(tiny, corrected)
    assert (result.added, result.replaced, result.unchanged) == (0, 1, 1)
    assert value(tiny, "confiscation_orders", "2007Q2").value == 21
    assert rows(tiny)["external_measure_value"] == before["external_measure_value"]


def test_a_wrong_column_is_refused_with_nothing_written(tiny: Store, tmp_path: Path) -> None:
    before = rows(tiny)
    path = write_csv(
        tmp_path,
        "bad.csv",
        """
        measure,period_start,period_end,area,vaule,source
        kcvs_confidence,2007-04-01,2007-06-30,force,60,KCVS
        """,
    )
    with pytest.raises(ImportRowError) as caught:
        load(tiny, path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line 1, column 'vaule': ")
    assert "is not a column of an external-measures file" in message
    assert (
        "measure, period_start, period_end, area, value, numerator, denominator, source" in message
    )
    assert rows(tiny) == before


def test_a_bad_row_after_good_ones_writes_nothing(tiny: Store, tmp_path: Path) -> None:
    before = rows(tiny)
    path = write_csv(
        tmp_path,
        "bad.csv",
        """
        measure,period_start,period_end,area,value,source
        kcvs_confidence,2007-04-01,2007-06-30,force,60,KCVS
        kcvs_confidence,2007-07-01,2007-09-30,force,sixty,KCVS
        """,
    )
    with pytest.raises(
        ImportRowError, match=r"bad.csv, line 3, column 'value': 'sixty' is not a number"
    ):
        load(tiny, path)
    assert rows(tiny) == before


BAD_ROWS = [
    (
        "kcvs_confidenc,2007-04-01,2007-06-30,force,60,,,S",
        "measure",
        "did you mean 'kcvs_confidence'",
    ),
    (
        "recorded_crime,2007-04-01,2007-06-30,force,60,,,S",
        "measure",
        "is computed from the store",
    ),
    ("kcvs_confidence,2007-04-31,2007-06-30,force,60,,,S", "period_start", "YYYY-MM-DD"),
    (
        "kcvs_confidence,2007-06-30,2007-04-01,force,60,,,S",
        "period_end",
        "is before period_start",
    ),
    ("kcvs_confidence,2007-04-01,2007-06-30,narnia,60,,,S", "area", "maidstone, medway"),
    ("kcvs_confidence,2007-04-01,2007-06-30,force,160,,,S", "value", "is not a percentage"),
    ("kcvs_confidence,2007-04-01,2007-06-30,force,60,600,,S", "denominator", "together"),
    ("kcvs_confidence,2007-04-01,2007-06-30,force,60,700,1000,S", "value", "does not match"),
    ("kcvs_confidence,2007-04-01,2007-06-30,force,60,1200,1000,S", "numerator", "between 0"),
    ("confiscation_orders,2007-04-01,2007-06-30,force,2.5,,,S", "value", "whole number"),
    ("confiscation_orders,2007-04-01,2007-06-30,force,25,1,2,S", "numerator", "not a share"),
    ("cashable_savings,2007-04-01,2007-06-30,force,-5,,,S", "value", "must be >= 0"),
    ("cashable_savings,2007-04-01,2007-06-30,force,5,,,", "source", "is empty"),
]
"""(row, column at fault, words of the error)"""


def test_bad_values_name_the_line_and_column(tiny: Store, tmp_path: Path) -> None:
    before = rows(tiny)
    header = "measure,period_start,period_end,area,value,numerator,denominator,source"
    for line, column, words in BAD_ROWS:
        path = write_csv(tmp_path, "bad.csv", f"{header}\n{line}")
        with pytest.raises(ImportRowError) as caught:
            load(tiny, path)
        assert caught.value.line == 2 and caught.value.column == column, str(caught.value)
        assert words in str(caught.value)
        assert str(caught.value).startswith(f"{path}, line 2, column {column!r}: ")
    assert rows(tiny) == before


def test_whole_file_problems(tiny: Store, tmp_path: Path) -> None:
    missing = write_csv(tmp_path, "a.csv", "measure,period_start,period_end,value\nx,y,z,1")
    with pytest.raises(ImportFileError, match="the column\\(s\\) area, source are missing"):
        load(tiny, missing)
    empty = write_csv(tmp_path, "b.csv", "measure,period_start,period_end,area,value,source")
    with pytest.raises(ImportFileError, match="no rows"):
        load(tiny, empty)
    twice = write_csv(
        tmp_path,
        "c.csv",
        """
        measure,period_start,period_end,area,value,source
        confiscation_orders,2007-04-01,2007-06-30,force,20,A
        confiscation_orders,2007-04-01,2007-06-30,force,21,B
        """,
    )
    with pytest.raises(ImportRowError, match="first on line 2"):
        load(tiny, twice)
    with pytest.raises(ImportFileError, match="no such file"):
        load(tiny, tmp_path / "none.csv")


def test_import_measures_on_the_command_line(tiny: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "kcvs.csv", GOOD)
    url = tiny.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(app, ["--db", url, "plan", "import-measures", str(path)])
    assert result.exit_code == 0, result.output
    assert "kcvs.csv: 8 rows; 8 added, 0 replaced, 0 unchanged." in result.output
    again = runner.invoke(app, ["--db", url, "plan", "import-measures", str(path)])
    assert "imported before; nothing to do" in again.output
