"""The units a force configuration gives each district, by kind and shift.

The same rules as ``constable force build`` (``force/config.py``: a post's holders are spread
over the team's shifts in turn, and every ``posts_per_unit`` holders of a shift crew one unit),
counted here without a database.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from constable.force.build import post_holders, share_by_weight
from constable.force.config import ForceConfig
from constable.simulation.geography import Geography


@dataclass(frozen=True)
class UnitSpec:
    """One unit: its kind, its district (index) and its shift (None: day working)."""

    kind: str
    district: int
    shift: str | None
    team: str


def establishment(config: ForceConfig, geography: Geography) -> list[UnitSpec]:
    """Every unit of every district-level team, in configuration order."""
    populations = [
        int(geography.population[geography.district == d].sum()) for d in range(geography.districts)
    ]
    counts = Counter(int(d) for d in geography.district)
    units: list[UnitSpec] = []
    for team in config.teams:
        if team.level != "district":
            continue
        for post in team.posts:
            if post.unit is None:
                continue
            shares = (
                share_by_weight(post.force_total, populations)
                if post.force_total is not None
                else [0] * geography.districts
            )
            for district in range(geography.districts):
                holders = post_holders(
                    post,
                    population=populations[district],
                    neighbourhoods=counts[district],
                    shifts=len(team.shifts) or 1,
                    force_share=shares[district],
                )
                by_shift: Counter[str | None] = Counter()
                for index in range(holders):
                    by_shift[team.shifts[index % len(team.shifts)] if team.shifts else None] += 1
                for shift, people in by_shift.items():
                    for _ in range(math.ceil(people / post.unit.posts_per_unit)):
                        units.append(
                            UnitSpec(post.unit.kind.value, district, shift, team.kind.value)
                        )
    return units


def handlers_per_shift(config: ForceConfig) -> int:
    """Call handlers on each control-room shift, from the force configuration."""
    return sum(
        post.count or 0
        for team in config.teams
        if team.kind.value == "force_control_room"
        for post in team.posts
        if post.role == "Call Handler"
    )
