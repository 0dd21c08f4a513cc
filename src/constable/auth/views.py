"""Signing in: ``POST /api/token`` for the API, the login form for the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from constable.api.deps import SessionDep
from constable.auth import service
from constable.auth.deps import COOKIE, CurrentPrincipal, token_from
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


@router.post("/token", summary="Sign in and get a bearer token", response_model=TokenRead)
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep) -> TokenRead:
    """OAuth2 password form (``username``, ``password``) → a token valid for 12 hours."""
    user = service.authenticate(session=session, username=form.username, password=form.password)
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="The username or password is not right",
            headers={"WWW-Authenticate": "Bearer"},
        )
    value, expires = service.issue_token(session=session, user=user)
    return TokenRead(access_token=value, expires_at=expires)


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
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/control",
) -> Response:
    """Check the form; on success set the sign-in cookie and go on to ``next``."""
    error = None
    if not username.strip():
        error = "Enter your username"
    elif not password:
        error = "Enter your password"
    user = None
    if error is None:
        user = service.authenticate(session=session, username=username.strip(), password=password)
        if user is None:
            error = "The username or password is not right"
    if user is None:
        return get_templates().TemplateResponse(
            request,
            "login.html",
            {"next": _safe_next(next), "error": error, "username": username},
            status_code=401 if error and "not right" in error else 400,
        )
    value, expires = service.issue_token(session=session, user=user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, value, httponly=True, samesite="strict", expires=expires, path="/")
    return response


@page_router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep) -> Response:
    """Sign out: the token stops working and the cookie is removed."""
    value = token_from(request)
    if value:
        service.revoke_token(session=session, token=value)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
