"""Dependencies shared by every router: the settings, the store and a session per request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Annotated, TypeVar, cast

import anyio
from anyio import to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from constable.api.gate import WriteGate
from constable.config import Settings
from constable.store import Store


# async, as these only read the app's state: FastAPI need not send them to a thread.
async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return cast(Settings, request.app.state.settings)


async def get_store(request: Request) -> Store:
    """The store opened when the app started."""
    return cast(Store, request.app.state.store)


T = TypeVar("T")
FINISHING_THREADS = 8
"""Threads that commit, roll back and close request sessions (apart from AnyIO's 40)."""
REQUEST_SESSIONS = 20
"""Requests that may hold a session at once: fewer than the pool's connections (see
``constable.store.engine.POOL_SIZE``), so a request thread never waits for a connection."""

SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _app_state_once(request: Request, name: str, make: Callable[[], T]) -> T:
    """``request.app.state.<name>``, made on first use (in the event loop, where AnyIO wants)."""
    value = getattr(request.app.state, name, None)
    if value is None:
        value = make()
        setattr(request.app.state, name, value)
    return cast(T, value)


def _commit(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


def _roll_back(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


async def get_session(request: Request, store: StoreDep) -> AsyncIterator[Session]:
    """A session for one request: committed if the request succeeds, rolled back if not.

    Why it is async: a request keeps its session's connection from its first query to its
    commit, across several of AnyIO's 40 request threads (sign-in check, endpoint, and
    serialising the answer, which FastAPI does before it ends a function-scoped dependency).
    Left alone, a burst could give every pool connection to requests waiting for a thread while
    every thread waits for a connection, or on SQLite for the write lock held by a request
    waiting for a thread: a deadlock until the 30 s pool timeout (``bench/control_load.py`` saw
    it at 60 contacts a second, ``tests/control/test_bursts.py`` checks it is gone). So here, in
    the event loop and holding no thread, a request first queues for SQLite's one write gate
    (any method but GET, HEAD and OPTIONS; :mod:`constable.api.gate`, shared by the server's
    worker processes) and then for one of :data:`REQUEST_SESSIONS` slots, fewer than the pool's
    connections. Sessions are ended (commit or roll back, then close) on threads of their own,
    shielded from a client that hangs up.
    """
    finishers = _app_state_once(
        request, "session_finishers", lambda: anyio.CapacityLimiter(FINISHING_THREADS)
    )
    async with _admitted(request, store):
        session = store.sessions()
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):
                await to_thread.run_sync(_roll_back, session, limiter=finishers)
            raise
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(_commit, session, limiter=finishers)


@asynccontextmanager
async def _admitted(request: Request, store: Store) -> AsyncIterator[None]:
    """Through SQLite's write gate (for a request that may write) and into a session slot."""
    gate = _write_gate(request, store) if request.method not in SAFE_METHODS else None
    if gate is not None:
        await gate.acquire()
    try:
        slots = _app_state_once(request, "session_slots", lambda: anyio.Semaphore(REQUEST_SESSIONS))
        async with slots:
            yield
    finally:
        if gate is not None:
            gate.release()


def _write_gate(request: Request, store: Store) -> WriteGate | None:
    if store.dialect != "sqlite":
        return None
    database = store.engine.url.database  # also for sqlite+pysqlite:// and the like
    path = None if not database or database == ":memory:" else Path(database)
    return _app_state_once(request, "sqlite_write_gate", lambda: WriteGate(path))


WRITING_THREADS = 4
"""Threads that run :func:`in_one_session` work (apart from AnyIO's 40): on SQLite one writes
while the others prepare or wait for the gate; on PostgreSQL they write side by side."""


class Writer:
    """``writer(write)``: run ``write()`` and commit, as SQLite's one writer of the moment.

    Given to the work of :func:`in_one_session`, which reads and checks what it can first and
    then writes through this, so that it holds SQLite's write gate for the rows and their
    commit alone. A ``write`` that raises is rolled back before the gate is let go.
    """

    def __init__(self, session: Session, gate: WriteGate | None) -> None:
        self.session = session
        self.gate = gate

    def __call__(self, write: Callable[[], T]) -> T:
        with self.gate.held() if self.gate is not None else nullcontext():
            try:
                result = write()
                self.session.commit()
            except BaseException:
                self.session.rollback()
                raise
        return result


async def in_one_session(request: Request, store: Store, work: Callable[[Session, Writer], T]) -> T:
    """``work(session, writer)`` on one thread, as one step, writing through ``writer``.

    For the busiest writes (a contact, 200 a second at a peak). With :data:`SessionDep` a
    request that writes holds SQLite's write gate across four hand-overs between the event loop
    and threads (session, endpoint, answer, commit), and at a busy moment each waits for the
    GIL. Here the gate is held only while ``work`` writes through its :class:`Writer`: nothing
    done inside waits for another thread or the event loop. ``work`` builds the whole answer,
    so that nothing is read from the session after it closes.
    """
    writers = _app_state_once(
        request, "writing_threads", lambda: anyio.CapacityLimiter(WRITING_THREADS)
    )
    gate = _write_gate(request, store)
    with anyio.CancelScope(shield=True):  # a client that hangs up does not cut a write short
        answer = await to_thread.run_sync(_work, store, gate, work, limiter=writers)
    return answer


def _work(store: Store, gate: WriteGate | None, work: Callable[[Session, Writer], T]) -> T:
    # Not Store.session(): that session's one transaction cannot go on after the commit.
    with store.sessions() as session:
        answer = work(session, Writer(session, gate))
        session.rollback()  # anything not written through the writer is not kept
    return answer


# "function" scope: the commit happens before the response is sent, so a client that has its
# answer can read what it wrote, and a commit that fails is an error, not a false success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
