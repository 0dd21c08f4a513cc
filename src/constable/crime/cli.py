"""``constable crimes``: a first look at crime records."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from constable import console
from constable.crime import service
from constable.crime.outcomes import sanction_breakdown
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


@app.command("outcomes")
def outcomes(
    ctx: typer.Context,
    force: str = typer.Option(..., help='The force, e.g. "West Yorkshire".'),
    start: str | None = typer.Option(None, "--from", help="First month, YYYY-MM."),
    end: str | None = typer.Option(None, "--to", help="Last month, YYYY-MM."),
    include_asb: bool = typer.Option(False, help="Count anti-social behaviour too."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sanction detections: crimes by Home Office outcome type, overall and by category.

    Example: constable crimes outcomes --force "West Yorkshire" --from 2018-07 --to 2018-07
    """
    first = service.parse_month(start) if start else None
    last = service.parse_month(end) if end else None
    with state(ctx).store().session() as session:
        result = sanction_breakdown(
            session=session, force=force, start=first, end=last, include_asb=include_asb
        )
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    period = f"months {result.start or 'first'} to {result.end or 'last'}"
    rate = result.sanction_detection_rate
    out = console.out()
    out.print(
        f"{result.force}, {period}: {result.crimes:,} crimes, "
        f"{result.sanction_detections:,} sanction detections"
        + (f" ({rate:.1%})" if rate is not None else "")
    )
    types = Table(title="By Home Office outcome type", title_justify="left")
    types.add_column("Outcome type")
    types.add_column("Crimes", justify="right")
    for label, count in result.by_type.items():
        types.add_row(label, f"{count:,}")
    out.print(types)
    categories = Table(title="By police.uk category", title_justify="left")
    for column in ("Category", "Crimes", "Sanction detections", "Rate"):
        categories.add_column(column, justify="left" if column == "Category" else "right")
    for category, row in result.by_category.items():
        share = row["rate"]
        categories.add_row(
            category,
            f"{row['crimes']:,}",
            f"{row['sanction_detections']:,}",
            f"{share:.1%}" if share is not None else "",
        )
    out.print(categories)
    if result.unmapped:
        out.print("Outcome strings not in the mapping: " + ", ".join(result.unmapped))
