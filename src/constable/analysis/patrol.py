"""Patrol plans: which forecast boxes each unit should visit in a shift, under a time budget.

Mohler et al. (2015) gave officers about 20 boxes of 150 m × 150 m a shift, the highest-scoring
cells of the day's forecast. A plan here does the same with a patrol-time budget and a rule that
spreads the boxes between units:

- **Value.** A cell's value is its forecast score times the weight of its neighbourhood
  (``priorities``: e.g. ``{"E01024044": 1.5}`` raises a neighbourhood the public asked the
  police to attend to by half; 1 by default), times ``repeat_discount`` for every box already
  in the plan within ``spacing`` cells (diminishing returns: the second box on a street is
  worth less than the first).
- **Budget.** Each of ``units`` units has ``minutes_per_unit`` minutes for boxes: each box costs
  ``minutes_per_box`` (Koper 1995: 10–15 minutes in a hot spot deter best) plus the travel to it
  along the unit's route (cell centres, distance along a street grid ``|dx| + |dy|``, at
  ``speed_kmh``).
- **Spread.** No box of one unit lies within ``spacing`` cells (Chebyshev, so diagonals count)
  of a box of another unit: one street is not visited by every car.

Boxes are chosen greedily by value (lazily re-valued as the discount changes), each given to the
unit whose route it lengthens least (cheapest insertion) and which still has the time; a box
that fits no unit is skipped. The plan stops at ``boxes`` boxes.

**The randomised design** (:func:`plan_patrols` with ``design``): the pool is the top ``2 K``
boxes by value, no two of them within ``spacing`` cells (so that patrols in one do not spill
into another), where ``K`` is how many boxes the same budget would hold in an ordinary plan. A
random half of the pool, drawn from ``seed`` and the day (:func:`randomise`: the same seed and
day always give the same draw, so it can be checked afterwards), is **treatment**: routed to the
units and patrolled; the other half is **control**: not visited. Crime in the two arms is
compared by :func:`analyse_design`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from constable.analysis.events import AnalysisError, Events, transformer
from constable.analysis.grid import Grid, Scores
from constable.force.geography import WGS84
from constable.web import svg

Arm = Literal["patrol", "treatment", "control"]
"""A box's part in a plan: patrolled in an ordinary plan, or one arm of the randomised design."""

UNIT_COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#28a197", "#b58840")
"""Boxes and routes of unit 1, 2, ... on the printed map (repeating after seven units)."""


class PatrolError(AnalysisError):
    """A patrol plan that cannot be made, or a design that cannot be analysed, as asked."""


@dataclass(frozen=True)
class PatrolRules:
    """How many boxes, for how many units, with how much time.

    Defaults: 20 boxes (Mohler et al. 2015), one unit with two hours for boxes in its shift, 15
    minutes in each box (Koper 1995), 20 km/h between boxes (urban driving; 4.5 for a PCSO on
    foot), boxes of different units not touching (``spacing`` 1 cell), and each box next to one
    already chosen worth half as much (``repeat_discount`` 0.5).
    """

    boxes: int = 20
    units: int = 1
    minutes_per_unit: float = 120.0
    minutes_per_box: float = 15.0
    speed_kmh: float = 20.0
    spacing: int = 1
    repeat_discount: float = 0.5
    candidates: int = 2_000
    """Only the highest-scoring cells are considered: enough for any shift, fast on any grid."""

    def check(self) -> None:
        """Raise :class:`PatrolError` naming the first rule that cannot be used."""
        whole = {"boxes": self.boxes, "units": self.units, "candidates": self.candidates}
        for name, value in whole.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise PatrolError(f"{name} == {value!r}, must be a whole number >= 1")
        if isinstance(self.spacing, bool) or not isinstance(self.spacing, int) or self.spacing < 0:
            raise PatrolError(f"spacing == {self.spacing!r}, must be a whole number of cells >= 0")
        for name in ("minutes_per_unit", "minutes_per_box", "speed_kmh"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise PatrolError(f"{name} == {value}, must be > 0")
        if self.minutes_per_box > self.minutes_per_unit:
            raise PatrolError(
                f"minutes_per_box == {self.minutes_per_box:g} is more than minutes_per_unit == "
                f"{self.minutes_per_unit:g}: no unit would have time for one box"
            )
        if not 0 <= self.repeat_discount <= 1:
            raise PatrolError(f"repeat_discount == {self.repeat_discount}, must be in [0, 1]")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and the store."""
        return {
            "boxes": self.boxes,
            "units": self.units,
            "minutes_per_unit": self.minutes_per_unit,
            "minutes_per_box": self.minutes_per_box,
            "speed_kmh": self.speed_kmh,
            "spacing": self.spacing,
            "repeat_discount": self.repeat_discount,
            "candidates": self.candidates,
        }


@dataclass(frozen=True)
class Design:
    """The randomised design of one day: the seed the draw comes from, and the day."""

    seed: int
    day: dt.date


@dataclass(frozen=True)
class Box:
    """One box of a plan: a cell of the forecast grid, where it is, and who goes there."""

    cell: str
    """The cell's id: its lower-left corner in metres, ``E612300N158400``."""
    x0: float
    y0: float
    size: float
    rank: int
    """The cell's rank in the forecast (1 = highest score)."""
    score: float
    value: float
    """What the box was worth when chosen: score × neighbourhood weight × any discount."""
    arm: Arm
    area: str | None = None
    """The neighbourhood (LSOA code) the cell's centre lies in, when known."""
    weight: float = 1.0
    unit: int | None = None
    """1, 2, ...: the unit that visits it (None for a control box, or one that did not fit)."""
    order: int | None = None
    """The box's place in its unit's route (1 first)."""
    arrive_minute: float | None = None
    """Minutes from the start of the unit's route to its arrival at the box."""

    @property
    def centre(self) -> tuple[float, float]:
        """The cell's centre in metres."""
        return self.x0 + self.size / 2, self.y0 + self.size / 2

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "cell": self.cell,
            "x0": self.x0,
            "y0": self.y0,
            "size": self.size,
            "rank": self.rank,
            "score": self.score,
            "value": self.value,
            "arm": self.arm,
            "area": self.area,
            "weight": self.weight,
            "unit": self.unit,
            "order": self.order,
            "arrive_minute": self.arrive_minute,
        }


@dataclass(frozen=True)
class UnitRoute:
    """One unit's boxes in the order to visit them, and the time they take."""

    unit: int
    cells: tuple[str, ...]
    box_minutes: float
    travel_minutes: float
    travel_metres: float

    @property
    def minutes(self) -> float:
        """Time in boxes and between them."""
        return self.box_minutes + self.travel_minutes


@dataclass(frozen=True)
class Plan:
    """The boxes of one shift, the units' routes, and what did not fit."""

    rules: PatrolRules
    crs: str
    boxes: tuple[Box, ...]
    routes: tuple[UnitRoute, ...]
    skipped: int
    """Cells better than the last box chosen that no unit had the time for (too far from its
    route) or that the spread rule kept out."""
    design: Design | None = None
    notes: tuple[str, ...] = field(default=())

    def of_arm(self, arm: Arm) -> list[Box]:
        """The boxes of one arm."""
        return [box for box in self.boxes if box.arm == arm]

    def visited(self) -> list[Box]:
        """The boxes a unit goes to (patrol or treatment), in unit and route order."""
        routed = [box for box in self.boxes if box.unit is not None]
        return sorted(routed, key=lambda b: (b.unit or 0, b.order or 0))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "rules": self.rules.as_dict(),
            "crs": self.crs,
            "design": None
            if self.design is None
            else {"seed": self.design.seed, "day": self.design.day.isoformat()},
            "boxes": [box.as_dict() for box in self.boxes],
            "routes": [
                {
                    "unit": route.unit,
                    "cells": list(route.cells),
                    "box_minutes": route.box_minutes,
                    "travel_minutes": route.travel_minutes,
                    "travel_metres": route.travel_metres,
                }
                for route in self.routes
            ],
            "skipped": self.skipped,
            "notes": list(self.notes),
        }


# --- Choosing boxes ------------------------------------------------------------------------------


def _weights(
    grid: Grid,
    cell_areas: Sequence[str | None] | NDArray[np.str_] | None,
    priorities: Mapping[str, float] | None,
) -> tuple[NDArray[np.float64], list[str | None]]:
    """Each cell's neighbourhood weight (1 without priorities) and its neighbourhood code."""
    areas: list[str | None] = [None] * grid.n_cells
    if cell_areas is not None:
        if len(cell_areas) != grid.n_cells:
            raise PatrolError(
                f"{len(cell_areas)} neighbourhood codes for a grid of {grid.n_cells} cells"
            )
        areas = [str(code) if code else None for code in cell_areas]
    weights = np.ones(grid.n_cells, dtype=np.float64)
    if priorities:
        if cell_areas is None:
            raise PatrolError(
                "neighbourhood priorities need the neighbourhood of each cell (cell_areas)"
            )
        for name, weight in priorities.items():
            if not (isinstance(weight, int | float) and math.isfinite(weight) and weight > 0):
                raise PatrolError(f"the priority weight of {name} is {weight!r}, must be > 0")
        for index, area in enumerate(areas):
            if area is not None and area in priorities:
                weights[index] = float(priorities[area])
    return weights, areas


class _Routes:
    """The units' routes as they grow, with the budget and the spread rule."""

    def __init__(self, grid: Grid, rules: PatrolRules) -> None:
        self.grid = grid
        self.rules = rules
        self.routes: list[list[int]] = [[] for _ in range(rules.units)]
        self.travel = [0.0] * rules.units
        self.owner: dict[int, int] = {}
        self.metres_per_minute = rules.speed_kmh * 1000 / 60

    def distance(self, a: int, b: int) -> float:
        """Metres between two cells' centres along a street grid."""
        ra, ca = divmod(a, self.grid.nx)
        rb, cb = divmod(b, self.grid.nx)
        return (abs(ra - rb) + abs(ca - cb)) * self.grid.cell_size

    def near(self, cell: int, others: Mapping[int, int], reach: int) -> list[int]:
        """The owners of the chosen cells within ``reach`` cells (Chebyshev) of ``cell``."""
        row, col = divmod(cell, self.grid.nx)
        found = []
        for dr in range(-reach, reach + 1):
            for dc in range(-reach, reach + 1):
                r, c = row + dr, col + dc
                if (dr or dc) and 0 <= r < self.grid.ny and 0 <= c < self.grid.nx:
                    unit = others.get(r * self.grid.nx + c)
                    if unit is not None:
                        found.append(unit)
        return found

    def insertion(self, unit: int, cell: int) -> tuple[float, int]:
        """The extra metres of putting ``cell`` into the unit's route, and where."""
        route = self.routes[unit]
        if not route:
            return 0.0, 0
        best = (self.distance(cell, route[0]), 0)
        for index in range(1, len(route)):
            extra = (
                self.distance(route[index - 1], cell)
                + self.distance(cell, route[index])
                - self.distance(route[index - 1], route[index])
            )
            if extra < best[0]:
                best = (extra, index)
        end = self.distance(route[-1], cell)
        return (end, len(route)) if end <= best[0] else best

    def minutes(self, unit: int) -> float:
        return len(self.routes[unit]) * self.rules.minutes_per_box + (
            self.travel[unit] / self.metres_per_minute
        )

    def place(self, cell: int, *, spread: bool, budget: bool = True) -> int | None:
        """Give ``cell`` to the unit it costs least (None when none may take it)."""
        blocked = set(self.near(cell, self.owner, self.rules.spacing)) if spread else set()
        options = []
        for unit in range(self.rules.units):
            if blocked - {unit}:
                continue  # a box of another unit is next to this one
            extra, position = self.insertion(unit, cell)
            after = self.minutes(unit) + self.rules.minutes_per_box + extra / self.metres_per_minute
            if budget and after > self.rules.minutes_per_unit + 1e-9:
                continue
            options.append((extra, self.minutes(unit), unit, position))
        if not options:
            return None
        extra, _, unit, position = min(options)
        self.routes[unit].insert(position, cell)
        self.travel[unit] += extra
        self.owner[cell] = unit
        return unit

    def full(self) -> bool:
        """Whether no unit has the time left for one more box, even next door."""
        return all(
            self.minutes(unit) + self.rules.minutes_per_box > self.rules.minutes_per_unit + 1e-9
            for unit in range(self.rules.units)
        )

    def arrivals(self, unit: int) -> list[float]:
        """Minutes from the start of the route to the arrival at each of its boxes."""
        times, clock = [], 0.0
        route = self.routes[unit]
        for index, cell in enumerate(route):
            if index:
                clock += self.distance(route[index - 1], cell) / self.metres_per_minute
            times.append(clock)
            clock += self.rules.minutes_per_box
        return times


def _greedy(
    scores: Scores,
    values: NDArray[np.float64],
    rules: PatrolRules,
    limit: int,
    accept: Callable[[int], bool],
    full: Callable[[], bool] = lambda: False,
) -> tuple[list[int], dict[int, float], int]:
    """Cells by value, lazily discounted for chosen neighbours; ``accept(cell)`` says whether
    a cell can be taken (and takes it). The chosen cells, their values then, and the skipped."""
    grid = scores.grid
    ranked = scores.ranked()
    flat_values = values.ravel()
    candidates = [int(c) for c in ranked[: rules.candidates] if flat_values[c] > 0]
    heap = [(-flat_values[c], order, c) for order, c in enumerate(candidates)]
    heapq.heapify(heap)
    chosen: list[int] = []
    chosen_set: dict[int, int] = {}
    worth: dict[int, float] = {}
    skipped = 0
    helper = _Routes(grid, rules)
    while heap and len(chosen) < limit and not full():
        negative, order, cell = heapq.heappop(heap)
        near = len(helper.near(cell, chosen_set, rules.spacing)) if rules.spacing else 0
        current = float(flat_values[cell]) * rules.repeat_discount**near
        if current < -negative - 1e-12 * max(1.0, -negative):
            if current > 0:
                heapq.heappush(heap, (-current, order, cell))
            continue
        if accept(cell):
            chosen.append(cell)
            chosen_set[cell] = 0
            worth[cell] = current
        else:
            skipped += 1
    return chosen, worth, skipped


def randomise(cells: Sequence[str], *, seed: int, day: dt.date) -> tuple[list[str], list[str]]:
    """Split ``cells`` into treatment and control for ``day``: a random half (rounded down)
    treatment, drawn from a generator seeded with ``(seed, day)``; the same seed and day always
    give the same split. Cells are sorted first, so their order does not matter."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise PatrolError(f"seed == {seed!r}, must be a whole number >= 0")
    ordered = sorted(cells)
    rng = np.random.default_rng([seed, day.toordinal()])
    shuffled = [ordered[i] for i in rng.permutation(len(ordered))]
    half = len(ordered) // 2
    return sorted(shuffled[:half]), sorted(shuffled[half:])


def plan_patrols(
    scores: Scores,
    rules: PatrolRules | None = None,
    *,
    cell_areas: Sequence[str | None] | NDArray[np.str_] | None = None,
    priorities: Mapping[str, float] | None = None,
    design: Design | None = None,
) -> Plan:
    """The boxes of a shift from a forecast (see the module's docstring for the rules).

    ``cell_areas`` gives each cell of the grid (flat order, ``grid.n_cells`` long) its
    neighbourhood code or None; ``priorities`` weighs neighbourhoods by code; ``design`` makes
    the plan a day of the randomised design.
    """
    rules = rules or PatrolRules()
    rules.check()
    grid = scores.grid
    weights, areas = _weights(grid, cell_areas, priorities)
    values = np.where(grid.valid.ravel(), scores.values.ravel() * weights, 0.0)
    if not np.any(values > 0):
        raise PatrolError(
            "the forecast gives no cell a score above 0: there is nothing to patrol "
            "(is the history empty?)"
        )
    routes = _Routes(grid, rules)
    chosen, worth, skipped = _greedy(
        scores,
        values,
        rules,
        rules.boxes,
        lambda cell: routes.place(cell, spread=True) is not None,
        routes.full,
    )
    ranks = scores.ranks().ravel()
    notes: list[str] = []
    arms: dict[int, Arm] = {cell: "patrol" for cell in chosen}
    if design is not None:
        # The pool: twice what the budget holds, no two boxes near each other at all.
        pool_rules = replace(rules, repeat_discount=0.0) if rules.spacing else rules
        pool, worth, skipped = _greedy(scores, values, pool_rules, 2 * len(chosen), lambda c: True)
        if len(pool) < 2:
            raise PatrolError("the randomised design needs at least two boxes in the pool")
        ids = {grid.cell_id(c): c for c in pool}
        treated, _ = randomise(list(ids), seed=design.seed, day=design.day)
        treated_cells = sorted((ids[c] for c in treated), key=lambda c: -worth[c])
        routes = _Routes(grid, rules)
        arms = {cell: "control" for cell in pool}
        unrouted = 0
        for cell in treated_cells:
            arms[cell] = "treatment"
            if routes.place(cell, spread=False) is None:
                unrouted += 1
        if unrouted:
            notes.append(
                f"{unrouted} treatment box(es) did not fit the units' time; they stay in the "
                "treatment arm (intention to treat): send the next free unit"
            )
        chosen = pool
    owner_order: dict[int, tuple[int, int, float]] = {}
    unit_routes = []
    for unit in range(rules.units):
        arrivals = routes.arrivals(unit)
        for order, (cell, minute) in enumerate(zip(routes.routes[unit], arrivals, strict=True)):
            owner_order[cell] = (unit + 1, order + 1, minute)
        unit_routes.append(
            UnitRoute(
                unit=unit + 1,
                cells=tuple(grid.cell_id(c) for c in routes.routes[unit]),
                box_minutes=len(routes.routes[unit]) * rules.minutes_per_box,
                travel_minutes=routes.travel[unit] / routes.metres_per_minute,
                travel_metres=routes.travel[unit],
            )
        )
    boxes = []
    for cell in sorted(chosen, key=lambda c: (ranks[c], c)):
        row, col = divmod(cell, grid.nx)
        unit, order, minute = owner_order.get(cell, (None, None, None))  # type: ignore[assignment]
        boxes.append(
            Box(
                cell=grid.cell_id(cell),
                x0=grid.x0 + col * grid.cell_size,
                y0=grid.y0 + row * grid.cell_size,
                size=grid.cell_size,
                rank=int(ranks[cell]),
                score=float(scores.values.ravel()[cell]),
                value=float(worth[cell]),
                arm=arms[cell],
                area=areas[cell],
                weight=float(weights[cell]),
                unit=unit,
                order=order,
                arrive_minute=None if minute is None else round(minute, 1),
            )
        )
    if len(boxes) < rules.boxes and design is None:
        notes.append(
            f"{len(boxes)} of the {rules.boxes} boxes asked for fit the units' time "
            f"({rules.units} × {rules.minutes_per_unit:g} minutes)"
        )
    return Plan(
        rules=rules,
        crs=grid.crs,
        boxes=tuple(boxes),
        routes=tuple(unit_routes),
        skipped=skipped,
        design=design,
        notes=tuple(notes),
    )


# --- Output: GeoJSON and a printable map ---------------------------------------------------------


def boxes_geojson(boxes: Sequence[Box], crs: str, *, precision: int = 6) -> dict[str, Any]:
    """The boxes as a GeoJSON FeatureCollection in WGS84, each with its properties (cell, rank,
    score, arm, unit, order, neighbourhood...)."""
    to_wgs84 = transformer(crs, WGS84)
    features = []
    for box in boxes:
        xs = [box.x0, box.x0 + box.size, box.x0 + box.size, box.x0, box.x0]
        ys = [box.y0, box.y0, box.y0 + box.size, box.y0 + box.size, box.y0]
        lon, lat = to_wgs84.transform(xs, ys)
        ring = [
            [round(float(a), precision), round(float(b), precision)]
            for a, b in zip(lon, lat, strict=True)
        ]
        features.append(
            {
                "type": "Feature",
                "id": box.cell,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": box.as_dict(),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def plan_svg(
    boxes: Sequence[Box],
    *,
    title: str,
    outline: svg.Geometry | None = None,
    width: int = 900,
) -> str:
    """A printable map: the area's outline, each unit's boxes in its colour, numbered in route
    order and joined by its route, control boxes hatched grey; a scale bar and a legend."""
    if not boxes:
        raise PatrolError("a plan without boxes has no map")
    size = boxes[0].size
    squares = [
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [b.x0, b.y0],
                    [b.x0 + size, b.y0],
                    [b.x0 + size, b.y0 + size],
                    [b.x0, b.y0 + size],
                    [b.x0, b.y0],
                ]
            ],
        }
        for b in boxes
    ]
    shapes: list[svg.Geometry] = [*squares] + ([outline] if outline is not None else [])
    frame = svg.fit(shapes, width, max_height=width * 1.2, padding=24)
    height = frame.height + svg.SCALE_STRIP
    parts = [
        "<defs><pattern id='control-hatch' width='6' height='6' patternUnits='userSpaceOnUse' "
        "patternTransform='rotate(45)'><line x1='0' y1='0' x2='0' y2='6' stroke='#505a5f' "
        "stroke-width='2'/></pattern></defs>",
        f"<rect width='{svg.number(frame.width)}' height='{svg.number(height)}' fill='#fff'/>",
    ]
    if outline is not None:
        parts.append(
            f"<path class='area' d='{svg.path_d(outline, frame)}' fill='#f3f2f1' "
            "stroke='#505a5f' stroke-width='1' fill-rule='evenodd'/>"
        )
    pixels = max(frame.pixels(size), 3.0)
    by_unit: dict[int, list[Box]] = {}
    for box in boxes:
        if box.unit is not None:
            by_unit.setdefault(box.unit, []).append(box)
    for unit, routed in sorted(by_unit.items()):
        colour = UNIT_COLOURS[(unit - 1) % len(UNIT_COLOURS)]
        points = [frame.point(*b.centre) for b in sorted(routed, key=lambda b: b.order or 0)]
        if len(points) > 1:
            path = " ".join(f"{svg.number(x)},{svg.number(y)}" for x, y in points)
            parts.append(
                f"<polyline class='route unit-{unit}' points='{path}' fill='none' "
                f"stroke='{colour}' stroke-width='1.5' stroke-dasharray='4 3'/>"
            )
    font = max(8.0, min(14.0, pixels * 0.9))
    for box in boxes:
        left, top = frame.point(box.x0, box.y0 + size)
        if box.unit is None:
            fill, css = "url(#control-hatch)", f"box {box.arm}"
            label = ""
        else:
            fill = UNIT_COLOURS[(box.unit - 1) % len(UNIT_COLOURS)]
            css = f"box {box.arm} unit-{box.unit}"
            label = f"{box.unit}.{box.order}"
        parts.append(
            f"<rect class='{css}' x='{svg.number(left)}' y='{svg.number(top)}' "
            f"width='{svg.number(pixels)}' height='{svg.number(pixels)}' fill='{fill}' "
            f"stroke='#0b0c0c' stroke-width='0.6'><title>{escape(_box_title(box))}</title></rect>"
        )
        if label:
            parts.append(
                f"<text x='{svg.number(left + pixels / 2)}' y='{svg.number(top - 2)}' "
                f"font-size='{svg.number(font)}' text-anchor='middle' font-family='sans-serif' "
                f"fill='#0b0c0c' stroke='#fff' stroke-width='2.5' paint-order='stroke'>"
                f"{label}</text>"
            )
    bar = svg.scale_bar(frame)
    base = frame.height + 20
    parts.append(
        f"<g class='scale'><line x1='24' y1='{svg.number(base)}' "
        f"x2='{svg.number(24 + bar.pixels)}' y2='{svg.number(base)}' stroke='#0b0c0c' "
        f"stroke-width='3'/><text x='24' y='{svg.number(base - 6)}' font-size='12' "
        f"font-family='sans-serif'>{bar.label}</text></g>"
    )
    units = sorted(by_unit)
    legend_x = 24 + bar.pixels + 30
    for index, unit in enumerate(units[:7]):
        colour = UNIT_COLOURS[(unit - 1) % len(UNIT_COLOURS)]
        x = legend_x + index * 70
        parts.append(
            f"<g class='legend'><rect x='{svg.number(x)}' y='{svg.number(base - 10)}' "
            f"width='12' height='12' fill='{colour}'/><text x='{svg.number(x + 16)}' "
            f"y='{svg.number(base)}' font-size='12' font-family='sans-serif'>Unit {unit}</text></g>"
        )
    if any(b.unit is None for b in boxes):
        x = legend_x + len(units[:7]) * 70
        parts.append(
            f"<g class='legend'><rect x='{svg.number(x)}' y='{svg.number(base - 10)}' "
            f"width='12' height='12' fill='url(#control-hatch)' stroke='#0b0c0c' "
            f"stroke-width='0.6'/><text x='{svg.number(x + 16)}' y='{svg.number(base)}' "
            "font-size='12' font-family='sans-serif'>Control: do not patrol</text></g>"
        )
    routed_count = sum(1 for b in boxes if b.unit is not None)
    described = (
        f"{routed_count} boxes of {size:g} m to patrol, labelled unit.order and joined in route "
        f"order"
        + (
            f"; {len(boxes) - routed_count} control or unrouted boxes hatched"
            if routed_count < len(boxes)
            else ""
        )
        + "."
    )
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {svg.number(frame.width)} "
        f"{svg.number(height)}' width='{svg.number(frame.width)}' height='{svg.number(height)}' "
        f"role='img' aria-labelledby='plan-title plan-desc'><title id='plan-title'>"
        f"{escape(title)}</title><desc id='plan-desc'>{escape(described)}</desc>"
        + "".join(parts)
        + "</svg>"
    )


def _box_title(box: Box) -> str:
    who = "control: not patrolled" if box.unit is None else f"unit {box.unit}, stop {box.order}"
    where = f", {box.area}" if box.area else ""
    return f"{box.cell} (forecast rank {box.rank}{where}): {who}"


# --- The randomised design's analysis -------------------------------------------------------------


@dataclass(frozen=True)
class BoxDay:
    """One box on one day of the design: its arm, the window its crime is counted over, and
    (once counted) the crimes in it."""

    day: dt.date
    cell: str
    x0: float
    y0: float
    size: float
    arm: Arm
    start: dt.datetime
    end: dt.datetime
    crimes: int = 0


def count_crimes(box_days: Sequence[BoxDay], events: Events) -> list[BoxDay]:
    """Each box-day with the number of ``events`` inside the box in its window.

    The events need times: month-only events cannot say on which day a crime happened, so they
    are refused rather than spread over the month."""
    if not events.has_times:
        raise PatrolError(
            "the randomised design compares crime day by day, but these events have their "
            "month only (as data.police.uk publishes them); record crimes with the time they "
            "happened, or give events with dates"
        )
    counted = []
    for box_day in box_days:
        first = int(np.searchsorted(events.t, events.days(box_day.start), side="left"))
        last = int(np.searchsorted(events.t, events.days(box_day.end), side="left"))
        x, y = events.x[first:last], events.y[first:last]
        inside = (
            (x >= box_day.x0)
            & (x < box_day.x0 + box_day.size)
            & (y >= box_day.y0)
            & (y < box_day.y0 + box_day.size)
        )
        counted.append(replace(box_day, crimes=int(np.count_nonzero(inside))))
    return counted


@dataclass(frozen=True)
class DesignResult:
    """Crime in treatment against control boxes: the rate ratio with an exact interval, and a
    randomisation test that keeps each day's draw."""

    days: int
    treated_box_days: int
    control_box_days: int
    treated_crimes: int
    control_crimes: int
    rate_ratio: float
    low: float
    high: float
    confidence: float
    p_value: float
    permutation_p: float
    permutations: int

    @property
    def treated_rate(self) -> float:
        """Crimes per treatment box-day."""
        return self.treated_crimes / self.treated_box_days

    @property
    def control_rate(self) -> float:
        """Crimes per control box-day."""
        return self.control_crimes / self.control_box_days

    def summary(self) -> str:
        """The result in words for a commander."""
        level = f"{self.confidence:.0%}"
        head = (
            f"Over {self.days} day(s), patrolled boxes had {self.treated_crimes} crime(s) in "
            f"{self.treated_box_days} box-days ({self.treated_rate:.3f} a day) and control boxes "
            f"{self.control_crimes} in {self.control_box_days} ({self.control_rate:.3f} a day): "
            f"rate ratio {_ratio_text(self.rate_ratio)} ({level} interval "
            f"{_ratio_text(self.low)} to {_ratio_text(self.high)}; exact p = {self.p_value:.3g}, "
            f"randomisation p = {self.permutation_p:.3g})."
        )
        if self.high < 1:
            verdict = (
                f" Patrols reduced crime in the boxes: by {1 - self.rate_ratio:.0%} "
                f"(between {1 - self.high:.0%} and {1 - self.low:.0%})."
            )
        elif self.low > 1:
            verdict = " Patrolled boxes had more recorded crime than control boxes."
        else:
            verdict = (
                " The interval includes 1: these data cannot show that patrols changed crime "
                "in the boxes; run the design for longer."
            )
        return head + verdict

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (an infinite bound is null)."""
        return {
            "days": self.days,
            "treated_box_days": self.treated_box_days,
            "control_box_days": self.control_box_days,
            "treated_crimes": self.treated_crimes,
            "control_crimes": self.control_crimes,
            "rate_ratio": _finite(self.rate_ratio),
            "low": _finite(self.low),
            "high": _finite(self.high),
            "confidence": self.confidence,
            "p_value": self.p_value,
            "permutation_p": self.permutation_p,
            "permutations": self.permutations,
            "summary": self.summary(),
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _ratio_text(value: float) -> str:
    return "infinite" if math.isinf(value) else f"{value:.2f}"


def rate_ratio_interval(
    treated: int, treated_exposure: float, control: int, control_exposure: float, confidence: float
) -> tuple[float, float, float, float]:
    """The rate ratio of two Poisson counts, its exact interval and two-sided p-value.

    Given the total ``n = treated + control``, the treated count is Binomial(n, p) with ``p =
    E_t RR / (E_t RR + E_c)``; the Clopper–Pearson interval for ``p`` becomes the interval
    for ``RR = p / (1 - p) · E_c / E_t``, and the exact binomial test of ``RR = 1`` its p-value.
    """
    # Imported here: scipy.stats takes about a second to import, and only this needs it.
    from scipy import stats

    n = treated + control
    if n == 0:
        raise PatrolError("no crime in either arm: there is nothing to compare yet")
    alpha = 1 - confidence
    scale = control_exposure / treated_exposure
    p_low = 0.0 if treated == 0 else float(stats.beta.ppf(alpha / 2, treated, n - treated + 1))
    p_high = 1.0 if treated == n else float(stats.beta.ppf(1 - alpha / 2, treated + 1, n - treated))

    def ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    estimate = (
        math.inf if control == 0 else (treated / treated_exposure) / (control / control_exposure)
    )
    p_null = treated_exposure / (treated_exposure + control_exposure)
    p_value = float(stats.binomtest(treated, n, p_null).pvalue)
    return estimate, ratio(p_low), ratio(p_high), p_value


def analyse_design(
    box_days: Sequence[BoxDay],
    *,
    confidence: float = 0.95,
    permutations: int = 9_999,
    seed: int = 0,
) -> DesignResult:
    """Crime in treatment against control box-days (see :class:`DesignResult`).

    The randomisation test re-draws each day's treatment half among that day's boxes
    ``permutations`` times and asks how often the difference in crime rates is as large as the
    one seen (two-sided): valid however unevenly crime is spread over the boxes, where the
    Poisson interval assumes each box-day's crime is Poisson.
    """
    if not 0 < confidence < 1:
        raise PatrolError(f"confidence == {confidence}, must be between 0 and 1")
    if isinstance(permutations, bool) or not isinstance(permutations, int) or permutations < 1:
        raise PatrolError(f"permutations == {permutations!r}, must be a whole number >= 1")
    arms = [b for b in box_days if b.arm in ("treatment", "control")]
    treated = [b for b in arms if b.arm == "treatment"]
    control = [b for b in arms if b.arm == "control"]
    if not treated or not control:
        raise PatrolError(
            "the design needs box-days in both arms (treatment and control); "
            f"it has {len(treated)} and {len(control)}: plan with the randomised design"
        )
    c_t, c_c = sum(b.crimes for b in treated), sum(b.crimes for b in control)
    estimate, low, high, p_value = rate_ratio_interval(
        c_t, len(treated), c_c, len(control), confidence
    )
    by_day: dict[dt.date, list[BoxDay]] = {}
    for b in arms:
        by_day.setdefault(b.day, []).append(b)
    rng = np.random.default_rng(seed)
    simulated = np.zeros(permutations, dtype=np.float64)
    for rows in by_day.values():
        counts = np.array([b.crimes for b in rows], dtype=np.float64)
        k = sum(1 for b in rows if b.arm == "treatment")
        if k == 0 or k == len(rows):
            simulated += counts.sum() if k else 0.0
            continue
        keys = rng.random((permutations, len(rows)))
        picked = np.argpartition(keys, k - 1, axis=1)[:, :k]
        simulated += counts[picked].sum(axis=1)
    total = c_t + c_c
    e_t, e_c = len(treated), len(control)

    def difference(t: NDArray[np.float64] | float) -> NDArray[np.float64]:
        return np.asarray(np.asarray(t) / e_t - (total - np.asarray(t)) / e_c, dtype=np.float64)

    observed = abs(float(difference(float(c_t))))
    as_large = int(np.count_nonzero(np.abs(difference(simulated)) >= observed - 1e-12))
    return DesignResult(
        days=len(by_day),
        treated_box_days=e_t,
        control_box_days=e_c,
        treated_crimes=c_t,
        control_crimes=c_c,
        rate_ratio=estimate,
        low=low,
        high=high,
        confidence=confidence,
        p_value=p_value,
        permutation_p=(1 + as_large) / (1 + permutations),
        permutations=permutations,
    )
