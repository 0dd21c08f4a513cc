"""Run every benchmark and print a summary (``make bench``).

1. ``import_speed``: the importer against row-by-row ORM inserts on a real 31.6k-row file.
2. ``import_million``: a generated 1,000,000-row file (100,000 with ``--quick``) imported in a
   child process: time, rows per second, peak memory, and the ``csv``-module floor.
3. ``control_replay``: the busiest hour of a day of Kent demand (a quarter of it with
   ``--quick``) through the HTTP API at 50x real speed; ``--full-day`` for all 24 hours (29 min).
4. ``control_load``: 200 contacts a second for 60 s (15 s with ``--quick``) on SQLite.
5. ``dispatch_speed``: a dispatch recommendation among 300 units on shift.
   ``board_page``: the board page with 300 open incidents and 300 units on duty.
6. ``hotspot_speed``: kernel density against the plain formula, prospective hotspots on a
   Kent-sized grid, the self-exciting point process fit; peak memory.
7. ``casework_scale``: saving a crime with repeat-victim flagging at 10,000 and 1,000,000 crimes
   (100,000 with ``--quick``), and the community report over them.
8. ``plan_speed`` (its own process): every measure of both shipped plans for a quarter over
   1,000,000 crimes and 2,000,000 incidents (a tenth with ``--quick``), and the full board pack.
9. ``simulation_speed``: a year of Kent demand through the control-room and response model on one
   core (60 days with ``--quick``), and replications on a 2-worker Dask cluster against one process.
10. ``public_load``: the Your Neighbourhood page at 200 requests a second (15 s with ``--quick``)
    and postcode look-ups.
11. ``alert_send`` (its own process): an alert to 100,000 subscribers (5,000 with ``--quick``)
    through a local SMTP server, against raw ``smtplib``.

12. ``triage_corpus`` (its own process): the triage rules' confusion matrices on the corpus and
    the held-out calls, and the time of one recommendation.
13. ``signin_flood`` (its own process): contacts at 200 a second beside 32 wrong sign-ins at a
    time and four maximal measure requests, against the same contacts alone (15 s each with
    ``--quick``, else 30 s).

Goals are printed as met or not; a missed goal does not fail the run.

Run: ``.venv/bin/python bench/run.py [--quick] [--repeats 3] [--full-day]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.rule import Rule
from rich.table import Table

import board_page
import casework_scale
import control_load
import control_replay
import dispatch_speed
import hotspot_speed
import import_million
import import_speed
import public_load
import simulation_speed
from benchkit import console, rate, verdict

QUICK_ROWS = 100_000
QUICK_REPLAY_HOURS = 0.25
QUICK_LOAD_SECONDS = 15.0
QUICK_CASEWORK_ROWS = 100_000
HERE = Path(__file__).parent


def script(name: str, *args: str) -> int:
    """Run ``bench/<name>.py`` in a process of its own (its output goes to this terminal)."""
    return subprocess.run([sys.executable, str(HERE / f"{name}.py"), *args], check=False).returncode


def summary(
    speed: import_speed.SpeedResult,
    million: import_million.MillionResult,
    replay: control_replay.ReplayResult,
    load: control_load.LoadResult,
    dispatch: dispatch_speed.DispatchResult,
    board: board_page.BoardResult,
    hotspots: hotspot_speed.HotspotResult,
    casework: casework_scale.CaseworkResult,
    simulation: simulation_speed.Figures,
    public: public_load.Result,
    scripts: dict[str, int],
) -> Table:
    """One table of every figure with its goal."""
    table = Table(title="Summary (ratios are against baselines run in the same process)")
    for column in ("benchmark", "measure", "value", "goal", ""):
        table.add_column(column, justify="right" if column in ("value", "goal") else "left")
    ratio_goal = import_speed.GOAL_RATIO
    table.add_row(
        "import_speed",
        f"importer vs ORM row by row ({speed.rows:,} rows)",
        f"{speed.ratio:.1f}x",
        f">= {ratio_goal:g}x",
        verdict(speed.goal_met),
    )
    table.add_row("", "importer rows/s (real file)", rate(speed.rows, speed.importer_best), "", "")
    full = million.rows == import_million.DEFAULT_ROWS
    scaled = million.seconds * import_million.DEFAULT_ROWS / million.rows
    time_cell = f"{million.seconds:.1f} s" + ("" if full else f" (~{scaled:.0f} s per 1M)")
    table.add_row(
        "import_million",
        f"import time ({million.rows:,} rows)",
        time_cell,
        f"< {import_million.GOAL_SECONDS:g} s per 1M",
        verdict(scaled < import_million.GOAL_SECONDS),
    )
    table.add_row("", "rows/s", rate(million.rows, million.seconds), "", "")
    table.add_row(
        "",
        "peak RSS of the importing process",
        f"{million.peak_rss_mb:,.0f} MB",
        f"< {import_million.GOAL_MB:g} MB",
        verdict(million.peak_rss_mb < import_million.GOAL_MB),
    )
    table.add_row(
        "", "importer / csv-module floor", f"{million.floor_multiple:.1f}x", "", "(lower is better)"
    )
    figures = replay.figures
    table.add_row(
        "control_replay",
        f"{replay.contacts:,} contacts at {replay.speed:g}x, {clock_span(replay)}",
        f"{figures.errors:,} errors",
        "0",
        verdict(figures.errors == 0),
    )
    table.add_row(
        "",
        "incidents stored = contacts sent",
        f"{replay.incidents_stored:,} / {replay.sent:,}",
        "equal",
        verdict(replay.counts_match),
    )
    table.add_row("", "throughput (contacts/s)", f"{figures.achieved_rate:,.1f}", "", "")
    table.add_row(
        "",
        "latency p50 / p99",
        f"{figures.p50_ms:,.1f} / {figures.p99_ms:,.1f} ms",
        "",
        f"{replay.ratio_p50:.1f}x / {replay.ratio_p99:.1f}x /healthz",
    )
    figures = load.figures
    table.add_row(
        "control_load",
        f"p99 at {load.rate:g} contacts/s for {load.seconds:g} s",
        f"{figures.p99_ms:,.1f} ms",
        f"< {control_load.GOAL_P99_MS:g} ms",
        verdict(load.p99_met),
    )
    table.add_row(
        "",
        "errors",
        f"{figures.errors:,} of {figures.sent:,}",
        f"{control_load.GOAL_ERRORS}",
        verdict(load.errors_met),
    )
    table.add_row(
        "",
        "achieved rate (contacts/s)",
        f"{figures.achieved_rate:,.1f}",
        f"{load.rate:g}",
        f"p99 {load.ratio_p99:.1f}x /healthz",
    )
    table.add_row(
        "dispatch_speed",
        f"recommendation among {dispatch.candidates} units (service)",
        f"{dispatch.service * 1000:,.1f} ms",
        "(none set)",
        f"{dispatch.service / dispatch.rank:.0f}x the pure ranking",
    )
    table.add_row(
        "",
        "the same over HTTP",
        f"{dispatch.http * 1000:,.1f} ms",
        "",
        f"{dispatch.http / dispatch.healthz:.0f}x /healthz",
    )
    table.add_row(
        "",
        "pure ranking (dispatch.rank)",
        f"{dispatch.rank * 1000:,.2f} ms",
        "",
        f"{dispatch.rank / dispatch.naive:.1f}x a naive sort",
    )
    table.add_row(
        "board_page",
        f"force board, {board.incidents} incidents, {board.units_on_duty} units (server time)",
        f"{board.server_ms:,.1f} ms",
        f"< {board_page.GOAL_MS:g} ms",
        f"{verdict(board.goal_met)}, {board.page_force / board.healthz:.0f}x /healthz",
    )
    kde = hotspots.kde
    table.add_row(
        "hotspot_speed",
        f"KDE, {kde.events:,} events, {kde.cells:,} cells",
        f"{kde.ours:.3f} s",
        f"< {hotspot_speed.GOAL_KDE_SECONDS:g} s",
        f"{verdict(kde.ours < hotspot_speed.GOAL_KDE_SECONDS)}, {kde.ratio:.0f}x the plain formula",
    )
    prospective = hotspots.prospective
    table.add_row(
        "",
        f"prospective, {prospective.events:,} events, {prospective.cells:,} cells",
        f"{prospective.seconds:.3f} s",
        f"< {hotspot_speed.GOAL_PROSPECTIVE_SECONDS:g} s",
        verdict(prospective.goal_met),
    )
    sepp = hotspots.sepp
    table.add_row(
        "",
        f"SEPP fit, {sepp.events:,} events",
        f"{sepp.seconds:.2f} s",
        f"< {hotspot_speed.GOAL_SEPP_SECONDS:g} s",
        verdict(sepp.goal_met),
    )
    table.add_row("", "peak memory", f"{hotspots.peak_mb:,.0f} MB", "", "")
    large, small = casework.large, casework.small
    table.add_row(
        "casework_scale",
        f"save with repeat-victim check, {large.rows:,} crimes",
        f"{large.median:.2f} ms",
        f"< {casework_scale.GOAL_MS:g} ms",
        f"{verdict(casework.goal_met)}, {large.median / small.median:.2f}x at {small.rows:,}",
    )
    table.add_row(
        "",
        f"community report, force, {large.rows:,} crimes + {casework.cases:,} ASB cases",
        f"{casework.report_force_s:.2f} s",
        "",
        f"one district {casework.report_district_s:.2f} s",
    )
    table.add_row(
        "simulation_speed",
        f"{simulation.days} days of Kent demand, one core",
        f"{simulation.seconds:.1f} s",
        f"< {simulation_speed.GOAL_SECONDS:g} s a year",
        f"{verdict(simulation.year_seconds < simulation_speed.GOAL_SECONDS)}, "
        f"{simulation.contacts_per_second:,.0f} contacts/s",
    )
    table.add_row(
        "",
        f"{simulation.replications} replications on {simulation.workers} Dask workers",
        f"{simulation.speed_up:.2f}x one process",
        "",
        "identical figures" if simulation.identical else "figures DIFFER",
    )
    pages = public.pages_run
    table.add_row(
        "public_load",
        f"Your Neighbourhood at {public.rate:g}/s for {public.seconds:g} s",
        f"p99 {pages.p99_ms:,.1f} ms",
        f"< {public_load.GOAL_P99_MS:g} ms",
        f"{verdict(pages.p99_ms < public_load.GOAL_P99_MS and pages.errors == 0)}, "
        f"{pages.errors:,} errors",
    )
    table.add_row(
        "",
        "postcode look-ups",
        f"p99 {public.lookups.p99_ms:,.1f} ms",
        "",
        f"{public.lookups.achieved_rate:,.0f}/s achieved, {public.lookups.errors:,} errors",
    )
    for name, code in scripts.items():
        table.add_row(name, "printed above (own process)", "", "", f"exit {code}")
    return table


def clock_span(replay: control_replay.ReplayResult) -> str:
    """``17:00-18:00`` or ``whole day``."""
    if replay.hours >= 24:
        return "whole day"
    end = replay.start_hour + replay.hours
    return f"{control_replay.clock(replay.start_hour)}-{control_replay.clock(end)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark; always 0 (a missed goal is printed, not failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ROWS:,} rows instead of 1,000,000, and shorter control-room runs",
    )
    parser.add_argument(
        "--full-day",
        action="store_true",
        help="replay the whole day at 50x (28.8 min) instead of the busiest hour",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each way in import_speed")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    console.print(Rule("import_speed"))
    speed = import_speed.measure(import_speed.default_file(), max(1, args.repeats))
    import_speed.report(speed)

    console.print(Rule("import_million"))
    rows = QUICK_ROWS if args.quick else import_million.DEFAULT_ROWS
    million = import_million.measure(rows)
    import_million.report(million)

    console.print(Rule("control_replay"))
    hours = 24.0 if args.full_day else QUICK_REPLAY_HOURS if args.quick else 1.0
    replay = control_replay.measure(
        start_hour=0.0 if args.full_day else None,
        hours=hours,
        baseline_seconds=10.0 if args.quick else 20.0,
    )
    control_replay.report(replay)

    console.print(Rule("control_load"))
    load = control_load.measure(
        seconds=QUICK_LOAD_SECONDS if args.quick else control_load.DEFAULT_SECONDS,
        baseline_seconds=5.0 if args.quick else 15.0,
    )
    control_load.report(load)

    console.print(Rule("dispatch_speed"))
    dispatch = dispatch_speed.measure(calls=5 if args.quick else 20)
    dispatch_speed.report(dispatch)

    console.print(Rule("board_page"))
    board = board_page.measure(calls=3 if args.quick else 10)
    board_page.report(board)

    console.print(Rule("hotspot_speed"))
    hotspots = hotspot_speed.measure(repeats=1 if args.quick else 3)
    hotspot_speed.report(hotspots)

    console.print(Rule("casework_scale"))
    casework = casework_scale.measure(
        rows=QUICK_CASEWORK_ROWS if args.quick else 1_000_000,
        small=10_000,
        count=50 if args.quick else 150,
        cases=10_000 if args.quick else 100_000,
    )
    console.print(casework_scale.report_table(casework))

    scripts: dict[str, int] = {}
    console.print(Rule("triage_corpus"))
    scripts["triage_corpus"] = script("triage_corpus", "--repeats", "5" if args.quick else "20")

    console.print(Rule("plan_speed"))
    scale = ("--crimes", "100000", "--incidents", "200000") if args.quick else ()
    scripts["plan_speed"] = script("plan_speed", *scale)

    console.print(Rule("simulation_speed"))
    simulation = simulation_speed.measure(
        days=60 if args.quick else 365,
        replications=6 if args.quick else 20,
        replication_days=7 if args.quick else 28,
    )
    simulation_speed.report(simulation)

    console.print(Rule("public_load"))
    public = public_load.measure(
        rate=public_load.DEFAULT_RATE,
        seconds=15.0 if args.quick else public_load.DEFAULT_SECONDS,
        lookup_seconds=10.0 if args.quick else 20.0,
        baseline_seconds=5.0 if args.quick else 15.0,
        crimes=20_000 if args.quick else 100_000,
        seed_number=11,
    )
    public_load.report(public)

    console.print(Rule("alert_send"))
    subscribers = "5000" if args.quick else "100000"
    scripts["alert_send"] = script("alert_send", "--subscribers", subscribers)

    scripts["hotspot_forecast"] = script("hotspot_forecast", *(["--repeats", "1"] * args.quick))

    console.print(Rule("signin_flood"))
    scripts["signin_flood"] = script("signin_flood", "--seconds", "15" if args.quick else "30")

    console.print(Rule("summary"))
    console.print(
        summary(
            speed,
            million,
            replay,
            load,
            dispatch,
            board,
            hotspots,
            casework,
            simulation,
            public,
            scripts,
        )
    )
    console.print(f"all benchmarks took {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
