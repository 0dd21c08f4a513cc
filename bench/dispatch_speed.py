"""Time of a dispatch recommendation among 300 units on shift.

Kent is built in a fresh SQLite store (1,167 units: patrol cars, specials, foot patrols, PCSOs).
Which of them are on duty depends on the rota and the clock, so the benchmark decides it instead:
300 patrol cars, drawn at random (seeded) across the 13 districts, are booked on (status
``available``, updated now, within 800 m of the centre of a random neighbourhood of their
district) and every other unit is booked off (``off_duty``). Both are rows of ``unit_state``, the
table that ``POST /api/units/{id}/status`` writes; they are written directly because
``units.set_status`` costs about 7 ms a unit, 8 s for the whole force. ``units.unit_views`` must
then count exactly 300 available units. A 999 call about a life in danger opens a Grade 1
incident, for which every patrol car is a candidate: each call ranks all 300.

Timed, per call (best batch of several, the garbage collector settled first):

1. ``dispatch.rank``: the pure ranking of the 300 candidates (own district first, a neighbouring
   district's unit ahead only for a Grade 1 and only when faster by the margin, with reasons);
2. the naive baseline for it: every unit's ETA, sorted, the first ten (no rules, no reasons);
3. ``units.unit_views``: reading every unit of the force with its effective status (the database
   part of the service);
4. ``units.recommendations`` in a fresh session, loading the force and the incident first: what
   the API route does;
5. ``GET /api/incidents/{id}/recommendations`` over HTTP (Uvicorn in a child process, a
   dispatcher's bearer token), against ``GET /healthz`` on the same connection as its baseline.

The issue sets no goal: the time per call is printed, with each figure as a multiple of the one
it builds on.

Run: ``.venv/bin/python bench/dispatch_speed.py [--units 300] [--calls 30] [--seed 5]``
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from sqlalchemy import select

from benchkit import console, kent_store, serve, sign_in
from constable.auth.roles import Role
from constable.control import dispatch as ranking
from constable.control import service, units
from constable.control.enums import UnitStatus
from constable.control.models import Incident, UnitState
from constable.control.schemas import ContactCreate
from constable.force import service as force_service
from constable.force.geography import to_wgs84
from constable.force.models import District, Neighbourhood, Team, Unit
from constable.store import Store
from constable.store.base import utcnow

DEFAULT_UNITS = 300
INCIDENT_DISTRICT = "maidstone"
JITTER_M = 800.0  # a unit on shift is within this many metres (east and north) of its spot
DISPATCHER = "dispatcher1"


def per_call(action: Callable[[], object], calls: int = 0, batches: int = 3) -> float:
    """Seconds per call of ``action``: the best of ``batches`` batches of ``calls`` calls (by
    default as many as take about 0.2 s, at least 3)."""
    if calls <= 0:
        start = time.perf_counter()
        action()
        calls = max(3, min(2_000, round(0.2 / max(time.perf_counter() - start, 1e-6))))
    best = math.inf
    for _ in range(batches):
        gc.collect()
        start = time.perf_counter()
        for _ in range(calls):
            action()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def put_on_shift(store: Store, count: int, seed: int) -> tuple[int, dict[str, int]]:
    """Book ``count`` patrol cars on and every other unit off; the units available afterwards
    (by ``units.unit_views``) and how many of them each district has."""
    rng = random.Random(seed)
    now = utcnow()
    with store.session() as session:
        rows = session.execute(
            select(Unit, Team.district_id).join(Team, Team.id == Unit.team_id).order_by(Unit.id)
        ).all()
        cars = [unit for unit, district_id in rows if unit.kind == "patrol_car" and district_id]
        if count > len(cars):
            raise ValueError(f"Kent has {len(cars)} patrol cars, not {count}")
        chosen = {unit.id for unit in rng.sample(cars, count)}
        hoods: dict[int, list[Neighbourhood]] = {}
        for hood in session.scalars(select(Neighbourhood)):
            hoods.setdefault(hood.district_id, []).append(hood)
        for unit, district_id in rows:
            state = UnitState(unit_id=unit.id, updated_at=now, updated_by="bench")
            if unit.id in chosen:
                at = rng.choice(hoods[district_id])
                easting = at.easting + rng.uniform(-JITTER_M, JITTER_M)
                northing = at.northing + rng.uniform(-JITTER_M, JITTER_M)
                longitudes, latitudes = to_wgs84([easting], [northing])
                state.status = UnitStatus.AVAILABLE.value
                state.easting, state.northing = easting, northing
                state.latitude, state.longitude = float(latitudes[0]), float(longitudes[0])
            else:
                state.status = UnitStatus.OFF_DUTY.value
            session.add(state)
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        available = [
            v
            for v in units.unit_views(session=session, force=force)
            if v.status is UnitStatus.AVAILABLE
        ]
        by_district: dict[str, int] = {}
        for view in available:
            slug = view.district.slug if view.district else "-"
            by_district[slug] = by_district.get(slug, 0) + 1
    return len(available), by_district


def open_incident(store: Store, district: str) -> int:
    """A 999 call about a life in danger at a neighbourhood of ``district``: its incident id."""
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        code = session.scalar(
            select(Neighbourhood.code)
            .join(District, District.id == Neighbourhood.district_id)
            .where(District.slug == district)
            .order_by(Neighbourhood.code)
        )
        data = ContactCreate(
            channel="999",
            category="concern-for-safety",
            description="My father has collapsed in the kitchen and is not breathing",
            neighbourhood=code,
        )
        incident = service.create_contact(session=session, force=force, data=data, actor="bench")
        if incident.grade != 1:
            raise RuntimeError(f"the incident is Grade {incident.grade}, not 1")
        return int(incident.id)


@dataclass
class DispatchResult:
    """Times per call, in seconds, and what was ranked."""

    available: int
    by_district: dict[str, int]
    candidates: int
    own_district: int
    district: str
    rank: float
    rank_none_own: float
    naive: float
    unit_views: float
    service: float
    http: float
    healthz: float
    calls: int
    first: list[ranking.Recommendation]


def _candidates(
    session_store: Store, incident_id: int
) -> tuple[list[ranking.Candidate], dict[str, Any]]:
    """The candidates ``units.recommendations`` would rank, and the incident's arguments."""
    with session_store.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        incident = session.get(Incident, incident_id)
        assert incident is not None
        district = session.get(District, incident.district_id)
        assert district is not None
        kinds = units.KINDS_FOR_GRADE[incident.grade]
        candidates = [
            ranking.Candidate(
                unit_id=v.unit.id,
                call_sign=v.unit.call_sign,
                kind=v.unit.kind,
                district_slug=v.district.slug,
                easting=v.easting,
                northing=v.northing,
                position_known=v.position_known,
            )
            for v in units.unit_views(session=session, force=force)
            if v.status is UnitStatus.AVAILABLE
            and v.unit.kind in kinds
            and v.district is not None
            and v.easting is not None
            and v.northing is not None
        ]
        arguments = {
            "easting": incident.easting,
            "northing": incident.northing,
            "urban": incident.urban,
            "district_slug": district.slug,
            "grade": incident.grade,
            "travel": service.force_config(force).control.travel,
        }
    return candidates, arguments


def naive(
    candidates: list[ranking.Candidate], arguments: dict[str, Any], limit: int = 10
) -> list[tuple[float, int]]:
    """The baseline: every unit's ETA, sorted, the first ``limit``: no district rules, no
    reasons."""
    easting, northing = arguments["easting"], arguments["northing"]
    travel, urban = arguments["travel"], arguments["urban"]
    timed = [
        (
            ranking.eta_minutes(
                math.hypot(c.easting - easting, c.northing - northing), urban=urban, travel=travel
            ),
            c.unit_id,
        )
        for c in candidates
    ]
    return sorted(timed)[:limit]


def _service_call(store: Store, incident_id: int) -> list[ranking.Recommendation]:
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        incident = session.get(Incident, incident_id)
        assert incident is not None
        return units.recommendations(session=session, force=force, incident=incident)


def measure(units_on_shift: int = DEFAULT_UNITS, calls: int = 20, seed: int = 5) -> DispatchResult:
    """Build Kent, put the units on shift, open the incident, time every way of ranking."""
    with (
        tempfile.TemporaryDirectory(prefix="constable-bench-") as tmp,
        kent_store(Path(tmp), "dispatch", {DISPATCHER: Role.DISPATCHER}) as store,
    ):
        available, by_district = put_on_shift(store, units_on_shift, seed)
        incident_id = open_incident(store, INCIDENT_DISTRICT)
        candidates, arguments = _candidates(store, incident_id)
        own = sum(1 for c in candidates if c.district_slug == arguments["district_slug"])
        everything = ranking.rank(candidates, **arguments, limit=10_000)
        if len(everything) != len(candidates):
            raise RuntimeError(f"ranked {len(everything)} of {len(candidates)} candidates")
        # The same units for an incident whose district has none available (every unit then
        # comes from elsewhere, and for a Grade 1 all of them go ahead of the district's none).
        elsewhere = [c for c in candidates if c.district_slug != arguments["district_slug"]]
        rank = per_call(lambda: ranking.rank(candidates, **arguments), batches=5)
        rank_none_own = per_call(lambda: ranking.rank(elsewhere, **arguments), batches=5)
        naive_time = per_call(lambda: naive(candidates, arguments), batches=5)
        with store.session() as session:
            force = force_service.get_or_raise(session=session, code="kent")
            session.expunge(force)

        def views() -> object:
            with store.session() as session:
                return units.unit_views(session=session, force=force)

        views_time = per_call(views, calls)
        service_time = per_call(lambda: _service_call(store, incident_id), calls)
        first = _service_call(store, incident_id)
        with serve(str(store.engine.url), Path(tmp) / "uvicorn.log") as server:
            token = sign_in(server.base_url, DISPATCHER)
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
                path = f"/api/incidents/{incident_id}/recommendations"
                answer = client.get(path)
                answer.raise_for_status()
                if [r["unit_id"] for r in answer.json()] != [r.unit_id for r in first]:
                    raise RuntimeError("the API and the service recommend different units")
                client.get("/healthz").raise_for_status()
                http_time = per_call(lambda: client.get(path).raise_for_status(), calls)
                healthz_time = per_call(lambda: client.get("/healthz").raise_for_status())
    return DispatchResult(
        available=available,
        by_district=by_district,
        candidates=len(candidates),
        own_district=own,
        district=arguments["district_slug"],
        rank=rank,
        rank_none_own=rank_none_own,
        naive=naive_time,
        unit_views=views_time,
        service=service_time,
        http=http_time,
        healthz=healthz_time,
        calls=calls,
        first=first,
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.3f}" if seconds < 0.01 else f"{seconds * 1000:,.1f}"


def report(result: DispatchResult) -> None:
    """Times per call, each against its baseline, and the first recommendations."""
    districts = ", ".join(f"{slug} {n}" for slug, n in sorted(result.by_district.items()))
    console.print(
        f"on shift: [bold]{result.available}[/] units available (all patrol cars; every other "
        f"unit booked off): {districts}"
    )
    console.print(
        f"incident: Grade 1 in {result.district}; {result.candidates} candidates, "
        f"{result.own_district} of them the district's own"
    )
    table = Table(title=f"Dispatch recommendation among {result.candidates} units, per call")
    for column in ("way", "ms per call", "against", "x"):
        table.add_column(column, justify="left" if column in ("way", "against") else "right")
    rows = (
        ("naive: ETAs sorted, first 10", result.naive, "", math.nan),
        ("dispatch.rank (pure)", result.rank, "naive", result.rank / result.naive),
        (
            "dispatch.rank, district has none available",
            result.rank_none_own,
            "dispatch.rank",
            result.rank_none_own / result.rank,
        ),
        ("units.unit_views (every unit, DB)", result.unit_views, "", math.nan),
        (
            "units.recommendations (service, DB)",
            result.service,
            "dispatch.rank",
            result.service / result.rank,
        ),
        ("GET /healthz (HTTP baseline)", result.healthz, "", math.nan),
        (
            "GET /api/incidents/{id}/recommendations",
            result.http,
            "GET /healthz",
            result.http / result.healthz,
        ),
        ("", math.nan, "units.recommendations", result.http / result.service),
    )
    for name, seconds, against, ratio in rows:
        table.add_row(
            name,
            "" if math.isnan(seconds) else _ms(seconds),
            against,
            "" if math.isnan(ratio) else f"{ratio:,.1f}",
        )
    console.print(table)
    console.print(
        f"time per recommendation: service [bold]{result.service * 1000:,.1f} ms[/], over HTTP "
        f"[bold]{result.http * 1000:,.1f} ms[/]; the pure ranking is "
        f"{result.rank / result.service:.0%} of the service call, reading the units "
        f"{result.unit_views / result.service:.0%} (no goal set in the issue)"
    )
    best = result.first[0] if result.first else None
    if best is not None:
        console.print(
            f"first recommendation: {best.call_sign} ({best.district}), {best.distance_km} km, "
            f"{best.eta_minutes} min: {best.reason}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; always 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=DEFAULT_UNITS, help="units on shift")
    parser.add_argument(
        "--calls", type=int, default=20, help="calls per timed batch of the DB and HTTP ways"
    )
    parser.add_argument("--seed", type=int, default=5, help="random seed of the units chosen")
    args = parser.parse_args(argv)
    report(measure(max(1, args.units), max(1, args.calls), args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
