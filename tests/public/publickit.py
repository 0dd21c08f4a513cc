"""What the public-side tests share: users, a neighbourhood with crimes, and the private values
that must never reach a public page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from constable.auth.roles import Role
from support import Served

USERS = {
    "admin": (Role.ADMINISTRATOR, None),
    "ana": (Role.ANALYST, None),
    "csu-maidstone": (Role.COMMUNITY_SAFETY, "maidstone"),
    "cmd-dover": (Role.DISTRICT_COMMANDER, "dover"),
}

POSTCODE = "ME14 1AA"
"""A real Maidstone postcode (ONS Postcode Directory)."""

NEIGHBOURHOOD = "E01024383"
"""The LSOA it is in: Maidstone 004D."""

SLUG = "maidstone-004d"

VICTIMS = [
    {"name": "Alice Quentin-Privett", "date_of_birth": "1961-04-17", "address": "12 Hidden Lane"},
    {"name": "Bartholomew Zedsecret", "date_of_birth": "1990-09-30", "address": "7 Quiet Close"},
]

# Offences and how many of each are recorded, all this month: the robbery (1) is below the
# threshold (3) and must be hidden, and then another count of its column with it.
CRIMES = [("28A", 5), ("34A", 1)]
ASB_REPORTS = 3


def private_values() -> list[str]:
    """Strings that must never appear on a public page."""
    values = []
    for victim in VICTIMS:
        values += [victim["name"], victim["address"], victim["date_of_birth"]]
        values.append(dt.date.fromisoformat(victim["date_of_birth"]).strftime("%d/%m/%Y"))
    return [*values, "Cornelius Subjectname"]


def seed_crimes(served: Served) -> list[dict[str, Any]]:
    """Record the crimes and ASB reports (as the administrator), with victims."""
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)).isoformat()
    made = []
    number = 0
    for code, count in CRIMES:
        for _ in range(count):
            victim = VICTIMS[number % len(VICTIMS)] | {"postcode": POSTCODE}
            number += 1
            answer = served["admin"].post(
                "/api/crimes",
                json={
                    "offence_code": code,
                    "description": f"Test crime {number} against {victim['name']}",
                    "occurred_at": when,
                    "postcode": POSTCODE,
                    "victim": victim,
                },
            )
            assert answer.status_code == 201, answer.text
            made.append(answer.json())
    for index in range(ASB_REPORTS):
        answer = served["admin"].post(
            "/api/crimes",
            json={
                "asb": True,
                "description": f"Noise from a party, report {index}",
                "occurred_at": when,
                "postcode": POSTCODE,
                "subject_name": "Cornelius Subjectname",
            },
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    return made


def meeting(**changes: Any) -> dict[str, Any]:
    """A meeting in Maidstone 004D with one priority, changed as asked."""
    today = dt.date.today()
    body: dict[str, Any] = {
        "neighbourhood": NEIGHBOURHOOD,
        "kind": "public_meeting",
        "held_on": (today - dt.timedelta(days=3)).isoformat(),
        "place": "Maidstone Town Hall",
        "attendance": 31,
        "issues_raised": ["Speeding on the A20", "Litter by the river"],
        "priorities": [
            {
                "title": "Speeding on the A20",
                "detail": "Cars racing at night near the school",
                "owner": "PCSO Maidstone 07",
                "review_on": (today + dt.timedelta(days=30)).isoformat(),
            }
        ],
    }
    body.update(changes)
    return body
