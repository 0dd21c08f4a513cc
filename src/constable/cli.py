"""The ``constable`` command. Each area adds its own commands; this module puts them together.

Every command takes the global ``--db URL`` option (default: ``CONSTABLE_DATABASE_URL``, then
``sqlite:///constable.db`` in the working folder).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from rich.console import Console
from typer.exceptions import TyperException

from constable.config import get_settings
from constable.errors import ConstableError
from constable.state import CliState

# Each command and where it lives: a command imports only its own area, so that
# `constable hotspots forecast` does not first load the simulation, the PDF writer and the rest
# (the whole set takes about 4 s; `--help` and the docs still build it all).
COMMANDS: dict[str, tuple[str, str, bool]] = {
    # name: (module, attribute, a group of commands (True) or one command (False))
    "db": ("constable.store.cli", "app", True),
    "force": ("constable.force.cli", "app", True),
    "import": ("constable.ingest.cli", "app", True),
    "crimes": ("constable.crime.cli", "app", True),
    "users": ("constable.auth.cli", "app", True),
    "report": ("constable.community.cli", "app", True),
    "performance": ("constable.performance.cli", "app", True),
    "plan": ("constable.performance.plan_cli", "app", True),
    "alerts": ("constable.public.alerts_cli", "app", True),
    "victims": ("constable.public.victims_cli", "app", True),
    "board-pack": ("constable.performance.boardpack.cli", "board_pack", False),
    "trends": ("constable.analysis.cli", "trends_command", False),
    "hotspots": ("constable.analysis.hotspots_cli", "app", True),
    "patrol": ("constable.analysis.patrol_cli", "app", True),
    "staffing": ("constable.simulation.cli", "staffing_app", True),
    "simulate": ("constable.simulation.cli", "simulate_app", True),
    "triage": ("constable.control.cli", "app", True),
    "serve": ("constable.web.cli", "serve", False),
}


def build(names: Iterable[str] = COMMANDS) -> typer.Typer:
    """The ``constable`` command with ``names`` among its commands (all by default)."""
    built = typer.Typer(
        name="constable",
        help="Constable: records, control room, analysis and performance for a district police "
        "force.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        add_completion=False,
    )
    built.callback()(main_options)
    for name in names:
        module, attribute, group = COMMANDS[name]
        found = getattr(importlib.import_module(module), attribute)
        if group:
            built.add_typer(found, name=name)
        else:
            built.command(name)(found)
    return built


def __getattr__(name: str) -> Any:
    # `constable.cli.app`, the whole command, built on first use (the docs and tests use it).
    if name == "app":
        globals()["app"] = whole = build()
        return whole
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` asks for (after the global options), if it is one of ours."""
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main_options(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        metavar="URL",
        help="Database URL (SQLite file or PostgreSQL). Default: $CONSTABLE_DATABASE_URL, "
        "then sqlite:///constable.db.",
    ),
) -> None:
    """Constable's command line."""
    ctx.obj = CliState(database_url=db or get_settings().database_url)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv``; a user's mistake prints one line and returns 1."""
    errors = Console(stderr=True, highlight=False)
    try:
        # Without standalone mode, click returns a command's exit code instead of raising it.
        args = list(argv) if argv is not None else sys.argv[1:]
        named = _command_named(args)
        command = build([named]) if named is not None else build()
        status = command(args=args, standalone_mode=False)
    except ConstableError as exc:
        errors.print(f"[bold red]Error:[/] {exc}", soft_wrap=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        errors.print("Aborted.")
        return 1
    except TyperException as exc:
        # A usage mistake (missing option, bad value). Typer carries its own copy of click, so
        # these are not click's exceptions: catching those instead printed a traceback.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            errors.print(f"[bold red]Error:[/] {exc.format_message()}", soft_wrap=True)
        return int(exc.exit_code)
    return status if isinstance(status, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
