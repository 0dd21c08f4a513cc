"""``constable victims``: victim care from the command line."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from constable import console
from constable.config import get_settings
from constable.crime.service import records_name
from constable.force import service as force_service
from constable.public import victims
from constable.state import state

app = typer.Typer(help="Victim care: updates due.", no_args_is_help=True)


@app.command("due")
def due_command(
    ctx: typer.Context,
    district: str | None = typer.Option(None, help="Only this district's victims."),
    officer: str | None = typer.Option(None, help="Only this officer's (username)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only overdue updates."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Updates due to victims, per officer, most overdue first.

    Example: constable victims due --district maidstone --overdue
    """
    settings = get_settings()
    with state(ctx).store().session() as session:
        force = force_service.get_or_raise(session=session, code=settings.force)
        found = (
            force_service.get_district_or_raise(session=session, force=force, district=district)
            if district
            else None
        )
        rows = victims.due_updates(
            session=session, force_name=records_name(force),
            district_id=found.id if found else None, officer=officer,
            default_days=settings.victim_update_days,
        )  # fmt: skip
    rows = [r for r in rows if r.overdue or not overdue]
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    table = Table(title="Victim updates due", title_justify="left")
    for column in ("Officer", "Crime", "District", "Last contact", "Due", "Overdue"):
        table.add_column(column)
    for row in sorted(rows, key=lambda r: (r.officer or "~", r.due)):
        table.add_row(
            row.officer or "(no assessment yet)", row.reference, row.district or "–",
            row.last_contact.isoformat(), row.due.isoformat(),
            f"[bold red]{row.overdue_days} days[/]" if row.overdue else "",
        )  # fmt: skip
    console.out().print(table)
    console.out().print(f"{len(rows):,} due, {sum(r.overdue for r in rows):,} overdue")
