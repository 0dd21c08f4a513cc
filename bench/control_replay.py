"""A day of Kent demand replayed through the HTTP API at 50 times real speed.

A seeded day of 5,000 contacts, 700 of them 999 calls, spread over the hours by a documented
profile (:data:`HOURLY_999`, :data:`HOURLY_101`) and drawn from a mix of calls that exercises
triage (:data:`SCENARIOS`), each at a real Kent neighbourhood (LSOA) read from the store and
chosen in proportion to its 2011 population. The app runs in a Uvicorn child process on a fresh
SQLite store with Kent built; the contacts are sent by call handlers (bearer tokens from
``POST /api/token``) as ``POST /api/contacts``, each at its time in the day divided by
``--speed``, from an open loop (``benchkit.open_loop``: a slow answer does not delay the next
call). Afterwards the store must hold exactly as many incidents as contacts were sent.

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
import math
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
    neighbourhoods,
    open_loop,
    serve,
    sign_in,
    stored_incidents,
    verdict,
)
from constable.auth.roles import Role
from constable.control.models import Contact, Incident
from constable.force.build import share_by_weight
from constable.store import Store

CONTACTS_PER_DAY = 5_000
EMERGENCY_PER_DAY = 700
"""Seed 000: the Force Communications Centre takes about 5,000 calls a day, 700 of them 999."""

DAY = 24 * 3600
DEFAULT_SPEED = 50.0

# Relative weight of each hour of the day (local time; the first is 00:00-01:00) in a day's
# contacts. An assumption, shaped like the hourly demand curves UK control rooms report: the
# quietest hours are 04:00-06:00 (about a sixth of the peak for 101, a third for 999), demand
# rises through the morning, peaks in the late afternoon and early evening (16:00-19:00) and
# stays high until late. 999 calls fall less at night and peak later (the evening and the
# night-time economy). Scaled to exact totals with the largest-remainder method.
HOURLY_101 = (
    2.6, 1.9, 1.5, 1.2, 1.0, 1.0, 1.5, 2.6, 3.9, 4.8, 5.2, 5.3,
    5.3, 5.4, 5.6, 6.0, 6.4, 6.5, 6.3, 5.8, 5.2, 4.6, 3.9, 3.2,
)  # fmt: skip
HOURLY_999 = (
    4.6, 4.0, 3.3, 2.6, 2.0, 1.8, 2.0, 2.6, 3.2, 3.6, 3.8, 4.0,
    4.2, 4.3, 4.5, 4.9, 5.2, 5.4, 5.5, 5.6, 5.6, 5.5, 5.2, 4.8,
)  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    """A kind of call the seeds name, its opening category and what callers say."""

    kind: str
    channel: str
    category: str
    weight: float
    descriptions: tuple[str, ...]


# The mix of calls, with the words callers use: triage derives THRIVE from them (keywords in
# control/data/triage.yaml), so 999 calls are mostly graded 1 or 2 and 101 calls 3 or 4.
SCENARIOS: tuple[Scenario, ...] = (
    # 999: life in danger, crime in progress, suspects on the premises, serious crime.
    Scenario("life in danger", "999", "concern-for-safety", 12, (
        "My {relative} has collapsed in the kitchen and is not breathing",
        "A man has collapsed outside the {place} on {street} and is unconscious",
    )),
    Scenario("life in danger", "999", "mental-health", 7, (
        "My {relative} has taken an overdose and will not wake up",
        "A woman is on the railway bridge at {street} saying she is going to jump",
    )),
    Scenario("life in danger", "999", "crime-violence", 6, (
        "Someone has been stabbed outside the {place} on {street}, he is bleeding a lot",
    )),
    Scenario("crime in progress", "999", "crime-burglary", 9, (
        "Two men are breaking in to the house opposite me on {street} right now",
    )),
    Scenario("crime in progress", "999", "crime-public-order", 8, (
        "There is a big fight happening now outside the {place} on {street}",
    )),
    Scenario("crime in progress", "999", "domestic", 7, (
        "My neighbour is hitting his partner right now, I can hear her screaming",
    )),
    Scenario("crime in progress", "999", "crime-damage", 6, (
        "Youths are smashing the windows of the {place} on {street} at the moment",
    )),
    Scenario("suspects on premises", "999", "crime-burglary", 9, (
        "I can hear someone downstairs, the burglar is still in the house",
    )),
    Scenario("suspects on premises", "999", "crime-theft", 6, (
        "Staff have stopped a shoplifter at the {place} on {street}, he is still here",
    )),
    Scenario("serious crime", "999", "crime-robbery", 9, (
        "I have just been robbed at knifepoint on {street}, they took my phone and ran",
    )),
    Scenario("serious crime", "999", "crime-sexual", 5, (
        "My {relative} has been sexually assaulted in the park off {street} and is hurt",
    )),
    Scenario("serious crime", "999", "rtc-injury", 9, (
        "A car has hit a cyclist on {street}, he is injured and bleeding",
    )),
    Scenario("serious crime", "999", "crime-public-order", 7, (
        "A man with a machete is shouting at people outside the {place}",
    )),
    # 101: crime that has already happened, a stolen car, damaged property, suspected drug
    # dealing, a minor collision, information, asking for a local officer (and a little ASB and
    # lost property).
    Scenario("crime already happened", "101", "crime-burglary", 10, (
        "My shed on {street} was broken into overnight and the tools are gone",
        "We came home to find the back door forced and jewellery taken, sometime yesterday",
    )),
    Scenario("crime already happened", "101", "crime-theft", 10, (
        "My bike was stolen from outside the {place} yesterday",
    )),
    Scenario("crime already happened", "101", "crime-other", 5, (
        "Someone used my bank card without my permission last week",
    )),
    Scenario("stolen car", "101", "crime-vehicle", 12, (
        "My car was stolen from the drive on {street} overnight",
        "Woke up to find my van gone from outside the house on {street}",
    )),
    Scenario("damaged property", "101", "crime-damage", 15, (
        "Someone smashed my car window on {street} last night",
        "Graffiti was sprayed on the wall of the {place} sometime at the weekend",
    )),
    Scenario("suspected drug dealing", "101", "crime-drugs", 8, (
        "I think my neighbour on {street} is dealing drugs, cars come and go all day",
        "People are dealing drugs behind the {place} most evenings",
    )),
    Scenario("minor collision", "101", "rtc-damage", 12, (
        "Minor collision in the {place} car park, no one hurt, the other driver drove off",
        "Someone reversed into my car on {street} yesterday and did not leave details",
    )),
    Scenario("information", "101", "information", 10, (
        "I have information about who is selling stolen tools on {street}",
        "I want to pass on the registration of a car that keeps circling the {place}",
    )),
    Scenario("asking for a local officer", "101", "contact-officer", 10, (
        "I would like to speak to my local officer about parking on {street}",
        "Could the PCSO for {street} call me back about speeding cars",
    )),
    Scenario("anti-social behaviour", "101", "asb-nuisance", 6, (
        "Youths are being noisy in the park off {street} every evening",
    )),
    Scenario("lost property", "101", "lost-found", 2, (
        "I lost my wallet somewhere near the {place} yesterday",
    )),
)  # fmt: skip

STREETS = (
    "High Street", "Station Road", "London Road", "Church Street", "Maidstone Road",
    "Canterbury Road", "Queens Road", "Victoria Road", "Park Road", "Mill Lane", "The Street",
    "School Lane", "Sandgate Road", "Tonbridge Road", "Watling Street", "Northdown Road",
    "Marine Parade", "Ashford Road",
)  # fmt: skip
PLACES = (
    "supermarket", "railway station", "pub", "leisure centre", "petrol station", "school",
    "shopping centre", "chip shop", "library", "community hall",
)  # fmt: skip
RELATIVES = ("father", "mother", "husband", "wife", "son", "daughter", "grandfather", "flatmate")
FIRST_NAMES = ("Sam", "Alex", "Jo", "Chris", "Priya", "Tom", "Aisha", "Dan", "Kate", "Lee")
LAST_NAMES = ("Smith", "Jones", "Patel", "Brown", "Taylor", "Khan", "Wilson", "Evans", "Hughes")


@dataclass(frozen=True)
class PlannedContact:
    """One contact of the day: the second of the day it comes in, and the JSON to send."""

    second: float
    kind: str
    body: dict[str, Any]


def contact_body(
    rng: random.Random, scenario: Scenario, codes: list[str], weights: list[int]
) -> dict[str, Any]:
    """The ``POST /api/contacts`` JSON for one call of ``scenario`` at a neighbourhood drawn in
    proportion to population. Times are left to the server (the call is answered now)."""
    text = rng.choice(scenario.descriptions).format(
        street=rng.choice(STREETS), place=rng.choice(PLACES), relative=rng.choice(RELATIVES)
    )
    return {
        "channel": scenario.channel,
        "category": scenario.category,
        "description": text,
        "neighbourhood": rng.choices(codes, weights)[0],
        "caller_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        # Ofcom's drama range: numbers that belong to nobody.
        "caller_phone": f"07700 900{rng.randrange(1000):03d}",
    }


def pick(rng: random.Random, channel: str) -> Scenario:
    """A scenario of ``channel`` by its weight."""
    found = [s for s in SCENARIOS if s.channel == channel]
    return rng.choices(found, [s.weight for s in found])[0]


def plan_day(codes: list[str], weights: list[int], seed: int) -> list[PlannedContact]:
    """The day's contacts in time order: exact totals per channel, per hour by the profile,
    uniformly random within each hour."""
    rng = random.Random(seed)
    day: list[PlannedContact] = []
    for channel, total, profile in (
        ("999", EMERGENCY_PER_DAY, HOURLY_999),
        ("101", CONTACTS_PER_DAY - EMERGENCY_PER_DAY, HOURLY_101),
    ):
        for hour, count in enumerate(share_by_weight(total, profile)):
            for _ in range(count):
                scenario = pick(rng, channel)
                day.append(
                    PlannedContact(
                        second=(hour + rng.random()) * 3600,
                        kind=scenario.kind,
                        body=contact_body(rng, scenario, codes, weights),
                    )
                )
    return sorted(day, key=lambda c: c.second)


def busiest_hour() -> int:
    """The hour of the day with the most contacts by the profile."""
    counts = [
        a + b
        for a, b in zip(
            share_by_weight(EMERGENCY_PER_DAY, HOURLY_999),
            share_by_weight(CONTACTS_PER_DAY - EMERGENCY_PER_DAY, HOURLY_101),
            strict=True,
        )
    ]
    return counts.index(max(counts))


def window(day: list[PlannedContact], start_hour: float, hours: float) -> list[PlannedContact]:
    """The contacts from ``start_hour`` for ``hours`` (past midnight wraps to the day's start),
    with ``second`` counted from the window's start."""
    start, length = start_hour * 3600, min(hours, 24) * 3600
    chosen = []
    for contact in day:
        offset = (contact.second - start) % DAY
        if offset < length:
            chosen.append(PlannedContact(offset, contact.kind, contact.body))
    return sorted(chosen, key=lambda c: c.second)


def clock(hour: float) -> str:
    """``17.5`` → ``17:30``."""
    minutes = round(hour * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.1f}"


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
            _ms(f.p50_ms),
            _ms(f.p90_ms),
            _ms(f.p99_ms),
            _ms(f.max_ms),
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
