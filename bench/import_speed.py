"""The streaming importer against row-by-row ORM inserts, on a real West Yorkshire street file.

Both sides read the same file with the same parser (``open_file(...).records()``) into a fresh
SQLite store, in this process, interleaved, best of ``--repeats``. The baseline adds one ``Crime``
per row with its grid reference, flushing after each, and commits at the end; the importer batches
Core inserts. The issue's goal: the importer at least 5x faster than the baseline.

Run: ``.venv/bin/python bench/import_speed.py [--repeats 3] [--file PATH]``
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from rich.table import Table
from sqlalchemy import func, select

from benchkit import console, fresh_store, rate, timed, verdict
from constable.crime.models import Crime
from constable.force.geography import to_bng
from constable.ingest.police_uk import open_file
from constable.ingest.service import import_police_uk_file
from constable.ingest.sources import WEST_YORKSHIRE_MONTHS, west_yorkshire_street
from constable.store import Store

GOAL_RATIO = 5.0


def default_file() -> Path:
    """The real 2018-07 West Yorkshire street file (about 31,600 rows)."""
    return west_yorkshire_street()[WEST_YORKSHIRE_MONTHS.index("2018-07")]


def crime_count(store: Store) -> int:
    """Rows in the ``crime`` table."""
    with store.session() as session:
        return int(session.execute(select(func.count()).select_from(Crime)).scalar_one())


def import_with_importer(store: Store, path: Path) -> None:
    """The code under test: one streaming, batched import of ``path``."""
    import_police_uk_file(store, path)


def _grid_reference(record: dict[str, Any]) -> tuple[float | None, float | None]:
    """Easting and northing for one record, as a row-by-row importer would compute them."""
    longitude, latitude = record["longitude"], record["latitude"]
    if longitude is None or latitude is None:
        return None, None
    eastings, northings = to_bng([longitude], [latitude])
    easting, northing = float(eastings[0]), float(northings[0])
    if not (math.isfinite(easting) and math.isfinite(northing)):
        return None, None
    return round(easting, 1), round(northing, 1)


def import_row_by_row(store: Store, path: Path) -> None:
    """The baseline: parse with the same reader, then one ORM add and flush per row."""
    with store.session() as session, path.open("rb") as handle:
        for record in open_file(path, handle).records():
            easting, northing = _grid_reference(record)
            session.add(Crime(**record, easting=easting, northing=northing))
            session.flush()


@dataclass
class SpeedResult:
    """Times of both ways of importing one file, every repeat kept."""

    path: Path
    rows: int
    importer: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)

    @property
    def importer_best(self) -> float:
        """The importer's fastest run, in seconds."""
        return min(self.importer)

    @property
    def baseline_best(self) -> float:
        """The baseline's fastest run, in seconds."""
        return min(self.baseline)

    @property
    def ratio(self) -> float:
        """How many times faster than the baseline the importer is (best against best)."""
        return self.baseline_best / self.importer_best

    @property
    def goal_met(self) -> bool:
        """Whether the importer is at least :data:`GOAL_RATIO` times faster."""
        return self.ratio >= GOAL_RATIO


def measure(path: Path, repeats: int = 3) -> SpeedResult:
    """Import ``path`` both ways ``repeats`` times, alternating, each into a fresh store."""
    importer: list[float] = []
    baseline: list[float] = []
    stored: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="constable-bench-") as tmp:
        for _ in range(repeats):
            for name, action, times in (
                ("importer", import_with_importer, importer),
                ("baseline", import_row_by_row, baseline),
            ):
                with fresh_store(Path(tmp), name) as store:
                    times.append(timed(partial(action, store, path)))
                    stored.add(crime_count(store))
    if len(stored) != 1:
        raise RuntimeError(f"the importer and the baseline stored different rows: {stored}")
    return SpeedResult(path, stored.pop(), importer, baseline)


def report(result: SpeedResult) -> None:
    """Print both times, rows per second, the ratio, and whether the goal is met."""
    table = Table(title=f"Import speed: {result.path.name} ({result.rows:,} rows), SQLite")
    table.add_column("way")
    table.add_column("best s", justify="right")
    table.add_column("all runs s", justify="right")
    table.add_column("rows/s", justify="right")
    table.add_column("x baseline", justify="right")
    for name, times in (
        ("importer (batched Core)", result.importer),
        ("baseline (ORM, flush per row)", result.baseline),
    ):
        best = min(times)
        table.add_row(
            name,
            f"{best:.2f}",
            " ".join(f"{t:.2f}" for t in times),
            rate(result.rows, best),
            f"{result.baseline_best / best:.1f}",
        )
    console.print(table)
    console.print(
        f"importer is [bold]{result.ratio:.1f}x[/] faster than the baseline; "
        f"goal >= {GOAL_RATIO:g}x: {verdict(result.goal_met)}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; always 0 (a missed goal is printed, not failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each way (best kept)")
    parser.add_argument("--file", type=Path, default=None, help="a street CSV (default 2018-07)")
    args = parser.parse_args(argv)
    report(measure(args.file or default_file(), max(1, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
