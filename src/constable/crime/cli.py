"""``constable crimes``: a first look at crime records."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from constable import console
from constable.crime import service
from constable.state import state

app = typer.Typer(help="Crime records.", no_args_is_help=True)


@app.command("summary")
def summary(
    ctx: typer.Context,
    force: str = typer.Option(..., help='The force, e.g. "West Yorkshire".'),
    month: str | None = typer.Option(None, help="A month, YYYY-MM (default: all months)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: total, by_type, by_outcome."),
) -> None:
    """Counts of crimes by type and by last outcome.

    Example: constable crimes summary --force "West Yorkshire" --month 2018-07
    """
    when = service.parse_month(month) if month else None
    with state(ctx).store().session() as session:
        result = service.summary(session=session, force=force, month=when)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    period = result.month or "all months"
    for title, counts in (("Crime type", result.by_type), ("Last outcome", result.by_outcome)):
        table = Table(title=f"{result.force}, {period}: by {title.lower()}", title_justify="left")
        table.add_column(title)
        table.add_column("Count", justify="right")
        table.add_column("Share", justify="right")
        for key, count in counts.items():
            table.add_row(key, f"{count:,}", f"{count / result.total:.1%}" if result.total else "")
        table.add_section()
        table.add_row("Total", f"{result.total:,}", "100.0%" if result.total else "")
        console.out().print(table)
