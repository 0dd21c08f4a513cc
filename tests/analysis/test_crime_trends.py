"""Crime trends from the store, on SQLite and PostgreSQL: a sample with gaps compares the latest
month with a year before; a run of months is scanned with the XmR rules; the command prints it."""

from __future__ import annotations

import datetime as dt
import json
from itertools import count
from pathlib import Path

import pytest

from constable.analysis.crime_trends import crime_trends
from constable.cli import main
from constable.crime.models import Crime
from constable.store import Store

KEYS = count()


def add(store: Store, month: dt.date, category: str, number: int, lsoa: str = "Leeds 001A") -> None:
    with store.session() as session:
        for _ in range(number):
            key = f"t-{next(KEYS)}"
            session.add(
                Crime(
                    record_key=key,
                    force="Testshire",
                    month=month,
                    category=category,
                    lsoa_name=lsoa,
                    easting=430000.0,
                    northing=433000.0,
                )
            )


def test_months_with_gaps_compare_the_latest_with_a_year_before(store: Store) -> None:
    for year, burglaries in ((2016, 90), (2017, 100), (2018, 160)):
        add(store, dt.date(year, 7, 1), "Burglary", burglaries)
        add(store, dt.date(year, 7, 1), "Vehicle crime", 50)
    with store.session() as session:
        found = crime_trends(session=session, force="Testshire", by="category")
    assert found.mode == "latest month against a year before"
    assert found.months == ["2016-07", "2017-07", "2018-07"]
    assert [(f.label, str(f.direction)) for f in found.findings] == [("Burglary", "rising")]
    assert found.findings[0].value == 160 and found.findings[0].reference == 100
    assert found.findings[0].ratio is not None and 1.2 < found.findings[0].ratio < 2.1


def test_a_run_of_months_is_scanned_with_the_chart_rules(store: Store) -> None:
    month = dt.date(2016, 1, 1)
    for index in range(27):
        add(store, month, "Robbery", 60 if index >= 24 else 20, lsoa="Bradford 010B")
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    with store.session() as session:
        found = crime_trends(session=session, force="Testshire", by="both")
    assert found.mode == "monthly series"
    rules = {str(f.rule) for f in found.findings if f.label == "Bradford / Robbery"}
    assert "beyond-limit" in rules and "year-on-year" in rules
    assert all(str(f.direction) == "rising" for f in found.findings)


def test_the_trends_command_prints_json_and_charts(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    month = dt.date(2016, 1, 1)
    for index in range(26):
        add(store, month, "Burglary", 70 if index >= 24 else 25)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    url = store.engine.url.render_as_string(hide_password=False)
    arguments = ["--db", url, "trends", "--force", "Testshire", "--by", "category"]
    code = main([*arguments, "--charts", str(tmp_path), "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["findings"][0]["group"] == "Burglary"
    assert printed["findings"][0]["direction"] == "rising"
    chart = (tmp_path / "trend-01.svg").read_text(encoding="utf-8")
    assert chart.startswith("<svg") and "Burglary" in chart
