"""Ranking units for an incident: own district first, cross-border only when much faster."""

from __future__ import annotations

import datetime as dt

from constable.control.dispatch import Candidate, eta_minutes, rank
from constable.control.shifts import on_duty, shifts_on_duty
from constable.force.config import TravelModel, load_config

TRAVEL = TravelModel(road_factor=1.3, urban_kmh=40, rural_kmh=65, cross_border_margin_minutes=3)


def unit(unit_id: int, district: str, metres: float) -> Candidate:
    return Candidate(unit_id, f"U{unit_id}", "patrol_car", district, metres, 0.0, True)


def test_eta_uses_road_factor_and_speed() -> None:
    # 10 km straight line, 13 km by road, at 40 km/h: 19.5 minutes.
    assert eta_minutes(10_000, urban=True, travel=TRAVEL) == 19.5
    assert eta_minutes(10_000, urban=False, travel=TRAVEL) == 12.0


def test_own_district_first_then_others() -> None:
    ranked = rank(
        [unit(1, "other", 500), unit(2, "home", 3000), unit(3, "home", 1000)],
        easting=0,
        northing=0,
        urban=True,
        district_slug="home",
        grade=2,
        travel=TRAVEL,
    )
    assert [r.unit_id for r in ranked] == [3, 2, 1]
    assert "not faster" in ranked[2].reason


def test_a_neighbour_leads_for_grade_1_only_when_faster_by_the_margin() -> None:
    far_own = unit(1, "home", 6000)  # 11.7 min
    near_other = unit(2, "other", 1000)  # 1.95 min
    ranked = rank(
        [far_own, near_other],
        easting=0,
        northing=0,
        urban=True,
        district_slug="home",
        grade=1,
        travel=TRAVEL,
    )
    assert [r.unit_id for r in ranked] == [2, 1]
    assert "Grade 1" in ranked[0].reason
    close_own = unit(1, "home", 2000)  # 3.9 min: the neighbour is less than 3 min faster
    ranked = rank(
        [close_own, near_other],
        easting=0,
        northing=0,
        urban=True,
        district_slug="home",
        grade=1,
        travel=TRAVEL,
    )
    assert [r.unit_id for r in ranked] == [1, 2]
    ranked = rank(
        [far_own, near_other],
        easting=0,
        northing=0,
        urban=True,
        district_slug="home",
        grade=2,
        travel=TRAVEL,
    )
    assert [r.unit_id for r in ranked] == [1, 2]


def test_the_rota_covers_every_hour_with_handovers() -> None:
    rota = load_config("kent").control.rota
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for hour in range(24 * 20):
        at = start + dt.timedelta(hours=hour)
        assert 1 <= len(shifts_on_duty(rota, at)) <= 2, at
    # Every shift works 6 of 10 days of the cycle.
    days = [[s for s in day if s != "-"] for day in rota.days]
    for shift in "ABCDE":
        assert sum(shift in day for day in days) == 6


def test_day_working_units() -> None:
    rota = load_config("kent").control.rota
    assert on_duty(rota, None, dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))  # 10:00 BST
    assert not on_duty(rota, None, dt.datetime(2026, 6, 1, 23, tzinfo=dt.UTC))
