"""Helpers for the control-room tests: users, contacts and units over the API."""

from __future__ import annotations

from typing import Any

import httpx

from support import PASSWORD

__all__ = ["MAIDSTONE_POSTCODE", "PASSWORD", "SEVENOAKS", "available_unit", "contact", "created"]

SEVENOAKS = {"latitude": 51.2724, "longitude": 0.1909}  # Sevenoaks town centre
MAIDSTONE_POSTCODE = "ME14 1AA"


def contact(client: httpx.Client, **fields: Any) -> httpx.Response:
    body: dict[str, Any] = {"channel": "101", "description": "Something happened", **fields}
    if not {"postcode", "latitude", "neighbourhood", "link_to"} & body.keys():
        body.update(SEVENOAKS)
    return client.post("/api/contacts", json=body)


def created(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    answer = contact(client, **fields)
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    return data


def available_unit(client: httpx.Client, incident_id: int) -> dict[str, Any]:
    answer = client.get(f"/api/incidents/{incident_id}/recommendations")
    assert answer.status_code == 200, answer.text
    ranked = answer.json()
    assert ranked, "no unit available"
    best: dict[str, Any] = ranked[0]
    return best
