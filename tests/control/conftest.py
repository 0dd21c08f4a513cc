"""A live control room: Kent built, users of every role, the app served over HTTP, on SQLite and
on PostgreSQL (one database per backend for the module)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from controlkit import PASSWORD

from constable.auth.roles import Role
from constable.auth.service import create_user
from constable.force import service as force_service
from constable.store import open_store
from support import PostgresServer, build_kent, serve

USERS = {
    "hana": (Role.CALL_HANDLER, None),
    "dev": (Role.DISPATCHER, None),
    "cmd-sevenoaks": (Role.DISTRICT_COMMANDER, "sevenoaks"),
    "ana": (Role.ANALYST, None),
    "admin": (Role.ADMINISTRATOR, None),
}


@dataclass
class ControlRoom:
    """The served app and a signed-in client per user."""

    base_url: str
    database_url: str
    clients: dict[str, httpx.Client]

    def __getitem__(self, username: str) -> httpx.Client:
        return self.clients[username]

    def anonymous(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def control_room(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ControlRoom]:
    """Kent with users, served over HTTP."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('control') / 'kent.db'}"
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
    with serve(url) as base_url:
        clients = {}
        for name in USERS:
            client = httpx.Client(base_url=base_url, timeout=30)
            answer = client.post("/api/token", data={"username": name, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            clients[name] = client
        yield ControlRoom(base_url, url, clients)
        for client in clients.values():
            client.close()


def data_path() -> Path:
    return Path(__file__).parents[1] / "data"
