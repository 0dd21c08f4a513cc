"""Fixtures for the pages and API: the real Kent force in SQLite, served by a real Uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from constable.force.build import build_force
from constable.force.config import load_config
from constable.ingest import sources
from constable.store import open_store
from support import serve


@pytest.fixture(scope="session")
def kent_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An SQLite file with Kent built from the real census and boundaries (once a session)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'kent.db'}"
    store = open_store(url)
    try:
        with store.session() as session:
            build_force(
                session,
                load_config("kent"),
                census_path=sources.census_2011(),
                boundaries_path=sources.lsoa_boundaries(),
            )
    finally:
        store.close()
    return url


@pytest.fixture(scope="session")
def live_server(kent_database_url: str) -> Iterator[str]:
    """The app served by Uvicorn on a free loopback port: its base URL."""
    with serve(kent_database_url) as url:
        yield url


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client for the live server (redirects are not followed)."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client
