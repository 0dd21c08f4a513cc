"""Need to know (constable.auth.needtoknow): records in Maidstone carry a caller's, a victim's
and a subject's personal details; every role reads every list the API has, the records' own
routes and their pages, and each detail turns up exactly for the roles (and districts) the
matrix names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from constable.auth.needtoknow import MATRIX, Personal
from constable.auth.roles import Role
from support import Served, served_kent

USERS = {
    "handler": (Role.CALL_HANDLER, None),
    "dispatcher": (Role.DISPATCHER, None),
    "cmd-maidstone": (Role.DISTRICT_COMMANDER, "maidstone"),
    "cmd-dartford": (Role.DISTRICT_COMMANDER, "dartford"),
    "csu-maidstone": (Role.COMMUNITY_SAFETY, "maidstone"),
    "csu-dartford": (Role.COMMUNITY_SAFETY, "dartford"),
    "analyst": (Role.ANALYST, None),
    "admin": (Role.ADMINISTRATOR, None),
}
MARKERS = {
    Personal.CALLER: "Zebedee Callerworth",
    Personal.VICTIM: "Quentin Victimson",
    Personal.SUBJECT: "Xavier Subjectley",
}
MAIDSTONE = "ME14 1AA"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('needtoknow') / 'kent.db'}"
    with served_kent(url, USERS) as served:
        yield served


@pytest.fixture(scope="module")
def records(served: Served) -> dict[str, int]:
    admin = served["admin"]
    contact = admin.post(
        "/api/contacts",
        json={
            "channel": "999",
            "description": "my neighbour's shed is on fire",
            "postcode": MAIDSTONE,
            "caller_name": MARKERS[Personal.CALLER],
            "caller_phone": "07700 900456",
        },
    )
    assert contact.status_code == 201, contact.text
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(microsecond=0)
    crime = admin.post(
        "/api/crimes",
        json={
            "offence_code": "28E",
            "description": "Back door forced, laptop taken",
            "occurred_at": yesterday.isoformat(),
            "postcode": MAIDSTONE,
            "victim": {"name": MARKERS[Personal.VICTIM], "postcode": MAIDSTONE},
            "subject_name": MARKERS[Personal.SUBJECT],
        },
    )
    assert crime.status_code == 201, crime.text
    case = admin.post(
        "/api/asb/cases",
        json={
            "district": "maidstone",
            "team": "cpt",
            "subject_name": MARKERS[Personal.SUBJECT],
            "summary": "Repeated noise and intimidation of neighbours",
        },
    )
    assert case.status_code == 201, case.text
    return {
        "incident": contact.json()["id"],
        "crime": crime.json()["id"],
        "case": case.json()["id"],
    }


def _reads(served: Served, records: dict[str, int]) -> list[str]:
    """Every GET route of the API without a path parameter, and the records' own routes."""
    paths = served["admin"].get("/openapi.json").json()["paths"]
    # An event stream never ends: what it sends is the board's, read at /api/board.
    lists = [p for p, ops in paths.items() if "get" in ops and "{" not in p and "stream" not in p]
    return [
        *lists,
        f"/api/incidents/{records['incident']}",
        f"/api/crimes/{records['crime']}",
        f"/api/asb/cases/{records['case']}",
        f"/api/victims/{records['crime']}",
        f"/control/incidents/{records['incident']}",
        f"/crimes/{records['crime']}",
        f"/asb/cases/{records['case']}",
        f"/victims/{records['crime']}",
        "/crimes",
        "/asb/cases",
        "/victims",
    ]


def _expected(user: str, kind: Personal) -> bool:
    role, district = USERS[user]
    reach = MATRIX[kind].get(role)
    return reach == "force" or (reach == "own district" and district == "maidstone")


@pytest.mark.parametrize("user", USERS)
def test_each_role_sees_the_personal_details_the_matrix_gives_it(
    served: Served, records: dict[str, int], user: str
) -> None:
    client = served[user]
    seen: dict[Personal, list[str]] = {kind: [] for kind in MARKERS}
    for path in _reads(served, records):
        response = client.get(path, params={"district": "maidstone"} if "{" not in path else {})
        if response.status_code != 200:
            continue
        for kind, marker in MARKERS.items():
            if marker in response.text:
                seen[kind].append(path)
    for kind in MARKERS:
        if _expected(user, kind):
            assert seen[kind], f"{user} should see the {kind} somewhere"
        else:
            assert seen[kind] == [], f"{user} sees the {kind} at {seen[kind]}"


def test_the_matrix_names_every_role_it_trusts_and_no_analyst() -> None:
    for kind, reach in MATRIX.items():
        assert Role.ANALYST not in reach, kind
        assert reach[Role.ADMINISTRATOR] == "force", kind
    assert set(MATRIX) == set(Personal)
