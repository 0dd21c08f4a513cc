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
