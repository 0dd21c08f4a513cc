"""The ``constable`` command. Each area adds its own commands; this module puts them together.

Every command takes the global ``--db URL`` option (default: ``CONSTABLE_DATABASE_URL``, then
``sqlite:///constable.db`` in the working folder).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.console import Console
from typer.exceptions import TyperException

from constable.analysis.cli import trends_command
from constable.analysis.hotspots_cli import app as hotspots_app
from constable.analysis.patrol_cli import app as patrol_app
from constable.auth.cli import app as users_app
from constable.community.cli import app as report_app
from constable.config import get_settings
from constable.control.cli import app as triage_app
from constable.crime.cli import app as crimes_app
from constable.errors import ConstableError
from constable.force.cli import app as force_app
from constable.ingest.cli import app as import_app
from constable.performance.boardpack.cli import board_pack
from constable.performance.cli import app as performance_app
from constable.performance.plan_cli import app as plan_app
from constable.public.alerts_cli import app as alerts_app
from constable.public.victims_cli import app as victims_app
from constable.simulation.cli import simulate_app, staffing_app
from constable.state import CliState
from constable.store.cli import app as db_app
from constable.web.cli import serve

app = typer.Typer(
    name="constable",
    help="Constable: records, control room, analysis and performance for a district police force.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.add_typer(force_app, name="force")
app.add_typer(import_app, name="import")
app.add_typer(crimes_app, name="crimes")
app.add_typer(users_app, name="users")
app.add_typer(report_app, name="report")
app.add_typer(performance_app, name="performance")
app.add_typer(plan_app, name="plan")
app.add_typer(alerts_app, name="alerts")
app.add_typer(victims_app, name="victims")
app.command("board-pack")(board_pack)
app.command("trends")(trends_command)
app.add_typer(hotspots_app, name="hotspots")
app.add_typer(patrol_app, name="patrol")
app.add_typer(staffing_app, name="staffing")
app.add_typer(simulate_app, name="simulate")
app.add_typer(triage_app, name="triage")
app.command("serve")(serve)


@app.callback()
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
        status = app(args=list(argv) if argv is not None else None, standalone_mode=False)
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
