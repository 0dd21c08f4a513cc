"""Dispatch recommendation: available units ranked by estimated time of arrival, with reasons.

Pure functions: the service gathers the units and the incident; this module only ranks them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from constable.force.config import TravelModel


@dataclass(frozen=True)
class Candidate:
    """An available unit and where it is."""

    unit_id: int
    call_sign: str
    kind: str
    district_slug: str
    easting: float
    northing: float
    position_known: bool


@dataclass(frozen=True)
class Recommendation:
    """A unit with its estimated arrival and why it is where it is in the list."""

    unit_id: int
    call_sign: str
    kind: str
    district: str
    distance_km: float
    eta_minutes: float
    own_district: bool
    reason: str


def eta_minutes(distance_m: float, *, urban: bool, travel: TravelModel) -> float:
    """Minutes to cover a straight-line distance by road at the urban or rural speed."""
    speed = travel.urban_kmh if urban else travel.rural_kmh
    return distance_m / 1000 * travel.road_factor / speed * 60


def rank(
    candidates: list[Candidate],
    *,
    easting: float,
    northing: float,
    urban: bool,
    district_slug: str,
    grade: int,
    travel: TravelModel,
    limit: int = 10,
) -> list[Recommendation]:
    """Units for an incident, best first.

    The district's own units come first, fastest first. A neighbouring district's unit is put
    ahead of them only for a Grade 1 and only when it would arrive at least the configured
    margin sooner than the district's fastest; otherwise other districts' units follow.
    """
    scored = []
    for unit in candidates:
        distance = math.hypot(unit.easting - easting, unit.northing - northing)
        scored.append((unit, distance, eta_minutes(distance, urban=urban, travel=travel)))
    own = sorted((s for s in scored if s[0].district_slug == district_slug), key=lambda s: s[2])
    other = sorted((s for s in scored if s[0].district_slug != district_slug), key=lambda s: s[2])
    best_own = own[0][2] if own else math.inf
    margin = travel.cross_border_margin_minutes
    ahead = [s for s in other if grade == 1 and s[2] + margin <= best_own]
    behind = [s for s in other if s not in ahead]
    result = []
    for unit, distance, eta in [*ahead, *own, *behind]:
        located = "" if unit.position_known else " (position unknown: from its base)"
        if unit.district_slug == district_slug:
            reason = f"In the district, about {eta:.0f} min away{located}."
        elif (unit, distance, eta) in ahead:
            reason = (
                f"Grade 1: from {unit.district_slug}, {best_own - eta:.0f} min sooner than the "
                f"district's nearest unit (margin {margin:g} min){located}."
            )
        elif own:
            reason = (
                f"From {unit.district_slug}: not faster than the district's own units{located}."
            )
        else:
            reason = f"From {unit.district_slug}: the district has no unit available{located}."
        result.append(
            Recommendation(
                unit_id=unit.unit_id,
                call_sign=unit.call_sign,
                kind=unit.kind,
                district=unit.district_slug,
                distance_km=round(distance / 1000, 2),
                eta_minutes=round(eta, 1),
                own_district=unit.district_slug == district_slug,
                reason=reason,
            )
        )
    return result[:limit]
