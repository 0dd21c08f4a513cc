"""The pack as one self-contained HTML page (styles and SVG charts inline), from Jinja
templates in ``web/templates`` (``boardpack.html`` and its partials)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from constable.performance.boardpack.assemble import Pack
from constable.performance.boardpack.charts import status_icon
from constable.web import TEMPLATES_DIR, number


@lru_cache
def environment() -> Environment:
    """The template environment of the pack (autoescaped; built once)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["status_icon"] = status_icon
    env.filters["number"] = number
    return env


def render_html(pack: Pack) -> str:
    """The pack's ``index.html``."""
    return environment().get_template("boardpack.html").render(pack=pack)
