"""999 contacts beside a sign-in flood and the heaviest reads: 200 contacts a second, with 32
wrong sign-ins at a time and four maximal measure requests running beside them, on SQLite.

The app runs in Uvicorn child processes (two workers, unless ``--workers``) on a fresh SQLite
store with Kent built, as in ``control_load.py``. Contacts (the replay's mix, 14 % of them 999)
go as ``POST /api/contacts`` at a steady ``--rate`` from an open loop (``benchkit.open_loop``),
twice against the same server, one run after the other:

1. **quiet**: the contacts alone (the baseline, in the same process);
2. **flood**: the same load while another process keeps, until the run ends,
   - ``--sign-ins`` (32) wrong sign-ins in flight at once (``POST /api/token``), each as soon as
     the last answered, each from an address of its own and for a username of its own
     (``X-Forwarded-For``, which Uvicorn trusts from 127.0.0.1): a spray that the limits per
     address and per username do not stop, so every one costs a password check (scrypt, 32 MiB
     and about 0.1 s of a core) and a write to the audit log; with ``--one-address`` they all
     come from one address for one username, and the limits answer almost all of them with 429
     before any work;
   - ``--measures`` (4) ``GET /api/control/measures`` over the longest period allowed (366 days
     to today), each again as soon as the last answered.

Before issue 16, sign-in held SQLite's write gate while scrypt ran and measures had no bound: 32
wrong sign-ins raised a contact's write from 10 ms to 0.8-4 s, and four long measures to 2-47 s.

Goal (from the issue): contact p99 under 100 ms during the flood, no contact errors. Printed:
both runs' latencies, the flood's p99 as a multiple of the quiet run's, and what the flood got
(answers by status, password checks a second, the measures' latency).

Run: ``.venv/bin/python bench/signin_flood.py [--rate 200] [--seconds 30] [--sign-ins 32]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table

from benchkit import (
    Call,
    LoadFigures,
    console,
    first_errors,
    kent_store,
    ms,
    neighbourhoods,
    open_loop,
    percentile,
    serve,
    sign_in,
    stored_incidents,
    verdict,
)
from constable.auth.roles import Role
from constable.control.measures import MAX_DAYS
from control_load import DEFAULT_WORKERS, HANDLERS, WARM_UP_SECONDS, steady
from control_replay import CONTACTS_PER_DAY, EMERGENCY_PER_DAY, contact_body, pick

GOAL_P99_MS = 100.0
DEFAULT_RATE = 200.0
DEFAULT_SECONDS = 30.0
DEFAULT_SIGN_INS = 32
DEFAULT_MEASURES = 4
RAMP_SECONDS = 2.0  # the flood runs this long before the contacts start, to be at full strength
WRONG = "not the password, a guess"


@dataclass
class FloodFigures:
    """What the flood's requests got."""

    seconds: float
    sign_ins: Counter[int]
    measures: Counter[int]
    measure_ms: list[float]
    errors: list[str]

    @property
    def checked_per_second(self) -> float:
        """Sign-ins whose password was checked (401) a second."""
        return self.sign_ins[401] / self.seconds if self.seconds else math.nan


@dataclass
class FloodResult:
    """The quiet run, the flooded run, and the flood."""

    rate: float
    seconds: float
    workers: int
    sign_ins: int
    measures: int
    one_address: bool
    quiet: LoadFigures
    flooded: LoadFigures
    flood: FloodFigures
    incidents_before_flood: int
    errors: list[str] = field(default_factory=list)
    server_errors: Counter[str] = field(default_factory=Counter)

    @property
    def ratio_p99(self) -> float:
        """Contact p99 with the flood over contact p99 without it."""
        return self.flooded.p99_ms / self.quiet.p99_ms

    @property
    def goal_met(self) -> bool:
        """p99 under the goal with every contact answered."""
        return self.flooded.p99_ms < GOAL_P99_MS and self.flooded.errors == 0


async def _flood_async(
    base_url: str,
    analyst_token: str,
    sign_ins: int,
    measures: int,
    one_address: bool,
    stop: Event,
    ready: Event,
) -> dict[str, Any]:
    statuses: dict[str, Counter[int]] = {"sign_ins": Counter(), "measures": Counter()}
    measure_ms: list[float] = []
    errors: list[str] = []
    today = dt.date.today()
    period = {"start": (today - dt.timedelta(days=MAX_DAYS - 1)).isoformat(), "end": str(today)}
    limits = httpx.Limits(max_connections=sign_ins + measures + 4)

    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:

        async def guesser(n: int) -> None:
            tries = 0
            while not stop.is_set():
                tries += 1
                who = "spray-target" if one_address else f"spray{n}-{tries}"
                where = (
                    "203.0.113.1" if one_address else f"10.{n}.{tries // 250 % 250}.{tries % 250}"
                )
                try:
                    answer = await client.post(
                        "/api/token",
                        data={"username": who, "password": WRONG},
                        headers={"X-Forwarded-For": where},
                    )
                    statuses["sign_ins"][answer.status_code] += 1
                except httpx.HTTPError as exc:
                    errors.append(f"sign-in: {exc!r}"[:200])
                    statuses["sign_ins"][0] += 1

        async def reader() -> None:
            headers = {"Authorization": f"Bearer {analyst_token}"}
            while not stop.is_set():
                begun = time.perf_counter()
                try:
                    answer = await client.get(
                        "/api/control/measures", params=period, headers=headers
                    )
                    statuses["measures"][answer.status_code] += 1
                    if answer.status_code == 200:
                        measure_ms.append((time.perf_counter() - begun) * 1000)
                    else:
                        errors.append(f"measures: HTTP {answer.status_code} {answer.text[:150]}")
                except httpx.HTTPError as exc:
                    errors.append(f"measures: {exc!r}"[:200])
                    statuses["measures"][0] += 1

        started = time.perf_counter()
        ready.set()
        await asyncio.gather(
            *(guesser(n) for n in range(sign_ins)), *(reader() for _ in range(measures))
        )
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "sign_ins": dict(statuses["sign_ins"]),
        "measures": dict(statuses["measures"]),
        "measure_ms": measure_ms,
        "errors": errors[:5],
    }


def _flood(
    base_url: str,
    analyst_token: str,
    sign_ins: int,
    measures: int,
    one_address: bool,
    stop: Event,
    ready: Event,
    results: Any,
) -> None:
    """In a child process (so its requests do not share the load generator's interpreter)."""
    flood = _flood_async(base_url, analyst_token, sign_ins, measures, one_address, stop, ready)
    results.put(asyncio.run(flood))


def measure(
    *,
    rate: float = DEFAULT_RATE,
    seconds: float = DEFAULT_SECONDS,
    sign_ins: int = DEFAULT_SIGN_INS,
    measures: int = DEFAULT_MEASURES,
    one_address: bool = False,
    workers: int = DEFAULT_WORKERS,
    seed: int = 7,
) -> FloodResult:
    """Build Kent, serve it, warm up, run the contacts quiet and then beside the flood."""
    users = {f"handler{n}": Role.CALL_HANDLER for n in range(1, HANDLERS + 1)}
    users["analyst"] = Role.ANALYST
    context = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="constable-bench-") as tmp,
        kent_store(Path(tmp), "flood", users) as store,
    ):
        codes, weights = neighbourhoods(store)
        rng = random.Random(seed)
        share_999 = EMERGENCY_PER_DAY / CONTACTS_PER_DAY

        def plan(length: float) -> list[Call]:
            def body() -> dict[str, object]:
                channel = "999" if rng.random() < share_999 else "101"
                return contact_body(rng, pick(rng, channel), codes, weights)

            return [
                Call(at, "POST", "/api/contacts", body(), 201, tokens[i % HANDLERS])
                for i, at in enumerate(steady(rate, length))
            ]

        with serve(str(store.engine.url), Path(tmp) / "uvicorn.log", workers) as server:
            tokens = [sign_in(server.base_url, f"handler{n}") for n in range(1, HANDLERS + 1)]
            analyst = sign_in(server.base_url, "analyst")
            open_loop(server, plan(WARM_UP_SECONDS), open_first=HANDLERS)
            quiet, _ = open_loop(server, plan(seconds), open_first=HANDLERS)
            incidents_before, _ = stored_incidents(store)

            stop, ready = context.Event(), context.Event()
            results = context.Queue()
            flooder = context.Process(
                target=_flood,
                args=(
                    server.base_url,
                    analyst,
                    sign_ins,
                    measures,
                    one_address,
                    stop,
                    ready,
                    results,
                ),
            )
            flooder.start()
            try:
                if not ready.wait(timeout=120):
                    raise RuntimeError("the flood's process did not start within 120 s")
                time.sleep(RAMP_SECONDS)
                flooded, shots = open_loop(server, plan(seconds), open_first=HANDLERS)
            finally:
                stop.set()
            raw = results.get(timeout=300)
            flooder.join(timeout=60)
            logged = server.logged_errors()
    flood = FloodFigures(
        seconds=raw["seconds"],
        sign_ins=Counter({int(k): v for k, v in raw["sign_ins"].items()}),
        measures=Counter({int(k): v for k, v in raw["measures"].items()}),
        measure_ms=raw["measure_ms"],
        errors=raw["errors"],
    )
    return FloodResult(
        rate=rate,
        seconds=seconds,
        workers=workers,
        sign_ins=sign_ins,
        measures=measures,
        one_address=one_address,
        quiet=quiet,
        flooded=flooded,
        flood=flood,
        incidents_before_flood=incidents_before,
        errors=first_errors(shots),
        server_errors=logged,
    )


def report(result: FloodResult) -> None:
    """Both runs' latencies, the goal, and what the flood got."""
    kind = (
        "from one address for one username" if result.one_address else "each from its own address"
    )
    table = Table(
        title=(
            f"Contacts at {result.rate:g}/s for {result.seconds:g} s, quiet and beside "
            f"{result.sign_ins} wrong sign-ins at a time ({kind}) and {result.measures} "
            f"{MAX_DAYS}-day measures; SQLite, {result.workers} Uvicorn workers"
        )
    )
    columns = ("run", "sent", "errors", "achieved/s", "p50 ms", "p90 ms", "p99 ms", "max ms")
    for column in columns:
        table.add_column(column, justify="left" if column == "run" else "right")
    for name, f in (("quiet (baseline)", result.quiet), ("flood", result.flooded)):
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
    flooded = result.flooded
    console.print(
        f"contact p99 beside the flood [bold]{flooded.p99_ms:,.1f} ms[/], goal < {GOAL_P99_MS:g} ms"
        f" with every contact answered: {verdict(result.goal_met)}; "
        f"{result.ratio_p99:.1f}x the quiet run's p99 ({result.quiet.p99_ms:,.1f} ms)"
        + (f" {flooded.error_kinds}" if flooded.errors else "")
    )
    for line in result.errors:
        console.print(f"  [red]{line}[/]")
    for line, count in result.server_errors.most_common(3):
        console.print(f"  [red]server log, {count:,} times: {line}[/]")
    flood = result.flood
    sign_ins = ", ".join(f"{n:,} x {status}" for status, n in sorted(flood.sign_ins.items()))
    measures = ", ".join(f"{n:,} x {status}" for status, n in sorted(flood.measures.items()))
    console.print(
        f"the flood, {flood.seconds:.1f} s: sign-ins {sign_ins} "
        f"({flood.checked_per_second:,.1f} passwords checked a second); measures {measures}, "
        f"p50 {ms(percentile(flood.measure_ms, 0.5))} ms, max "
        f"{ms(max(flood.measure_ms, default=math.nan))} ms, over the "
        f"{result.incidents_before_flood:,} incidents of the period (all open)"
    )
    for line in flood.errors:
        console.print(f"  [red]{line}[/]")
    console.print(
        f"server used {flooded.server_cores:.0%} of a core during the flood, "
        f"{result.quiet.server_cores:.0%} without (of 2 on the machine); sends at most "
        f"{flooded.lag_max_ms:,.1f} ms late (p99 {flooded.lag_p99_ms:,.1f} ms)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run from the command line; always 0 (a missed goal is printed, not failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="contacts a second")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="each run's length")
    parser.add_argument(
        "--sign-ins", type=int, default=DEFAULT_SIGN_INS, help="wrong sign-ins in flight at once"
    )
    parser.add_argument(
        "--measures", type=int, default=DEFAULT_MEASURES, help="maximal measures in flight"
    )
    parser.add_argument(
        "--one-address",
        action="store_true",
        help="every wrong sign-in from one address for one username (the limits stop them)",
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="Uvicorn worker processes"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the contacts")
    args = parser.parse_args(argv)
    result = measure(
        rate=args.rate,
        seconds=args.seconds,
        sign_ins=max(0, args.sign_ins),
        measures=max(0, args.measures),
        one_address=args.one_address,
        workers=max(1, args.workers),
        seed=args.seed,
    )
    report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
