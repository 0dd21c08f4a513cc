"""Dispatch recommendation: available units ranked by estimated time of arrival, with reasons.

Pure functions: the service gathers the units and the incident; this module only ranks them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from constable.force.config import TravelModel


@dataclass(frozen=True)
class Candidate:
    """An available unit and where it is.

    ``position_known``: the unit reported where it is. Otherwise ``easting`` and ``northing`` are
    its home neighbourhood's centre (a PCSO's beat), an assumption the reason says; or None when
    nothing is known of where it is (a patrol car that has not reported its position yet).
    """

    unit_id: int
    call_sign: str
    kind: str
    district_slug: str
    easting: float | None
    northing: float | None
    position_known: bool
    district_name: str = ""
    """The district's name for the reasons (its slug when not given)."""


@dataclass(frozen=True)
class Recommendation:
    """A unit with its estimated arrival and why it is where it is in the list."""

    unit_id: int
    call_sign: str
    kind: str
    district: str
    distance_km: float | None
    """None: where the unit is is not known, so neither is how far it is."""
    eta_minutes: float | None
    own_district: bool
    reason: str
    position: str = "reported"
    """``reported``, ``home neighbourhood`` (assumed: its beat's centre) or ``unknown``."""


def eta_minutes(distance_m: float, *, urban: bool, travel: TravelModel) -> float:
    """Minutes to cover a straight-line distance by road at the urban or rural speed."""
    speed = travel.urban_kmh if urban else travel.rural_kmh
    return distance_m / 1000 * travel.road_factor / speed * 60


def _position(unit: Candidate) -> str:
    if unit.easting is None or unit.northing is None:
        return "unknown"
    return "reported" if unit.position_known else "home neighbourhood"


_WHERE = {
    "reported": "",
    "home neighbourhood": " (no position reported: from its home neighbourhood)",
    "unknown": "",
}


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
    margin sooner than the district's fastest; otherwise other districts' units follow. A unit
    whose position is unknown has no distance and no arrival time (none is made up for it): it
    follows the units of its group whose arrival is estimated, by call sign.
    """
    timed: list[tuple[Candidate, float, float]] = []
    unplaced: list[Candidate] = []
    for unit in candidates:
        if unit.easting is None or unit.northing is None:
            unplaced.append(unit)
            continue
        distance = math.hypot(unit.easting - easting, unit.northing - northing)
        timed.append((unit, distance, eta_minutes(distance, urban=urban, travel=travel)))
    own = sorted((s for s in timed if s[0].district_slug == district_slug), key=lambda s: s[2])
    other = sorted((s for s in timed if s[0].district_slug != district_slug), key=lambda s: s[2])
    own_unplaced = sorted(
        (u for u in unplaced if u.district_slug == district_slug), key=lambda u: u.call_sign
    )
    other_unplaced = sorted(
        (u for u in unplaced if u.district_slug != district_slug), key=lambda u: u.call_sign
    )
    best_own = own[0][2] if own else math.inf
    margin = travel.cross_border_margin_minutes
    ahead = [s for s in other if grade == 1 and s[2] + margin <= best_own]
    ahead_ids = {s[0].unit_id for s in ahead}
    behind = [s for s in other if s[0].unit_id not in ahead_ids]
    has_own = bool(own or own_unplaced)
    ordered: list[tuple[Candidate, float | None, float | None]] = [
        *ahead,
        *own,
        *((u, None, None) for u in own_unplaced),
        *behind,
        *((u, None, None) for u in other_unplaced),
    ]
    result = []
    for unit, metres, minutes in ordered[:limit]:
        result.append(
            Recommendation(
                unit_id=unit.unit_id,
                call_sign=unit.call_sign,
                kind=unit.kind,
                district=unit.district_slug,
                distance_km=None if metres is None else round(metres / 1000, 2),
                eta_minutes=None if minutes is None else round(minutes, 1),
                own_district=unit.district_slug == district_slug,
                reason=_reason(
                    unit,
                    minutes,
                    district_slug=district_slug,
                    ahead=unit.unit_id in ahead_ids,
                    best_own=best_own,
                    margin=margin,
                    has_own=has_own,
                ),
                position=_position(unit),
            )
        )
    return result


def _reason(
    unit: Candidate,
    eta: float | None,
    *,
    district_slug: str,
    ahead: bool,
    best_own: float,
    margin: float,
    has_own: bool,
) -> str:
    """Why the unit is where it is in the list, in words."""
    where = _WHERE[_position(unit)]
    name = unit.district_name or unit.district_slug
    if eta is None:
        unknown = "Its position is not known (none reported since it booked on): no estimate."
        if unit.district_slug == district_slug:
            return f"In the district. {unknown}"
        return f"From {name}. {unknown}"
    if unit.district_slug == district_slug:
        return f"In the district, about {eta:.0f} min away{where}."
    if ahead and math.isinf(best_own):
        if has_own:
            return (
                f"Grade 1: from {name}, about {eta:.0f} min away; where the district's own "
                f"units are is not known{where}."
            )
        return f"From {name}: the district has no unit available; about {eta:.0f} min away{where}."
    if ahead:
        return (
            f"Grade 1: from {name}, {best_own - eta:.0f} min sooner than the "
            f"district's nearest unit (margin {margin:g} min){where}."
        )
    if has_own:
        return f"From {name}: not faster than the district's own units{where}."
    return f"From {name}: the district has no unit available; about {eta:.0f} min away{where}."
