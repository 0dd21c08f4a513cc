"""``constable trends``: what is rising or falling beyond chance in a force's crime."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from constable import console
from constable.crime.service import parse_month
from constable.state import state

if TYPE_CHECKING:
    from constable.analysis.crime_trends import By


def trends_command(
    ctx: typer.Context,
    force: str = typer.Option(..., help='The force, e.g. "West Yorkshire" or Kent.'),
    by: str = typer.Option("both", help="Series by area, category or both."),
    start: str | None = typer.Option(None, "--from", help="First month, YYYY-MM."),
    end: str | None = typer.Option(None, "--to", help="Last month, YYYY-MM."),
    alpha: float = typer.Option(0.05, help="False discovery rate of the year-on-year tests."),
    include_asb: bool = typer.Option(False, help="Count anti-social behaviour too."),
    charts: Path | None = typer.Option(
        None, help="A folder for an SVG chart (XmR) of each series with a finding."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What is rising or falling beyond chance, by area and crime type (XmR rules and a
    Poisson test against a year before; see docs/trends.md).

    Example: constable trends --force "West Yorkshire" --by category
    """
    # Imported here, not at the top: they bring scipy.stats, which every other command (a
    # forecast, the control room) would otherwise wait for at start-up.
    from constable.analysis import trends
    from constable.analysis.crime_trends import crime_trends

    if by not in ("area", "category", "both"):
        raise typer.BadParameter(f"{by!r}: choose area, category or both", param_hint="--by")
    chosen: By = by  # type: ignore[assignment]
    with state(ctx).store().session() as session:
        found = crime_trends(
            session=session,
            force=force,
            by=chosen,
            start=parse_month(start) if start else None,
            end=parse_month(end) if end else None,
            include_asb=include_asb,
            alpha=alpha,
        )
    written = []
    if charts is not None:
        charts.mkdir(parents=True, exist_ok=True)
        for number, group in enumerate(dict.fromkeys(f.group for f in found.findings), start=1):
            if group not in found.series:
                continue
            chart = trends.xmr(found.series[group])
            path = charts / f"trend-{number:02d}.svg"
            path.write_text(
                trends.xmr_svg(
                    chart,
                    title=f"{found.force}: {trends.group_label(group)}",
                    id_prefix=f"t{number}",
                ),
                encoding="utf-8",
            )
            written.append(str(path))
    if as_json:
        typer.echo(json.dumps({**found.as_dict(), "charts": written}, indent=2))
        return
    out = console.out()
    out.print(
        f"{found.force}: {len(found.months)} months ({', '.join(found.months[-6:])}"
        f"{'…' if len(found.months) > 6 else ''}); {found.mode}."
    )
    if not found.findings:
        out.print("Nothing is rising or falling beyond chance.")
        return
    table = Table(title="Rising or falling beyond chance, strongest first", title_justify="left")
    for column in ("Series", "Direction", "Rule", "Months", "Detail"):
        table.add_column(column)
    for finding in found.findings:
        table.add_row(
            finding.label,
            str(finding.direction),
            str(finding.rule),
            finding.first
            if finding.first == finding.last
            else f"{finding.first} to {finding.last}",
            finding.detail,
        )
    out.print(table)
    for chart_file in written:
        out.print(f"Chart: {chart_file}")
