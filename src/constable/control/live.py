"""Board updates as Server-Sent Events, shared by the JSON stream and the board pages."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import ServerSentEvent

from constable.api.deps import SettingsDep, StoreDep
from constable.control import board, service
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


async def board_events(
    store: Store,
    force_code: str,
    district: str | None,
    encode: Callable[[board.Board], ServerSentEvent],
) -> AsyncIterator[ServerSentEvent]:
    """The board now, then again whenever what it shows changes, each through ``encode``.

    The store is asked every :data:`POLL_SECONDS` for its :func:`service.board_version` (the last
    incident change and unit update); only when that moved, or every :data:`REBUILD_SECONDS`,
    is the board rebuilt, and only a board that differs from the last one sent is sent.
    """

    def version() -> tuple[object, ...]:
        with store.session() as session:
            return service.board_version(session=session)

    current = await run_in_threadpool(build, store, force_code, district)
    sent = board.fingerprint(current)
    first = encode(current)
    yield first.model_copy(update={"id": sent, "retry": RETRY_MS})
    seen = await run_in_threadpool(version)
    started = rebuilt = time.monotonic()
    while time.monotonic() - started < STREAM_SECONDS:
        # No check for a closed connection here: FastAPI cancels the stream when the client goes.
        await asyncio.sleep(POLL_SECONDS)
        latest = await run_in_threadpool(version)
        if latest == seen and time.monotonic() - rebuilt < REBUILD_SECONDS:
            continue
        seen, rebuilt = latest, time.monotonic()
        current = await run_in_threadpool(build, store, force_code, district)
        if board.fingerprint(current) != sent:
            sent = board.fingerprint(current)
            yield encode(current).model_copy(update={"id": sent})
