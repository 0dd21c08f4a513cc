"""Crime recording served over HTTP: Kent built with users, on SQLite and on PostgreSQL, and the
Kent stop-and-search fixture imported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from constable.auth.roles import Role
from constable.ingest.service import import_police_uk_file
from constable.store import open_store
from support import Served, database_url_for, served_kent

USERS = {
    "hana": (Role.CALL_HANDLER, None),
    "csu-maidstone": (Role.COMMUNITY_SAFETY, "maidstone"),
    "cmd-dover": (Role.DISTRICT_COMMANDER, "dover"),
    "ana": (Role.ANALYST, None),
    "admin": (Role.ADMINISTRATOR, None),
}
DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def crime_desk(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Kent with users and January 2019's stop-and-search fixture, served over HTTP."""
    url = database_url_for(request, "crime")
    with served_kent(url, USERS) as served:
        store = open_store(url)
        try:
            import_police_uk_file(store, DATA / "2019-01-kent-stop-and-search.csv")
        finally:
            store.close()
        yield served
