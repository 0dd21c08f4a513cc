"""The figures a replication reports, by name, with their labels and units.

Names are dotted: ``calls.999.service_level``, ``response.grade1.within_standard``,
``district.medway.grade1.within_standard``, ``units.patrol_car.utilisation``,
``hours.visible_patrol``. Shares are between 0 and 1; hours are per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from constable.simulation.callroom import CallRoom
from constable.simulation.demand import CHANNELS
from constable.simulation.geography import Geography
from constable.simulation.response import GRADES, Response

PATROL_KINDS = ("patrol_car",)
"""Units whose free time on duty is visible patrol."""
PROBLEM_SOLVING_KINDS = ("foot_patrol", "pcso")
"""Units whose free time on duty is problem solving and community work."""


def _share(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def summarise(
    *, room: CallRoom, response: Response, geography: Geography, days: int
) -> dict[str, float]:
    """Every figure of a finished replication over its ``days`` measured days."""
    found: dict[str, float] = {}
    offered = 0
    for code, channel in enumerate(CHANNELS):
        pool = room.pools[code].figures
        offered += pool.offered
        found[f"calls.{channel}.per_day"] = pool.offered / days
        found[f"calls.{channel}.service_level"] = pool.service_level
        found[f"calls.{channel}.asa_seconds"] = pool.asa_seconds
        found[f"calls.{channel}.abandoned_share"] = pool.abandoned_share
        found[f"calls.{channel}.occupancy"] = pool.occupancy
        found[f"calls.{channel}.handlers"] = pool.staffed_seconds / (days * 86_400)
    figures = response.figures
    for grade in GRADES:
        g = figures.grades[grade]
        prefix = f"response.grade{grade}"
        found[f"{prefix}.per_day"] = g.incidents / days
        found[f"{prefix}.within_standard"] = _share(g.within, g.incidents)
        found[f"{prefix}.mean_minutes"] = _share(g.response_seconds / 60, g.attended)
        found[f"{prefix}.queue_minutes"] = _share(g.queue_seconds / 60, g.attended)
        found[f"{prefix}.waited_share"] = _share(g.waited, g.attended)
        found[f"{prefix}.cross_border_share"] = _share(g.cross_border, g.attended)
    found["response.grade4.per_day"] = figures.resolved_without_deployment / days
    for d, slug in enumerate(geography.district_slugs):
        for grade in (1, 2):
            local = figures.districts.get((d, grade))
            found[f"district.{slug}.grade{grade}.within_standard"] = (
                _share(local.within, local.incidents) if local is not None else math.nan
            )
    patrol = problem = 0.0
    for kind, k in sorted(figures.kinds.items()):
        found[f"units.{kind}.utilisation"] = _share(k.busy_seconds, k.duty_seconds)
        found[f"units.{kind}.on_duty"] = k.duty_seconds / (days * 86_400)
        free = max(0.0, k.duty_seconds - k.busy_seconds) / 3600 / days
        if kind in PATROL_KINDS:
            patrol += free
        elif kind in PROBLEM_SOLVING_KINDS:
            problem += free
    found["hours.visible_patrol"] = patrol
    found["hours.problem_solving"] = problem
    found["contacts.per_day"] = offered / days
    return found


@dataclass(frozen=True)
class Description:
    """How a figure is shown."""

    label: str
    unit: str  # "share", "seconds", "minutes", "hours", "per day", "units"
    higher_is_better: bool | None


def describe(name: str) -> Description:
    """The label and unit of a figure by its name."""
    parts = name.split(".")
    last = parts[-1]
    if parts[0] == "calls":
        channel = parts[1]
        labels = {
            "per_day": (f"{channel} calls a day (attempts)", "per day", None),
            "service_level": (f"{channel} calls answered within target", "share", True),
            "asa_seconds": (f"{channel} average speed of answer", "seconds", False),
            "abandoned_share": (f"{channel} calls abandoned", "share", False),
            "occupancy": (f"{channel} handler occupancy", "share", None),
            "handlers": (f"{channel} handlers on calls (average)", "units", None),
        }
        return Description(*labels[last])
    if parts[0] == "response":
        grade = parts[1].replace("grade", "Grade ")
        labels = {
            "per_day": (f"{grade} incidents a day", "per day", None),
            "within_standard": (f"{grade} attended within standard", "share", True),
            "mean_minutes": (f"{grade} mean time to arrive", "minutes", False),
            "queue_minutes": (f"{grade} mean wait for a free unit", "minutes", False),
            "waited_share": (f"{grade} incidents that waited for a unit", "share", False),
            "cross_border_share": (f"{grade} attended by another district's unit", "share", None),
        }
        return Description(*labels[last])
    if parts[0] == "district":
        grade = parts[2].replace("grade", "Grade ")
        return Description(f"{parts[1]}: {grade} within standard", "share", True)
    if parts[0] == "units":
        kind = parts[1].replace("_", " ")
        if last == "utilisation":
            return Description(f"{kind} utilisation", "share", None)
        return Description(f"{kind} units on duty (average)", "units", None)
    if name == "hours.visible_patrol":
        return Description("Patrol-car hours free for visible patrol a day", "hours", True)
    if name == "hours.problem_solving":
        return Description("CPT and PCSO hours free for problem solving a day", "hours", True)
    if name == "contacts.per_day":
        return Description("Contacts a day (attempts)", "per day", None)
    return Description(name, "", None)
