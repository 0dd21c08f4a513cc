"""Helpers for the sign-in tests: users, a clock moved by hand, the served app, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Row, select

from constable.auth.ratelimit import SignInLimiter
from constable.auth.roles import Role
from constable.store.audit import AuditEntry
from constable.store.engine import make_engine
from support import Served

USERS = {
    "hana": (Role.CALL_HANDLER, None),
    "dev": (Role.DISPATCHER, None),
    "ana": (Role.ANALYST, None),
    "admin": (Role.ADMINISTRATOR, None),
    "leaver": (Role.DISPATCHER, None),
    "target": (Role.CALL_HANDLER, None),
}

TOKEN_HOURS = 1.5
"""The token lifetime the served app is given (``CONSTABLE_TOKEN_HOURS``), not the default."""


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class SignInRoom:
    """The served app, its limiter's clock, and a fresh limiter for each test."""

    served: Served
    app: FastAPI
    clock: Clock

    def __getitem__(self, username: str) -> Any:
        return self.served[username]

    def fresh_limiter(self, **limits: Any) -> SignInLimiter:
        """A new limiter (the defaults, or ``limits``) on the test's clock, used from now on."""
        limiter = SignInLimiter(clock=self.clock, **limits)
        self.app.state.signin_limiter = limiter
        return limiter


def entries(room: SignInRoom, action: str) -> list[Row[Any]]:
    """The audit log's entries of ``action`` (``actor``, ``entity_id``, ``after``), oldest first,
    read straight from the database."""
    engine = make_engine(room.served.database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    select(AuditEntry.actor, AuditEntry.entity_id, AuditEntry.after)
                    .where(AuditEntry.action == action)
                    .order_by(AuditEntry.id)
                ).all()
            )
    finally:
        engine.dispose()


def token(
    client: httpx.Client, username: str, password: str, address: str | None = None
) -> httpx.Response:
    """``POST /api/token``, from ``address`` (as a proxy Uvicorn trusts would say) if given."""
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post(
        "/api/token", data={"username": username, "password": password}, headers=headers
    )
