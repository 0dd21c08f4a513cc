"""Community records served over HTTP: Kent built, users of every role (community safety staff of
Sevenoaks and of Maidstone among them), on SQLite and on PostgreSQL (one database per backend
for each test module)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from communitykit import Community

from constable.auth.roles import Role
from constable.auth.service import create_user
from constable.force import service as force_service
from constable.store import open_store
from constable.store.engine import make_engine
from support import PostgresServer, build_kent, serve

PASSWORD = "correct horse battery"
USERS = {
    "admin": (Role.ADMINISTRATOR, None),
    "ana": (Role.ANALYST, None),
    "hana": (Role.CALL_HANDLER, None),
    "csu-sevenoaks": (Role.COMMUNITY_SAFETY, "sevenoaks"),
    "csu-maidstone": (Role.COMMUNITY_SAFETY, "maidstone"),
    "cmd-dover": (Role.DISTRICT_COMMANDER, "dover"),
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def community(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Community]:
    """Kent with users, served over HTTP."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('community') / 'kent.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    store = open_store(url)
    build_kent(store)
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        for name, (role, district) in USERS.items():
            found = (
                force_service.get_district_or_raise(session=session, force=force, district=district)
                if district
                else None
            )
            create_user(
                session=session, username=name, password=PASSWORD, role=role, district=found
            )
    store.close()
    engine = make_engine(url)
    with serve(url) as base_url:
        clients = {}
        for name in USERS:
            client = httpx.Client(base_url=base_url, timeout=30)
            answer = client.post("/api/token", data={"username": name, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            clients[name] = client
        yield Community(base_url, url, clients, engine)
        for client in clients.values():
            client.close()
    engine.dispose()
