"""A burst of contacts at once: every one is answered and stored, none waits for a timeout.

Before the session dependency became async, 41 or more writing requests at once deadlocked on
SQLite: AnyIO's 40 request threads all waited for the write lock (or a pool connection) that
only a request waiting for a thread to serialise its answer would release. Each request then
failed after the pool's 30 s timeout. The clients here wait up to 20 s, so a deadlock fails the
test as errors, not as a slow pass.
"""

from __future__ import annotations

import asyncio

import httpx
from controlkit import SEVENOAKS

from support import Served

BURST = 90  # more than AnyIO's 40 request threads and the pool's 30 connections


async def _burst(base_url: str, authorization: str) -> list[int | str]:
    limits = httpx.Limits(max_connections=BURST)
    async with httpx.AsyncClient(base_url=base_url, timeout=20, limits=limits) as client:

        async def one(n: int) -> int | str:
            body = {"channel": "101", "description": f"Burst contact {n}: a shed broken into"}
            try:
                answer = await client.post(
                    "/api/contacts",
                    json={**body, **SEVENOAKS},
                    headers={"Authorization": authorization},
                )
            except httpx.HTTPError as exc:
                return type(exc).__name__
            return answer.status_code

        return await asyncio.gather(*(one(n) for n in range(BURST)))


def test_a_burst_of_contacts_is_all_answered_and_stored(control_room: Served) -> None:
    before = control_room.rows("incident")
    authorization = control_room["hana"].headers["Authorization"]
    statuses = asyncio.run(_burst(control_room.base_url, authorization))
    assert statuses == [201] * BURST
    assert control_room.rows("incident") == before + BURST
