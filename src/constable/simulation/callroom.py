"""The control room as a discrete-event model (SimPy): call handlers, queues, hang-ups, call-backs.

Each channel (999, 101) has its own pool of handlers and its own first-come, first-served queue.
A caller who has waited longer than their patience hangs up; some call again a little later (a
new attempt of the same call). How many handlers are on calls changes over the day
(:meth:`CallRoom.staff`); a handler whose pool shrinks finishes the call in hand first.

Events are SimPy timeouts with callbacks rather than a process per call: the same event queue
and clock, at a fraction of the cost, so a year of a force's calls runs in a minute or so.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import simpy

WAITING, ANSWERED, GONE = 0, 1, 2


class Call:
    """One call, through all its attempts: what the caller needs and where they are."""

    __slots__ = (
        "attempt_at",
        "category",
        "channel",
        "district",
        "easting",
        "grade",
        "handle",
        "northing",
        "on_scene",
        "patience",
        "rang_at",
        "state",
        "urban",
    )

    def __init__(
        self,
        channel: int,
        rang_at: float,
        handle: float,
        patience: float,
        grade: int = 4,
        category: int = 0,
        district: int = 0,
        easting: float = 0.0,
        northing: float = 0.0,
        urban: bool = True,
        on_scene: float = 0.0,
    ) -> None:
        self.channel = channel
        self.rang_at = rang_at
        self.attempt_at = rang_at
        self.handle = handle
        self.patience = patience
        self.grade = grade
        self.category = category
        self.district = district
        self.easting = easting
        self.northing = northing
        self.urban = urban
        self.on_scene = on_scene
        self.state = WAITING


@dataclass
class PoolFigures:
    """What one channel's pool did after the warm-up (attempts counted when they rang)."""

    target_seconds: float
    offered: int = 0
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    abandoned_after_target: int = 0
    called_back: int = 0
    wait_seconds: float = 0.0
    handling_seconds: float = 0.0
    staffed_seconds: float = 0.0
    waits: list[float] = field(default_factory=list)

    @property
    def service_level(self) -> float:
        """Answered within the target over answered and hung up after the target (callers who
        hang up sooner are left out, as control rooms report)."""
        counted = self.answered + self.abandoned_after_target
        return self.answered_within / counted if counted else math.nan

    @property
    def asa_seconds(self) -> float:
        """Average speed of answer."""
        return self.wait_seconds / self.answered if self.answered else math.nan

    @property
    def abandoned_share(self) -> float:
        """Attempts that hung up before an answer."""
        return self.abandoned / self.offered if self.offered else math.nan

    @property
    def occupancy(self) -> float:
        """Share of handlers' time on calls."""
        return self.handling_seconds / self.staffed_seconds if self.staffed_seconds else math.nan


class _Pool:
    __slots__ = ("busy", "changed_at", "figures", "queue", "staffed")

    def __init__(self, target_seconds: float) -> None:
        self.busy = 0
        self.staffed = 0
        self.changed_at = 0.0
        self.queue: deque[Call] = deque()
        self.figures = PoolFigures(target_seconds)


class CallRoom:
    """Handler pools, one per channel, on a SimPy environment.

    ``answered(call, at)`` is told of every answer; ``handled(call)`` when the call ends.
    ``callback_share`` and ``callback_seconds`` per channel: the chance that a caller who hangs
    up calls again, and the mean delay (exponential). Figures count from ``measure_from``;
    ``keep_waits`` keeps every answered call's wait (for tests).
    """

    def __init__(
        self,
        env: simpy.Environment,
        *,
        targets: list[float],
        rng: random.Random,
        callback_share: list[float],
        callback_seconds: list[float],
        patience_seconds: list[float | None],
        answered: Callable[[Call, float], None] | None = None,
        handled: Callable[[Call], None] | None = None,
        measure_from: float = 0.0,
        keep_waits: bool = False,
    ) -> None:
        self.env = env
        self.pools = [_Pool(t) for t in targets]
        self.rng = rng
        self.callback_share = callback_share
        self.callback_seconds = callback_seconds
        self.patience_seconds = patience_seconds
        self.on_answer = answered
        self.on_handled = handled
        self.measure_from = measure_from
        self.keep_waits = keep_waits

    def staff(self, channel: int, handlers: int) -> None:
        """From now on ``handlers`` answer calls of ``channel``."""
        pool = self.pools[channel]
        self._account(pool)
        pool.staffed = max(0, handlers)
        self._serve(pool)

    def _account(self, pool: _Pool) -> None:
        now = self.env.now
        start = max(pool.changed_at, self.measure_from)
        if now > start:
            pool.figures.staffed_seconds += pool.staffed * (now - start)
        pool.changed_at = now

    def close(self) -> None:
        """Count staffed time up to now (call at the end of the run)."""
        for pool in self.pools:
            self._account(pool)

    def arrive(self, call: Call) -> None:
        """A call (or a new attempt) rings now."""
        now = self.env.now
        call.attempt_at = now
        call.state = WAITING
        pool = self.pools[call.channel]
        if now >= self.measure_from:
            pool.figures.offered += 1
        if pool.busy < pool.staffed and not pool.queue:
            self._answer(pool, call)
            return
        pool.queue.append(call)
        if call.patience != math.inf:
            self.env.timeout(call.patience).callbacks.append(partial(self._hang_up, call))

    def _again(self, call: Call, _event: object = None) -> None:
        self.arrive(call)

    def _answer(self, pool: _Pool, call: Call) -> None:
        now = self.env.now
        call.state = ANSWERED
        pool.busy += 1
        if call.attempt_at >= self.measure_from:
            wait = now - call.attempt_at
            figures = pool.figures
            figures.answered += 1
            figures.wait_seconds += wait
            if wait <= figures.target_seconds:
                figures.answered_within += 1
            if self.keep_waits:
                figures.waits.append(wait)
        if now >= self.measure_from:
            pool.figures.handling_seconds += call.handle
        if self.on_answer is not None:
            self.on_answer(call, now)
        self.env.timeout(call.handle).callbacks.append(partial(self._finish, pool, call))

    def _finish(self, pool: _Pool, call: Call, _event: object = None) -> None:
        pool.busy -= 1
        if self.on_handled is not None:
            self.on_handled(call)
        self._serve(pool)

    def _serve(self, pool: _Pool) -> None:
        queue = pool.queue
        while queue and pool.busy < pool.staffed:
            call = queue.popleft()
            if call.state == WAITING:
                self._answer(pool, call)

    def _hang_up(self, call: Call, _event: object = None) -> None:
        if call.state != WAITING:
            return  # answered meanwhile (each attempt has one timer, so it is this attempt's)
        call.state = GONE
        channel = call.channel
        figures = self.pools[channel].figures
        if call.attempt_at >= self.measure_from:
            figures.abandoned += 1
            if call.patience > figures.target_seconds:
                figures.abandoned_after_target += 1
        if self.rng.random() < self.callback_share[channel]:
            if call.attempt_at >= self.measure_from:
                figures.called_back += 1
            mean = self.patience_seconds[channel]
            if mean is not None:
                call.patience = self.rng.expovariate(1 / mean)
            delay = self.rng.expovariate(1 / self.callback_seconds[channel])
            self.env.timeout(delay).callbacks.append(partial(self._again, call))
