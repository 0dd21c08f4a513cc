"""Signing in without holding up the 999 path.

A sign-in (``POST /api/token``, ``POST /login``) goes:

1. past the limits (:mod:`constable.auth.ratelimit`): a username or address that must wait is
   refused at once (429), whatever the password, with no work done;
2. to its turn: password checks are spaced out, at most ``CONSTABLE_SIGNIN_CHECKS_PER_SECOND``
   a process (waiting in the event loop, holding no thread; beyond :data:`MAX_WAITING`, 429);
3. to a password check on a thread of :data:`checkers <_checkers>`, a small pool of threads
   (``CONSTABLE_SIGNIN_CONCURRENT_CHECKS`` a process): it reads the account in a session of its
   own, closes it, and runs scrypt holding nothing, neither SQLite's write gate
   (:mod:`constable.api.gate`) nor a connection; so a flood of wrong passwords costs the
   contacts beside it at most a tenth of a core a process. (Not at a lower priority: a thread
   of low priority that holds the GIL when the system preempts it stalls every request of its
   process until it runs again.)
4. to a short write through :func:`constable.api.deps.in_one_session`, the gate held for it
   alone: the token and the audit entry of a sign-in, or the audit entry of a refused one.

Before this, both routes held the write gate while scrypt ran: 32 wrong sign-ins at once raised
a 999 contact's write from 10 ms to 0.8-4 s (issue 16; ``bench/signin_flood.py`` measures it now).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from constable.api.deps import Writer, in_one_session
from constable.auth import service
from constable.auth.ratelimit import BUSY_SECONDS, Decision, SignInLimiter
from constable.config import Settings
from constable.errors import ConstableError
from constable.store import Store

MAX_WAITING = 64
"""Sign-ins a process lets wait for a password check; beyond, 429 at once (a queue that grows
without end only makes every sign-in slow, and holds each one's request in memory)."""


class TooManyAttempts(ConstableError):
    """A sign-in refused by a limit, before its password is looked at."""

    status = 429

    def __init__(self, decision: Decision) -> None:
        minutes = decision.retry_after_minutes
        super().__init__(
            f"Too many attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}"
        )
        self.decision = decision


@dataclass(frozen=True)
class SignedIn:
    """A token issued."""

    username: str
    token: str
    expires_at: dt.datetime


def client_address(request: Request) -> str:
    """The client's address as Uvicorn gives it (behind a proxy: docs/security.md)."""
    return request.client.host if request.client else "unknown"


_LOCK = threading.Lock()


def limiter_of(request: Request) -> SignInLimiter:
    """The app's sign-in limiter, made from its settings on first use (a test may set
    ``app.state.signin_limiter`` first, with a clock of its own)."""
    state = request.app.state
    found: SignInLimiter | None = getattr(state, "signin_limiter", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "signin_limiter", None)
            if found is None:
                found = state.signin_limiter = SignInLimiter.from_settings(state.settings)
    return found


_POOLS: dict[int, ThreadPoolExecutor] = {}
_waiting = 0


class _Pacer:
    """Turns at most one an ``interval`` apart, for the whole process."""

    def __init__(self) -> None:
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self, interval: float) -> float:
        """Take the next turn: seconds to wait for it (0: now)."""
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next)
            self._next = turn + interval
        return turn - now


_PACER = _Pacer()


def _checkers(size: int) -> ThreadPoolExecutor:
    """The process's password-checking threads (one pool per size: a server has one app; its
    idle threads cost nothing, and they end with the process)."""
    with _LOCK:
        pool = _POOLS.get(size)
        if pool is None:
            pool = _POOLS[size] = ThreadPoolExecutor(
                max_workers=size, thread_name_prefix="sign-in-check"
            )
    return pool


def _check(
    store: Store, limiter: SignInLimiter, address: str, username: str, password: str
) -> tuple[service.Checked, float]:
    """On a checking thread: the read, then scrypt with the session closed, then the limits."""
    try:
        with store.sessions() as session:
            account = service.account_for_sign_in(session=session, username=username)
            session.rollback()
        checked = service.check_sign_in(account=account, username=username, password=password)
    except BaseException:
        limiter.abandoned(address, username)
        raise
    if checked.reason is None:
        limiter.succeeded(address, username)
        return checked, 0.0
    return checked, limiter.failed(address, username).retry_after


async def sign_in(
    request: Request, store: Store, settings: Settings, *, username: str, password: str, via: str
) -> SignedIn | None:
    """A token for ``username`` if ``password`` is theirs, else None (both audited); raises
    :class:`TooManyAttempts` when a limit refuses the attempt (not audited one by one: a flood
    would become a flood of writes; the failure that starts a wait is, with the wait)."""
    global _waiting
    address = client_address(request)
    limiter = limiter_of(request)
    decision = limiter.begin(address, username)
    if not decision.allowed:
        raise TooManyAttempts(decision)
    interval = 1 / settings.signin_checks_per_second
    with _LOCK:
        full = _waiting >= MAX_WAITING
        _waiting += 0 if full else 1
    if full:
        limiter.abandoned(address, username)
        raise TooManyAttempts(Decision(False, max(BUSY_SECONDS, MAX_WAITING * interval)))
    try:
        try:
            # Its turn: password checks are spaced out, so that however many come at once,
            # they take no more than their share of the cores (waiting here holds no thread).
            delay = _PACER.reserve(interval)
            if delay > 0:
                await asyncio.sleep(delay)
        except BaseException:  # the client hung up while waiting: no check was made
            limiter.abandoned(address, username)
            raise
        future = _checkers(settings.signin_concurrent_checks).submit(
            _check, store, limiter, address, username, password
        )
        # Shielded: a client that hangs up must not cancel a check not yet started, which would
        # then never tell the limiter it is over.
        checked, wait = await asyncio.shield(asyncio.wrap_future(future))
    finally:
        with _LOCK:
            _waiting -= 1

    if checked.reason is not None:

        def refused(session: Session, writer: Writer) -> None:
            writer(
                lambda: service.record_failed_sign_in(
                    session=session, checked=checked, address=address, via=via, wait_seconds=wait
                )
            )

        await in_one_session(request, store, refused)
        return None

    def issue(session: Session, writer: Writer) -> tuple[str, dt.datetime] | None:
        return writer(
            lambda: service.record_sign_in(
                session=session,
                checked=checked,
                address=address,
                via=via,
                hours=settings.token_hours,
            )
        )

    issued = await in_one_session(request, store, issue)
    if issued is None:  # disabled between the check and the write
        return None
    return SignedIn(checked.username, *issued)
