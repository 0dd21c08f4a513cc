"""``constable board-pack``: the quarterly Performance and Delivery Board pack."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from constable import console
from constable.community.service import district_or_none, get_force, parse_quarter
from constable.performance.boardpack.assemble import assemble
from constable.performance.boardpack.build import check_target, write_pack
from constable.performance.plan import load_plan
from constable.state import state

STEPS = ("Measures and status", "Districts", "Peers", "Audit", "Finance", "HTML", "CSV", "PDF")


def board_pack(
    ctx: typer.Context,
    plan: str = typer.Option(
        ...,
        help="A plan file (YAML) or a shipped plan's name: policing-kent-2007-10, "
        "safer-in-kent-2017-21.",
    ),
    quarter: str = typer.Option(..., help="A calendar quarter, e.g. 2017Q3 (July to September)."),
    out: Path = typer.Option(
        ..., help="The folder to write: index.html, board-pack.pdf, figures.csv."
    ),
    public: bool = typer.Option(
        False,
        "--public",
        help="The public version: nothing personal, counts from 1 to 9 withheld.",
    ),
    district: str | None = typer.Option(
        None, help="One district (name, slug or ONS code) instead of the whole force."
    ),
    force: str | None = typer.Option(None, help="The force (default: the plan's force)."),
) -> None:
    """Write the quarterly board pack: a one-page summary of every measure with its status, then
    the five papers (Delivery & Performance; Inspections, Audits & Reviews; People; Finance;
    Collaboration & Partnership Working) with charts and tables, as HTML, PDF and a CSV of every
    figure. Nothing is written unless the whole pack is built.

    Example: constable board-pack --plan policing-kent-2007-10 --quarter 2017Q3 --out pack/
    """
    found_plan = load_plan(plan)
    period = parse_quarter(quarter)
    check_target(out.resolve())
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console.err(),
        transient=True,
    ) as progress:
        task = progress.add_task("Board pack", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=f"Board pack: {name}", advance=1)

        with state(ctx).store().session() as session:
            found_force = get_force(session=session, code=force or found_plan.force)
            where = district_or_none(session=session, force=found_force, district=district)
            pack = assemble(
                session=session,
                force=found_force,
                plan=found_plan,
                quarter=period,
                district=where,
                public=public,
                progress=step,
            )
        written = write_pack(pack, out, progress=step)
    counts = ", ".join(f"{n} {s}" for s, n in pack.counts.items())
    console.out().print(
        f"{pack.title}{' (public)' if public else ''}: {len(pack.summary)} measures ({counts}); "
        f"{written.figures} figures; {written.pages} PDF pages; written to {written.folder}"
    )
