"""Simulation speed: a year of Kent demand on one core, and replications on a local Dask cluster.

1. **A year on one core.** One replication of the district model of 2013
   (``kent-2013-district``) for 365 days: about 1.8 million contacts through the control room
   (handler pools, hang-ups, call-backs) and the response model (units on shift, dispatch,
   travel, time at scene), in this process. Printed: contacts simulated per second, against the
   goal of a year in under 120 s. Baseline, in the same process: a bare SimPy loop (one process
   yielding timeouts) of as many events as the model schedules, counted on a 14-day run of the
   same scenario; the model's time is printed as a multiple of it (what the model's own work
   costs over SimPy's event queue).
2. **Replications on Dask.** 20 replications of 28 days, in this process one after another and
   on a ``LocalCluster`` of 2 single-threaded worker processes (cluster start-up included):
   the speed-up, and a check that both give identical figures.

Run: ``.venv/bin/python bench/simulation_speed.py [--days 365] [--replications 20]
[--replication-days 28] [--workers 2] [--quick]``
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import simpy

from benchkit import console, timed, verdict
from constable.simulation.engine import run_replication
from constable.simulation.parallel import jobs_for, run_jobs
from constable.simulation.scenarios import Scenario, load_scenario

GOAL_SECONDS = 120.0
YEAR_CONTACTS = 1_800_000


def events_per_contact(scenario: Scenario, days: int = 14) -> float:
    """SimPy events the model schedules per contact, counted on a short run."""
    scheduled = 0
    original = simpy.Environment.schedule

    def counting(
        self: simpy.Environment, event: simpy.Event, priority: int = 1, delay: float = 0
    ) -> None:
        nonlocal scheduled
        scheduled += 1
        original(self, event, priority, delay)

    simpy.Environment.schedule = counting  # type: ignore[method-assign]
    try:
        result = run_replication(scenario, days=days, warm_up_days=0)
    finally:
        simpy.Environment.schedule = original  # type: ignore[method-assign]
    return scheduled / result.contacts


def bare_simpy(events: int) -> float:
    """Seconds for SimPy to run ``events`` timeouts from one process."""

    def loop(env: simpy.Environment) -> simpy.events.ProcessGenerator:
        for _ in range(events):
            yield env.timeout(1.0)

    env = simpy.Environment()
    env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


@dataclass
class Figures:
    """What the benchmark measured."""

    days: int
    contacts: int
    seconds: float
    per_contact_events: float
    baseline_seconds: float
    replications: int
    replication_days: int
    workers: int
    serial_seconds: float
    parallel_seconds: float
    identical: bool

    @property
    def contacts_per_second(self) -> float:
        return self.contacts / self.seconds

    @property
    def year_seconds(self) -> float:
        """The time scaled to a year of 1.8 million contacts."""
        return self.seconds * YEAR_CONTACTS / self.contacts

    @property
    def speed_up(self) -> float:
        return self.serial_seconds / self.parallel_seconds


def measure(
    *, days: int = 365, replications: int = 20, replication_days: int = 28, workers: int = 2
) -> Figures:
    """Run both parts and return the figures."""
    scenario = load_scenario("kent-2013-district")
    per_contact = events_per_contact(scenario)
    holder: list[int] = []
    seconds = timed(lambda: holder.append(run_replication(scenario, days=days).contacts))
    contacts = holder[0]
    baseline = bare_simpy(round(per_contact * contacts))
    jobs = jobs_for([scenario], replications)
    serial: list[object] = []
    parallel: list[object] = []
    serial_seconds = timed(lambda: serial.extend(run_jobs(jobs, days=replication_days, workers=0)))
    parallel_seconds = timed(
        lambda: parallel.extend(run_jobs(jobs, days=replication_days, workers=workers))
    )
    identical = all(
        all(
            a.metrics[k] == b.metrics[k] or (math.isnan(a.metrics[k]) and math.isnan(b.metrics[k]))
            for k in a.metrics
        )
        for a, b in zip(serial, parallel, strict=True)  # type: ignore[attr-defined]
    )
    return Figures(
        days=days,
        contacts=contacts,
        seconds=seconds,
        per_contact_events=per_contact,
        baseline_seconds=baseline,
        replications=replications,
        replication_days=replication_days,
        workers=workers,
        serial_seconds=serial_seconds,
        parallel_seconds=parallel_seconds,
        identical=identical,
    )


def report(f: Figures) -> None:
    """Print the figures and the goals."""
    console.print(
        f"{f.days} days of Kent demand, district model, one core: {f.contacts:,} contacts in "
        f"{f.seconds:,.1f} s = [bold]{f.contacts_per_second:,.0f} contacts/s[/] "
        f"({f.per_contact_events:.2f} SimPy events a contact)"
    )
    console.print(
        f"baseline: a bare SimPy loop of the same {round(f.per_contact_events * f.contacts):,} "
        f"events took {f.baseline_seconds:,.1f} s; the model takes "
        f"[bold]{f.seconds / f.baseline_seconds:.1f}x[/] that"
    )
    console.print(
        f"a year (1.8 million contacts) in {f.year_seconds:,.0f} s: goal under "
        f"{GOAL_SECONDS:.0f} s {verdict(f.year_seconds < GOAL_SECONDS)}"
    )
    console.print(
        f"{f.replications} replications of {f.replication_days} days: one process "
        f"{f.serial_seconds:,.1f} s, {f.workers}-worker local Dask cluster "
        f"{f.parallel_seconds:,.1f} s (start-up included): [bold]speed-up {f.speed_up:.2f}x[/]; "
        f"identical figures {verdict(f.identical)}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run from the command line; always 0 (a missed goal is printed, not failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="days of the one-core run")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--replication-days", type=int, default=28)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="60 days; 6 replications of 7 days")
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.replications, args.replication_days = 60, 6, 7
    report(
        measure(
            days=args.days,
            replications=args.replications,
            replication_days=args.replication_days,
            workers=args.workers,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
