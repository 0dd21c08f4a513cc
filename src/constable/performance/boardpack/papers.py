"""The five papers of the quarterly Performance and Delivery Board (seed 004), and which paper
each measure of a plan is reported in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paper:
    """One of the board's papers: its key (an HTML id), title and what it covers."""

    key: str
    title: str
    covers: str


PAPERS: tuple[Paper, ...] = (
    Paper(
        "delivery",
        "Delivery & Performance",
        "The plan's measures of crime, detections, calls and attendance against their targets, "
        "with SPC charts, the year before, and the districts.",
    ),
    Paper(
        "inspections",
        "Inspections, Audits & Reviews",
        "The force against its most similar forces (a review of Home Office recorded crime), and "
        "an audit of the data behind this pack: what was imported and what is missing.",
    ),
    Paper(
        "people",
        "People",
        "Special Constables, volunteers, sickness and the diversity of the workforce.",
    ),
    Paper(
        "finance",
        "Finance",
        "Budgets and commissioning allocations with year-on-year change, savings and confiscation.",
    ),
    Paper(
        "collaboration",
        "Collaboration & Partnership Working",
        "Work with health, councils and communities: s.136 detentions, Community Speedwatch, "
        "repeat victims, neighbourhood policing and public confidence.",
    ),
)
"""The papers in the order the board takes them."""

PAPER_OF_MEASURE: dict[str, str] = {
    "special_constables": "people",
    "special_constables_average": "people",
    "special_constable_hours": "people",
    "volunteers": "people",
    "sickness_hours_officers": "people",
    "sickness_hours_staff": "people",
    "minority_ethnic_officers": "people",
    "minority_ethnic_staff": "people",
    "officers_abstracted": "people",
    "cashable_savings": "finance",
    "confiscation_orders": "finance",
    "confiscation_orders_value": "finance",
    "s136_detentions": "collaboration",
    "speedwatch_vehicles_detected": "collaboration",
    "repeat_victims_flagged": "collaboration",
    "neighbourhood_policing_criteria": "collaboration",
    "kcvs_work_closely": "collaboration",
    "kcvs_confidence": "collaboration",
    "organised_crime_enterprises_dismantled": "collaboration",
}
"""Measures reported outside Delivery & Performance (every other measure is reported there)."""


def paper_of(measure: str) -> str:
    """The key of the paper that reports ``measure``."""
    return PAPER_OF_MEASURE.get(measure, "delivery")


def paper(key: str) -> Paper:
    """The paper with this key."""
    return next(p for p in PAPERS if p.key == key)
