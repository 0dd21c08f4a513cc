"""Staff pages are signed-in by default: the routers they hang on check the user first.

A staff page module makes its router with :func:`staff_router` (never a bare ``APIRouter``), and
a handler that needs to know who is asking takes ``principal: PageUser``. A page asked for
without a valid sign-in raises :class:`SignInRequired` before the handler runs, and the app
answers it with the login form (and back afterwards). Public pages and routes are named in
:data:`PUBLIC`; ``tests/web/test_routes_signed_in.py`` walks every mounted route and fails on
one that is neither public by that list (or ``PUBLIC_ROUTERS`` in ``api/app.py``) nor
protected.

>>> router = staff_router()
>>> [d.dependency.__name__ for d in router.dependencies]
['page_user']
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from constable.api.deps import StoreDep
from constable.auth.deps import signed_in
from constable.auth.service import Principal


class SignInRequired(Exception):
    """A staff page asked for without a valid sign-in."""


def page_user(request: Request, store: StoreDep) -> Principal:
    """The signed-in user of a staff page, checked in a session of its own (as the API's
    :func:`constable.auth.deps.get_principal` does); else :class:`SignInRequired`."""
    cached = getattr(request.state, "page_user", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    with store.session() as session:
        principal = signed_in(request, session)
    if principal is None:
        raise SignInRequired(request.url.path)
    request.state.page_user = principal
    return principal


PageUser = Annotated[Principal, Depends(page_user)]


def staff_router(*, include_in_schema: bool = False) -> APIRouter:
    """A router for staff pages: every page on it needs a signed-in user."""
    return APIRouter(include_in_schema=include_in_schema, dependencies=[Depends(page_user)])


PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        # The app itself.
        ("GET", "/"),
        ("GET", "/healthz"),
        # Signing in and out, and a token for the API.
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("POST", "/api/token"),
        # Community alerts: signing up, confirming, unsubscribing (nothing stored is shown).
        ("GET", "/alerts/signup"),
        ("POST", "/alerts/signup"),
        ("GET", "/alerts/confirm"),
        ("POST", "/alerts/confirm"),
        ("GET", "/alerts/unsubscribe"),
        ("POST", "/alerts/unsubscribe"),
    }
)
"""Routes anyone may use, by method and path, besides the routers ``api/app.py`` includes as
public (``PUBLIC_ROUTERS`` there, each with its reason)."""
