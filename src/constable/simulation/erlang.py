"""Erlang C in closed form: the M/M/c queue of a call-handling pool.

``calls_per_hour`` arrive at random (Poisson), each takes ``handle_seconds`` on average
(exponential), and ``agents`` handlers answer them first come, first served, nobody hanging up.
With offered load ``a = calls_per_hour * handle_seconds / 3600`` erlangs:

- Erlang B by its recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))`` (every term is
  between 0 and 1, so no factorials or powers overflow, even for thousands of agents);
- the probability that a call waits, ``C = c B(c) / (c - a (1 - B(c)))`` when ``c > a``
  (1 otherwise: the queue grows without end);
- service level ``P(wait <= t) = 1 - C exp(-(c - a) t / h)``;
- average speed of answer ``ASA = C h / (c - a)``; occupancy ``a / c``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from constable.simulation import SimulationError


@dataclass(frozen=True)
class Queue:
    """Erlang C figures of a pool of ``agents`` for one interval."""

    agents: int
    offered_erlangs: float
    wait_probability: float
    service_level: float
    asa_seconds: float
    occupancy: float


def offered_load(calls_per_hour: float, handle_seconds: float) -> float:
    """Erlangs offered: hours of handling that arrive per hour."""
    if calls_per_hour < 0:
        raise SimulationError(f"calls_per_hour == {calls_per_hour:g}, must be >= 0")
    if handle_seconds <= 0:
        raise SimulationError(f"handle_seconds == {handle_seconds:g}, must be > 0")
    return calls_per_hour * handle_seconds / 3600


def erlang_b(agents: int, erlangs: float) -> float:
    """Blocking probability of ``agents`` servers offered ``erlangs`` (Erlang B), by recursion."""
    if agents < 0:
        raise SimulationError(f"agents == {agents}, must be >= 0")
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = erlangs * blocking / (k + erlangs * blocking)
    return blocking


def wait_probability(agents: int, erlangs: float) -> float:
    """Probability that a call waits at all (Erlang C); 1 when the pool cannot keep up."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    blocking = erlang_b(agents, erlangs)
    return agents * blocking / (agents - erlangs * (1 - blocking))


def queue(
    *, agents: int, calls_per_hour: float, handle_seconds: float, target_seconds: float
) -> Queue:
    """Erlang C figures for ``agents`` handlers: waiting, service level within
    ``target_seconds``, average speed of answer and occupancy."""
    if target_seconds < 0:
        raise SimulationError(f"target_seconds == {target_seconds:g}, must be >= 0")
    erlangs = offered_load(calls_per_hour, handle_seconds)
    waiting = wait_probability(agents, erlangs)
    if erlangs > 0 and agents <= erlangs:
        return Queue(agents, erlangs, 1.0, 0.0, math.inf, 1.0)
    spare = agents - erlangs
    service_level = 1 - waiting * math.exp(-spare * target_seconds / handle_seconds)
    asa = waiting * handle_seconds / spare if agents else 0.0
    occupancy = erlangs / agents if agents else 0.0
    return Queue(agents, erlangs, waiting, service_level, asa, occupancy)
