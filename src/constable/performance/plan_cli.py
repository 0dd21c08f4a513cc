"""``constable plan``: check a plan file, judge its measures for a quarter, import external
measures, list the measures."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from constable import console
from constable.community.service import district_or_none, get_force, parse_quarter
from constable.config import get_settings
from constable.performance.budgets import budget_tables, import_budgets, pounds
from constable.performance.external import COLUMNS, import_external
from constable.performance.measures import MEASURES
from constable.performance.plan import describe_target, format_value, load_plan
from constable.performance.status import Status, plan_status
from constable.state import state

app = typer.Typer(
    help="The Police and Crime Plan: check it, judge its measures, import external figures.",
    no_args_is_help=True,
)

PLAN_HELP = (
    "A plan file (YAML), or a shipped plan's name: policing-kent-2007-10, safer-in-kent-2017-21."
)

STYLES = {
    Status.ON_TRACK: "green",
    Status.AT_RISK: "yellow",
    Status.OFF_TRACK: "red",
}


@app.command("check")
def check(plan: str = typer.Argument(..., help=PLAN_HELP)) -> None:
    """Check a plan file and print it as a tree: priorities, objectives, measures, targets.

    Example: constable plan check policing-kent-2007-10
    """
    found = load_plan(plan)
    tree = Tree(
        f"[bold]{found.name}[/] ({found.force}, {found.period.start} to {found.period.end})"
    )
    lines = list(found.lines())
    targets = 0
    for priority in found.priorities:
        branch = tree.add(f"[bold]{priority.key}[/] {escape(priority.title)}")
        for objective in priority.objectives:
            leaf = branch.add(escape(f"{objective.key} {objective.title}"))
            for line in (x for x in lines if x.objective is objective):
                item = line.item
                unit = item.definition.unit
                area = "" if item.area == "force" else f", {item.area}"
                node = leaf.add(
                    escape(f"{line.key} {item.label} ({item.measure}{area}; {line.owner})")
                )
                for target in item.targets:
                    node.add(describe_target(target, unit))
                    targets += 1
    out = console.out()
    out.print(tree)
    out.print(
        f"{found.name}: {len(lines)} measures, {targets} targets; every measure is defined "
        "(constable plan measures lists them)."
    )


@app.command("status")
def status(
    ctx: typer.Context,
    plan: str = typer.Argument(..., help=PLAN_HELP),
    quarter: str = typer.Option(..., help="A calendar quarter, e.g. 2017Q3 (July to September)."),
    district: str | None = typer.Option(
        None, help="A district's name, slug or ONS code (default: the whole force)."
    ),
    force: str | None = typer.Option(None, help="The force (default: the plan's force)."),
    spc: bool = typer.Option(True, "--spc/--no-spc", help="Chart 24 months for SPC signals."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: every measure in full."),
) -> None:
    """Every measure of a plan for a quarter: its value, the change on a year before (tested),
    SPC signals, and each target on track, at risk or off track, with how it was decided.

    Example: constable plan status policing-kent-2007-10 --quarter 2007Q3
    """
    found_plan = load_plan(plan)
    period = parse_quarter(quarter)
    with state(ctx).store().session() as session:
        found_force = get_force(session=session, code=force or found_plan.force)
        where = district_or_none(session=session, force=found_force, district=district)
        result = plan_status(
            session=session,
            force=found_force,
            plan=found_plan,
            quarter=period,
            district=where,
            with_spc=spc,
        )
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, default=str))
        return
    out = console.out()
    area = result.district or result.force
    out.print(f"[bold]{escape(found_plan.name)}[/]: {area}, {period.label}")
    table = Table(title_justify="left")
    for heading in ("Key", "Measure", "Area", period.label, "A year before", "Change", "Status"):
        table.add_column(heading, justify="right" if heading in (period.label,) else "left")
    for item in result.measures:
        unit = item.measure.unit
        shown = str(item.status)
        style = STYLES.get(item.status)
        table.add_row(
            item.line.key,
            escape(item.line.item.label if len(item.line.item.label) <= 60 else item.measure.label),
            item.area,
            format_value(item.value.value, unit),
            format_value(item.change.previous.value, unit),
            str(item.change.assessment),
            f"[{style}]{shown}[/]" if style else shown,
        )
    out.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items() if n)
    out.print(f"{len(result.measures)} measures: {counts}.")
    for item in result.measures:
        out.print(f"[bold]{item.line.key}[/] {escape(item.statement)}")
        if len(item.targets) > 1:
            for target in item.targets:
                out.print(f"  - {escape(target.text)}: {target.status}")


@app.command("import-measures")
def import_measures(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A CSV of external measures (docs/plan.md)."),
    force: str = typer.Option(get_settings().force, help="The force the figures are for."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: rows, added, replaced."),
) -> None:
    """Import the values of external measures (survey results, sickness, savings...) from CSV,
    all or nothing. Columns: measure, period_start, period_end, area, value, numerator,
    denominator, source (numerator and denominator optional).

    Example: constable plan import-measures kcvs-2007.csv
    """
    with state(ctx).store().session() as session:
        found_force = get_force(session=session, code=force)
        result = import_external(session=session, force=found_force, path=path, actor="cli")
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    if result.already_imported:
        console.out().print(f"{result.name}: imported before; nothing to do.")
        return
    console.out().print(
        f"{result.name}: {result.rows} rows; {result.added} added, {result.replaced} replaced, "
        f"{result.unchanged} unchanged."
    )


@app.command("import-budgets")
def import_budgets_command(
    ctx: typer.Context,
    path: str = typer.Argument(
        ...,
        help="A budget CSV (docs/plan.md), or a shipped file's name: kent-2006-08, kent-2020-21.",
    ),
    force: str = typer.Option(get_settings().force, help="The force the budgets are for."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: rows, tables, warnings."),
) -> None:
    """Import budget and commissioning tables from CSV, all or nothing; each table (statement
    and year) replaces the same table already imported. Columns: statement, financial_year,
    heading, line, kind, amount, source, note (heading and note optional).

    Example: constable plan import-budgets kent-2006-08
    """
    with state(ctx).store().session() as session:
        found_force = get_force(session=session, code=force)
        result = import_budgets(session=session, force=found_force, path=path, actor="cli")
        tables, _ = budget_tables(session=session, force=found_force)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    out = console.out()
    if result.already_imported:
        out.print(f"{result.name}: imported before; nothing to do.")
        return
    replaced = f" ({', '.join(result.replaced)} replaced)" if result.replaced else ""
    out.print(
        f"{result.name}: {result.rows} rows in {len(result.tables)} tables: "
        f"{', '.join(result.tables)}{replaced}."
    )
    for warning in result.warnings:
        out.print(f"[yellow]Warning:[/] {escape(warning)}")
    written = {t.split()[0] for t in result.tables}
    for table in (t for t in tables if t.statement in written):
        shown = Table(
            title=f"{table.title}, {table.financial_year}"
            + (f" (against {table.previous_year})" if table.previous_year else ""),
            title_justify="left",
        )
        for heading in ("Line", table.financial_year, "Year before", "Change"):
            shown.add_column(heading, justify="left" if heading == "Line" else "right")
        for figure in table.figures:
            change = (
                ""
                if figure.change is None
                else pounds(figure.change, sign=True)
                + (f" ({figure.change_share:+.1%})" if figure.change_share is not None else "")
            )
            shown.add_row(
                escape(figure.line) if figure.kind == "line" else f"[bold]{escape(figure.line)}[/]",
                pounds(figure.amount),
                "" if figure.previous is None else pounds(figure.previous),
                change,
            )
        out.print(shown)


@app.command("measures")
def list_measures(
    source: str | None = typer.Option(None, help="Only store or external measures."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: every measure in full."),
) -> None:
    """The measures a plan can name: name, label, unit, kind, which way is better, source.

    Example: constable plan measures --source external
    """
    found = [m for m in MEASURES.values() if source is None or m.source == source]
    if as_json:
        typer.echo(json.dumps([m.as_dict() for m in found], indent=2))
        return
    table = Table(title="Measures (docs/plan.md defines each)", title_justify="left")
    for heading in ("Name", "Label", "Unit", "Kind", "Better", "Source"):
        table.add_column(heading)
    for m in found:
        table.add_row(m.name, m.label, m.unit, m.kind, m.better, m.source)
    console.out().print(table)
    if source in (None, "external"):
        console.out().print(f"External measures are imported from CSV: {', '.join(COLUMNS)}.")
