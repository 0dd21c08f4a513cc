"""Board updates as Server-Sent Events, shared by the JSON stream and the board pages."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import ServerSentEvent
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.api.deps import SettingsDep, StoreDep
from constable.control import board
from constable.control.models import IncidentLog, UnitState
from constable.force import service as force_service
from constable.force.models import District
from constable.store import Store

POLL_SECONDS = 1.0
"""How often a stream checks the store for changes (one cheap query)."""
REBUILD_SECONDS = 30.0
"""How often a stream rebuilds the board even without a change (units go on and off shift)."""
STREAM_SECONDS = 600.0
"""How long one stream lasts; the browser then reconnects by itself and its sign-in is checked."""
RETRY_MS = 3000
"""How long a browser waits before reconnecting."""
RECENT_LOG_IDS = 1_000
"""How far below the last incident log id :func:`version` counts entries (see there)."""


def _known_district(
    store: StoreDep, settings: SettingsDep, district: str | None = None
) -> str | None:
    """``district`` when the force has it (404 otherwise), checked before a stream starts."""
    with store.session() as session:
        try:
            force = force_service.get_or_raise(session=session, code=settings.force)
        except force_service.NotFoundError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc
        if district is not None:
            try:
                force_service.get_district_or_raise(session=session, force=force, district=district)
            except force_service.NotFoundError as exc:
                raise HTTPException(status_code=404, detail=str(exc)) from exc
    return district


BoardDistrict = Annotated[str | None, Depends(_known_district)]
"""The ``district`` query parameter of a board, checked before the response starts."""


def build(store: Store, force_code: str, district: str | None) -> board.Board:
    """The board now, in a session of its own."""
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code=force_code)
        found: District | None = None
        if district is not None:
            found = force_service.get_district_or_raise(
                session=session, force=force, district=district
            )
        return board.snapshot(session=session, force=force, district=found)


def version(session: Session) -> tuple[object, ...]:
    """What has changed so far: the last incident log entry, how many of the last
    :data:`RECENT_LOG_IDS` ids are written, and the last unit update and count of unit rows.

    Every change to an incident writes its log, and dispatch and a unit's move along its
    incident do too, so a board that saw the same version has nothing new to show. The count of
    recent entries is there for PostgreSQL: ids come from a sequence when a row is inserted and
    transactions commit in any order, so an entry with a lower id can become visible after a
    higher one was seen; the last id alone then does not move, and the board would miss that
    change until its next rebuild. (A unit's own update without an incident, such as booking on,
    committed out of order the same way, waits for the rebuild every :data:`REBUILD_SECONDS`.)
    """
    last = select(func.max(IncidentLog.id)).scalar_subquery()
    recent = (
        select(func.count())
        .select_from(IncidentLog)
        .where(IncidentLog.id > func.coalesce(last, 0) - RECENT_LOG_IDS)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            last,
            recent,
            select(func.max(UnitState.updated_at)).scalar_subquery(),
            select(func.count()).select_from(UnitState).scalar_subquery(),
        )
    ).one()
    return tuple(row)


async def board_events(
    store: Store,
    force_code: str,
    district: str | None,
    encode: Callable[[board.Board], ServerSentEvent],
) -> AsyncIterator[ServerSentEvent]:
    """The board now, then again whenever what it shows changes, each through ``encode``.

    The store is asked every :data:`POLL_SECONDS` for its :func:`version` (the last incident
    change and unit update); only when that moved, or every :data:`REBUILD_SECONDS`, is the board
    rebuilt, and only a board that differs from the last one sent is sent.
    """

    def current_version() -> tuple[object, ...]:
        with store.session() as session:
            return version(session)

    # The version is read before the board is built, never after: a change committed between
    # the two would otherwise be in the version seen and missing from the board sent, and the
    # board would not show it until the next rebuild, 30 s later. (This was the PostgreSQL
    # board test that failed on a busy machine: the browser's stream opens before its first
    # board is built, and the test records its call as soon as the stream is open.)
    seen = await run_in_threadpool(current_version)
    current = await run_in_threadpool(build, store, force_code, district)
    sent = board.fingerprint(current)
    # Encoding renders a page's panels (tens of milliseconds for 300 incidents): on a thread,
    # not in the event loop that every other request and stream shares.
    first = await run_in_threadpool(encode, current)
    yield first.model_copy(update={"id": sent, "retry": RETRY_MS})
    started = rebuilt = time.monotonic()
    while time.monotonic() - started < STREAM_SECONDS:
        # No check for a closed connection here: FastAPI cancels the stream when the client goes.
        await asyncio.sleep(POLL_SECONDS)
        latest = await run_in_threadpool(current_version)
        if latest == seen and time.monotonic() - rebuilt < REBUILD_SECONDS:
            continue
        seen, rebuilt = latest, time.monotonic()  # read before the build, as above
        current = await run_in_threadpool(build, store, force_code, district)
        if board.fingerprint(current) != sent:
            sent = board.fingerprint(current)
            event = await run_in_threadpool(encode, current)
            yield event.model_copy(update={"id": sent})
