"""Run every benchmark and print a summary (``make bench``).

1. ``import_speed``: the importer against row-by-row ORM inserts on a real 31.6k-row file.
2. ``import_million``: a generated 1,000,000-row file (100,000 with ``--quick``) imported in a
   child process: time, rows per second, peak memory, and the ``csv``-module floor.

Goals are printed as met or not; a missed goal does not fail the run.

Run: ``.venv/bin/python bench/run.py [--quick] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from rich.rule import Rule
from rich.table import Table

import import_million
import import_speed
from benchkit import console, rate, verdict

QUICK_ROWS = 100_000


def summary(speed: import_speed.SpeedResult, million: import_million.MillionResult) -> Table:
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
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Run both benchmarks; always 0 (a missed goal is printed, not failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ROWS:,} rows instead of 1,000,000"
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

    console.print(Rule("summary"))
    console.print(summary(speed, million))
    console.print(f"all benchmarks took {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
