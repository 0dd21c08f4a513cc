"""``constable performance``: the force against its most similar forces."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from constable import console
from constable.performance.charts import funnel_svg
from constable.performance.peers import FINANCIAL_YEAR, GROUP_SIZE, peer_report
from constable.state import state

app = typer.Typer(help="Performance: peers and grades.", no_args_is_help=True)


@app.command("peers")
def peers(
    ctx: typer.Context,
    force: str = typer.Option(..., help='The force, Home Office name, e.g. "Kent".'),
    group_size: int = typer.Option(
        GROUP_SIZE, "--group-size", min=1, help="Most similar forces in the group."
    ),
    year: str = typer.Option(FINANCIAL_YEAR, help="Financial year of recorded crime, YYYY/YY."),
    overdispersion: bool = typer.Option(
        False,
        "--overdispersion",
        help="Widen the funnel limits by the group's overdispersion (see docs/performance.md).",
    ),
    svg: Path | None = typer.Option(None, help="Also write the funnel plot to this SVG file."),
    as_json: bool = typer.Option(
        False, "--json", help='Print JSON: {"forces": [...], "peer_group": {...}}.'
    ),
) -> None:
    """Crime per 1,000 residents of every force, and the force's most similar forces with
    distances, funnel limits and grades.

    Needs the Home Office table in the store: constable import sample recorded-crime

    Example: constable performance peers --force Kent --json
    """
    with state(ctx).store().session() as session:
        report = peer_report(
            session=session,
            force=force,
            financial_year=year,
            size=group_size,
            adjust_overdispersion=overdispersion,
        )
    if svg is not None:
        svg.write_text(funnel_svg(report), encoding="utf-8")
    if as_json:
        payload = {
            "financial_year": report.financial_year,
            "forces": [f.as_dict() for f in report.rates.forces],
            "peer_group": report.as_dict(),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    out = console.out()
    own = report.force.rate.name
    group = {m.rate.name for m in report.members}
    forces = Table(
        title=f"Crime per 1,000 residents, {report.financial_year} (2011 census residents)",
        title_justify="left",
    )
    for column in ("Force", "Residents", "Offences", "Per 1,000"):
        forces.add_column(column, justify="left" if column == "Force" else "right")
    for rate in sorted(report.rates.forces, key=lambda r: r.per_1000):
        mark = " ◆" if rate.name == own else " •" if rate.name in group else ""
        forces.add_row(
            rate.name + mark, f"{rate.population:,}", f"{rate.offences:,}", f"{rate.per_1000:.2f}"
        )
    out.print(forces)
    table = Table(
        title=f"{own} and its {len(report.peers)} most similar forces (◆ {own}, • peers)",
        title_justify="left",
    )
    for column in ("Force", "Distance", "Per 1,000", "95% limits", "99.8% limits", "Grade"):
        table.add_column(column, justify="left" if column in ("Force", "Grade") else "right")
    for member in report.members:
        limits = member.limits
        table.add_row(
            member.rate.name,
            f"{member.distance:.3f}",
            f"{member.rate.per_1000:.2f}",
            f"{limits.lower_95:.2f}–{limits.upper_95:.2f}",
            f"{limits.lower_998:.2f}–{limits.upper_998:.2f}",
            member.grade.value,
        )
    out.print(table)
    out.print(f"Grade: {report.grade_test}.")
    out.print(f"Against last year: {report.trend_statement}.")
    if report.rates.excluded:
        out.print("Left out (not territorial forces): " + ", ".join(report.rates.excluded) + ".")
    if report.rates.unmatched:
        out.print(
            "Left out (not a territorial force of England and Wales): "
            + ", ".join(report.rates.unmatched)
            + "."
        )
