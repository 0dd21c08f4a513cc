"""Helpers for the community tests: places in each district, the served app's handle, and
checks of answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, text

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


@dataclass
class Community:
    """The served app, a signed-in client per user, and a direct look at the tables."""

    base_url: str
    database_url: str
    clients: dict[str, httpx.Client]
    engine: Engine = field(repr=False)

    def __getitem__(self, username: str) -> httpx.Client:
        return self.clients[username]

    def anonymous(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def rows(self, table: str) -> int:
        """How many rows ``table`` has now."""
        with self.engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())

    def audit(self, action: str | None = None) -> int:
        """How many audit entries there are (of ``action``, when given)."""
        from constable.store.audit import AuditEntry

        query = select(func.count()).select_from(AuditEntry)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def counts(self, *tables: str) -> dict[str, int]:
        """Rows of each table and of the audit log: equal before and after means nothing written."""
        return {t: self.rows(t) for t in (*tables, "audit_log")}


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
