"""The fewest call handlers that meet an answer target, per interval, with shrinkage.

Handlers on calls (``agents``) come from Erlang C (:mod:`constable.simulation.erlang`);
``scheduled`` adds shrinkage, the share of paid time not spent on calls (breaks, training,
leave, sickness): ``scheduled = ceil(agents / (1 - shrinkage))``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from constable.force.config import AnswerTarget, ForceConfig
from constable.simulation import SimulationError
from constable.simulation.erlang import Queue, offered_load, queue


@dataclass(frozen=True)
class Staffing:
    """Handlers needed for one interval and the figures they achieve."""

    agents: int
    scheduled: int
    service_level: float
    asa_seconds: float
    occupancy: float

    def as_dict(self) -> dict[str, Any]:
        """The five figures, for JSON."""
        return asdict(self)


def _check(service_level: float, shrinkage: float) -> None:
    if not 0 < service_level < 1:
        raise SimulationError(f"service_level == {service_level:g}, must be > 0 and < 1")
    if not 0 <= shrinkage < 1:
        raise SimulationError(f"shrinkage == {shrinkage:g}, must be >= 0 and < 1")


def scheduled_for(agents: int, shrinkage: float) -> int:
    """Handlers to roster so that ``agents`` are on calls after ``shrinkage``."""
    _check(0.5, shrinkage)
    # A tolerance so that 7 / (1 - 0.3) = 10.000000000000002 rosters 10, not 11.
    return math.ceil(agents / (1 - shrinkage) - 1e-9)


def solve(
    *,
    calls_per_hour: float,
    handle_seconds: float,
    target_seconds: float,
    service_level: float,
    shrinkage: float = 0.0,
) -> Staffing:
    """The fewest agents whose Erlang C service level within ``target_seconds`` is at least
    ``service_level``; no calls need no agents."""
    _check(service_level, shrinkage)
    erlangs = offered_load(calls_per_hour, handle_seconds)
    agents = math.floor(erlangs) + 1 if erlangs > 0 else 0
    figures = queue(
        agents=agents,
        calls_per_hour=calls_per_hour,
        handle_seconds=handle_seconds,
        target_seconds=target_seconds,
    )
    # The service level rises with every agent added above the load, towards 1.
    while figures.service_level < service_level:
        agents += 1
        figures = queue(
            agents=agents,
            calls_per_hour=calls_per_hour,
            handle_seconds=handle_seconds,
            target_seconds=target_seconds,
        )
    return _staffing(figures, shrinkage)


def _staffing(figures: Queue, shrinkage: float) -> Staffing:
    return Staffing(
        agents=figures.agents,
        scheduled=scheduled_for(figures.agents, shrinkage),
        service_level=figures.service_level,
        asa_seconds=figures.asa_seconds,
        occupancy=figures.occupancy,
    )


@dataclass(frozen=True)
class Interval:
    """One interval of a day's plan: calls and handlers of each channel's pool."""

    start_minute: int
    minutes: int
    calls: dict[str, float]
    staffing: dict[str, Staffing]

    @property
    def agents(self) -> int:
        """Handlers on calls in every pool."""
        return sum(s.agents for s in self.staffing.values())

    @property
    def scheduled(self) -> int:
        """Handlers rostered in every pool."""
        return sum(s.scheduled for s in self.staffing.values())

    def as_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "start": f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}",
            "minutes": self.minutes,
            "calls": {k: round(v, 2) for k, v in self.calls.items()},
            "pools": {k: s.as_dict() for k, s in self.staffing.items()},
            "agents": self.agents,
            "scheduled": self.scheduled,
        }


def target_for(config: ForceConfig, channel: str) -> AnswerTarget:
    """The force's answer target for a channel: its own, else ``other``."""
    targets = config.control.answer_targets
    return targets.get(channel, targets["other"])


def day_plan(
    *,
    config: ForceConfig,
    calls_per_day: dict[str, float],
    hourly: dict[str, list[float]],
    handle_seconds: dict[str, float],
    shrinkage: float = 0.0,
    interval_minutes: int = 60,
) -> list[Interval]:
    """Handlers per interval for a day: each channel its own pool (999 and 101 handlers),
    sized by Erlang C to the force's answer target for that channel. ``hourly`` gives each
    channel's share of the day's calls in each hour; an interval shorter than an hour has an
    equal part of its hour's calls."""
    if interval_minutes not in (15, 20, 30, 60):
        raise SimulationError(f"interval_minutes == {interval_minutes}, must be 15, 20, 30 or 60")
    parts = 60 // interval_minutes
    plan = []
    for index in range(24 * parts):
        hour = index // parts
        calls: dict[str, float] = {}
        staffing: dict[str, Staffing] = {}
        for channel, per_day in calls_per_day.items():
            # Shares are checked to sum to one within rounding; exactly one here.
            per_hour = per_day * hourly[channel][hour] / sum(hourly[channel])
            target = target_for(config, channel)
            calls[channel] = per_hour / parts
            staffing[channel] = solve(
                calls_per_hour=per_hour,
                handle_seconds=handle_seconds[channel],
                target_seconds=target.seconds,
                service_level=target.share,
                shrinkage=shrinkage,
            )
        plan.append(Interval(index * interval_minutes, interval_minutes, calls, staffing))
    return plan
