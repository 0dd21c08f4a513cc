"""One replication of a scenario: demand through the control room and response, for N days.

Everything random in a replication comes from ``numpy.random.SeedSequence(seed,
spawn_key=(index,))`` and its own streams (demand, control room, response), so replication
``index`` of a scenario gives the same figures wherever and in whatever order it runs.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import simpy

from constable.force.config import ShiftRota
from constable.simulation import SimulationError
from constable.simulation.callroom import Call, CallRoom
from constable.simulation.demand import CHANNELS, DAY, Tables, generate_day, prepare
from constable.simulation.erlang import offered_load
from constable.simulation.establishment import handlers_per_shift
from constable.simulation.metrics import summarise
from constable.simulation.response import Response, Unit
from constable.simulation.scenarios import Scenario
from constable.simulation.staffing import solve, target_for

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Replication:
    """The figures of one replication."""

    scenario: str
    index: int
    seed: int
    days: int
    warm_up_days: int
    contacts: int
    metrics: dict[str, float]


def streams(seed: int, index: int) -> tuple[np.random.Generator, random.Random, random.Random]:
    """The random streams of replication ``index``: demand (NumPy), control room, response."""
    children = [np.random.SeedSequence(seed, spawn_key=(index, k)) for k in range(3)]
    return (
        np.random.default_rng(children[0]),
        random.Random(int(children[1].generate_state(1, np.uint64)[0])),
        random.Random(int(children[2].generate_state(1, np.uint64)[0])),
    )


def _clock(text: str) -> float:
    hours, minutes = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60


def duty_periods(rota: ShiftRota, start: dt.date, days: int) -> list[tuple[float, float, str]]:
    """Every rota period from the start of the run for ``days`` days: ``(on, off, shift)`` in
    seconds from the run's first midnight (a night begun the evening before counts from 0).
    Local clock time: the run ignores changes to and from summer time."""
    cycle_start = dt.date.fromisoformat(rota.cycle_start)
    found = []
    for day in range(-1, days):
        row = rota.days[((start - cycle_start).days + day) % len(rota.days)]
        for period, shift in zip(rota.periods, row, strict=True):
            if shift == "-":
                continue
            on = day * DAY + _clock(period.start)
            off = on + period.hours * 3600
            if off > 0 and on < days * DAY:
                found.append((max(on, 0.0), min(off, days * DAY), shift))
    return found


def handler_plan(scenario: Scenario) -> list[list[tuple[int, ...]]]:
    """Handlers on calls per weekday (Monday first) and hour, one figure per channel.

    ``plan``: the fewest that meet each channel's answer target by Erlang C for the hour's
    expected calls. ``rota``: the force's handlers a shift times the shifts on duty, less
    shrinkage, shared between the channels in proportion to their offered load."""
    calibration = scenario.calibration
    growth = scenario.changes.demand_growth
    room = scenario.changes.control_room
    per_shift = handlers_per_shift(scenario.config)
    week = []
    periods = duty_periods(scenario.config.control.rota, scenario.start, 10 + 7)
    for weekday in range(7):
        day = (weekday - scenario.start.weekday()) % 7
        hours = []
        for hour in range(24):
            loads, needed = [], []
            for channel in CHANNELS:
                demand = calibration.channels.get(channel)
                if demand is None:
                    loads.append(0.0)
                    needed.append(0)
                    continue
                rate = demand.per_day * growth * calibration.weekday[weekday] * 7
                rate *= demand.hourly[hour] / sum(demand.hourly)
                handle = demand.mean_handle_seconds()
                target = target_for(scenario.config, channel)
                loads.append(offered_load(rate, handle))
                needed.append(
                    solve(
                        calls_per_hour=rate,
                        handle_seconds=handle,
                        target_seconds=target.seconds,
                        service_level=target.share,
                    ).agents
                )
            if room.handlers == "plan":
                hours.append(tuple(needed))
                continue
            middle = day * DAY + hour * 3600 + 1800
            on = sum(1 for a, b, _ in periods if a <= middle < b)
            total = math.floor(per_shift * on * (1 - room.shrinkage))
            share = loads[0] / sum(loads) if sum(loads) else 0.5
            first = min(total, max(1 if loads[0] else 0, round(total * share)))
            hours.append((first, total - first))
        week.append(hours)
    return week


def run_replication(
    scenario: Scenario,
    *,
    days: int = 28,
    warm_up_days: int = 1,
    index: int = 0,
    seed: int | None = None,
    progress: Progress | None = None,
) -> Replication:
    """Replication ``index`` of ``scenario``: ``days`` days from the scenario's start, figures
    counted after ``warm_up_days`` (the run starts with empty queues and every unit free)."""
    if days < 1:
        raise SimulationError(f"days == {days}, must be >= 1")
    if not 0 <= warm_up_days < days:
        raise SimulationError(f"warm_up_days == {warm_up_days}, must be >= 0 and < days ({days})")
    seed = scenario.seed if seed is None else seed
    demand_rng, room_rng, response_rng = streams(seed, index)
    calibration, geography, changes = scenario.calibration, scenario.geography, scenario.changes
    tables = prepare(calibration, geography, changes.district_demand)
    measure_from = warm_up_days * DAY
    env = simpy.Environment()
    channels = [calibration.channels.get(c) for c in CHANNELS]
    response_units = [
        (u.kind, u.district)
        for u in scenario.units
        if u.kind != "special" or changes.response.include_specials
    ]
    response = Response(
        env,
        config=scenario.config,
        geography=geography,
        units=response_units,
        rules=changes.response,
        rng=response_rng,
        placement=tables.neighbourhood_p,
        measure_from=measure_from,
    )
    open_after = [c.open_after_seconds if c is not None else None for c in channels]

    def open_incident(call: Call, _event: object) -> None:
        response.open(call)

    def answered(call: Call, _at: float) -> None:
        delay = open_after[call.channel]
        if delay is not None:
            env.timeout(min(delay, call.handle)).callbacks.append(partial(open_incident, call))

    def handled(call: Call) -> None:
        if open_after[call.channel] is None:
            response.open(call)

    room = CallRoom(
        env,
        targets=[target_for(scenario.config, c).seconds for c in CHANNELS],
        rng=room_rng,
        callback_share=[c.callback_share if c else 0.0 for c in channels],
        callback_seconds=[c.callback_seconds if c else 60.0 for c in channels],
        patience_seconds=[c.patience_seconds if c else None for c in channels],
        answered=answered,
        handled=handled,
        measure_from=measure_from,
    )
    _schedule_duty(env, scenario, response, days, response_rng)
    _schedule_handlers(env, scenario, room, days)
    counted = [0]
    env.process(_arrivals(env, scenario, tables, room, demand_rng, days, counted, progress))
    env.run(until=days * DAY)
    room.close()
    response.close()
    metrics = summarise(
        room=room,
        response=response,
        geography=geography,
        days=days - warm_up_days,
    )
    return Replication(scenario.name, index, seed, days, warm_up_days, counted[0], metrics)


def _arrivals(
    env: simpy.Environment,
    scenario: Scenario,
    tables: Tables,
    room: CallRoom,
    rng: np.random.Generator,
    days: int,
    counted: list[int],
    progress: Progress | None,
) -> Generator[simpy.Event, Any, None]:
    urban_of = scenario.geography.urban
    district_of = scenario.geography.district
    for day in range(days):
        weekday = (scenario.start.weekday() + day) % 7
        contacts = generate_day(
            scenario.calibration,
            tables,
            scenario.geography,
            day=day,
            weekday=weekday,
            rng=rng,
            growth=scenario.changes.demand_growth,
        )
        # In the order of Call's arguments.
        rows = zip(
            contacts.channel.tolist(),
            contacts.time.tolist(),
            contacts.handle.tolist(),
            contacts.patience.tolist(),
            contacts.grade.tolist(),
            contacts.category.tolist(),
            district_of[contacts.neighbourhood].tolist(),
            contacts.easting.tolist(),
            contacts.northing.tolist(),
            urban_of[contacts.neighbourhood].tolist(),
            contacts.on_scene.tolist(),
            strict=True,
        )
        arrive = room.arrive
        timeout = env.timeout
        for row in rows:
            yield timeout(row[1] - env.now)
            arrive(Call(*row))
        counted[0] += len(contacts)
        if progress is not None:
            progress(day + 1)


def _schedule_duty(
    env: simpy.Environment,
    scenario: Scenario,
    response: Response,
    days: int,
    rng: random.Random,
) -> None:
    changes = scenario.changes
    abstraction = changes.abstraction
    rota = scenario.config.control.rota
    by_shift: dict[str | None, list[int]] = {}
    modelled = [
        u for u in scenario.units if u.kind != "special" or changes.response.include_specials
    ]
    for index, spec in enumerate(modelled):
        by_shift.setdefault(spec.shift, []).append(index)
    periods = duty_periods(rota, scenario.start, days)
    day_on = _clock(rota.day_working.start)
    for day in range(days):
        on = day * DAY + day_on
        periods.append((on, min(on + rota.day_working.hours * 3600, days * DAY), ""))
    periods.sort(key=lambda p: (p[0], p[2]))
    present = changes.day_working_days / 7

    booked: dict[tuple[float, str], list[Unit]] = {}

    def start(shift: str, _event: object = None) -> None:
        chosen = []
        for index in by_shift.get(shift or None, []):
            unit = response.units[index]
            chance = 1 - abstraction.get(unit.kind, 0.0)
            if shift == "":
                chance *= present
            if rng.random() < chance:
                response.book_on(unit)
                chosen.append(unit)
        booked[(env.now, shift)] = chosen

    def end(on: float, shift: str, _event: object = None) -> None:
        for unit in booked.pop((on, shift), []):
            response.book_off(unit)

    for on, off, shift in periods:
        env.timeout(on).callbacks.append(partial(start, shift))
        env.timeout(off).callbacks.append(partial(end, on, shift))


def _schedule_handlers(
    env: simpy.Environment, scenario: Scenario, room: CallRoom, days: int
) -> None:
    week = handler_plan(scenario)
    for hour in range(days * 24):
        weekday = (scenario.start.weekday() + hour // 24) % 7
        staff = week[weekday][hour % 24]

        def set_staff(_event: simpy.Event, staff: tuple[int, ...] = staff) -> None:
            for channel, handlers in enumerate(staff):
                room.staff(channel, handlers)

        env.timeout(hour * 3600).callbacks.append(set_staff)
