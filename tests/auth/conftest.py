"""Kent served over HTTP with users, whose sign-in limiter runs on a clock the tests move by hand
(so nothing sleeps), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from signinkit import TOKEN_HOURS, USERS, Clock, SignInRoom

import support
from constable.api.app import create_app
from constable.auth.ratelimit import SignInLimiter
from constable.config import Settings
from support import database_url_for, served_kent


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def signin_room(request: pytest.FixtureRequest) -> Iterator[SignInRoom]:
    """Kent with :data:`USERS`, served over HTTP with a hand-moved clock for sign-in limits."""
    clock = Clock()
    apps: list[FastAPI] = []

    def app_with_clock(settings: Settings) -> FastAPI:
        app = create_app(settings.model_copy(update={"token_hours": TOKEN_HOURS}))
        app.state.signin_limiter = SignInLimiter(clock=clock)
        apps.append(app)
        return app

    # support.serve builds the app with support.create_app: this one sets the clock first.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(support, "create_app", app_with_clock)
        with served_kent(database_url_for(request, "signin"), USERS) as served:
            yield SignInRoom(served, apps[0], clock)


@pytest.fixture
def room(signin_room: SignInRoom) -> SignInRoom:
    """The served app with a fresh limiter (the defaults) for this test."""
    signin_room.fresh_limiter()
    return signin_room
