"""Neighbourhood priorities over real HTTP: meetings recorded, priorities agreed with owners and
review dates, reported back ("you said, we did"), limits, roles, and what patrol plans and the
board pack read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from publickit import meeting

from constable.force import service as force_service
from constable.public.neighbourhood import public_slug
from constable.public.priorities import (
    PriorityRecord,
    open_priorities,
    priority_weights,
    quarter_priorities,
)
from constable.store import open_store
from support import Served

TODAY = dt.date.today()


def hood(public: Served, index: int) -> dict[str, Any]:
    """The ``index``-th Maidstone neighbourhood (each test uses its own)."""
    found = public["ana"].get("/api/forces/kent/districts/maidstone").json()["neighbourhoods"]
    return dict(found[index])


def test_a_meeting_is_recorded_and_reported_back(public: Served) -> None:
    place = hood(public, 10)
    audit_before = public.audit("priorities.meeting_recorded")
    body = meeting(
        neighbourhood=place["code"],
        kind="online_consultation",
        place="Online survey on the council website",
        attendance=140,
        priorities=[
            {
                "title": "Parking on pavements by the school",
                "owner": place["pcso"],
                "review_on": (TODAY + dt.timedelta(days=28)).isoformat(),
            },
            {
                "title": "Drug dealing in the park",
                "detail": "Evenings, near the play area",
                "owner": "constable maidstone 02",
                "review_on": (TODAY + dt.timedelta(days=14)).isoformat(),
            },
        ],
    )
    created = public["csu-maidstone"].post("/api/priorities/meetings", json=body)
    assert created.status_code == 201, created.text
    recorded = created.json()
    assert recorded["kind"] == "online_consultation" and recorded["attendance"] == 140
    assert [p["owner"] for p in recorded["priorities"]] == [place["pcso"], "Constable Maidstone 02"]
    assert all(p["status"] == "open" for p in recorded["priorities"])
    assert public.audit("priorities.meeting_recorded") == audit_before + 1
    parking, drugs = recorded["priorities"]

    action = public["csu-maidstone"].post(
        f"/api/priorities/{drugs['id']}/actions",
        json={"done_on": TODAY.isoformat(), "text": "Two warrants executed, one arrest"},
    )
    assert action.status_code == 201, action.text
    assert action.json()["actions"][0]["text"] == "Two warrants executed, one arrest"
    # Resolving needs the result: what was done.
    refused = public["csu-maidstone"].patch(
        f"/api/priorities/{parking['id']}", json={"status": "resolved"}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("result: say what was done")
    resolved = public["csu-maidstone"].patch(
        f"/api/priorities/{parking['id']}",
        json={"status": "resolved", "result": "Parking enforcement with the council every week"},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["closed_on"] == TODAY.isoformat()

    page = public.anonymous().get(f"/neighbourhood/{public_slug(place['name'])}").text
    assert "Priorities: you said, we did" in page
    assert "Drug dealing in the park" in page and "Two warrants executed, one arrest" in page
    assert "Parking enforcement with the council every week" in page
    assert "Online consultation" in page and "Online survey on the council website" in page

    listed = (
        public["ana"]
        .get("/api/priorities", params={"neighbourhood": place["code"], "status": "open"})
        .json()
    )
    assert [p["title"] for p in listed] == ["Drug dealing in the park"]


def test_at_most_the_configured_number_of_open_priorities(public: Served) -> None:
    place = hood(public, 11)
    three = [
        {
            "title": f"Priority {n}",
            "owner": place["pcso"],
            "review_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        }
        for n in range(3)
    ]
    ok = public["csu-maidstone"].post(
        "/api/priorities/meetings", json=meeting(neighbourhood=place["code"], priorities=three)
    )
    assert ok.status_code == 201, ok.text
    before = public.counts("public_meeting", "neighbourhood_priority")
    fourth = public["csu-maidstone"].post(
        "/api/priorities/meetings",
        json=meeting(neighbourhood=place["code"], priorities=three[:1]),
    )
    assert fourth.status_code == 422
    assert "would have 4 open priorities, at most 3" in fourth.json()["detail"]
    assert public.counts("public_meeting", "neighbourhood_priority") == before


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"neighbourhood": "E09999999"}, 404, "'E09999999' is not a neighbourhood of Kent Police"),
        ({"held_on": "2099-01-01"}, 422, "held_on: 2099-01-01 is in the future"),
        (
            {"issues_raised": ["Call me on 07700 900123 about the noise"]},
            422,
            "issues_raised[0]: this is published on the neighbourhood page: leave out a phone",
        ),
        (
            {"issues_raised": ["Email jo@example.org"]},
            422,
            "leave out an email address",
        ),
        (
            {
                "priorities": [
                    {"title": "Speeding", "owner": "PCSO Dover 01", "review_on": "2099-01-01"}
                ]
            },
            422,
            "priorities[0].owner: 'PCSO Dover 01' is not a post in Maidstone",
        ),
        (
            {
                "priorities": [
                    {"title": "Speeding", "owner": "PCSO Maidstone 01", "review_on": "2000-01-01"}
                ]
            },
            422,
            "priorities[0].review_on: 2000-01-01 is before the meeting",
        ),
        ({"attendance": -1}, 422, "greater than or equal to 0"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_written(
    public: Served, changes: dict[str, Any], status: int, message: str
) -> None:
    before = public.counts("public_meeting", "neighbourhood_priority")
    answer = public["csu-maidstone"].post(
        "/api/priorities/meetings",
        json=meeting(**{"neighbourhood": hood(public, 12)["code"], **changes}),
    )
    assert answer.status_code == status, answer.text
    assert message in str(answer.json()["detail"])
    assert public.counts("public_meeting", "neighbourhood_priority") == before


def test_only_the_districts_staff_may_record(public: Served) -> None:
    body = meeting(neighbourhood=hood(public, 13)["code"])
    dover = public["cmd-dover"].post("/api/priorities/meetings", json=body)
    assert dover.status_code == 403
    assert "cannot record community in Maidstone" in dover.json()["detail"]
    analyst = public["ana"].post("/api/priorities/meetings", json=body)
    assert analyst.status_code == 403
    assert public["admin"].post("/api/priorities/meetings", json=body).status_code == 201


def test_open_priorities_feed_patrol_plans_and_the_board_pack(public: Served) -> None:
    place = hood(public, 14)
    created = public["csu-maidstone"].post(
        "/api/priorities/meetings", json=meeting(neighbourhood=place["code"])
    )
    assert created.status_code == 201, created.text
    store = open_store(public.database_url)
    try:
        with store.session() as session:
            force = force_service.get_or_raise(session=session, code="kent")
            district = force_service.get_district_or_raise(
                session=session, force=force, district="maidstone"
            )
            found = open_priorities(session, district)
            dover = force_service.get_district_or_raise(
                session=session, force=force, district="dover"
            )
            assert open_priorities(session, dover) == []
    finally:
        store.close()
    mine = [p for p in found if p.neighbourhood_code == place["code"]]
    assert [(p.title, p.owner, p.review_due) for p in mine] == [
        ("Speeding on the A20", "PCSO Maidstone 07", False)
    ]
    assert priority_weights(found)[place["code"]] == 1.5  # one open priority: 1 + 0.5
    api = public["ana"].get("/api/priorities/open", params={"district": "maidstone"}).json()
    assert api["priority_neighbourhoods"] == priority_weights(found)
    # A patrol plan asked for without weights takes the open priorities; {} plans without.
    body = {"district": "maidstone", "shift": "day", "units": 1, "boxes": 4}
    body["history_to"] = f"{TODAY:%Y-%m}"  # the crimes above are from today
    tomorrow, after = (TODAY + dt.timedelta(days=n) for n in (1, 2))
    plan = public["ana"].post("/api/patrol-plans", json={**body, "day": tomorrow.isoformat()})
    assert plan.status_code == 201, plan.text
    assert plan.json()["priorities"] == priority_weights(found)
    plain = public["ana"].post(
        "/api/patrol-plans", json={**body, "day": after.isoformat(), "priorities": {}}
    )
    assert plain.status_code == 201, plain.text
    assert not plain.json()["priorities"]
    quarter = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"
    pack = public["ana"].get("/api/priorities/quarter", params={"quarter": quarter}).json()
    titles = [
        r["title"] for r in pack["districts"]["maidstone"] if r["neighbourhood"] == place["code"]
    ]
    assert titles == ["Speeding on the A20"]
    assert (
        public["ana"].get("/api/priorities/quarter", params={"quarter": "2026Q5"}).status_code
        == 422
    )


def _record(agreed: str, closed: str | None, actions: list[str]) -> PriorityRecord:
    return PriorityRecord(
        district="sevenoaks",
        district_name="Sevenoaks",
        neighbourhood_code="E01024445",
        neighbourhood_name="Sevenoaks 001A",
        title=f"agreed {agreed}",
        owner="PCSO Sevenoaks 01",
        agreed_on=dt.date.fromisoformat(agreed),
        review_on=dt.date.fromisoformat(agreed) + dt.timedelta(days=30),
        status="resolved" if closed else "open",
        closed_on=dt.date.fromisoformat(closed) if closed else None,
        result="done" if closed else None,
        actions=[(dt.date.fromisoformat(day), "acted") for day in actions],
    )


def test_quarter_priorities_are_those_open_in_the_quarter_as_they_stood() -> None:
    records = [
        _record("2026-01-10", "2026-03-01", []),  # ended before the quarter: left out
        _record("2026-03-20", None, ["2026-03-25", "2026-04-02"]),  # open throughout
        _record("2026-05-01", "2026-06-10", ["2026-05-05"]),  # agreed and resolved in it
        _record("2026-06-01", "2026-08-01", []),  # resolved after it: open at its end
        _record("2026-07-01", None, []),  # agreed after it: left out
    ]
    found = quarter_priorities(records, dt.date(2026, 4, 1), dt.date(2026, 7, 1))
    rows = found["sevenoaks"]
    assert [r.title for r in rows] == [
        "agreed 2026-03-20",
        "agreed 2026-05-01",
        "agreed 2026-06-01",
    ]
    assert [r.status for r in rows] == ["open", "resolved", "open"]
    assert rows[0].actions == [(dt.date(2026, 4, 2), "acted")]
    assert rows[2].closed_on is None and rows[2].result is None
