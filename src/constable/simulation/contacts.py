"""Contacts as a call handler types them: generated demand for the live control-room API.

A day of a force's demand (by default Kent's calibration: 5,000 contacts, 700 of them 999, over
the hours by its profiles), each contact a kind of call the seeds name (:data:`CALL_TYPES`) in
the words callers use, so that triage grades them as it would real calls, at a real
neighbourhood chosen in proportion to its residents. :mod:`constable.simulation.replay` sends
them; ``bench/control_replay.py`` and ``bench/control_load.py`` use them for load tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from constable.force.build import share_by_weight
from constable.simulation.demand import DemandCalibration, load_calibration

CONTACTS_PER_DAY = 5_000
EMERGENCY_PER_DAY = 700
"""Seed 000: the Force Communications Centre takes about 5,000 calls a day, 700 of them 999."""

DAY = 24 * 3600
DEFAULT_SPEED = 50.0


@dataclass(frozen=True)
class CallType:
    """A kind of call the seeds name, its opening category and what callers say."""

    kind: str
    channel: str
    category: str
    weight: float
    descriptions: tuple[str, ...]


# The mix of calls, with the words callers use: triage derives THRIVE from them (keywords in
# control/data/triage.yaml), so 999 calls are mostly graded 1 or 2 and 101 calls 3 or 4.
CALL_TYPES: tuple[CallType, ...] = (
    # 999: life in danger, crime in progress, suspects on the premises, serious crime.
    CallType("life in danger", "999", "concern-for-safety", 12, (
        "My {relative} has collapsed in the kitchen and is not breathing",
        "A man has collapsed outside the {place} on {street} and is unconscious",
    )),
    CallType("life in danger", "999", "mental-health", 7, (
        "My {relative} has taken an overdose and will not wake up",
        "A woman is on the railway bridge at {street} saying she is going to jump",
    )),
    CallType("life in danger", "999", "crime-violence", 6, (
        "Someone has been stabbed outside the {place} on {street}, he is bleeding a lot",
    )),
    CallType("crime in progress", "999", "crime-burglary", 9, (
        "Two men are breaking in to the house opposite me on {street} right now",
    )),
    CallType("crime in progress", "999", "crime-public-order", 8, (
        "There is a big fight happening now outside the {place} on {street}",
    )),
    CallType("crime in progress", "999", "domestic", 7, (
        "My neighbour is hitting his partner right now, I can hear her screaming",
    )),
    CallType("crime in progress", "999", "crime-damage", 6, (
        "Youths are smashing the windows of the {place} on {street} at the moment",
    )),
    CallType("suspects on premises", "999", "crime-burglary", 9, (
        "I can hear someone downstairs, the burglar is still in the house",
    )),
    CallType("suspects on premises", "999", "crime-theft", 6, (
        "Staff have stopped a shoplifter at the {place} on {street}, he is still here",
    )),
    CallType("serious crime", "999", "crime-robbery", 9, (
        "I have just been robbed at knifepoint on {street}, they took my phone and ran",
    )),
    CallType("serious crime", "999", "crime-sexual", 5, (
        "My {relative} has been sexually assaulted in the park off {street} and is hurt",
    )),
    CallType("serious crime", "999", "rtc-injury", 9, (
        "A car has hit a cyclist on {street}, he is injured and bleeding",
    )),
    CallType("serious crime", "999", "crime-public-order", 7, (
        "A man with a machete is shouting at people outside the {place}",
    )),
    # 101: crime that has already happened, a stolen car, damaged property, suspected drug
    # dealing, a minor collision, information, asking for a local officer (and a little ASB and
    # lost property).
    CallType("crime already happened", "101", "crime-burglary", 10, (
        "My shed on {street} was broken into overnight and the tools are gone",
        "We came home to find the back door forced and jewellery taken, sometime yesterday",
    )),
    CallType("crime already happened", "101", "crime-theft", 10, (
        "My bike was stolen from outside the {place} yesterday",
    )),
    CallType("crime already happened", "101", "crime-other", 5, (
        "Someone used my bank card without my permission last week",
    )),
    CallType("stolen car", "101", "crime-vehicle", 12, (
        "My car was stolen from the drive on {street} overnight",
        "Woke up to find my van gone from outside the house on {street}",
    )),
    CallType("damaged property", "101", "crime-damage", 15, (
        "Someone smashed my car window on {street} last night",
        "Graffiti was sprayed on the wall of the {place} sometime at the weekend",
    )),
    CallType("suspected drug dealing", "101", "crime-drugs", 8, (
        "I think my neighbour on {street} is dealing drugs, cars come and go all day",
        "People are dealing drugs behind the {place} most evenings",
    )),
    CallType("minor collision", "101", "rtc-damage", 12, (
        "Minor collision in the {place} car park, no one hurt, the other driver drove off",
        "Someone reversed into my car on {street} yesterday and did not leave details",
    )),
    CallType("information", "101", "information", 10, (
        "I have information about who is selling stolen tools on {street}",
        "I want to pass on the registration of a car that keeps circling the {place}",
    )),
    CallType("asking for a local officer", "101", "contact-officer", 10, (
        "I would like to speak to my local officer about parking on {street}",
        "Could the PCSO for {street} call me back about speeding cars",
    )),
    CallType("anti-social behaviour", "101", "asb-nuisance", 6, (
        "Youths are being noisy in the park off {street} every evening",
    )),
    CallType("lost property", "101", "lost-found", 2, (
        "I lost my wallet somewhere near the {place} yesterday",
    )),
)  # fmt: skip

STREETS = (
    "High Street", "Station Road", "London Road", "Church Street", "Maidstone Road",
    "Canterbury Road", "Queens Road", "Victoria Road", "Park Road", "Mill Lane", "The Street",
    "School Lane", "Sandgate Road", "Tonbridge Road", "Watling Street", "Northdown Road",
    "Marine Parade", "Ashford Road",
)  # fmt: skip
PLACES = (
    "supermarket", "railway station", "pub", "leisure centre", "petrol station", "school",
    "shopping centre", "chip shop", "library", "community hall",
)  # fmt: skip
RELATIVES = ("father", "mother", "husband", "wife", "son", "daughter", "grandfather", "flatmate")
FIRST_NAMES = ("Sam", "Alex", "Jo", "Chris", "Priya", "Tom", "Aisha", "Dan", "Kate", "Lee")
LAST_NAMES = ("Smith", "Jones", "Patel", "Brown", "Taylor", "Khan", "Wilson", "Evans", "Hughes")


@dataclass(frozen=True)
class PlannedContact:
    """One contact of the day: the second of the day it comes in, and the JSON to send."""

    second: float
    kind: str
    body: dict[str, Any]


def contact_body(
    rng: random.Random, call_type: CallType, codes: list[str], weights: list[int]
) -> dict[str, Any]:
    """The ``POST /api/contacts`` JSON for one call of ``call_type`` at a neighbourhood drawn in
    proportion to population. Times are left to the server (the call is answered now)."""
    text = rng.choice(call_type.descriptions).format(
        street=rng.choice(STREETS), place=rng.choice(PLACES), relative=rng.choice(RELATIVES)
    )
    return {
        "channel": call_type.channel,
        "category": call_type.category,
        "description": text,
        "neighbourhood": rng.choices(codes, weights)[0],
        "caller_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        # Ofcom's drama range: numbers that belong to nobody.
        "caller_phone": f"07700 900{rng.randrange(1000):03d}",
    }


def pick(rng: random.Random, channel: str) -> CallType:
    """A call type of ``channel`` by its weight."""
    found = [s for s in CALL_TYPES if s.channel == channel]
    return rng.choices(found, [s.weight for s in found])[0]


def _day_counts(calibration: DemandCalibration | None) -> list[tuple[str, list[int]]]:
    """Contacts per channel and hour: the day's exact totals shared by the hourly profiles."""
    calibration = calibration or load_calibration("kent")
    return [
        (channel, share_by_weight(round(demand.per_day), demand.hourly))
        for channel, demand in calibration.channels.items()
    ]


def plan_day(
    codes: list[str],
    weights: list[int],
    seed: int,
    calibration: DemandCalibration | None = None,
) -> list[PlannedContact]:
    """The day's contacts in time order: exact totals per channel (default Kent's calibration:
    5,000 a day, 700 of them 999), per hour by its profile, uniformly random within each hour."""
    rng = random.Random(seed)
    day: list[PlannedContact] = []
    for channel, counts in _day_counts(calibration):
        for hour, count in enumerate(counts):
            for _ in range(count):
                call_type = pick(rng, channel)
                day.append(
                    PlannedContact(
                        second=(hour + rng.random()) * 3600,
                        kind=call_type.kind,
                        body=contact_body(rng, call_type, codes, weights),
                    )
                )
    return sorted(day, key=lambda c: c.second)


def busiest_hour(calibration: DemandCalibration | None = None) -> int:
    """The hour of the day with the most contacts by the profiles."""
    counts = [sum(hours) for hours in zip(*(c for _, c in _day_counts(calibration)), strict=True)]
    return counts.index(max(counts))


def window(day: list[PlannedContact], start_hour: float, hours: float) -> list[PlannedContact]:
    """The contacts from ``start_hour`` for ``hours`` (past midnight wraps to the day's start),
    with ``second`` counted from the window's start."""
    start, length = start_hour * 3600, min(hours, 24) * 3600
    chosen = []
    for contact in day:
        offset = (contact.second - start) % DAY
        if offset < length:
            chosen.append(PlannedContact(offset, contact.kind, contact.body))
    return sorted(chosen, key=lambda c: c.second)


def clock(hour: float) -> str:
    """``17.5`` → ``17:30``."""
    minutes = round(hour * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
