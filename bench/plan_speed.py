"""The Police and Crime Plan at scale: every measure of a plan for a quarter, and the board pack.

1. A fresh SQLite store with Kent built, then ``--crimes`` (1,000,000) generated crimes and
   ``--incidents`` (2,000,000) generated incidents, each with its call (999 or 101), spread over
   the two years 2016 and 2017, written with Core bulk inserts in time order (as a force's
   records reach its store).
2. The baseline, in the same process and store: one simple ``COUNT`` of the quarter's crimes
   and one of its incidents (an index range scan each), the least any measure must read.
3. ``plan_status`` (every measure of the plan for 2017Q3: values, a year before, 24 months of
   SPC, each target) for both shipped plans, timed and printed as a ratio to the baseline.
4. The whole board pack for the seed-002 plan: assembly, charts, HTML, CSV and the WeasyPrint
   PDF, timed (no goal: printed).

Goal (issue 6): every measure of a plan for a quarter under 10 s.

Run: ``.venv/bin/python bench/plan_speed.py [--crimes N] [--incidents N] [--store FILE]
[--skip-pack]`` (``--store`` keeps the generated store to time again without generating it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, insert, select

from benchkit import build_kent, console, fresh_store, timed, verdict
from constable.community.service import parse_quarter
from constable.control.models import Contact, Incident
from constable.crime.models import Crime
from constable.crime.offences import offences
from constable.force.models import Force, Neighbourhood
from constable.performance.boardpack.assemble import assemble
from constable.performance.boardpack.build import write_pack
from constable.performance.plan import load_plan
from constable.performance.status import plan_status
from constable.store import Store, open_store

GOAL_S = 10.0
BATCH = 50_000
START = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
SECONDS = 731 * 86_400  # 2016 and 2017
QUARTER = "2017Q3"
PLANS = ("policing-kent-2007-10", "safer-in-kent-2017-21")


def _places(store: Store) -> list[tuple[int, int, str, float, float]]:
    with store.session() as session:
        return [
            tuple(row)  # type: ignore[misc]
            for row in session.execute(
                select(
                    Neighbourhood.district_id,
                    Neighbourhood.id,
                    Neighbourhood.code,
                    Neighbourhood.easting,
                    Neighbourhood.northing,
                )
            )
        ]


def _in_time_order(count: int, rng: random.Random) -> list[int]:
    """``count`` random seconds of the two years, in order: a force's records reach its store
    as they happen, so rows lie in the table in about the order of their moments (drawn at
    random order, a year's index range is read from all over a 1 GB file, which no real store
    does)."""
    return sorted(rng.randrange(SECONDS) for _ in range(count))


def add_crimes(store: Store, count: int, rng: random.Random, progress: Progress) -> None:
    """``count`` crimes of random offences, places and moments, a quarter of them detected."""
    places = _places(store)
    codes = list(offences())
    moments = _in_time_order(count, rng)
    task = progress.add_task(f"{count:,} crimes", total=count)
    for first in range(0, count, BATCH):
        rows = []
        for number in range(first, min(first + BATCH, count)):
            district, hood, lsoa, easting, northing = rng.choice(places)
            when = START + dt.timedelta(seconds=moments[number])
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
                    "repeat_victim": False,
                }
            )
        with store.session() as session:
            session.execute(insert(Crime), rows)
        progress.advance(task, len(rows))


def add_incidents(
    store: Store, count: int, force_id: int, rng: random.Random, progress: Progress
) -> None:
    """``count`` closed incidents of every grade, each attended and with the call that opened it
    (999 for grades 1 and 2, else 101), answered after a few seconds."""
    places = _places(store)
    moments = _in_time_order(count, rng)
    task = progress.add_task(f"{count:,} incidents and calls", total=count)
    with store.session() as session:
        next_id = (session.scalar(select(func.max(Incident.id))) or 0) + 1
    for first in range(0, count, BATCH):
        incidents, contacts = [], []
        for number in range(first, min(first + BATCH, count)):
            district, _, _, easting, northing = rng.choice(places)
            opened = START + dt.timedelta(seconds=moments[number])
            grade = rng.choices((1, 2, 3, 4), weights=(15, 35, 35, 15))[0]
            ident = next_id + number
            incidents.append(
                {
                    "id": ident,
                    "reference": f"BI-{number:08d}",
                    "force_id": force_id,
                    "district_id": district,
                    "easting": easting,
                    "northing": northing,
                    "latitude": 51.27,
                    "longitude": 0.52,
                    "urban": rng.random() < 0.7,
                    "category": "bench",
                    "description": "bench",
                    "grade": grade,
                    "state": "closed",
                    "opened_at": opened,
                    "first_arrival_at": (
                        opened + dt.timedelta(minutes=rng.expovariate(1 / (12 * grade)))
                        if grade < 4
                        else None
                    ),
                    "version": 1,
                }
            )
            contacts.append(
                {
                    "incident_id": ident,
                    "channel": "999" if grade <= 2 else "101",
                    "call_started_at": opened,
                    "answered_at": opened + dt.timedelta(seconds=rng.expovariate(1 / 8)),
                    "description": "bench",
                    "recorded_by": "bench",
                }
            )
        with store.session() as session:
            session.execute(insert(Incident), incidents)
            session.execute(insert(Contact), contacts)
        progress.advance(task, len(incidents))


def baseline(store: Store) -> float:
    """One COUNT of the quarter's crimes and one of its incidents (seconds, best of three)."""
    low, high = parse_quarter(QUARTER).utc_bounds()

    def count() -> None:
        with store.session() as session:
            session.scalar(
                select(func.count())
                .select_from(Crime)
                .where(Crime.force == "Kent", Crime.occurred_at >= low, Crime.occurred_at < high)
            )
            session.scalar(
                select(func.count())
                .select_from(Incident)
                .where(Incident.opened_at >= low, Incident.opened_at < high)
            )

    return min(timed(count) for _ in range(3))


@contextmanager
def _store(folder: Path, kept: Path | None) -> Iterator[Store]:
    """A fresh store in ``folder``, or the store kept in the file ``kept`` (made if missing)."""
    if kept is None:
        with fresh_store(folder, "plan") as store:
            yield store
        return
    store = open_store(f"sqlite:///{kept.resolve()}")
    try:
        yield store
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crimes", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=2_000_000)
    parser.add_argument(
        "--store",
        type=Path,
        help="keep the generated SQLite store in this file, and use it if it is there already "
        "(to profile or compare changes without generating the records again)",
    )
    parser.add_argument("--skip-pack", action="store_true", help="time plan status only")
    args = parser.parse_args()
    rng = random.Random(6)
    quarter = parse_quarter(QUARTER)
    folder = Path(tempfile.mkdtemp(prefix="plan-speed-"))
    kept = args.store is not None and args.store.exists()
    with _store(folder, args.store) as store:
        if not kept:
            build_kent(store)
        with store.session() as session:
            force_id = session.scalars(select(Force.id).where(Force.code == "kent")).one()
        if not kept:
            with Progress(console=console, transient=True) as progress:
                add_crimes(store, args.crimes, rng, progress)
                add_incidents(store, args.incidents, force_id, rng, progress)
        with store.session() as session:
            args.crimes = session.scalar(select(func.count()).select_from(Crime)) or 0
            args.incidents = session.scalar(select(func.count()).select_from(Incident)) or 0
        base = baseline(store)
        table = Table(
            title=f"Every measure of a plan for {QUARTER}: {args.crimes:,} crimes, "
            f"{args.incidents:,} incidents",
            title_justify="left",
        )
        for column in ("Work", "Measures", "Seconds", "× baseline", "Goal"):
            table.add_column(column, justify="left" if column in ("Work", "Goal") else "right")
        table.add_row(
            "baseline: COUNT of the quarter's crimes and incidents", "", f"{base:.3f}", "1", ""
        )
        for name in PLANS:
            plan = load_plan(name)
            found: list[int] = []

            def run(plan_name: str = name, found: list[int] = found) -> None:
                with store.session() as session:
                    force = session.scalars(select(Force).where(Force.id == force_id)).one()
                    result = plan_status(
                        session=session, force=force, plan=load_plan(plan_name), quarter=quarter
                    )
                    found.append(len(result.measures))

            seconds = timed(run)
            table.add_row(
                f"plan status: {plan.name[:40]}",
                str(found[-1]),
                f"{seconds:.2f}",
                f"{seconds / base:,.0f}",
                f"< {GOAL_S:g} s: {verdict(seconds < GOAL_S)}",
            )
        if args.skip_pack:
            console.print(table)
            shutil.rmtree(folder, ignore_errors=True)
            return
        out = folder / "pack"
        pages: list[int] = []

        def pack() -> None:
            with store.session() as session:
                force = session.scalars(select(Force).where(Force.id == force_id)).one()
                built = assemble(
                    session=session, force=force, plan=load_plan(PLANS[0]), quarter=quarter
                )
            pages.append(write_pack(built, out).pages)

        seconds = timed(pack)
        table.add_row(
            f"board pack (HTML, CSV, PDF of {pages[-1]} pages)",
            "",
            f"{seconds:.2f}",
            f"{seconds / base:,.0f}",
            "printed",
        )
        console.print(table)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
