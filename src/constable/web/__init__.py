"""Pages: Jinja2 templates, static files and SVG maps.

Importing this package is cheap (the command line imports ``constable.web.cli``); the template
engine is built on first use by :func:`get_templates`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"
"""The Jinja2 templates of every page."""

STATIC_DIR = Path(__file__).parent / "static"
"""Style sheet and other static files, served at ``/static``."""


def number(value: float | None, places: int = 0) -> str:
    """A number with thousands separators: ``1727665`` → ``1,727,665``; None → ``–``."""
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def km2(hectares: float | None, places: int = 0) -> str:
    """An area in hectares as square kilometres: ``58064`` → ``581``."""
    return number(None if hectares is None else hectares / 100, places)


@lru_cache
def get_templates() -> Jinja2Templates:
    """The template engine, with the ``number`` and ``km2`` filters (built once)."""
    from fastapi.templating import Jinja2Templates

    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.filters["number"] = number
    templates.env.filters["km2"] = km2
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates
