"""ASB cases over real HTTP on SQLite and PostgreSQL: the staged approach in order, skipping with
a reason, reports naming the subject linked with an alert to the owner, orders, roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from test_recording import MAIDSTONE, NOW, ago, recorded

TODAY = NOW.date().isoformat()


def opened(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {
        "district": "maidstone",
        "team": "cpt",
        "subject_name": "Jordan Fictional",
        "summary": "Repeated noise and intimidation of neighbours on the Rose estate",
        **fields,
    }
    answer = client.post("/api/asb/cases", json=body)
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    return data


def stage(client: httpx.Client, case: dict[str, Any], code: str, **fields: Any) -> httpx.Response:
    return client.post(
        f"/api/asb/cases/{case['id']}/stages", json={"stage": code, "taken_on": TODAY, **fields}
    )


def test_the_ladder_is_seed_002s_staged_approach(crime_desk: Any) -> None:
    ladder = crime_desk["ana"].get("/api/asb/ladder").json()
    assert ladder["name"] == "seed-2007"
    assert [s["code"] for s in ladder["stages"]] == [
        "advice-visit",
        "verbal-warning",
        "written-warning",
        "abc",
        "fixed-penalty",
        "court-order",
    ]


def test_stages_go_in_order_and_a_skip_needs_a_reason(crime_desk: Any) -> None:
    csu = crime_desk["csu-maidstone"]
    case = opened(csu, subject_name="Casey Ladder")
    assert (case["stage"], case["next_stage"], case["owner"]) == (
        None,
        "advice-visit",
        "csu-maidstone",
    )
    assert stage(csu, case, "advice-visit").status_code == 200
    skip = stage(csu, case, "abc")
    assert skip.status_code == 422
    assert "skips verbal-warning, written-warning: say why" in skip.text
    shown = stage(csu, case, "abc", skip_reason="Threats to a neighbour: warnings are not enough")
    assert shown.status_code == 200, shown.text
    data = shown.json()
    assert data["stage"] == "abc" and data["next_stage"] == "fixed-penalty"
    assert data["steps"][1]["skipped"] == ["verbal-warning", "written-warning"]
    back = stage(csu, case, "verbal-warning")
    assert back.status_code == 422 and "goes up the ladder" in back.text
    unknown = stage(csu, case, "asbo")
    assert unknown.status_code == 422 and "court-order" in unknown.text
    stale = stage(csu, case, "fixed-penalty", version=1)
    assert stale.status_code == 409 and "reload it" in stale.text
    future = stage(
        csu, case, "fixed-penalty", taken_on=(NOW.date() + dt.timedelta(days=3)).isoformat()
    )
    assert future.status_code == 422
    after = csu.get(f"/api/asb/cases/{case['id']}").json()
    assert [s["stage"] for s in after["steps"]] == ["advice-visit", "abc"]

    closed = csu.post(
        f"/api/asb/cases/{case['id']}/close", json={"reason": "Moved out of the area"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert stage(csu, case, "fixed-penalty").status_code == 409


def test_a_report_naming_the_subject_is_linked_and_the_owner_alerted(crime_desk: Any) -> None:
    csu, hana = crime_desk["csu-maidstone"], crime_desk["hana"]
    first = recorded(
        hana,
        offence_code=None,
        asb=True,
        description="Shouting and banging on doors at night",
        subject_name="Robin Subject",
        occurred_at=ago(20),
    )
    case = opened(csu, subject_name="Robin Subject", reports=[first["id"]])
    assert [r["reference"] for r in case["reports"]] == [first["reference"]]
    unread = len(csu.get("/api/asb/alerts").json())

    again = recorded(
        hana,
        offence_code=None,
        asb=True,
        description="Same man kicking bins over in the street",
        subject_name="robin  SUBJECT",
        postcode=MAIDSTONE,
    )
    assert again["asb_cases"] == [case["reference"]]
    shown = csu.get(f"/api/asb/cases/{case['id']}").json()
    assert [r["automatic"] for r in shown["reports"]] == [False, True]
    alerts = csu.get("/api/asb/alerts").json()
    assert len(alerts) == unread + 1
    assert again["reference"] in alerts[0]["message"] and case["reference"] in alerts[0]["message"]
    read = csu.post(f"/api/asb/alerts/{alerts[0]['id']}/read")
    assert read.status_code == 200
    assert len(csu.get("/api/asb/alerts").json()) == unread
    assert hana.post(f"/api/asb/alerts/{alerts[0]['id']}/read").status_code == 404

    other = recorded(
        hana, offence_code=None, asb=True, description="Litter", subject_name="Someone Else"
    )
    assert other["asb_cases"] == []
    crime = recorded(hana)  # a crime is not an ASB report
    linked = csu.post(f"/api/asb/cases/{case['id']}/reports", json={"crime_id": crime["id"]})
    assert linked.status_code == 422 and "is not an ASB report" in linked.text
    twice = csu.post(f"/api/asb/cases/{case['id']}/reports", json={"crime_id": first["id"]})
    assert twice.status_code == 409


def test_orders_are_recorded_within_their_limits(crime_desk: Any) -> None:
    csu = crime_desk["csu-maidstone"]
    start = NOW + dt.timedelta(hours=1)
    body = {
        "district": "maidstone",
        "kind": "dispersal",
        "place": "Town centre and the riverside walk",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=48)).isoformat(),
        "authorised_by": "Inspector A. Example",
        "reason": "Groups intimidating shoppers on Friday and Saturday nights",
    }
    answer = csu.post("/api/asb/orders", json=body)
    assert answer.status_code == 201, answer.text
    too_long = csu.post(
        "/api/asb/orders",
        json={**body, "ends_at": (start + dt.timedelta(hours=49)).isoformat()},
    )
    assert too_long.status_code == 422 and "at most 48 hours" in too_long.text
    backwards = csu.post("/api/asb/orders", json={**body, "ends_at": body["starts_at"]})
    assert backwards.status_code == 422
    listed = crime_desk["ana"].get("/api/asb/orders", params={"district": "maidstone"}).json()
    assert listed[0]["place"] == body["place"] and listed[0]["kind"] == "dispersal"


def test_district_staff_work_only_their_districts_cases(crime_desk: Any) -> None:
    csu, dover, ana = crime_desk["csu-maidstone"], crime_desk["cmd-dover"], crime_desk["ana"]
    before = len(ana.get("/api/asb/cases", params={"status": "all"}).json())
    refused = dover.post(
        "/api/asb/cases",
        json={"district": "maidstone", "team": "csu", "subject_name": "X Y", "summary": "abc"},
    )
    assert refused.status_code == 403 and "Maidstone" in refused.text
    assert (
        ana.post(
            "/api/asb/cases",
            json={"district": "maidstone", "team": "csu", "subject_name": "X Y", "summary": "abc"},
        ).status_code
        == 403
    )
    bad_owner = csu.post(
        "/api/asb/cases",
        json={
            "district": "maidstone",
            "team": "csu",
            "subject_name": "X Y",
            "summary": "abc",
            "owner": "nobody",
        },
    )
    assert bad_owner.status_code == 404 and "no active user 'nobody'" in bad_owner.text
    assert len(ana.get("/api/asb/cases", params={"status": "all"}).json()) == before
    case = opened(csu, team="csu", subject_name="Drew Boundary")
    assert case["team"].endswith("Community Safety Unit")
    assert stage(dover, case, "advice-visit").status_code == 403
    unknown = csu.get("/api/asb/cases", params={"district": "atlantis"})
    assert unknown.status_code == 404
