"""Signing in: ``POST /api/token`` for the API, the login form for the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from constable.api.deps import SessionDep, SettingsDep, StoreDep
from constable.auth import service, signin
from constable.auth.deps import COOKIE, CurrentPrincipal, bearer_token, token_from
from constable.web import get_templates

router = APIRouter()
"""Token and identity routes (included under ``/api``)."""

page_router = APIRouter()
"""The login and logout pages."""


class TokenRead(BaseModel):
    """A bearer token (OAuth2 password flow)."""

    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime


class WhoAmI(BaseModel):
    """The signed-in user."""

    username: str
    role: str
    district: str | None


def _not_right() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail="The username or password is not right",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _too_many(exc: signin.TooManyAttempts) -> HTTPException:
    return HTTPException(
        status_code=429,
        detail=str(exc),
        headers={"Retry-After": str(exc.decision.retry_after_seconds)},
    )


@router.post(
    "/token",
    summary="Sign in and get a bearer token",
    response_model=TokenRead,
    responses={429: {"description": "Too many attempts: wait for ``Retry-After`` seconds"}},
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
) -> TokenRead:
    """OAuth2 password form (``username``, ``password``) → a token valid for
    ``CONSTABLE_TOKEN_HOURS`` (12 by default). Wrong passwords are limited per username and per
    client address, with back-off: 429 with ``Retry-After`` while one must wait, whatever the
    password (docs/security.md)."""
    try:
        signed = await signin.sign_in(
            request, store, settings, username=form.username, password=form.password, via="api"
        )
    except signin.TooManyAttempts as exc:
        raise _too_many(exc) from exc
    if signed is None:
        raise _not_right()
    return TokenRead(access_token=signed.token, expires_at=signed.expires_at)


@router.delete("/token", summary="Sign out: the bearer token stops working", status_code=204)
def delete_token(
    request: Request, session: SessionDep, value: Annotated[str, Depends(bearer_token)]
) -> Response:
    """The token sent with the request stops working (401 without one)."""
    address = signin.client_address(request)
    if service.sign_out(session=session, token=value, address=address, via="api") is None:
        raise HTTPException(
            status_code=401,
            detail="Sign in first: send a bearer token from POST /api/token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(status_code=204)


@router.get("/me", summary="Who am I?", response_model=WhoAmI)
def me(principal: CurrentPrincipal) -> WhoAmI:
    """The user the token belongs to."""
    return WhoAmI(
        username=principal.username,
        role=principal.role.value,
        district=principal.district_slug,
    )


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never redirect a signed-in user elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/control"


@page_router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return get_templates().TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "error": None, "username": ""}
    )


@page_router.post("/login", include_in_schema=False)
async def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/control",
) -> Response:
    """Check the form; on success set the sign-in cookie and go on to ``next``."""

    def again(error: str, status: int, headers: dict[str, str] | None = None) -> Response:
        return get_templates().TemplateResponse(
            request,
            "login.html",
            {"next": _safe_next(next), "error": error, "username": username},
            status_code=status,
            headers=headers,
        )

    if not username.strip():
        return again("Enter your username", 400)
    if not password:
        return again("Enter your password", 400)
    try:
        signed = await signin.sign_in(
            request, store, settings, username=username.strip(), password=password, via="page"
        )
    except signin.TooManyAttempts as exc:
        return again(str(exc), 429, {"Retry-After": str(exc.decision.retry_after_seconds)})
    if signed is None:
        return again("The username or password is not right", 401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, signed.token, httponly=True, samesite="strict", expires=signed.expires_at, path="/"
    )
    return response


@page_router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep) -> Response:
    """Sign out: the token stops working and the cookie is removed."""
    value = token_from(request)
    if value:
        service.sign_out(
            session=session, token=value, address=signin.client_address(request), via="page"
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
