"""Helpers for the community tests: places in each district, the served app's handle, and
checks of answers."""

from __future__ import annotations

from typing import Any

import httpx

# A point in the main town of each district (the locator places each in its district).
POINTS = {
    "sevenoaks": {"latitude": 51.2724, "longitude": 0.1909},
    "maidstone": {"latitude": 51.2720, "longitude": 0.5290},
    "dover": {"latitude": 51.1279, "longitude": 1.3134},
    "tunbridge-wells": {"latitude": 51.1324, "longitude": 0.2637},
    "thanet": {"latitude": 51.3813, "longitude": 1.3862},
    "swale": {"latitude": 51.3403, "longitude": 0.7338},
    "canterbury": {"latitude": 51.2802, "longitude": 1.0789},
    "ashford": {"latitude": 51.1465, "longitude": 0.8750},
}
SEVENOAKS_LSOA = "E01024469"  # the neighbourhood of the Sevenoaks point


def ok(answer: httpx.Response, status: int = 200) -> Any:
    """The JSON of an answer that must have ``status``."""
    assert answer.status_code == status, answer.text
    return answer.json()


def refused(answer: httpx.Response, status: int, *words: str) -> str:
    """The error text of an answer that must have ``status`` and name every one of ``words``."""
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    message = detail if isinstance(detail, str) else repr(detail)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message
