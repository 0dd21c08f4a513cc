"""Real parts for tests: a PostgreSQL server, the Kent force, the app served by Uvicorn."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy import func, select, text

from constable.api.app import create_app
from constable.auth.roles import Role
from constable.auth.service import create_user
from constable.config import Settings
from constable.force import service as force_service
from constable.force.build import build_force
from constable.force.config import load_config
from constable.ingest import sources
from constable.store import Store, open_store
from constable.store.audit import AuditEntry
from constable.store.engine import make_engine

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


@contextmanager
def serve(database_url: str, force: str = "kent") -> Iterator[str]:
    """The app on ``database_url``, served until the block ends: its base URL."""
    # Password checks are paced per process (1 a second by default, constable.auth.signin), and
    # every app the tests serve shares this process: at that pace the suite's sign-ins queue.
    settings = Settings(database_url=database_url, force=force, signin_checks_per_second=1000.0)
    app = create_app(settings)
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
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throw-away PostgreSQL cluster in a temporary folder, on a loopback port."""

    def __init__(self, root: Path) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise RuntimeError(
                "PostgreSQL server binaries (initdb, pg_ctl) are not installed: run "
                "`make system-deps` (Debian package postgresql)"
            )
        self.pg_ctl = pg_ctl
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        # PostgreSQL refuses to run as root: run it as the postgres user when we are root.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            self.prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, user="postgres")
        root.chmod(0o755)
        self._run([initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
        options = f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            [pg_ctl, "-D", str(self.data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        )

    def _run(self, command: list[str]) -> None:
        result = subprocess.run([*self.prefix, *command], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"])


def build_kent(store: Store) -> None:
    """Build Kent from the real census and boundaries into ``store``."""
    with store.session() as session:
        build_force(
            session,
            load_config("kent"),
            census_path=sources.census_2011(),
            boundaries_path=sources.lsoa_boundaries(),
        )


PASSWORD = "correct horse battery"
"""Every test user's password."""


@dataclass
class Served:
    """Kent served over HTTP, with a signed-in client per user."""

    base_url: str
    database_url: str
    clients: dict[str, httpx.Client]

    def __getitem__(self, username: str) -> httpx.Client:
        return self.clients[username]

    def anonymous(self) -> httpx.Client:
        """A client that has not signed in."""
        return httpx.Client(base_url=self.base_url, timeout=30)

    def rows(self, table: str) -> int:
        """How many rows ``table`` has now (read straight from the database)."""
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        finally:
            engine.dispose()

    def audit(self, action: str | None = None) -> int:
        """How many audit entries there are (of ``action``, when given)."""
        query = select(func.count()).select_from(AuditEntry)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return int(connection.execute(query).scalar_one())
        finally:
            engine.dispose()

    def counts(self, *tables: str) -> dict[str, int]:
        """Rows of each table and of the audit log: equal before and after means nothing written."""
        return {t: self.rows(t) for t in (*tables, "audit_log")}


def database_url_for(request: pytest.FixtureRequest, name: str) -> str:
    """A new database for a fixture parametrised with "sqlite" or "postgresql"."""
    if request.param == "sqlite":
        folder: Path = request.getfixturevalue("tmp_path_factory").mktemp(name)
        return f"sqlite:///{folder / 'kent.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@contextmanager
def served_kent(url: str, users: dict[str, tuple[Role, str | None]]) -> Iterator[Served]:
    """Kent built on ``url`` with ``users`` (role, district), served until the block ends."""
    store = open_store(url)
    build_kent(store)
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        for name, (role, district) in users.items():
            found = (
                force_service.get_district_or_raise(session=session, force=force, district=district)
                if district
                else None
            )
            create_user(
                session=session, username=name, password=PASSWORD, role=role, district=found
            )
    store.close()
    with serve(url) as base_url:
        clients = {}
        for name in users:
            client = httpx.Client(base_url=base_url, timeout=30)
            answer = client.post("/api/token", data={"username": name, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            clients[name] = client
        try:
            yield Served(base_url, url, clients)
        finally:
            for client in clients.values():
                client.close()


AXE = Path(__file__).parents[1] / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, installed by `make test` (npm ci)."""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on a Playwright page (WCAG 2.1 A and AA and
    best practice)."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}: run `make test` (npm ci)")
    # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline
    # scripts, which is what Playwright's add_script_tag writes.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'best-practice']}})"""
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def axe_summary(violations: list[dict[str, Any]]) -> str:
    """The findings as a short text for an assertion message."""
    return json.dumps(
        [
            {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in violations
        ],
        indent=1,
    )
