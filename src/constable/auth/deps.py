"""Who is asking: the bearer token (API) or the sign-in cookie (pages), and what they may do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from constable.api.deps import StoreDep
from constable.auth.roles import Action, allowed
from constable.auth.service import Principal, principal_for_token

COOKIE = "constable_token"


def token_from(request: Request) -> str | None:
    """The token in ``Authorization: Bearer …`` or, for pages, in the sign-in cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE)


def signed_in(request: Request, session: Session) -> Principal | None:
    """The user whose token or cookie came with the request, if it is valid."""
    token = token_from(request)
    return principal_for_token(session=session, token=token) if token else None


def sign_in_redirect(request: Request) -> RedirectResponse:
    """For a page asked for without signing in: to the login form, and back afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def _unauthorised() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail="Sign in first: send a bearer token from POST /api/token",
        headers={"WWW-Authenticate": "Bearer"},
    )


def get_principal(request: Request, store: StoreDep) -> Principal:
    """The signed-in user, or 401, checked in a session of its own.

    Not in the request's session: an event stream would hold its session's transaction open for
    as long as it lasts; and a route that writes can, by naming the user before its session,
    check who is asking before it waits for SQLite's write gate
    (:func:`constable.api.deps.get_session`).
    """
    with store.session() as session:
        principal = signed_in(request, session)
    if principal is None:
        raise _unauthorised()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def _words(code: str) -> str:
    return code.replace("_", " ")


def require(action: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the signed-in user, if their role allows ``action`` (else 403)."""

    # async: a pure check, so FastAPI need not send it to a thread of its own.
    async def check(principal: CurrentPrincipal) -> Principal:
        return _allowed(principal, action)

    return check


def require_any(*actions: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the signed-in user, if their role allows any of ``actions`` (else 403)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if any(principal.can(action, district_id=principal.district_id) for action in actions):
            return principal
        doing = " or ".join(_words(action.value) for action in actions)
        raise HTTPException(
            status_code=403, detail=f"A {_words(principal.role.value)} cannot {doing}"
        )

    return check


async def bearer_token(request: Request) -> str:
    """A dependency: the token that came with the request (else 401), to be checked with
    :func:`authorised` on the thread that does the request's work."""
    token = token_from(request)
    if token is None:
        raise _unauthorised()
    return token


def authorised(session: Session, token: str, action: Action) -> Principal:
    """The holder of ``token`` if it is valid and their role allows ``action``; else 401 or 403.

    For a route that does all its work in one step on one thread
    (:func:`constable.api.deps.in_one_session`): the check there needs no thread of its own.
    """
    principal = principal_for_token(session=session, token=token)
    if principal is None:
        raise _unauthorised()
    return _allowed(principal, action)


def _allowed(principal: Principal, action: Action) -> Principal:
    if not principal.can(action, district_id=principal.district_id):
        raise HTTPException(
            status_code=403,
            detail=f"A {_words(principal.role.value)} cannot {_words(action.value)}",
        )
    return principal


def require_for_district(principal: Principal, action: Action, district_id: int, name: str) -> None:
    """403 unless ``principal`` may do ``action`` on a record of that district."""
    if principal.can(action, district_id=district_id):
        return
    role, doing = _words(principal.role.value), _words(action.value)
    if not allowed(principal.role, action):
        raise HTTPException(status_code=403, detail=f"A {role} cannot {doing}")
    raise HTTPException(
        status_code=403,
        detail=f"A {role} of {principal.district_slug or 'no district'} cannot {doing} in {name}",
    )
