"""``constable patrol``: plan a district's shift of hotspot patrols, record visits, export the
boxes as GeoJSON and a printable map, and analyse the randomised design. See docs/patrol.md."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from constable import console
from constable.analysis import patrol, patrol_service
from constable.analysis.models import PatrolPlan
from constable.config import get_settings
from constable.crime.service import parse_month
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force
from constable.state import state

app = typer.Typer(help="Patrol plans: boxes to visit, visits, the randomised design.")


class PatrolCliError(ConstableError):
    """A command-line value that cannot be used."""


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PatrolCliError(f"{option} {text!r} is not a date written YYYY-MM-DD") from None


def _district(session: Session, force: Force, district: str) -> District:
    return force_service.get_district_or_raise(session=session, force=force, district=district)


def _print_plan(data: dict[str, Any]) -> None:
    out = console.out()
    boxes = data["boxes"]
    history = data["history"]
    out.print(
        f"Plan {data['id']}: {data['district_name']}, {data['shift']} shift of {data['day']} "
        f"({data['starts_at']} to {data['ends_at']}); {data['method']} forecast from "
        f"{history['events']:,} crimes of {history['from']} to {history['to']}; "
        f"design {data['design']}" + (f", seed {data['seed']}" if data["seed"] is not None else "")
    )
    table = Table(title_justify="left")
    for column in ("unit.stop", "cell", "rank", "neighbourhood", "arm", "arrive (min)", "visits"):
        table.add_column(column, justify="right" if column in ("rank", "visits") else "left")
    ordered = sorted(
        boxes, key=lambda b: (b["unit"] is None, b["unit"] or 0, b["order"] or 0, b["rank"])
    )
    for box in ordered:
        table.add_row(
            "–" if box["unit"] is None else f"{box['unit']}.{box['order']}",
            box["cell"],
            str(box["rank"]),
            box["area"] or "–",
            box["arm"],
            "–" if box["arrive_minute"] is None else f"{box['arrive_minute']:.0f}",
            f"{len(box['visits'])} ({box['visited_minutes']:g} min)",
        )
    out.print(table)
    for note in data["notes"]:
        out.print(f"Note: {note}")


@app.command("plan")
def plan_command(
    ctx: typer.Context,
    district: str = typer.Option(..., help="The district (slug, name or ONS code)."),
    day: str = typer.Option(..., "--date", help="The day of the shift, YYYY-MM-DD."),
    shift: str = typer.Option("day", help="early, late, night (the rota) or day (PCSOs, CPT)."),
    force: str = typer.Option(get_settings().force, help="The force."),
    method: str = typer.Option(
        "auto",
        help="The forecaster: auto (chosen by a backtest on the history), naive, kde, blend, "
        "prospective, sepp, learned.",
    ),
    cell: float = typer.Option(150.0, help="Box size in metres."),
    history_months: int = typer.Option(12, help="Months of crime to forecast from."),
    history_to: str | None = typer.Option(
        None, help="Last month of history, YYYY-MM (default: the month before the shift)."
    ),
    boxes: int = typer.Option(20, help="Boxes to choose (Mohler 2015: about 20)."),
    units: int = typer.Option(1, help="Units patrolling the boxes."),
    minutes_per_unit: float = typer.Option(120.0, help="Each unit's minutes for boxes."),
    minutes_per_box: float = typer.Option(15.0, help="Minutes in each box (Koper: 10-15)."),
    speed: float = typer.Option(20.0, help="Travel between boxes, km/h (4.5 on foot)."),
    spacing: int = typer.Option(1, help="Cells between boxes of different units."),
    priority: list[str] | None = typer.Option(
        None,
        help="A priority neighbourhood, LSOA=WEIGHT (e.g. E01024044=1.5); repeat. Without "
        "it, the district's open neighbourhood priorities are used.",
    ),
    ignore_neighbourhood_priorities: bool = typer.Option(
        False, help="Plan from the forecast alone, without the neighbourhood priorities."
    ),
    randomised: bool = typer.Option(
        False, help="Randomised design: a seeded half of the high-risk boxes is the control."
    ),
    seed: int | None = typer.Option(None, help="The design's seed (required with it)."),
    actor: str = typer.Option("cli", help="Who is planning (for the audit log)."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Choose and keep the boxes a district's units should patrol in a shift.

    Example: constable patrol plan --district maidstone --date 2026-11-26 --shift day
    --units 2 --randomised --seed 2026
    """
    rules = patrol.PatrolRules(
        boxes=boxes,
        units=units,
        minutes_per_unit=minutes_per_unit,
        minutes_per_box=minutes_per_box,
        speed_kmh=speed,
        spacing=spacing,
    )
    with state(ctx).store().session() as session:
        found_force = force_service.get_or_raise(session=session, code=force)
        found = _district(session, found_force, district)
        made = patrol_service.create_plan(
            session=session,
            force=found_force,
            district=found,
            day=_day(day, "--date"),
            shift=shift,
            rules=rules,
            actor=actor,
            method=method,
            cell_size=cell,
            history_months=history_months,
            history_to=parse_month(history_to) if history_to else None,
            design="randomised" if randomised else "ordinary",
            seed=seed,
            priorities=(
                patrol_service.resolve_priorities(priority)
                if priority
                else {}
                if ignore_neighbourhood_priorities
                else None
            ),
        )
        data = patrol_service.plan_dict(made, found)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    _print_plan(data)


def _plan(session: Session, force: str, plan_id: int) -> tuple[PatrolPlan, District, Force]:
    found_force = force_service.get_or_raise(session=session, code=force)
    plan = patrol_service.get_plan_or_raise(session=session, force=found_force, plan_id=plan_id)
    district = session.get(District, plan.district_id)
    assert district is not None
    return plan, district, found_force


@app.command("show")
def show_command(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="The plan's number."),
    force: str = typer.Option(get_settings().force, help="The force."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A plan's boxes, routes and recorded visits."""
    with state(ctx).store().session() as session:
        plan, district, _ = _plan(session, force, plan_id)
        data = patrol_service.plan_dict(plan, district)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    _print_plan(data)


@app.command("list")
def list_command(
    ctx: typer.Context,
    force: str = typer.Option(get_settings().force, help="The force."),
    district: str | None = typer.Option(None, help="Only this district."),
    start: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD."),
) -> None:
    """The plans kept, newest first."""
    with state(ctx).store().session() as session:
        found_force = force_service.get_or_raise(session=session, code=force)
        found = _district(session, found_force, district) if district else None
        plans = patrol_service.list_plans(
            session=session,
            force=found_force,
            district=found,
            start=_day(start, "--from") if start else None,
            end=_day(end, "--to") if end else None,
        )
        names = {d.id: d.name for d in found_force.districts}
        table = Table(title=f"Patrol plans of {found_force.name}", title_justify="left")
        for column in ("plan", "district", "day", "shift", "design", "boxes", "visited"):
            table.add_column(column)
        for plan in plans:
            routed = [b for b in plan.boxes if b.unit is not None]
            table.add_row(
                str(plan.id),
                names.get(plan.district_id, "?"),
                plan.shift_date.isoformat(),
                plan.shift,
                plan.design + (f" (seed {plan.seed})" if plan.seed is not None else ""),
                str(len(plan.boxes)),
                f"{sum(1 for b in routed if b.visits)} of {len(routed)}",
            )
    console.out().print(table)


@app.command("visit")
def visit_command(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="The plan's number."),
    cell: str = typer.Option(..., help="The box's cell id, e.g. E575850N155700."),
    unit: str = typer.Option(..., help="The unit's call sign or number."),
    arrived: str = typer.Option(
        ..., help="When the unit arrived, ISO date-time with offset (2026-11-26T09:30+00:00)."
    ),
    minutes: float = typer.Option(..., help="Minutes spent in the box."),
    note: str | None = typer.Option(None, help="What was done or seen."),
    force: str = typer.Option(get_settings().force, help="The force."),
    actor: str = typer.Option("cli", help="Who is recording (for the audit log)."),
) -> None:
    """Record a visit to a box of a plan."""
    try:
        arrived_at = dt.datetime.fromisoformat(arrived)
    except ValueError:
        raise PatrolCliError(f"--arrived {arrived!r} is not an ISO date-time") from None
    with state(ctx).store().session() as session:
        plan, _, _ = _plan(session, force, plan_id)
        visit = patrol_service.record_visit(
            session=session,
            plan=plan,
            cell=cell,
            unit=unit,
            arrived_at=arrived_at,
            minutes=minutes,
            actor=actor,
            note=note,
        )
        arm = visit.box.arm
    console.out().print(
        f"Recorded {minutes:g} minutes by {unit} in {cell} of plan {plan_id}"
        + (" (a control box: counted as a crossover in the design)" if arm == "control" else "")
    )


@app.command("export")
def export_command(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="The plan's number."),
    out: Path = typer.Option(..., help="The GeoJSON file to write."),
    svg: Path | None = typer.Option(None, help="Also a printable map, as SVG."),
    force: str = typer.Option(get_settings().force, help="The force."),
) -> None:
    """Write a plan's boxes as GeoJSON (WGS84) and a printable SVG map."""
    with state(ctx).store().session() as session:
        plan, district, _ = _plan(session, force, plan_id)
        boxes = patrol_service.boxes_of(plan)
        out.write_text(json.dumps(patrol.boxes_geojson(boxes, plan.crs)), encoding="utf-8")
        if svg is not None:
            svg.write_text(
                patrol.plan_svg(
                    boxes,
                    title=f"{district.name}: {plan.shift} shift of {plan.shift_date:%d %B %Y}",
                    outline=patrol_service.district_outline(session, district),
                ),
                encoding="utf-8",
            )
    console.out().print(
        f"Plan {plan_id}: {len(boxes)} boxes written to {out}" + (f" and {svg}" if svg else "")
    )


@app.command("delete")
def delete_command(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="The plan's number."),
    force: str = typer.Option(get_settings().force, help="The force."),
    actor: str = typer.Option("cli", help="Who is deleting (for the audit log)."),
) -> None:
    """Delete a plan that has no visits yet."""
    with state(ctx).store().session() as session:
        plan, _, _ = _plan(session, force, plan_id)
        patrol_service.delete_plan(session=session, plan=plan, actor=actor)
    console.out().print(f"Plan {plan_id} deleted")


@app.command("analyse")
def analyse_command(
    ctx: typer.Context,
    district: str = typer.Option(..., help="The district."),
    start: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD."),
    force: str = typer.Option(get_settings().force, help="The force."),
    confidence: float = typer.Option(0.95, help="Confidence of the interval."),
    permutations: int = typer.Option(9_999, help="Re-draws of the randomisation test."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Did patrols reduce crime? Crime in treatment against control boxes over the district's
    randomised plans: the rate ratio, its exact interval, and a randomisation test."""
    with state(ctx).store().session() as session:
        found_force = force_service.get_or_raise(session=session, code=force)
        found = _district(session, found_force, district)
        result, crossovers = patrol_service.analyse_design(
            session=session,
            force=found_force,
            district=found,
            start=_day(start, "--from"),
            end=_day(end, "--to"),
            confidence=confidence,
            permutations=permutations,
        )
    if as_json:
        typer.echo(json.dumps({**result.as_dict(), "control_visits": crossovers}, indent=2))
        return
    console.out().print(result.summary(), soft_wrap=True)
    if crossovers:
        console.out().print(
            f"{crossovers} visit(s) were recorded in control boxes: they dilute the difference "
            "(the analysis is by intention to treat)."
        )
