"""The store: migrations on an empty database, WAL mode, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from constable.store import open_store
from constable.store.engine import StoreError, make_engine
from constable.store.migrations import state


def test_an_empty_database_is_migrated_on_open(database_url: str) -> None:
    store = open_store(database_url)
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert {
            "force", "district", "neighbourhood", "team", "person", "unit", "crime", "outcome",
            "stop_search", "recorded_crime", "imported_file", "audit_log", "alembic_version",
        } <= tables  # fmt: skip
        schema = state(store.engine)
        assert schema.current == schema.head is not None
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


def test_an_out_of_date_schema_asks_for_an_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0000')"))
    engine.dispose()
    with pytest.raises(StoreError, match="constable db upgrade"):
        open_store(url)


def test_bad_urls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not SQLite or PostgreSQL"):
        make_engine("mysql://localhost/x")
    with pytest.raises(StoreError, match="does not exist"):
        make_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")


def test_the_migrations_match_the_tables(database_url: str) -> None:
    """Every table and column in code is created by a migration, and nothing else."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import constable.models  # noqa: F401
    from constable.store.base import Base

    store = open_store(database_url)
    try:
        with store.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
    finally:
        store.close()


def test_0011_keys_built_forces_and_files_incidents_under_their_squares(
    database_url: str,
) -> None:
    """A store at 0010 with a force and incidents: after the upgrade the force has a build key
    and each incident the grid square that :func:`grid_cell` gives (at a square's edges too)."""
    from constable.control.models import grid_cell
    from constable.store.migrations import upgrade

    engine = make_engine(database_url)
    upgrade(engine, "0010")
    points = [(612_499.9, 150_000.0), (612_500.0, 149_999.99), (600_250.6, 170_749.4)]
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO force (id, code, name, config) VALUES (1, 'kent', 'Kent', '{}')")
        )
        connection.execute(
            text(
                "INSERT INTO district (id, force_id, code, slug, name, population, households, "
                "hectares) VALUES (1, 1, 'E07000105', 'ashford', 'Ashford', 1, 1, 1.0)"
            )
        )
        for number, (easting, northing) in enumerate(points, start=1):
            connection.execute(
                text(
                    "INSERT INTO incident (id, reference, force_id, district_id, easting, "
                    "northing, latitude, longitude, urban, category, description, grade, state, "
                    "opened_at, version) VALUES (:id, :ref, 1, 1, :e, :n, 51.1, 0.8, true, "
                    "'crime', 'x', 3, 'graded', '2026-12-04 10:00:00', 1)"
                ),
                {"id": number, "ref": f"KENT-{number}", "e": easting, "n": northing},
            )
    upgrade(engine)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT build_key FROM force")).scalars().all()
        cells = connection.execute(text("SELECT grid_cell FROM incident ORDER BY id")).scalars()
        assert [len(key) for key in keys] == [32]
        assert list(cells) == [grid_cell(e, n) for e, n in points]
    engine.dispose()
