"""Community records served over HTTP: Kent built, users of every role (community safety staff of
Sevenoaks and of Maidstone among them), on SQLite and on PostgreSQL (one database per backend
for each test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from constable.auth.roles import Role
from support import Served, database_url_for, served_kent

USERS = {
    "admin": (Role.ADMINISTRATOR, None),
    "ana": (Role.ANALYST, None),
    "hana": (Role.CALL_HANDLER, None),
    "csu-sevenoaks": (Role.COMMUNITY_SAFETY, "sevenoaks"),
    "csu-maidstone": (Role.COMMUNITY_SAFETY, "maidstone"),
    "cmd-dover": (Role.DISTRICT_COMMANDER, "dover"),
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def community(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Kent with users, served over HTTP."""
    with served_kent(database_url_for(request, "community"), USERS) as served:
        yield served
