"""Fixtures for the pages and API: the real Kent force in SQLite, served by a real Uvicorn."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from constable.api.app import create_app
from constable.config import Settings
from constable.force.build import build_force
from constable.force.config import load_config
from constable.ingest import sources
from constable.store import open_store

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, driven by Playwright (``make system-deps`` installs it)."""

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
    """The app served by Uvicorn on a free loopback port in a background thread: its base URL."""
    app = create_app(Settings(database_url=kent_database_url, force="kent"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"Uvicorn did not start on 127.0.0.1:{port} within 30 s")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client for the live server (redirects are not followed)."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


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
