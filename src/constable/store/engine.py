"""Opening the store: one engine per URL, SQLite in WAL mode, an empty database migrated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from constable.config import sqlite_path
from constable.errors import ConstableError
from constable.store import migrations


class StoreError(ConstableError):
    """The store cannot be used as asked (wrong URL, schema out of date...)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web server read while an import writes; NORMAL is durable enough with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache: imports touch random pages of the unique-key indexes (bench/).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


POOL_SIZE, POOL_OVERFLOW = 10, 20
"""Connections kept open and made beyond them: 30 in all, more than the web app's 20 request
sessions (``constable.api.deps.REQUEST_SESSIONS``), leaving some for event streams."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite with its pragmas, or PostgreSQL through psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and not path.parent.exists():
            raise StoreError(f"database folder {path.parent} does not exist (from URL {url!r})")
        engine = create_engine(
            url, connect_args={"timeout": 30}, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql+"):
        return create_engine(
            url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
    raise StoreError(f"database URL {url!r} is not SQLite or PostgreSQL")


@dataclass
class Store:
    """An open store: the engine and a session factory bound to it."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on any error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()


def open_store(url: str, *, upgrade: bool = True) -> Store:
    """Open the store at ``url``.

    An empty database is brought to the latest schema when ``upgrade`` is true. A database at an
    older schema raises :class:`StoreError` asking for ``constable db upgrade``.
    """
    engine = make_engine(url)
    state = migrations.state(engine)
    if state.current is None and upgrade:
        migrations.upgrade(engine)
    elif state.current != state.head and upgrade:
        engine.dispose()
        raise StoreError(
            f"the database at {engine.url.render_as_string(hide_password=True)} is at schema "
            f"{state.current}, not {state.head}: run `constable db upgrade`"
        )
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
