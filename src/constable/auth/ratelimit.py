"""Sign-in limits with back-off, per client address and per username, kept in the process.

Each key (``address:<ip>`` and ``account:<username>``) counts the wrong passwords given for it.
Once a key has ``limit`` failures (``CONSTABLE_SIGNIN_ACCOUNT_FAILURES``, 5, for a username;
``CONSTABLE_SIGNIN_ADDRESS_FAILURES``, 20, for an address) every sign-in for it is refused
without looking at the password, for ``backoff`` seconds (``CONSTABLE_SIGNIN_BACKOFF_SECONDS``,
60) after the last failure, doubled for each further failure up to ``backoff_max``
(``CONSTABLE_SIGNIN_BACKOFF_MAX_SECONDS``, an hour). So the right password given while a key is
waiting is refused too: a guesser learns nothing from it. A key's failures are forgotten once
``window`` seconds (``CONSTABLE_SIGNIN_WINDOW_SECONDS``, 15 minutes) have passed since the last
and its wait (so a guesser who waits out each wait still gets one guess an hour, not five
every half hour); a right password forgets the username's failures (not the address's: one
account of one's own must not buy guesses at others).

Checks in progress count against the limit too (a key may have ``limit - failures`` at once, at
least one), so that 32 guesses sent together cannot all pass the door before the first fails.

The address is the one Uvicorn gives the app (``request.client.host``): behind a reverse proxy,
the proxy must pass the client's address (``X-Forwarded-For``) and Uvicorn must trust it
(``--forwarded-allow-ips``, docs/security.md), or every sign-in shares the proxy's address.
Counts are per server process: with N Uvicorn workers a guesser gets up to N times the limit.
At most ``max_keys`` keys are remembered, the longest untouched forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from constable.config import Settings
from constable.errors import ConstableError

BUSY_SECONDS = 2.0
"""How long to wait when a key already has as many checks in progress as it may (they take a
tenth of a second or so each)."""


class LimitError(ConstableError):
    """Settings that cannot make a sign-in limit."""


@dataclass
class _Key:
    failures: int = 0
    last_failure: float = -math.inf
    waiting_until: float = -math.inf
    checking: int = 0


@dataclass(frozen=True)
class Decision:
    """Whether a sign-in may be checked and, if not, in how many seconds one may."""

    allowed: bool
    retry_after: float = 0.0

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds, at least 1, for the ``Retry-After`` header."""
        return max(1, math.ceil(self.retry_after))

    @property
    def retry_after_minutes(self) -> int:
        """Whole minutes, at least 1, for people ("Try again in N minutes")."""
        return max(1, math.ceil(self.retry_after / 60))


class SignInLimiter:
    """Failure counts and waits by address and by username, safe to use from many threads."""

    def __init__(
        self,
        *,
        account_failures: int = 5,
        address_failures: int = 20,
        window: float = 900.0,
        backoff: float = 60.0,
        backoff_max: float = 3600.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        checks = {
            "signin_account_failures": (account_failures, 1),
            "signin_address_failures": (address_failures, 1),
            "signin_window_seconds": (window, 0),
            "signin_backoff_seconds": (backoff, 0),
            "signin_backoff_max_seconds": (backoff_max, backoff),
            "max_keys": (max_keys, 1),
        }
        for name, (value, least) in checks.items():
            if not math.isfinite(value) or value < least or (least == 0 and value == 0):
                rule = f">= {least:g}" if least else "> 0"
                raise LimitError(f"{name} == {value}, must be {rule}")
        self.account_failures = account_failures
        self.address_failures = address_failures
        self.window = window
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.max_keys = max_keys
        self.clock = clock
        self._keys: OrderedDict[str, _Key] = OrderedDict()  # most recently touched last
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimiter:
        """The limiter the settings describe (``CONSTABLE_SIGNIN_*``)."""
        return cls(
            account_failures=settings.signin_account_failures,
            address_failures=settings.signin_address_failures,
            window=settings.signin_window_seconds,
            backoff=settings.signin_backoff_seconds,
            backoff_max=settings.signin_backoff_max_seconds,
        )

    def _pairs(self, address: str, username: str) -> list[tuple[str, int]]:
        # Usernames are matched without case: "Hana" and "hana" are one account to a guesser.
        # Cut short: a key is remembered, and a megabyte of username is not a new account.
        return [
            (f"address:{address[:100]}", self.address_failures),
            (f"account:{username.strip().lower()[:200]}", self.account_failures),
        ]

    def _key(self, name: str, now: float) -> _Key:
        key = self._keys.pop(name, None) or _Key()
        quiet_since = max(key.last_failure, key.waiting_until)
        if key.checking == 0 and now - quiet_since >= self.window:
            key = _Key()  # a quiet window after the last failure and its wait: start again
        self._keys[name] = key
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)
        return key

    def begin(self, address: str, username: str) -> Decision:
        """May a sign-in for ``username`` from ``address`` be checked now? If so, it counts as
        in progress until :meth:`failed`, :meth:`succeeded` or :meth:`abandoned`."""
        now = self.clock()
        with self._lock:
            keys = [(self._key(name, now), limit) for name, limit in self._pairs(address, username)]
            wait = max(key.waiting_until - now for key, _ in keys)
            if wait > 0:
                return Decision(False, wait)
            if any(key.checking >= max(1, limit - key.failures) for key, limit in keys):
                return Decision(False, BUSY_SECONDS)
            for key, _ in keys:
                key.checking += 1
        return Decision(True)

    def failed(self, address: str, username: str) -> Decision:
        """A wrong password (or an unknown or disabled username): count it, and start or
        lengthen the wait where a limit is reached. Returns when the next try may be made."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for name, limit in self._pairs(address, username):
                key = self._key(name, now)
                key.checking = max(0, key.checking - 1)
                key.failures += 1
                key.last_failure = now
                if key.failures >= limit:
                    doublings = min(key.failures - limit, 62)  # 2**62 seconds: never reached
                    seconds = min(self.backoff_max, self.backoff * 2.0**doublings)
                    key.waiting_until = max(key.waiting_until, now + seconds)
                wait = max(wait, key.waiting_until - now)
        return Decision(wait <= 0, max(0.0, wait))

    def succeeded(self, address: str, username: str) -> None:
        """The right password: the username's failures are forgotten."""
        now = self.clock()
        with self._lock:
            (address_name, _), (account_name, _) = self._pairs(address, username)
            key = self._key(address_name, now)
            key.checking = max(0, key.checking - 1)
            self._keys.pop(account_name, None)

    def abandoned(self, address: str, username: str) -> None:
        """A check that ended without an answer (an error): no longer in progress."""
        now = self.clock()
        with self._lock:
            for name, _ in self._pairs(address, username):
                key = self._key(name, now)
                key.checking = max(0, key.checking - 1)

    def __len__(self) -> int:
        return len(self._keys)
