"""``constable serve``: the web app (pages and API) with Uvicorn."""

from __future__ import annotations

import os

import typer
import uvicorn

from constable.config import get_settings
from constable.state import state


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1, min=1, help="Worker processes: one per core for a busy control room."
    ),
) -> None:
    """Serve Constable's pages and API (http://127.0.0.1:8000 by default)."""
    url = state(ctx).database_url
    state(ctx).store().close()  # migrate an empty database before the workers start
    os.environ["CONSTABLE_DATABASE_URL"] = url
    get_settings.cache_clear()
    uvicorn.run("constable.api.app:create_app", factory=True, host=host, port=port, workers=workers)
