"""Generated demand sent through the live control-room API at a chosen speed.

For load tests and training exercises: a seeded day (or a window of it) of contacts from
:mod:`constable.simulation.contacts` is posted to ``POST /api/contacts`` of a running Constable,
each at its time of day divided by ``speed``, signed in as a call handler. The sender is an open
loop: a slow answer does not hold back the next call (up to ``connections`` calls in flight).
Only the standard library is used, so a replay needs nothing beyond Constable itself.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from constable.force.config import ForceConfig
from constable.simulation import SimulationError
from constable.simulation.contacts import PlannedContact
from constable.simulation.geography import force_geography


class ReplayError(SimulationError):
    """The control room could not be reached or refused to sign in."""


@dataclass
class ReplayResult:
    """What a replay sent and what came back."""

    sent: int = 0
    created: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    latest_send_seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """For JSON."""
        return {
            "sent": self.sent,
            "created": self.created,
            "statuses": dict(self.statuses),
            "errors": self.errors[:5],
            "wall_seconds": round(self.wall_seconds, 2),
            "latest_send_seconds": round(self.latest_send_seconds, 3),
        }


def neighbourhood_weights(config: ForceConfig) -> tuple[list[str], list[int]]:
    """Every neighbourhood's code and residents (2011 census), for drawing call locations."""
    geography = force_geography(config)
    return list(geography.codes), [int(p) for p in geography.population]


def sign_in(base_url: str, username: str, password: str, timeout: float = 30) -> str:
    """A bearer token from ``POST /api/token``."""
    data = urllib.parse.urlencode({"username": username, "password": password}).encode()
    request = urllib.request.Request(f"{base_url.rstrip('/')}/api/token", data=data)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return str(json.loads(answer.read())["access_token"])
    except urllib.error.HTTPError as exc:
        raise ReplayError(
            f"{base_url}: signing in as {username!r} was refused ({exc.code})"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ReplayError(f"{base_url}: no answer ({exc})") from exc


def _post(
    base_url: str, token: str, body: dict[str, object], timeout: float
) -> tuple[str, str | None]:
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/api/contacts",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return str(answer.status), None
    except urllib.error.HTTPError as exc:
        return str(exc.code), exc.read().decode(errors="replace")[:300]
    except (urllib.error.URLError, OSError) as exc:
        return "no answer", str(exc)[:300]


def replay(
    base_url: str,
    token: str,
    contacts: Sequence[PlannedContact],
    *,
    speed: float,
    connections: int = 16,
    timeout: float = 30.0,
    sent: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Post every contact at ``second / speed`` after the start; ``sent(n)`` after each send."""
    if speed <= 0:
        raise SimulationError(f"speed == {speed:g}, must be > 0")
    if connections < 1:
        raise SimulationError(f"connections == {connections}, must be >= 1")
    result = ReplayResult()
    lock = threading.Lock()

    def send(contact: PlannedContact) -> None:
        status, error = _post(base_url, token, contact.body, timeout)
        with lock:
            result.statuses[status] += 1
            if status == "201":
                result.created += 1
            elif error is not None and len(result.errors) < 20:
                result.errors.append(f"{status}: {error}")

    first = contacts[0].second if contacts else 0.0
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        for contact in contacts:
            due = start + (contact.second - first) / speed
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            result.latest_send_seconds = max(result.latest_send_seconds, time.monotonic() - due)
            pool.submit(send, contact)
            result.sent += 1
            if sent is not None:
                sent(result.sent)
    result.wall_seconds = time.monotonic() - start
    return result
