"""The application factory: ``uvicorn --factory constable.api.app:create_app``.

The store is opened once when the app starts (an empty database is migrated) and closed when it
stops. Pages are served at the root, the JSON API under ``/api``, OpenAPI at ``/openapi.json``.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio import to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from constable import __version__
from constable.analysis import patrol_views
from constable.api.deps import SettingsDep
from constable.api.protect import InputGuard, SecurityHeaders
from constable.api.signin import SignInRequired
from constable.auth import views as auth_views
from constable.auth.deps import sign_in_redirect
from constable.community import asb_views
from constable.community import pages as community_pages
from constable.community import views as community_views
from constable.config import Settings, get_settings
from constable.control import board_pages as control_board_pages
from constable.control import pages as control_pages
from constable.control import service as control_service
from constable.control import views as control_views
from constable.crime import pages as crime_pages
from constable.crime import views as crime_views
from constable.force import views as force_views
from constable.performance import pages as performance_pages
from constable.public import alerts_pages, alerts_views, victims_pages, victims_views
from constable.public import pages as public_pages
from constable.public import staff_pages as public_staff_pages
from constable.public import views as public_views
from constable.store import Store, open_store
from constable.web import STATIC_DIR, get_templates

API_PREFIX = "/api"


def _sentence(text: str) -> str:
    """``no force 'x' in the store`` → ``No force 'x' in the store.``"""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


async def _page_or_json_error(request: Request, exc: Exception) -> Response:
    """Errors under ``/api`` as JSON ``{"detail": …}``; a missing page, or a page action the
    user's role does not allow, as a page that says so."""
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    if request.url.path.startswith(API_PREFIX + "/") or exc.status_code not in (403, 404):
        return await http_exception_handler(request, exc)
    named = isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Forbidden")
    detail = _sentence(exc.detail) if named else None
    if exc.status_code == 403:
        context = {"title": "You cannot do that", "detail": detail, "back_url": "/"}
        context["back_text"] = "Go to the home page"
        return get_templates().TemplateResponse(request, "forbidden.html", context, 403)
    return get_templates().TemplateResponse(
        request, "not_found.html", {"detail": detail}, status_code=404
    )


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    """A staff page asked for without signing in: the login form, and back afterwards."""
    return sign_in_redirect(request)


logger = logging.getLogger(__name__)

SWITCH_INTERVAL = 0.002
"""Seconds a thread may hold the GIL while another waits (Python's default is 0.005)."""


async def _warm(store: Store, force: str) -> None:
    try:
        await to_thread.run_sync(control_service.warm, store, force)
    except Exception:  # only a head start: the first contact builds what it needs anyway
        logger.warning("could not prepare for the first contacts of %s", force, exc_info=True)
    if threading.current_thread() is threading.main_thread():
        # A server process (its event loop on the main thread; an app served from a thread of
        # another program, as in the tests, leaves that program's collector alone). What it
        # holds now (modules, the force's map) lives as long as it does: out of the garbage
        # collector's sight, so that a full collection no longer stops every request for 170 ms
        # (it did, about once a minute at 200 contacts a second: bench/control_load.py).
        gc.collect()
        gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app for ``settings`` (default: from the environment, ``CONSTABLE_*``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A request hands over between the event loop and worker threads several times; a
        # thread waiting for the GIL waits up to the switch interval (5 ms by default) each time,
        # and a request that writes holds SQLite's write gate all the while.
        if threading.current_thread() is threading.main_thread():  # a server process
            sys.setswitchinterval(SWITCH_INTERVAL)
        store = app.state.store = open_store(settings.database_url)
        try:
            async with anyio.create_task_group() as tasks:
                # In the background: the first contacts need not wait for the force's map.
                tasks.start_soon(_warm, store, settings.force)
                yield
        finally:
            gate = getattr(app.state, "sqlite_write_gate", None)
            if gate is not None:
                gate.close()
            store.close()

    app = FastAPI(
        title="Constable",
        summary="Records, control room, analysis and performance for a district police force.",
        version=__version__,
        openapi_url="/openapi.json",
        # FastAPI's interactive docs load their script from a CDN: off, so nothing is fetched
        # from elsewhere and the app works offline. Read /openapi.json with any OpenAPI viewer.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Outermost last: the headers go on every answer, the guard's refusals included.
    app.add_middleware(InputGuard, body_limit=settings.request_body_limit)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(StarletteHTTPException, _page_or_json_error)
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", summary="Is the app up?", tags=["meta"])
    def healthz() -> dict[str, str]:
        """``{"status": "ok"}`` while the app is serving."""
        return {"status": "ok"}

    @app.get("/", summary="The default force's page", include_in_schema=False)
    def home(current: SettingsDep) -> RedirectResponse:
        """Redirect to the page of the force named in the settings."""
        return RedirectResponse(app.url_path_for("force_page", code=current.force))

    # Signed-in by default: every API router's routes need a token, every staff page router is
    # made with constable.api.signin.staff_router; tests/web/test_routes_signed_in.py walks
    # every route and fails on one neither protected nor public by PUBLIC_ROUTERS or
    # constable.api.signin.PUBLIC.
    app.include_router(auth_views.router, prefix=API_PREFIX, tags=["auth"])
    app.include_router(auth_views.page_router)
    app.include_router(control_views.router, prefix=API_PREFIX, tags=["control room"])
    app.include_router(control_board_pages.board_router)
    app.include_router(control_pages.page_router)
    app.include_router(crime_views.router, prefix=API_PREFIX, tags=["crimes"])
    app.include_router(asb_views.router, prefix=API_PREFIX, tags=["anti-social behaviour"])
    app.include_router(crime_pages.page_router)
    app.include_router(community_views.router, prefix=API_PREFIX, tags=["community"])
    app.include_router(community_pages.page_router)
    app.include_router(performance_pages.page_router)
    app.include_router(patrol_views.router, prefix=API_PREFIX, tags=["patrol plans"])
    app.include_router(public_views.router, prefix=API_PREFIX, tags=["neighbourhood priorities"])
    app.include_router(public_staff_pages.page_router)
    app.include_router(public_views.public_router, prefix=API_PREFIX, tags=["public"])
    app.include_router(public_pages.page_router)
    app.include_router(alerts_views.router, prefix=API_PREFIX, tags=["community alerts"])
    app.include_router(victims_views.router, prefix=API_PREFIX, tags=["victim care"])
    app.include_router(victims_pages.page_router)
    app.include_router(alerts_pages.public_router)
    app.include_router(alerts_pages.page_router)
    app.include_router(force_views.page_router)
    app.include_router(force_views.router, prefix=API_PREFIX, tags=["force"])
    app.state.public_routers = PUBLIC_ROUTERS
    return app


PUBLIC_ROUTERS = (
    # Read-only, rate-limited, cached, no personal data: the public API and neighbourhood pages.
    public_views.public_router,
    public_pages.page_router,
    # The organisation and census figures of the force and its districts, never personal data.
    force_views.page_router,
    force_views.router,
)
"""Routers anyone may use (besides single routes in :data:`constable.api.signin.PUBLIC`)."""
