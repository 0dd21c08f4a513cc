"""``constable report``: the quarter's figures, printed as tables or JSON."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from constable import console
from constable.community import report
from constable.community.service import district_or_none, get_force, parse_quarter
from constable.config import get_settings
from constable.state import state

app = typer.Typer(help="Reports: the quarter's figures.", no_args_is_help=True)


@app.command("community")
def community(
    ctx: typer.Context,
    quarter: str = typer.Option(..., help="A calendar quarter, e.g. 2017Q3 (July to September)."),
    district: str | None = typer.Option(
        None, help="A district's name, slug or ONS code (default: the whole force)."
    ),
    force: str = typer.Option(get_settings().force, help="The force."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: every section's figures."),
) -> None:
    """The quarter's community figures: s.136 detentions, Community Speedwatch, Special
    Constables and volunteers, school officers.

    Example: constable report community --district Sevenoaks --quarter 2017Q3
    """
    period = parse_quarter(quarter)
    with state(ctx).store().session() as session:
        found_force = get_force(session=session, code=force)
        found = district_or_none(session=session, force=found_force, district=district)
        result = report.build(session=session, force=found_force, quarter=period, district=found)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, default=str))
        return
    out = console.out()
    out.print(
        f"[bold]{result.area}: community figures, {period.label}[/] "
        f"({period.start.day} {period.start:%B %Y} to "
        f"{period.last_day.day} {period.last_day:%B %Y}; "
        f"financial year {period.financial_year}, quarter {period.financial_quarter})"
    )
    for part in result.sections:
        figures = Table(title=part.title, title_justify="left")
        figures.add_column("Figure")
        figures.add_column("Value", justify="right")
        for figure in part.figures:
            figures.add_row(figure.label, figure.text)
        out.print(figures)
        for breakdown in part.tables:
            if not breakdown.rows:
                continue
            table = Table(title=f"{part.title}: {breakdown.title}", title_justify="left")
            for index, (_, heading) in enumerate(breakdown.columns):
                table.add_column(heading, justify="left" if index == 0 else "right")
            for row in breakdown.rows:
                table.add_row(*(_cell(row.get(key)) for key, _ in breakdown.columns))
            out.print(table)
        for note in part.notes:
            out.print(f"[dim]{note}[/]")


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
