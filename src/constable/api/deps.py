"""Dependencies shared by every router: the settings, the store and a session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from constable.config import Settings
from constable.store import Store


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return cast(Settings, request.app.state.settings)


def get_store(request: Request) -> Store:
    """The store opened when the app started."""
    return cast(Store, request.app.state.store)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


def get_session(store: StoreDep) -> Iterator[Session]:
    """A session for one request: committed if the request succeeds, rolled back if not."""
    with store.session() as session:
        yield session


# "function" scope: the commit happens before the response is sent, so a client that has its
# answer can read what it wrote, and a commit that fails is an error, not a false success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
