"""Shared fixtures: stores on SQLite and on a real PostgreSQL server started for the session."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from constable.force.build import build_force
from constable.force.config import load_config
from constable.ingest import sources
from constable.store import Store, open_store

DATA = Path(__file__).parent / "data"


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


def build_kent(store: Store) -> None:
    """Build Kent from the real census and boundaries into ``store``."""
    with store.session() as session:
        build_force(
            session,
            load_config("kent"),
            census_path=sources.census_2011(),
            boundaries_path=sources.lsoa_boundaries(),
        )


@pytest.fixture
def kent_store(store: Store) -> Store:
    """A store with the Kent force built, on SQLite and on PostgreSQL."""
    build_kent(store)
    return store
