"""``constable staffing`` and ``constable simulate``: call-handler staffing, simulation runs,
scenario comparisons, demand refits and replays into a live control room."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from constable import console
from constable.force import service as force_service
from constable.force.config import load_config
from constable.simulation import SimulationError
from constable.simulation.compare import compare, formatted_interval, summarise
from constable.simulation.contacts import busiest_hour, plan_day, window
from constable.simulation.demand import dump_calibration, load_calibration
from constable.simulation.engine import Replication
from constable.simulation.metrics import describe
from constable.simulation.parallel import jobs_for, run_jobs
from constable.simulation.replay import neighbourhood_weights, replay, sign_in
from constable.simulation.report import write_report
from constable.simulation.scenarios import load_scenario, shipped_scenarios
from constable.simulation.staffing import day_plan, solve
from constable.state import state

staffing_app = typer.Typer(help="Call-handler staffing by Erlang C.", no_args_is_help=True)
simulate_app = typer.Typer(
    help="Simulate demand, the control room and response; compare scenarios.",
    no_args_is_help=True,
)

WORKERS = typer.Option(2, "--workers", min=0, help="Local Dask worker processes (0: this process).")
SCHEDULER = typer.Option(
    None, "--scheduler", metavar="ADDRESS", help="A Dask scheduler, e.g. tcp://10.0.0.5:8786."
)


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


@staffing_app.command("erlang")
def erlang_command(
    calls_per_hour: float = typer.Option(..., "--calls-per-hour", help="Calls arriving an hour."),
    handle_seconds: float = typer.Option(..., "--handle-seconds", help="Mean handling time."),
    target_seconds: float = typer.Option(..., "--target-seconds", help="Answer within this."),
    service_level: float = typer.Option(0.9, "--service-level", help="Share to answer in time."),
    shrinkage: float = typer.Option(0.0, "--shrinkage", help="Share of paid time off calls."),
    as_json: bool = typer.Option(False, "--json", help="Print the five figures as JSON."),
) -> None:
    """The fewest handlers on calls (agents) meeting the service level by Erlang C, and the
    handlers to roster after shrinkage (scheduled).

    Example: constable staffing erlang --calls-per-hour 30 --handle-seconds 240
    --target-seconds 10 --service-level 0.9 --shrinkage 0.3 --json
    """
    result = solve(
        calls_per_hour=calls_per_hour,
        handle_seconds=handle_seconds,
        target_seconds=target_seconds,
        service_level=service_level,
        shrinkage=shrinkage,
    )
    if as_json:
        payload = {
            k: _json_number(v) if isinstance(v, float) else v for k, v in result.as_dict().items()
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(title="Erlang C staffing", title_justify="left")
    for column in ("agents", "scheduled", "service level", "ASA (s)", "occupancy"):
        table.add_column(column, justify="right")
    table.add_row(
        str(result.agents),
        str(result.scheduled),
        f"{result.service_level:.1%} within {target_seconds:g} s",
        f"{result.asa_seconds:.1f}",
        f"{result.occupancy:.1%}",
    )
    console.out().print(table)


@staffing_app.command("plan")
def plan_command(
    force: str = typer.Option("kent", help="A shipped force's code or a configuration file."),
    demand: str = typer.Option("kent", help="A shipped demand calibration or a YAML file."),
    weekday: int | None = typer.Option(
        None, min=0, max=6, help="Day of the week (0 Monday); default an average day."
    ),
    growth: float = typer.Option(1.0, help="Demand growth factor."),
    shrinkage: float = typer.Option(0.3, help="Share of paid time off calls."),
    interval: int = typer.Option(60, help="Minutes per interval: 15, 20, 30 or 60."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Call handlers per interval for a day: each channel's pool sized by Erlang C to the
    force's answer targets (90% of 999 calls in 10 s, 90% of 101 calls in 30 s for Kent).

    Example: constable staffing plan --weekday 5 --shrinkage 0.3
    """
    if growth <= 0:
        raise SimulationError(f"growth == {growth:g}, must be > 0")
    config = load_config(force)
    calibration = load_calibration(demand)
    factor = growth * (calibration.weekday[weekday] * 7 if weekday is not None else 1.0)
    plan = day_plan(
        config=config,
        calls_per_day={c: d.per_day * factor for c, d in calibration.channels.items()},
        hourly={c: d.hourly for c, d in calibration.channels.items()},
        handle_seconds={c: d.mean_handle_seconds() for c, d in calibration.channels.items()},
        shrinkage=shrinkage,
        interval_minutes=interval,
    )
    if as_json:
        typer.echo(json.dumps({"intervals": [i.as_dict() for i in plan]}, indent=2))
        return
    channels = list(calibration.channels)
    table = Table(
        title=f"Call handlers per {interval} minutes ({config.name}, shrinkage {shrinkage:.0%})",
        title_justify="left",
    )
    table.add_column("from")
    for channel in channels:
        table.add_column(f"{channel} calls", justify="right")
        table.add_column(f"{channel} agents", justify="right")
    table.add_column("agents", justify="right")
    table.add_column("scheduled", justify="right")
    for row in plan:
        cells = [row.as_dict()["start"]]
        for channel in channels:
            cells += [f"{row.calls[channel]:.0f}", str(row.staffing[channel].agents)]
        table.add_row(*cells, str(row.agents), str(row.scheduled))
    out = console.out()
    out.print(table)
    hours = sum(r.scheduled * r.minutes for r in plan) / 60
    out.print(f"Handler-hours to roster: {hours:,.0f} a day.")


def _progress(total: int, what: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console.err(),
        transient=True,
    )


def _run(
    scenarios: list[Any],
    *,
    days: int,
    warm_up: int,
    replications: int,
    scheduler: str | None,
    workers: int,
    seed: int | None,
) -> list[Replication]:
    jobs = jobs_for(scenarios, replications, seed)
    with _progress(len(jobs), "replications") as bar:
        task = bar.add_task("run", total=len(jobs))
        return run_jobs(
            jobs,
            days=days,
            warm_up_days=warm_up,
            scheduler=scheduler,
            workers=workers,
            done=lambda _r: bar.advance(task),
        )


@simulate_app.command("run")
def run_command(
    scenario: str = typer.Argument(..., help="A scenario YAML file or a shipped scenario's name."),
    days: int = typer.Option(28, min=1, help="Days to simulate in each replication."),
    warm_up: int = typer.Option(1, "--warm-up", min=0, help="Days left out at the start."),
    replications: int = typer.Option(1, min=1, help="Independent replications."),
    scheduler: str | None = SCHEDULER,
    workers: int = typer.Option(
        0, "--workers", min=0, help="Local Dask workers (0: this process)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print every figure as JSON."),
) -> None:
    """Simulate a scenario and print every figure (mean and 95% interval over replications).

    Example: constable simulate run kent-2013-district --days 7
    """
    loaded = load_scenario(scenario)
    results = _run(
        [loaded],
        days=days,
        warm_up=warm_up,
        replications=replications,
        scheduler=scheduler,
        workers=workers,
        seed=None,
    )
    figures = summarise(results)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "scenario": loaded.name,
                    "days": days,
                    "warm_up_days": warm_up,
                    "replications": replications,
                    "contacts": sum(r.contacts for r in results),
                    "figures": {n: i.as_dict() for n, i in figures.items()},
                },
                indent=2,
            )
        )
        return
    table = Table(
        title=f"{loaded.name}: {replications} × {days} days (first {warm_up} left out)",
        title_justify="left",
    )
    table.add_column("figure")
    table.add_column("mean (95% interval)", justify="right")
    for name, interval_ in figures.items():
        description = describe(name)
        table.add_row(description.label, formatted_interval(interval_, description.unit))
    console.out().print(table)


@simulate_app.command("compare")
def compare_command(
    base: str = typer.Argument(..., help="The base scenario (YAML file or shipped name)."),
    other: str = typer.Argument(..., help="The scenario to compare with it."),
    days: int = typer.Option(28, min=1, help="Days to simulate in each replication."),
    warm_up: int = typer.Option(1, "--warm-up", min=0, help="Days left out at the start."),
    replications: int = typer.Option(20, min=2, help="Replications of each scenario."),
    scheduler: str | None = SCHEDULER,
    workers: int = WORKERS,
    out: Path | None = typer.Option(
        None, "--out", help="Folder for report.html, the SVG charts and comparison.json."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Compare two scenarios: every figure with 95% confidence intervals over replications, and
    the paired difference (both run with the base scenario's seeds).

    Example: constable simulate compare kent-2013-central kent-2013-district --days 28
    --replications 20 --out report/
    """
    first, second = load_scenario(base), load_scenario(other)
    if first.name == second.name:
        raise SimulationError(f"both scenarios are called {first.name!r}: rename one")
    results = _run(
        [first, second],
        days=days,
        warm_up=warm_up,
        replications=replications,
        scheduler=scheduler,
        workers=workers,
        seed=first.seed,
    )
    comparison = compare(
        [r for r in results if r.scenario == first.name],
        [r for r in results if r.scenario == second.name],
    )
    written = write_report(comparison, [first, second], out) if out is not None else []
    if as_json:
        typer.echo(json.dumps(comparison.as_dict(), indent=2))
        return
    table = Table(
        title=f"{first.name} against {second.name}: {replications} × {days} days, 95% intervals",
        title_justify="left",
    )
    for column in ("figure", first.name, second.name, "difference"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for row in comparison.rows:
        unit = row.description.unit
        difference = formatted_interval(row.difference, unit)
        table.add_row(
            row.description.label,
            formatted_interval(row.base, unit),
            formatted_interval(row.other, unit),
            f"[bold]{difference}[/]" if row.distinct else difference,
        )
    output = console.out()
    output.print(table)
    for path in written:
        output.print(f"wrote {path}")


@simulate_app.command("check")
def check_command(
    scenario: str = typer.Argument(..., help="A scenario YAML file or a shipped scenario's name."),
) -> None:
    """Check a scenario without running it: the force, the demand and every change.

    Example: constable simulate check my-scenario.yaml
    """
    loaded = load_scenario(scenario)
    kinds: dict[str, int] = {}
    for unit in loaded.units:
        kinds[unit.kind] = kinds.get(unit.kind, 0) + 1
    out = console.out()
    out.print(f"{loaded.name}: valid ({loaded.where}).")
    out.print(
        "Units: " + ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
    )
    out.print(f"Assumptions listed: {len(loaded.assumptions)}.")


@simulate_app.command("scenarios")
def scenarios_command() -> None:
    """The scenarios that ship with Constable."""
    for name, path in shipped_scenarios().items():
        typer.echo(f"{name}\t{path}")


@simulate_app.command("calibrate")
def calibrate_command(
    ctx: typer.Context,
    force: str = typer.Option("kent", help="The force's code in the store."),
    base: str = typer.Option("kent", help="The calibration to refit over."),
    out: Path | None = typer.Option(None, "--out", help="Write the YAML here (default: print)."),
    min_incidents: int = typer.Option(200, "--min-incidents", min=1),
) -> None:
    """Refit the demand calibration from the incidents in the store.

    Example: constable simulate calibrate --out kent-refit.yaml
    """
    from constable.simulation.calibrate import refit

    with state(ctx).store().session() as session:
        found = force_service.get_or_raise(session=session, code=force)
        result = refit(
            session=session, force=found, base=load_calibration(base), min_incidents=min_incidents
        )
    text = dump_calibration(result.calibration)
    errors = console.err()
    for note in result.notes:
        errors.print(f"- {note}")
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        errors.print(f"wrote {out}")


@simulate_app.command("replay")
def replay_command(
    url: str = typer.Option(
        ..., "--url", help="The running Constable, e.g. http://127.0.0.1:8000."
    ),
    username: str = typer.Option(..., "--username", help="A call handler's user name."),
    speed: float = typer.Option(50.0, help="Times real speed."),
    start: float | None = typer.Option(None, help="Hour of the day to start (default busiest)."),
    hours: float = typer.Option(1.0, help="Hours of the day to send."),
    seed: int = typer.Option(3, help="Seed of the generated day."),
    force: str = typer.Option("kent", help="The force whose neighbourhoods calls come from."),
    demand: str = typer.Option("kent", help="The demand calibration (volumes and profiles)."),
    connections: int = typer.Option(16, min=1, help="Calls in flight at most."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Send a generated window of a day's contacts to a live control room at SPEED times real
    speed; the password is read from standard input.

    Example: echo "$PASSWORD" | constable simulate replay --url http://127.0.0.1:8000
    --username handler1 --speed 50 --hours 1
    """
    if hours <= 0:
        raise SimulationError(f"hours == {hours:g}, must be > 0")
    password = sys.stdin.readline().rstrip("\n")
    calibration = load_calibration(demand)
    codes, weights = neighbourhood_weights(load_config(force))
    first = busiest_hour(calibration) if start is None else start
    chosen = window(plan_day(codes, weights, seed, calibration), first, hours)
    token = sign_in(url, username, password)
    with _progress(len(chosen), f"replaying at {speed:g}x") as bar:
        task = bar.add_task("send", total=len(chosen))
        result = replay(
            url,
            token,
            chosen,
            speed=speed,
            connections=connections,
            sent=lambda n: bar.update(task, completed=n),
        )
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    out = console.out()
    out.print(
        f"sent {result.sent:,} contacts in {result.wall_seconds:,.1f} s; {result.created:,} "
        f"incidents created; answers: {dict(result.statuses)}"
    )
    for line in result.errors[:3]:
        out.print(f"  [red]{line}[/]")
