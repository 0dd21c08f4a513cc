"""Casework at scale: repeat-victim flagging on save, and the quarter's community report.

1. A fresh SQLite store with Kent built, then ``--small`` (10,000) generated crimes: record
   ``--saves`` new crimes with ``constable.crime.recording.record`` (each in its own
   transaction, committed), a third of them for a victim already on file. Then grow the store
   to ``--rows`` (1,000,000) crimes and record as many again. The time per save is printed for
   both sizes side by side with the ratio large/small (an index lookup stays near 1x; a table
   scan grows with the table).
2. The baseline, in the same process and store: the same saves without a victim (no
   repeat-victim search), so ``flagging / baseline`` is what the search adds to a save.
3. ``--cases`` (100,000) ASB cases with stages are added, and the quarter's community report
   (``constable.community.report.build``) is timed for the force and for one district.

Goals (issue 4): a save under 20 ms with 1,000,000 crimes; the report's time is printed.

Run: ``.venv/bin/python bench/casework_scale.py [--rows N] [--small N] [--saves N] [--cases N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, insert, select

from benchkit import build_kent, console, fresh_store, verdict
from constable.community import report
from constable.community.models import AsbCase, AsbCaseStep
from constable.community.service import parse_quarter
from constable.crime import recording
from constable.crime.models import Crime
from constable.crime.offences import offences
from constable.crime.schemas import CrimeCreate
from constable.force import service as force_service
from constable.force.models import District, Neighbourhood, Team
from constable.store import Store

GOAL_MS = 20.0
BATCH = 20_000
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
DAYS = 730
QUARTER = "2025Q3"


@dataclass
class Saves:
    """Milliseconds per save, with and without a victim, at one table size."""

    rows: int
    flagged_ms: list[float]
    baseline_ms: list[float]
    repeats: int

    @property
    def median(self) -> float:
        return statistics.median(self.flagged_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.flagged_ms, n=20)[-1]

    @property
    def baseline(self) -> float:
        return statistics.median(self.baseline_ms)


def _places(store: Store) -> list[tuple[int, int, str, float, float]]:
    with store.session() as session:
        return [
            (d, n, code, e, north)
            for d, n, code, e, north in session.execute(
                select(
                    Neighbourhood.district_id,
                    Neighbourhood.id,
                    Neighbourhood.code,
                    Neighbourhood.easting,
                    Neighbourhood.northing,
                )
            )
        ]


def grow(store: Store, target: int, rng: random.Random, progress: Progress) -> None:
    """Add generated crimes (a third with a victim from a pool) until there are ``target``."""
    with store.session() as session:
        have = session.scalar(select(func.count()).select_from(Crime)) or 0
    places = _places(store)
    codes = list(offences())
    people = max(1000, target // 3)
    task = progress.add_task(f"crimes to {target:,}", total=target - have)
    number = have
    while number < target:
        rows = []
        for _ in range(min(BATCH, target - number)):
            number += 1
            district, hood, lsoa, easting, northing = rng.choice(places)
            when = START + dt.timedelta(seconds=rng.randrange(DAYS * 86400))
            person = rng.randrange(people) if rng.random() < 0.33 else None
            code = rng.choice(codes)
            rows.append(
                {
                    "record_key": f"BENCH-{number:08d}",
                    "reference": f"BENCH-{number:08d}",
                    "force": "Kent",
                    "month": when.date().replace(day=1),
                    "occurred_at": when,
                    "recorded_at": when + dt.timedelta(hours=2),
                    "recorded_by": "bench",
                    "category": offences()[code].police_uk_category,
                    "offence_code": code,
                    "district_id": district,
                    "neighbourhood_id": hood,
                    "lsoa_code": lsoa,
                    "easting": easting,
                    "northing": northing,
                    "victim_person_key": f"person {person}|1970-01-01"
                    if person is not None
                    else None,
                    "victim_address_key": f"ME141AA|{person}" if person is not None else None,
                    "repeat_victim": False,
                }
            )
        with store.session() as session:
            session.execute(insert(Crime), rows)
        progress.advance(task, len(rows))


def saves(store: Store, count: int, rng: random.Random) -> Saves:
    """Time ``count`` saves with a victim (a third already on file) and ``count`` without."""
    with store.session() as session:
        rows = session.scalar(select(func.count()).select_from(Crime)) or 0
        force = force_service.get_or_raise(session=session, code="kent")
        lsoas = list(session.scalars(select(Neighbourhood.code)))
        recording.window_days(force)  # warm the force's configuration cache
    flagged, baseline, repeats = [], [], 0
    for index in range(count):
        lsoa = rng.choice(lsoas)
        when = (START + dt.timedelta(days=rng.randrange(DAYS))).isoformat()
        known = index % 3 == 0
        victim = {
            "name": f"person {rng.randrange(1000)}" if known else f"new person {rng.random()}",
            "date_of_birth": "1970-01-01",
        }
        for with_victim, into in ((True, flagged), (False, baseline)):
            data = CrimeCreate.model_validate(
                {
                    "offence_code": "28E",
                    "description": "Generated for the benchmark",
                    "occurred_at": when,
                    "neighbourhood": lsoa,
                    **({"victim": victim} if with_victim else {}),
                }
            )
            start = time.perf_counter()
            with store.session() as session:
                force = force_service.get_or_raise(session=session, code="kent")
                done = recording.record(session=session, force=force, data=data, actor="bench")
                repeats += with_victim and done.repeat is not None
            into.append((time.perf_counter() - start) * 1000)
    return Saves(rows, flagged, baseline, repeats)


def add_cases(store: Store, count: int, rng: random.Random, progress: Progress) -> None:
    """Generated ASB cases, each with one to three stages, over the two years."""
    with store.session() as session:
        teams = dict(
            session.execute(
                select(Team.district_id, Team.id).where(Team.kind == "community_safety_unit")
            ).all()
        )
        force_id = session.scalar(select(District.force_id))
    stages = ["advice-visit", "verbal-warning", "written-warning"]
    task = progress.add_task(f"{count:,} ASB cases", total=count)
    made = 0
    while made < count:
        size = min(BATCH // 4, count - made)
        with store.session() as session:
            cases = []
            for _ in range(size):
                made += 1
                district = rng.choice(list(teams))
                opened = START + dt.timedelta(seconds=rng.randrange(DAYS * 86400))
                cases.append(
                    {
                        "reference": f"BENCH-CASE-{made:07d}",
                        "force_id": force_id,
                        "district_id": district,
                        "team_id": teams[district],
                        "owner": "bench",
                        "subject_name": f"subject {made}",
                        "subject_key": f"subject {made}",
                        "summary": "generated",
                        "ladder": "seed-2007",
                        "stage": None,
                        "status": "open" if rng.random() < 0.6 else "closed",
                        "opened_at": opened,
                        "opened_by": "bench",
                        "closed_at": None,
                        "version": 1,
                    }
                )
            ids = session.scalars(insert(AsbCase).returning(AsbCase.id), cases).all()
            steps = []
            for case_id, case in zip(ids, cases, strict=True):
                for position in range(1, rng.randint(1, 3) + 1):
                    at = case["opened_at"] + dt.timedelta(days=14 * position)
                    steps.append(
                        {
                            "case_id": case_id,
                            "stage": stages[position - 1],
                            "position": position,
                            "taken_on": at.date(),
                            "recorded_at": at,
                            "recorded_by": "bench",
                        }
                    )
            session.execute(insert(AsbCaseStep), steps)
        progress.advance(task, size)


def time_report(store: Store) -> tuple[float, float]:
    """Seconds for the quarter's report: the whole force, then one district."""
    quarter = parse_quarter(QUARTER)
    timings = []
    for slug in (None, "maidstone"):
        with store.session() as session:
            force = force_service.get_or_raise(session=session, code="kent")
            district = (
                force_service.get_district_or_raise(session=session, force=force, district=slug)
                if slug
                else None
            )
            start = time.perf_counter()
            report.build(session=session, force=force, quarter=quarter, district=district)
            timings.append(time.perf_counter() - start)
    return timings[0], timings[1]


@dataclass
class CaseworkResult:
    """Everything measured."""

    small: Saves
    large: Saves
    cases: int
    report_force_s: float
    report_district_s: float

    @property
    def goal_met(self) -> bool:
        return self.large.median < GOAL_MS


def measure(rows: int, small: int, count: int, cases: int, seed: int = 2026) -> CaseworkResult:
    """Build, fill and time (see the module's docstring)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder, fresh_store(Path(folder), "casework") as store:
        build_kent(store)
        with Progress(console=console, transient=True) as progress:
            grow(store, small, rng, progress)
        at_small = saves(store, count, rng)
        with Progress(console=console, transient=True) as progress:
            grow(store, rows, rng, progress)
        at_large = saves(store, count, rng)
        with Progress(console=console, transient=True) as progress:
            add_cases(store, cases, rng, progress)
        force_s, district_s = time_report(store)
    return CaseworkResult(at_small, at_large, cases, force_s, district_s)


def report_table(result: CaseworkResult) -> Table:
    """The figures as a table."""
    table = Table(title="Repeat-victim flagging on save (median, p95 over the saves)")
    for column in (
        "",
        f"{result.small.rows:,} crimes",
        f"{result.large.rows:,} crimes",
        "large / small",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        "save with a victim (median)",
        f"{result.small.median:.2f} ms",
        f"{result.large.median:.2f} ms",
        f"{result.large.median / result.small.median:.2f}x",
    )
    table.add_row(
        "save with a victim (p95)", f"{result.small.p95:.2f} ms", f"{result.large.p95:.2f} ms", ""
    )
    table.add_row(
        "baseline: save without a victim",
        f"{result.small.baseline:.2f} ms",
        f"{result.large.baseline:.2f} ms",
        f"{result.large.baseline / result.small.baseline:.2f}x",
    )
    table.add_row(
        "flagging / baseline",
        f"{result.small.median / result.small.baseline:.2f}x",
        f"{result.large.median / result.large.baseline:.2f}x",
        "",
    )
    table.add_row("repeat victims found", f"{result.small.repeats}", f"{result.large.repeats}", "")
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Run and print; always 0 (a missed goal is printed, not failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="crimes in the large store")
    parser.add_argument("--small", type=int, default=10_000, help="crimes in the small store")
    parser.add_argument("--saves", type=int, default=150, help="saves timed at each size")
    parser.add_argument("--cases", type=int, default=100_000, help="ASB cases for the report")
    args = parser.parse_args(argv)
    result = measure(args.rows, args.small, args.saves, args.cases)
    console.print(report_table(result))
    console.print(
        f"Goal: a save under {GOAL_MS:g} ms with {result.large.rows:,} crimes: "
        f"{verdict(result.goal_met)} ({result.large.median:.2f} ms)"
    )
    console.print(
        f"Community report for {QUARTER} over {result.large.rows:,} crimes and "
        f"{result.cases:,} ASB cases: force {result.report_force_s:.2f} s, "
        f"one district {result.report_district_s:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
