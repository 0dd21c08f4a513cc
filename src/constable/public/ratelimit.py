"""A token bucket per client address, kept in the process, for the public pages and API.

Each address has a bucket of ``burst`` tokens that refills at ``rate`` tokens a second; a
request takes one token, and a request that finds the bucket empty is refused (HTTP 429 with
``Retry-After``). So a person clicking around, or a browser loading a page, is never held up,
while one address cannot take more than ``rate`` requests a second for long. Settings:
``CONSTABLE_PUBLIC_RATE_PER_SECOND`` (0 turns the limit off) and ``CONSTABLE_PUBLIC_RATE_BURST``.

The address is the connecting one (``request.client.host``): behind a reverse proxy every
request comes from the proxy, so limit there instead (and turn this off). Buckets are per
process: with N Uvicorn workers an address may get up to N times the rate. At most
``max_clients`` addresses are remembered; the longest idle are forgotten first (a forgotten
address starts again with a full bucket, which is what it would have had by then anyway).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from constable.errors import ConstableError


class RateLimitError(ConstableError):
    """Settings that cannot make a rate limit."""


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead and, if not, in how many seconds one would."""

    allowed: bool
    retry_after: float = 0.0

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds, at least 1, for the ``Retry-After`` header."""
        return max(1, math.ceil(self.retry_after))


class TokenBuckets:
    """Token buckets by key (a client address), safe to use from many threads."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 0 or not math.isfinite(rate):
            raise RateLimitError(f"public_rate_per_second == {rate}, must be >= 0 (0: no limit)")
        if burst < 1:
            raise RateLimitError(f"public_rate_burst == {burst}, must be >= 1")
        if max_clients < 1:
            raise RateLimitError(f"max_clients == {max_clients}, must be >= 1")
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        # key -> (tokens, when last refilled); most recently used last.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> Decision:
        """Take a token for ``key`` if there is one."""
        if self.rate == 0:
            return Decision(True)
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                allowed = Decision(True)
            else:
                self._buckets[key] = (tokens, now)
                allowed = Decision(False, (1.0 - tokens) / self.rate)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)
