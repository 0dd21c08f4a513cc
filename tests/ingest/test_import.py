"""Importing into the store, on SQLite and PostgreSQL: all or nothing, never twice."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from constable.crime.models import Crime, Outcome, RecordedCrime, StopSearch
from constable.ingest import service, sources
from constable.ingest.errors import ImportRowError
from constable.store import Store
from constable.store.audit import AuditEntry

DATA = Path(__file__).parent.parent / "data"


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def data_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_the_west_yorkshire_months_import_every_row_once(store: Store, tmp_path: Path) -> None:
    files = sources.west_yorkshire_street()
    expected = sum(data_rows(p) for p in files)
    results = [service.import_police_uk_file(store, p) for p in files]
    assert sum(r.rows_added for r in results) == expected == count(store, Crime)
    assert expected > 80_000

    again = [service.import_police_uk_file(store, p) for p in files]
    assert all(r.already_imported and r.rows_added == 0 for r in again)

    # A copy under another name is a different file, but its rows are already in the store.
    copy = tmp_path / "copy.csv"
    shutil.copy(files[0], copy)
    assert service.import_police_uk_file(store, copy).rows_added == 0
    assert count(store, Crime) == expected


def test_a_truncated_copy_is_refused_and_nothing_changes(store: Store, tmp_path: Path) -> None:
    original = sources.west_yorkshire_street()[0]
    service.import_police_uk_file(store, DATA / "2019-01-test-force-street.csv")
    before = count(store, Crime)
    data = original.read_bytes()
    truncated = tmp_path / "truncated.csv"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportRowError) as caught:
        service.import_police_uk_file(store, truncated, batch_rows=1000)
    assert "truncated.csv, line" in str(caught.value)
    assert caught.value.line > 1000  # refused after batches were written, and rolled back
    assert count(store, Crime) == before
    # The refused file can be imported once it is mended.
    mended = tmp_path / "mended.csv"
    lines = data[: len(data) // 2].split(b"\n")[:-1]
    mended.write_bytes(b"\n".join(lines) + b"\n")
    assert service.import_police_uk_file(store, mended).rows_added == len(lines) - 1


def test_a_malformed_value_is_refused(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = (DATA / "2019-01-test-force-street.csv").read_text()
    bad.write_text(text.replace("0.190231", "0.19o231"))
    with pytest.raises(ImportRowError) as caught:
        service.import_police_uk_file(store, bad)
    assert (caught.value.line, caught.value.column, caught.value.value) == (
        5,
        "Longitude",
        "0.19o231",
    )
    assert count(store, Crime) == 0


def test_rows_keep_locations_grid_references_and_repeats(store: Store) -> None:
    result = service.import_police_uk_file(store, DATA / "2019-01-test-force-street.csv")
    assert result.rows == result.rows_added == 6
    with store.session() as session:
        crimes = session.scalars(select(Crime).order_by(Crime.id)).all()
        assert [c.category for c in crimes[:3]] == ["Anti-social behaviour"] * 3
        assert crimes[4].latitude is None and crimes[4].easting is None
        sevenoaks = crimes[3]
        assert sevenoaks.force == "Kent"
        assert sevenoaks.easting is not None and sevenoaks.northing is not None
        # Sevenoaks town centre is at about TQ 527 553: easting 552,700, northing 155,300.
        assert 551_000 < sevenoaks.easting < 554_000 and 154_000 < sevenoaks.northing < 157_000


def test_outcomes_update_the_history_and_the_last_outcome(store: Store) -> None:
    service.import_police_uk_file(store, DATA / "2019-01-test-force-street.csv")
    result = service.import_police_uk_file(store, DATA / "2019-02-test-force-outcomes.csv")
    assert result.kind == "outcomes" and result.rows_added == 3
    with store.session() as session:
        crime = session.scalar(select(Crime).where(Crime.police_uk_id.like("a1b2%")))
        assert crime is not None
        assert crime.last_outcome == "Suspect charged"
        assert str(crime.last_outcome_month) == "2019-02-01"
        history = session.scalars(
            select(Outcome.outcome_type)
            .where(Outcome.police_uk_id == crime.police_uk_id)
            .order_by(Outcome.month)
        ).all()
        assert history == ["Under investigation", "Suspect charged"]
        # An outcome for a crime not (yet) in the store is kept in the history.
        assert (
            session.scalar(
                select(func.count()).select_from(Outcome).where(Outcome.police_uk_id.like("d1b2%"))
            )
            == 1
        )


def test_stop_and_search_imports(store: Store) -> None:
    result = service.import_police_uk_file(store, DATA / "2019-01-kent-stop-and-search.csv")
    assert (result.kind, result.rows_added) == ("stop-and-search", 3)
    assert count(store, StopSearch) == 3


def test_recorded_crime_adds_split_rows_and_imports_once(store: Store) -> None:
    result = service.import_recorded_crime_file(store, DATA / "recorded-crime-small.csv")
    assert result.rows_added == 4
    with store.session() as session:
        homicide = session.scalar(
            select(RecordedCrime.offences).where(
                RecordedCrime.force == "Kent", RecordedCrime.offence_code == "1/4.1/4.10/4.2"
            )
        )
        assert homicide == 4
        bikes = session.scalar(
            select(func.sum(RecordedCrime.offences)).where(
                RecordedCrime.force == "Kent", RecordedCrime.offence_code == "44"
            )
        )
        assert bikes == 2334
    assert service.import_recorded_crime_file(
        store, DATA / "recorded-crime-small.csv"
    ).already_imported


def test_the_home_office_sample_has_every_force(store: Store) -> None:
    service.import_recorded_crime_file(store, sources.recorded_crime_2017_18())
    with store.session() as session:
        forces = set(session.scalars(select(RecordedCrime.force).distinct()))
        kent = session.scalar(
            select(func.sum(RecordedCrime.offences)).where(RecordedCrime.force == "Kent")
        )
    assert {"Kent", "West Yorkshire", "Metropolitan Police", "London, City of"} <= forces
    assert kent is not None and 100_000 < kent < 200_000


def test_imports_are_in_the_audit_log(store: Store) -> None:
    service.import_police_uk_file(store, DATA / "2019-01-test-force-street.csv")
    with store.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "import.street"))
        assert entry is not None and entry.after is not None
        assert entry.after["rows_added"] == 6
