"""Signed-in by default: every mounted route is protected (a token for the API, a signed-in
user for staff pages) unless it is public by an explicit list, and a staff page asked for
without signing in goes to the login form whatever page it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from constable.api.app import create_app
from constable.api.signin import PUBLIC, page_user, staff_router
from constable.auth.deps import bearer_token, get_principal
from constable.config import Settings

GUARDS: frozenset[Callable[..., Any]] = frozenset({get_principal, bearer_token, page_user})


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for child in dependant.dependencies:
        yield from _calls(child)


def _routes(
    routes: list[Any], prefix: str = "", router: APIRouter | None = None
) -> Iterator[tuple[str, APIRoute, APIRouter | None]]:
    """Every API route with its full path and the router it was declared on (FastAPI 0.165
    keeps included routers as they are, with their prefix beside them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route, router
        elif hasattr(route, "original_router"):
            inner = route.original_router
            added = route.include_context.prefix
            yield from _routes(list(inner.routes), prefix + added, inner)


def unprotected(app: FastAPI) -> list[str]:
    """Routes neither protected by a guard nor public by a list."""
    public_routers = [id(r) for r in app.state.public_routers]
    found = []
    for path, route, router in _routes(list(app.routes)):
        if router is not None and id(router) in public_routers:
            continue
        if any(call in GUARDS for call in _calls(route.dependant)):
            continue
        for method in sorted(route.methods):
            if (method, path) not in PUBLIC and method != "HEAD":
                found.append(f"{method} {path} ({route.endpoint.__module__})")
    return found


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"))


def test_every_route_is_signed_in_or_public_by_name(app: FastAPI) -> None:
    assert unprotected(app) == []
    assert len(list(_routes(list(app.routes)))) > 150


def test_a_page_added_without_sign_in_fails_the_walk(app: FastAPI) -> None:
    forgotten = APIRouter()

    @forgotten.get("/secret-list")
    def secret_list() -> dict[str, str]:
        return {}

    guarded = staff_router()

    @guarded.get("/guarded-list")
    def guarded_list() -> dict[str, str]:
        return {}

    app.include_router(forgotten)
    app.include_router(guarded)
    try:
        assert unprotected(app) == [f"GET /secret-list ({__name__})"]
    finally:
        app.router.routes[:] = app.router.routes[:-2]


STAFF_PAGES = [
    "/control",
    "/control/contacts/new",
    "/control/incidents/1",
    "/crimes",
    "/crimes/1",
    "/repeat-victims",
    "/asb/cases",
    "/community",
    "/community/s136",
    "/plan",
    "/priorities",
    "/victims",
    "/community-alerts",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_staff_page_without_sign_in_goes_to_the_login_form(http: httpx.Client, path: str) -> None:
    response = http.get(path, params={"district": "maidstone"})
    assert response.status_code == 303, response.text[:200]
    assert response.headers["location"].startswith(f"/login?next={path}")
