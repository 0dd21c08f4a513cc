"""Shared fixtures: stores on SQLite and on a real PostgreSQL server started for the session."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from constable.store import Store, open_store
from support import CHROMIUM, CHROMIUM_ARGS, PostgresServer, build_kent

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session."""
    # Not under pytest's temporary folder: that is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="constable-pg-"))
    server = PostgresServer(root)
    started = time.monotonic()
    while time.monotonic() - started < 30:
        try:
            psycopg.connect(server.url().replace("+psycopg", ""), connect_timeout=2).close()
            break
        except psycopg.OperationalError:
            time.sleep(0.2)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: an SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'constable.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An empty store, migrated, on SQLite and on PostgreSQL."""
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def kent_store(store: Store) -> Store:
    """A store with the Kent force built, on SQLite and on PostgreSQL."""
    build_kent(store)
    return store


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (a ``Browser``); skips when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: run `apt-get install chromium`")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: pip install playwright"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
