"""A day of Kent demand replayed through the HTTP API at 50 times real speed.

A seeded day of 5,000 contacts, 700 of them 999 calls, spread over the hours by the profiles of
Kent's demand calibration (``simulation/data/demand/kent.yaml``) and drawn from a mix of calls
that exercises triage (``constable.simulation.contacts.CALL_TYPES``), each at a real Kent
neighbourhood (LSOA) read from the store and chosen in proportion to its 2011 population. The
app runs in a Uvicorn child process on a fresh SQLite store with Kent built; the contacts are
sent by call handlers (bearer tokens from ``POST /api/token``) as ``POST /api/contacts``, each
at its time in the day divided by ``--speed``, from an open loop (``benchkit.open_loop``: a slow
answer does not delay the next call). Afterwards the store must hold exactly as many incidents
as contacts were sent.

Baseline, in the same process against the same server: ``GET /healthz`` (no database, no
sign-in) sent on the same schedule for the first ``--baseline-seconds``; the contacts' latency
is printed as a multiple of it, i.e. what recording a contact costs over a bare round trip.

A whole day at 50x takes 28.8 minutes, so the default is the busiest hour of the day (72 s at
50x); ``--full-day`` replays all 24 hours.

Run: ``.venv/bin/python bench/control_replay.py [--speed 50] [--start H] [--hours 1]
[--full-day] [--seed 3]``
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from sqlalchemy import func, select

from benchkit import (
    Call,
    LoadFigures,
    Server,
    console,
    first_errors,
    kent_store,
    ms,
    neighbourhoods,
    open_loop,
    serve,
    sign_in,
    stored_incidents,
    verdict,
)
from constable.auth.roles import Role
from constable.control.models import Contact, Incident
from constable.simulation.contacts import (
    CALL_TYPES,
    CONTACTS_PER_DAY,
    DEFAULT_SPEED,
    EMERGENCY_PER_DAY,
    busiest_hour,
    clock,
    contact_body,
    pick,
    plan_day,
    window,
)
from constable.store import Store

# The generator of the day's contacts is the product's own (constable.simulation.contacts),
# shared with `constable simulate replay`; these names stay importable from here.
SCENARIOS = CALL_TYPES
__all__ = [
    "CONTACTS_PER_DAY",
    "EMERGENCY_PER_DAY",
    "SCENARIOS",
    "ReplayResult",
    "busiest_hour",
    "clock",
    "contact_body",
    "main",
    "measure",
    "pick",
    "report",
]

HANDLERS = 4  # call handlers signed in, the contacts shared between them in turn
WARM_UP = 10  # contacts sent one by one before measuring (counted in the check)


@dataclass
class ReplayResult:
    """One replay and its baseline."""

    start_hour: float
    hours: float
    speed: float
    day_contacts: int
    contacts: int
    emergency: int
    warm_up: int
    figures: LoadFigures
    baseline: LoadFigures
    incidents_stored: int
    contacts_stored: int
    grades: dict[str, Counter[int]] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    server_errors: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        """Every contact sent, the warm-up included."""
        return self.warm_up + self.figures.sent

    @property
    def counts_match(self) -> bool:
        """Exactly one incident stored for every contact sent."""
        return self.incidents_stored == self.sent == self.contacts_stored

    @property
    def ratio_p50(self) -> float:
        """Median contact latency over the median ``/healthz`` latency."""
        return self.figures.p50_ms / self.baseline.p50_ms

    @property
    def ratio_p99(self) -> float:
        """p99 contact latency over p99 ``/healthz`` latency."""
        return self.figures.p99_ms / self.baseline.p99_ms

    @property
    def title(self) -> str:
        """What was replayed, in words."""
        span = "the whole day" if self.hours >= 24 else (
            f"{clock(self.start_hour)}-{clock(self.start_hour + self.hours)} of the day"
        )  # fmt: skip
        return (
            f"{span}: {self.contacts:,} of {self.day_contacts:,} contacts "
            f"({self.emergency:,} of them 999) at {self.speed:g}x real speed, "
            f"{self.hours * 3600 / self.speed:.0f} s"
        )


def grades_by_channel(store: Store) -> dict[str, Counter[int]]:
    """Incidents by the channel of their first contact and their grade."""
    query = (
        select(Contact.channel, Incident.grade, func.count())
        .join(Incident, Incident.id == Contact.incident_id)
        .group_by(Contact.channel, Incident.grade)
    )
    found: dict[str, Counter[int]] = {}
    with store.session() as session:
        for channel, grade, count in session.execute(query):
            found.setdefault(channel, Counter())[grade] += count
    return found


def _warm_up(server: Server, tokens: list[str], bodies: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        for index, body in enumerate(bodies):
            client.get("/healthz").raise_for_status()
            headers = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}
            answer = client.post("/api/contacts", json=body, headers=headers)
            if answer.status_code != 201:
                raise RuntimeError(f"warm-up contact refused: {answer.status_code} {answer.text}")


def measure(
    *,
    speed: float = DEFAULT_SPEED,
    start_hour: float | None = None,
    hours: float = 1.0,
    seed: int = 3,
    baseline_seconds: float = 20.0,
    workers: int = 1,
) -> ReplayResult:
    """Build Kent, serve it, replay the window of the day and its baseline, count the store."""
    start_hour = busiest_hour() if start_hour is None else start_hour
    users = {f"handler{n}": Role.CALL_HANDLER for n in range(1, HANDLERS + 1)}
    with (
        tempfile.TemporaryDirectory(prefix="constable-bench-") as tmp,
        kent_store(Path(tmp), "replay", users) as store,
    ):
        codes, weights = neighbourhoods(store)
        day = plan_day(codes, weights, seed)
        chosen = window(day, start_hour, hours)
        warm_rng = random.Random(seed + 1)
        warm = [
            contact_body(warm_rng, pick(warm_rng, "101"), codes, weights) for _ in range(WARM_UP)
        ]
        url = str(store.engine.url)
        with serve(url, Path(tmp) / "uvicorn.log", workers) as server:
            tokens = [sign_in(server.base_url, name) for name in users]
            _warm_up(server, tokens, warm)
            baseline_plan = [
                Call(c.second / speed, "GET", "/healthz")
                for c in chosen
                if c.second / speed < baseline_seconds
            ]
            baseline, _ = open_loop(server, baseline_plan)
            # The call handlers take the contacts in turn.
            plan = [
                Call(c.second / speed, "POST", "/api/contacts", c.body, 201, tokens[i % HANDLERS])
                for i, c in enumerate(chosen)
            ]
            figures, shots = open_loop(server, plan)
            logged = server.logged_errors()
        incidents, contacts = stored_incidents(store)
        grades = grades_by_channel(store)
    return ReplayResult(
        start_hour=start_hour,
        hours=min(hours, 24),
        speed=speed,
        day_contacts=len(day),
        contacts=len(chosen),
        emergency=sum(1 for c in chosen if c.body["channel"] == "999"),
        warm_up=WARM_UP,
        figures=figures,
        baseline=baseline,
        incidents_stored=incidents,
        contacts_stored=contacts,
        grades=grades,
        kinds=Counter(c.kind for c in chosen),
        errors=first_errors(shots),
        server_errors=logged,
    )


def report(result: ReplayResult) -> None:
    """The latency table, the counts check and the grades triage gave."""
    figures, baseline = result.figures, result.baseline
    table = Table(title=f"Control-room replay: {result.title}")
    for column in ("requests", "sent", "errors", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "requests" else "right")
    for name, f in (
        ("POST /api/contacts", figures),
        ("GET /healthz (baseline)", baseline),
    ):
        table.add_row(
            name,
            f"{f.sent:,}",
            f"{f.errors:,}",
            f"{f.achieved_rate:,.1f}",
            ms(f.p50_ms),
            ms(f.p90_ms),
            ms(f.p99_ms),
            ms(f.max_ms),
        )
    console.print(table)
    console.print(
        f"contacts: throughput {figures.achieved_rate:,.1f}/s (offered {figures.offered_rate:,.1f}"
        f"/s on average); latency p50 [bold]{figures.p50_ms:,.1f} ms[/] = "
        f"{result.ratio_p50:.1f}x /healthz, p99 [bold]{figures.p99_ms:,.1f} ms[/] = "
        f"{result.ratio_p99:.1f}x /healthz (baseline: {baseline.sent:,} calls on the first "
        f"{baseline.wall_seconds:.0f} s of the same schedule)"
    )
    console.print(
        f"kept to schedule: sends at most {figures.lag_max_ms:,.1f} ms late (p99 "
        f"{figures.lag_p99_ms:,.1f} ms); server used {figures.server_cores:.0%} of a core, "
        f"this process {figures.client_cpu / figures.wall_seconds:.0%}"
    )
    console.print(
        f"no errors: {verdict(figures.errors == 0)} ({figures.errors:,}"
        + (f": {figures.error_kinds}" if figures.errors else "")
        + f"); incidents stored {result.incidents_stored:,}, contacts stored "
        f"{result.contacts_stored:,}, contacts sent {result.sent:,} ({result.warm_up} warm-up): "
        f"exactly one each {verdict(result.counts_match)}"
    )
    for line in result.errors:
        console.print(f"  [red]{line}[/]")
    for line, count in result.server_errors.most_common(3):
        console.print(f"  [red]server log, {count:,} times: {line}[/]")
    kinds = ", ".join(f"{kind} {count}" for kind, count in result.kinds.most_common())
    console.print(f"calls replayed: {kinds}")
    for channel in ("999", "101"):
        grades = result.grades.get(channel, Counter())
        total = sum(grades.values()) or 1
        shares = ", ".join(f"grade {g} {grades[g] / total:.0%}" for g in sorted(grades))
        console.print(f"triage of {channel} calls (stored incidents): {shares}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the replay from the command line; always 0 (a missed goal is printed, not failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=DEFAULT_SPEED, help="times real speed")
    parser.add_argument(
        "--start", type=float, default=None, help="hour of the day to start at (default: busiest)"
    )
    parser.add_argument("--hours", type=float, default=1.0, help="hours of the day to replay")
    parser.add_argument("--full-day", action="store_true", help="all 24 hours (28.8 min at 50x)")
    parser.add_argument("--seed", type=int, default=3, help="random seed of the day")
    parser.add_argument(
        "--baseline-seconds", type=float, default=20.0, help="length of the /healthz baseline"
    )
    parser.add_argument("--workers", type=int, default=1, help="Uvicorn worker processes")
    args = parser.parse_args(argv)
    start, hours = (0.0, 24.0) if args.full_day else (args.start, args.hours)
    result = measure(
        speed=args.speed,
        start_hour=start,
        hours=hours,
        seed=args.seed,
        baseline_seconds=args.baseline_seconds,
        workers=args.workers,
    )
    report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
