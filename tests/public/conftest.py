"""The public side served over HTTP: Kent built, staff users, crimes with victims recorded in one
Maidstone neighbourhood, on SQLite and on PostgreSQL (one database per backend for each module).

The public rate limit is raised for these servers (the tests make many requests from one
address); ``test_rate_limit.py`` serves the same database again with a low one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from publickit import USERS, seed_crimes

from support import Served, database_url_for, served_kent


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def public(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Kent with staff users and a few crimes, served over HTTP."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONSTABLE_PUBLIC_RATE_BURST", "100000")
        with served_kent(database_url_for(request, "public"), USERS) as served:
            seed_crimes(served)
            yield served
