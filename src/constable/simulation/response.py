"""Response as a discrete-event model (SimPy): units on shift, dispatch, travel, time at scene.

Units are the force's (patrol cars, Community Policing Team foot patrols, PCSOs; specials if
asked), each of a district and a shift. An incident gets the unit dispatch would recommend:

- the kinds a grade may be given are dispatch's own (``control.units.KINDS_FOR_GRADE``), tried
  in the scenario's order of preference (grade 3 to Community Policing Teams and PCSOs before
  patrol cars, by default);
- travel time is dispatch's estimate (``control.dispatch.eta_minutes``: straight-line distance
  times the road factor at the urban or rural speed of the force configuration);
- **district ownership**: the district's own nearest free unit; a neighbouring district's unit
  only for the grades allowed across borders, when the district has none free or the other
  would arrive at least the configured margin sooner (dispatch's ranking rule). A unit sent
  across a border drives home afterwards;
- **central ownership**: the nearest free unit anywhere.

With no unit free, the incident waits in its district's queue for its grade; a unit that comes
free takes the most urgent waiting incident it may attend (grade 1 first, oldest first).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import simpy

from constable.control.dispatch import eta_minutes
from constable.control.units import KINDS_FOR_GRADE
from constable.force.config import ForceConfig
from constable.simulation.callroom import Call
from constable.simulation.geography import FloatArray, Geography
from constable.simulation.scenarios import ResponseChanges

GRADES = (1, 2, 3)


class Unit:
    """A unit's state in the run."""

    __slots__ = (
        "busy_until",
        "district",
        "duty_since",
        "easting",
        "free",
        "index",
        "kind",
        "leaving",
        "northing",
        "on_duty",
        "where",
    )

    def __init__(self, index: int, kind: str, district: int) -> None:
        self.index = index
        self.kind = kind
        self.district = district
        self.where = district
        self.easting = 0.0
        self.northing = 0.0
        self.on_duty = False
        self.free = False
        self.leaving = False
        self.duty_since = 0.0
        self.busy_until = 0.0


class Incident:
    """An incident waiting for, or given, a unit."""

    __slots__ = ("call", "opened_at", "standard")

    def __init__(self, call: Call, opened_at: float, standard: float) -> None:
        self.call = call
        self.opened_at = opened_at
        self.standard = standard


@dataclass
class GradeFigures:
    """One grade's incidents after the warm-up."""

    incidents: int = 0
    attended: int = 0
    within: int = 0
    response_seconds: float = 0.0
    queue_seconds: float = 0.0
    waited: int = 0
    cross_border: int = 0


@dataclass
class KindFigures:
    """One unit kind's hours after the warm-up."""

    duty_seconds: float = 0.0
    busy_seconds: float = 0.0


@dataclass
class ResponseFigures:
    """Everything the response model counts."""

    grades: dict[int, GradeFigures] = field(default_factory=dict)
    districts: dict[tuple[int, int], GradeFigures] = field(default_factory=dict)
    kinds: dict[str, KindFigures] = field(default_factory=dict)
    resolved_without_deployment: int = 0


class Response:
    """Units, queues and dispatch on a SimPy environment; figures count from ``measure_from``."""

    def __init__(
        self,
        env: simpy.Environment,
        *,
        config: ForceConfig,
        geography: Geography,
        units: list[tuple[str, int]],
        rules: ResponseChanges,
        rng: random.Random,
        placement: FloatArray,
        measure_from: float = 0.0,
    ) -> None:
        self.env = env
        self.travel = config.control.travel
        self.margin = config.control.travel.cross_border_margin_minutes * 60
        attendance = config.control.attendance
        self.standards = {
            g: (
                (attendance[g].minutes(urban=True) or math.inf) * 60,
                (attendance[g].minutes(urban=False) or math.inf) * 60,
            )
            for g in GRADES
        }
        self.geography = geography
        self.rules = rules
        self.central = rules.ownership == "central"
        self.cross = set(rules.cross_border_grades)
        self.mobilise = {g: rules.mobilise_minutes[g] * 60 for g in GRADES}
        self.rng = rng
        self.measure_from = measure_from
        self.units = [Unit(i, kind, d) for i, (kind, d) in enumerate(units)]
        kinds = sorted({u.kind for u in self.units})
        # Kinds a grade may be given (dispatch's rule), in the scenario's order of preference;
        # a kind left out of the preference is not sent.
        self.tiers = {
            g: [
                found
                for tier in rules.tiers(g)
                if (found := [k for k in tier if k in kinds and k in KINDS_FOR_GRADE[g]])
            ]
            for g in GRADES
        }
        self.kinds = {g: [k for tier in self.tiers[g] for k in tier] for g in GRADES}
        self.reserve = rules.reserve_cars
        n = geography.districts
        # Free units by the district they are in and their kind; dicts keep insertion order, so
        # ties are broken the same way in every run (sets of objects would not be).
        self.free: list[dict[str, dict[Unit, None]]] = [{k: {} for k in kinds} for _ in range(n)]
        self.queues: list[dict[int, deque[Incident]]] = [
            {g: deque() for g in GRADES} for _ in range(n)
        ]
        self.boxes = geography.boxes().tolist()
        centres = geography.centres()
        self.centres = centres.tolist()
        gaps = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
        # Per district, every district nearest first (itself first).
        self.nearest_districts: list[list[int]] = [
            [int(d) for d in np.argsort(row, kind="stable")] for row in gaps
        ]
        self.figures = ResponseFigures(
            grades={g: GradeFigures() for g in GRADES}, kinds={k: KindFigures() for k in kinds}
        )
        # Where a unit starts its shift: a neighbourhood of its district drawn by demand.
        self.places: list[tuple[list[int], list[float]]] = []
        for d in range(n):
            inside = np.flatnonzero(geography.district == d)
            weights = placement[inside]
            self.places.append((inside.tolist(), (np.cumsum(weights) / weights.sum()).tolist()))

    # --- duty ------------------------------------------------------------------------------

    def _place(self, unit: Unit) -> None:
        inside, cumulative = self.places[unit.district]
        pick = inside[min(len(inside) - 1, bisect_left(cumulative, self.rng.random()))]
        unit.easting = float(self.geography.easting[pick])
        unit.northing = float(self.geography.northing[pick])
        unit.where = unit.district

    def book_on(self, unit: Unit) -> None:
        """The unit starts a duty period now, somewhere in its district."""
        if unit.on_duty:
            unit.leaving = False
            return
        unit.on_duty = True
        unit.leaving = False
        unit.duty_since = self.env.now
        self._place(unit)
        self._become_free(unit)

    def book_off(self, unit: Unit) -> None:
        """The unit's duty period ends now; a busy unit finishes its incident first."""
        if not unit.on_duty:
            return
        if unit.free:
            self._unfree(unit)
            self._off(unit)
        else:
            unit.leaving = True

    def _off(self, unit: Unit) -> None:
        unit.on_duty = False
        unit.leaving = False
        self._count_duty(unit, self.env.now)

    def _count_duty(self, unit: Unit, until: float) -> None:
        start = max(unit.duty_since, self.measure_from)
        if until > start:
            self.figures.kinds[unit.kind].duty_seconds += until - start
        unit.duty_since = until

    def close(self) -> None:
        """Count duty up to now and the incidents still waiting that have missed their
        standard (call at the end of the run)."""
        now = self.env.now
        for unit in self.units:
            if unit.on_duty:
                self._count_duty(unit, max(now, unit.busy_until))
        for queues in self.queues:
            for grade, waiting in queues.items():
                for incident in waiting:
                    if now - incident.call.rang_at > incident.standard:
                        self._count_missed(incident, grade)

    # --- incidents ---------------------------------------------------------------------------

    def open(self, call: Call) -> None:
        """An incident is opened now for ``call``: dispatch a unit or queue it."""
        grade = call.grade
        if grade not in GRADES:
            if call.rang_at >= self.measure_from:
                self.figures.resolved_without_deployment += 1
            return
        urban, rural = self.standards[grade]
        incident = Incident(call, self.env.now, urban if call.urban else rural)
        unit = self._choose(call)
        if unit is None:
            self.queues[call.district][grade].append(incident)
        else:
            self._assign(unit, incident)

    def _nearest(
        self, easting: float, northing: float, kinds: list[str], districts: list[int]
    ) -> tuple[Unit | None, float]:
        best: Unit | None = None
        best_d2 = math.inf
        for d in districts:
            min_e, min_n, max_e, max_n = self.boxes[d]
            dx = min_e - easting if easting < min_e else easting - max_e if easting > max_e else 0.0
            dy = (
                min_n - northing
                if northing < min_n
                else northing - max_n
                if northing > max_n
                else 0.0
            )
            if dx * dx + dy * dy >= best_d2:
                continue
            free = self.free[d]
            for kind in kinds:
                for unit in free[kind]:
                    d2 = (unit.easting - easting) ** 2 + (unit.northing - northing) ** 2
                    if d2 < best_d2:
                        best, best_d2 = unit, d2
        return best, math.sqrt(best_d2)

    def _eta(self, metres: float, urban: bool) -> float:
        return eta_minutes(metres, urban=urban, travel=self.travel) * 60

    def _choose(self, call: Call) -> Unit | None:
        for tier in self.tiers[call.grade]:
            if call.grade == 3 and tier == ["patrol_car"] and not self._spare_cars(call.district):
                continue
            unit = self._choose_of(call, tier)
            if unit is not None:
                return unit
        return None

    def _spare_cars(self, district: int) -> bool:
        """More patrol cars free in the district than the reserve kept for emergencies."""
        cars = self.free[district].get("patrol_car")
        return cars is not None and len(cars) > self.reserve

    def _choose_of(self, call: Call, kinds: list[str]) -> Unit | None:
        order = self.nearest_districts[call.district]
        if self.central:
            return self._nearest(call.easting, call.northing, kinds, order)[0]
        own, own_m = self._nearest(call.easting, call.northing, kinds, order[:1])
        if call.grade not in self.cross:
            return own
        other, other_m = self._nearest(call.easting, call.northing, kinds, order[1:])
        if other is None:
            return own
        if own is None:
            return other
        faster = self._eta(other_m, call.urban) + self.margin <= self._eta(own_m, call.urban)
        return other if faster else own

    def _assign(self, unit: Unit, incident: Incident) -> None:
        now = self.env.now
        call = incident.call
        if unit.free:
            self._unfree(unit)
        distance = math.hypot(unit.easting - call.easting, unit.northing - call.northing)
        arrive = now + self.mobilise[call.grade] + self._eta(distance, call.urban)
        done = arrive + call.on_scene
        cross = unit.district != call.district
        home = done
        if cross and not self.central:
            # Back to its own district: to the residents' centre, at the rural speed.
            back = math.hypot(
                call.easting - self.centres[unit.district][0],
                call.northing - self.centres[unit.district][1],
            )
            home = done + self._eta(back, False)
        if call.rang_at >= self.measure_from:
            figures = self.figures.grades[call.grade]
            figures.incidents += 1
            figures.attended += 1
            response = arrive - call.rang_at
            figures.response_seconds += response
            figures.queue_seconds += now - incident.opened_at
            figures.waited += now > incident.opened_at
            figures.cross_border += cross
            within = response <= incident.standard
            figures.within += within
            key = (call.district, call.grade)
            by_district = self.figures.districts.setdefault(key, GradeFigures())
            by_district.incidents += 1
            by_district.within += within
        start, end = max(now, self.measure_from), home
        if end > start:
            self.figures.kinds[unit.kind].busy_seconds += end - start
        unit.busy_until = home
        if cross and not self.central:
            unit.easting, unit.northing = self.centres[unit.district]
            unit.where = unit.district
        else:
            unit.easting, unit.northing = call.easting, call.northing
            unit.where = call.district
        self.env.timeout(home - now).callbacks.append(partial(self._cleared, unit))

    def _count_missed(self, incident: Incident, grade: int) -> None:
        call = incident.call
        if call.rang_at < self.measure_from:
            return
        self.figures.grades[grade].incidents += 1
        by_district = self.figures.districts.setdefault((call.district, grade), GradeFigures())
        by_district.incidents += 1

    def _cleared(self, unit: Unit, _event: object = None) -> None:
        if unit.leaving:
            self._off(unit)
            return
        self._become_free(unit)

    # --- free units ---------------------------------------------------------------------------

    def _unfree(self, unit: Unit) -> None:
        unit.free = False
        del self.free[unit.where][unit.kind][unit]

    def _become_free(self, unit: Unit) -> None:
        incident = self._waiting_for(unit)
        if incident is not None:
            unit.free = False
            self._assign(unit, incident)
            return
        unit.free = True
        self.free[unit.where][unit.kind][unit] = None

    def _waiting_for(self, unit: Unit) -> Incident | None:
        """The most urgent incident the unit may take: grade first, then the nearest
        district's queue (own district first), oldest first."""
        kind = unit.kind
        for grade in GRADES:
            if kind not in self.kinds[grade]:
                continue
            if (
                grade == 3
                and kind == "patrol_car"
                and len(self.free[unit.where][kind]) < self.reserve
            ):
                continue  # the unit itself is not yet in the free list: others must be the reserve
            if self.central:
                districts = self.nearest_districts[unit.where]
            elif grade in self.cross:
                districts = self.nearest_districts[unit.district]
            else:
                districts = self.nearest_districts[unit.district][:1]
            for d in districts:
                waiting = self.queues[d][grade]
                if waiting:
                    return waiting.popleft()
        return None
