"""A live control room: Kent built, users of every role, the app served over HTTP, on SQLite and
on PostgreSQL (one database per backend for the module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from constable.auth.roles import Role
from support import Served, database_url_for, served_kent

USERS = {
    "hana": (Role.CALL_HANDLER, None),
    "dev": (Role.DISPATCHER, None),
    "cmd-sevenoaks": (Role.DISTRICT_COMMANDER, "sevenoaks"),
    "ana": (Role.ANALYST, None),
    "admin": (Role.ADMINISTRATOR, None),
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def control_room(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Kent with users, served over HTTP."""
    with served_kent(database_url_for(request, "control"), USERS) as served:
        yield served
