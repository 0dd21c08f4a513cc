"""The control room over real HTTP, on SQLite and PostgreSQL: contacts, grading, dispatch, roles."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import httpx
from controlkit import MAIDSTONE_POSTCODE, SEVENOAKS, available_unit, contact, created


def test_without_a_token_the_api_says_sign_in(control_room: Any) -> None:
    with control_room.anonymous() as client:
        answer = client.get("/api/incidents")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        bad = client.post("/api/token", data={"username": "hana", "password": "wrong password"})
        assert bad.status_code == 401
        client.headers["Authorization"] = "Bearer not-a-token"
        assert client.get("/api/units").status_code == 401


def test_a_contact_needs_a_valid_token_and_writes_nothing_without_one(control_room: Any) -> None:
    before = control_room.rows("incident")
    with control_room.anonymous() as client:
        assert contact(client).status_code == 401
        client.headers["Authorization"] = "Bearer not-a-token"
        refused = contact(client)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert control_room.rows("incident") == before


def test_a_contact_for_a_closed_incident_is_refused_and_nothing_is_written(
    control_room: Any,
) -> None:
    hana, dev = control_room["hana"], control_room["dev"]
    incident = created(hana, description="Parcel stolen from doorstep yesterday")
    closed = dev.post(
        f"/api/incidents/{incident['id']}/state",
        json={"state": "closed", "closing_category": "crime-recorded", "result": "Crime recorded"},
    )
    assert closed.status_code == 200, closed.text
    counts = {table: control_room.rows(table) for table in ("contact", "incident_log", "audit_log")}
    late = contact(hana, description="Another caller about the parcel", link_to=incident["id"])
    assert late.status_code == 409 and "is closed: record a new one" in late.json()["detail"]
    assert {table: control_room.rows(table) for table in counts} == counts


def test_me_names_the_role(control_room: Any) -> None:
    assert control_room["cmd-sevenoaks"].get("/api/me").json() == {
        "username": "cmd-sevenoaks",
        "role": "district_commander",
        "district": "sevenoaks",
    }


def test_a_999_life_in_danger_is_grade_1_with_reasons(control_room: Any) -> None:
    incident = created(
        control_room["hana"],
        channel="999",
        category="concern-for-safety",
        description="My neighbour has collapsed in the street and is not breathing",
        caller_name="A. Caller",
        caller_phone="07700 900000",
        **SEVENOAKS,
    )
    assert incident["grade"] == 1
    assert "Someone is in immediate danger or at risk of serious harm." in incident["reasons"]
    assert incident["district"] == "sevenoaks"
    assert incident["state"] == "graded"
    assert incident["attendance_standard_minutes"] == 15  # urban
    assert incident["reference"].startswith("KENT-")


def test_a_101_car_stolen_overnight_is_grade_3_or_4(control_room: Any) -> None:
    incident = created(
        control_room["hana"],
        category="crime-vehicle",
        description="My car was stolen overnight from the drive",
        postcode=MAIDSTONE_POSTCODE,
    )
    assert incident["grade"] in (3, 4)
    assert incident["district"] == "maidstone"
    assert any("appointment" in r or "without deployment" in r for r in incident["reasons"])


def test_an_override_needs_a_reason_and_both_assessments_are_kept(control_room: Any) -> None:
    hana = control_room["hana"]
    refused = contact(hana, category="crime-damage", description="Fence damaged", grade=2)
    assert refused.status_code == 422
    assert "override_reason" in refused.text
    incident = created(
        hana,
        category="crime-damage",
        description="Fence damaged last week",
        grade=2,
        override_reason="Third report this month from the same street",
    )
    assert incident["grade"] == 2
    answer = hana.post(
        f"/api/incidents/{incident['id']}/assessments",
        json={"thrive": {"threat": "high", "harm": "medium"}, "version": incident["version"]},
    )
    assert answer.status_code == 200, answer.text
    detail = answer.json()
    assert detail["grade"] == 1
    assert [a["grade"] for a in detail["assessments"]] == [2, 1]
    assert detail["assessments"][0]["recommended_grade"] == 3
    assert detail["assessments"][0]["override_reason"].startswith("Third report")
    stale = hana.post(
        f"/api/incidents/{incident['id']}/assessments",
        json={"thrive": {"threat": "low"}, "version": incident["version"]},
    )
    assert stale.status_code == 409 and "has changed" in stale.json()["detail"]


def test_bad_input_says_what_is_wrong(control_room: Any) -> None:
    hana = control_room["hana"]
    cases = [
        ({"neighbourhood": "E01000001"}, 422, "is not a neighbourhood of Kent Police"),
        ({"latitude": 53.8, "longitude": -1.55}, 422, "outside Kent Police"),
        ({"postcode": "LS1 1AA"}, 422, "outside Kent Police"),
        ({"postcode": "not a postcode"}, 422, "is not a postcode"),
        ({"category": "cats"}, 422, "unknown opening category 'cats'"),
        ({"channel": "carrier pigeon"}, 422, "channel"),
        ({"latitude": 51.27}, 422, "both latitude and longitude"),
        ({"unexpected": 1}, 422, "unexpected"),
    ]
    before = len(control_room["admin"].get("/api/incidents").json())
    for fields, status, words in cases:
        answer = contact(hana, **fields)
        assert answer.status_code == status, (fields, answer.text)
        assert words.casefold() in answer.text.casefold(), (fields, answer.text)
    assert len(control_room["admin"].get("/api/incidents").json()) == before
    assert (
        hana.post("/api/contacts", json={"channel": "101", "description": "x y z"}).status_code
        == 422
    )
    assert control_room["admin"].get("/api/incidents/999999").status_code == 404


def test_roles_decide_who_may_do_what(control_room: Any) -> None:
    analyst = control_room["ana"]
    assert contact(analyst, description="I should not be able to").status_code == 403
    incident = created(control_room["hana"], description="Bike stolen from shed yesterday")
    assert analyst.get(f"/api/incidents/{incident['id']}").status_code == 200
    # The caller's details are only for roles that need them.
    caller = created(control_room["hana"], description="Noise", caller_name="Private Person")
    seen_by_analyst = analyst.get(f"/api/incidents/{caller['id']}").json()
    assert seen_by_analyst["contacts"][0]["caller"] is None
    seen_by_handler = control_room["hana"].get(f"/api/incidents/{caller['id']}").json()
    assert seen_by_handler["contacts"][0]["caller"]["name"] == "Private Person"
    assert "Private Person" not in analyst.get("/api/incidents").text


def test_possible_duplicates_are_offered_and_can_be_linked(control_room: Any) -> None:
    hana = control_room["hana"]
    where = {"latitude": 51.2731, "longitude": 0.1915}
    first = created(hana, category="asb-nuisance", description="Youths shouting", **where)
    second = created(hana, category="asb-nuisance", description="Loud group again", **where)
    assert first["id"] in [d["id"] for d in second["possible_duplicates"]]
    linked = created(hana, description="Same group, third caller", link_to=first["id"])
    assert linked["id"] == first["id"]
    detail = hana.get(f"/api/incidents/{first['id']}").json()
    assert len(detail["contacts"]) == 2
    assert [e["action"] for e in detail["log"]] == ["opened", "contact_linked"]


def test_duplicates_are_found_across_the_edge_of_a_grid_square(control_room: Any) -> None:
    """Incidents are filed under 250 m squares; one 20 m away in the next square is offered,
    one 300 m away (beyond the 250 m of the force's configuration) is not."""
    from constable.control.models import grid_cell
    from constable.force.geography import to_wgs84

    hana = control_room["hana"]
    # Sevenoaks: 552,490 m east sits 10 m west of a square's edge, 552,510 m 10 m east of it.
    eastings, northings = [552_490.0, 552_510.0, 552_810.0], [155_125.0] * 3
    assert grid_cell(eastings[0], northings[0]) != grid_cell(eastings[1], northings[1])
    longitudes, latitudes = to_wgs84(eastings, northings)
    made = [
        created(
            hana,
            category="asb-nuisance",
            description="Fireworks in the street",
            latitude=float(latitude),
            longitude=float(longitude),
        )
        for latitude, longitude in zip(latitudes, longitudes, strict=True)
    ]
    offered = {d["id"]: d["distance_m"] for d in made[1]["possible_duplicates"]}
    assert made[0]["id"] in offered and offered[made[0]["id"]] < 25
    assert made[2]["id"] not in offered


def test_recommendations_put_the_districts_units_first(control_room: Any) -> None:
    incident = created(
        control_room["hana"],
        channel="999",
        category="crime-burglary",
        description="Someone is breaking in right now",
        **SEVENOAKS,
    )
    ranked = control_room["dev"].get(f"/api/incidents/{incident['id']}/recommendations").json()
    assert ranked[0]["district"] == "sevenoaks" and ranked[0]["own_district"]
    assert all(r["kind"] in ("patrol_car", "special") for r in ranked)  # grade 1
    # Units with no reported position have no estimate (None) and follow the estimated ones.
    etas = [r["eta_minutes"] for r in ranked if r["own_district"] and r["eta_minutes"] is not None]
    assert etas == sorted(etas)
    assert all(r["reason"] for r in ranked)


def test_a_dispatch_from_call_to_close(control_room: Any) -> None:
    dev = control_room["dev"]
    incident = created(
        control_room["hana"],
        channel="999",
        category="crime-violence",
        description="Two men fighting in the car park right now",
        **SEVENOAKS,
    )
    unit = available_unit(dev, incident["id"])
    sent = dev.post(f"/api/incidents/{incident['id']}/dispatch", json={"unit_id": unit["unit_id"]})
    assert sent.status_code == 200, sent.text
    assert sent.json()["state"] == "resource_allocated"
    again = dev.post(f"/api/incidents/{incident['id']}/dispatch", json={"unit_id": unit["unit_id"]})
    assert again.status_code == 409 and "not available" in again.json()["detail"]
    units = {u["id"]: u for u in dev.get("/api/units", params={"district": "sevenoaks"}).json()}
    assert units[unit["unit_id"]]["status"] == "committed"
    assert units[unit["unit_id"]]["incident_id"] == incident["id"]

    path = f"/api/units/{unit['unit_id']}/status"
    assert dev.post(path, json={"status": "en_route"}).json()["status"] == "en_route"
    assert dev.get(f"/api/incidents/{incident['id']}").json()["state"] == "en_route"
    at_scene = dev.post(path, json={"status": "at_scene", **SEVENOAKS})
    assert at_scene.status_code == 200
    detail = dev.get(f"/api/incidents/{incident['id']}").json()
    assert detail["state"] == "at_scene"
    assert detail["attended_within_standard"] is True
    early_close = dev.post(
        f"/api/incidents/{incident['id']}/state",
        json={"state": "closed", "closing_category": "crime", "result": "x"},
    )
    assert early_close.status_code == 409 and "still has 1 unit" in early_close.json()["detail"]
    assert dev.post(path, json={"status": "available"}).json()["status"] == "available"
    assert dev.get(f"/api/incidents/{incident['id']}").json()["state"] == "cleared"
    no_result = dev.post(f"/api/incidents/{incident['id']}/state", json={"state": "closed"})
    assert no_result.status_code == 422 and "closing_category and a result" in no_result.text
    closed = dev.post(
        f"/api/incidents/{incident['id']}/state",
        json={
            "state": "closed",
            "closing_category": "crime-recorded",
            "result": "One arrest for affray",
            "crime_reference": "KENT/123/26",
        },
    )
    assert closed.status_code == 200, closed.text
    final = closed.json()
    assert final["state"] == "closed" and final["closed_at"]
    states = [e["after"].get("state") for e in final["log"] if e["action"] == "state"]
    assert states == ["resource_allocated", "en_route", "at_scene", "cleared", "closed"]
    assert all(e["actor"] for e in final["log"])
    reopen = dev.post(f"/api/incidents/{incident['id']}/state", json={"state": "graded"})
    assert reopen.status_code == 409 and "cannot become graded" in reopen.json()["detail"]


def test_two_dispatchers_sending_one_unit_exactly_one_wins(control_room: Any) -> None:
    hana, dev, admin = control_room["hana"], control_room["dev"], control_room["admin"]
    first = created(
        hana,
        channel="999",
        category="crime-robbery",
        description="Robbery happening now",
        **SEVENOAKS,
    )
    second = created(
        hana,
        channel="999",
        category="crime-robbery",
        description="Another robbery in progress",
        latitude=51.2745,
        longitude=0.187,
    )
    unit = available_unit(dev, first["id"])
    results: list[int] = []
    barrier = threading.Barrier(2)

    def send(client: httpx.Client, incident_id: int) -> None:
        barrier.wait()
        answer = client.post(
            f"/api/incidents/{incident_id}/dispatch", json={"unit_id": unit["unit_id"]}
        )
        results.append(answer.status_code)

    threads = [
        threading.Thread(target=send, args=(dev, first["id"])),
        threading.Thread(target=send, args=(admin, second["id"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]


def test_a_district_commander_changes_only_their_district(control_room: Any) -> None:
    commander = control_room["cmd-sevenoaks"]
    hana = control_room["hana"]
    own = created(
        hana,
        channel="999",
        category="crime-burglary",
        description="Burglars in the house right now",
        **SEVENOAKS,
    )
    other = created(
        hana,
        channel="999",
        category="crime-burglary",
        description="Burglars in the house right now",
        postcode=MAIDSTONE_POSTCODE,
    )
    unit = available_unit(commander, own["id"])
    assert (
        commander.post(
            f"/api/incidents/{own['id']}/dispatch", json={"unit_id": unit["unit_id"]}
        ).status_code
        == 200
    )
    other_unit = available_unit(commander, other["id"])
    refused = commander.post(
        f"/api/incidents/{other['id']}/dispatch", json={"unit_id": other_unit["unit_id"]}
    )
    assert refused.status_code == 403
    assert "maidstone" in refused.json()["detail"].casefold()
    assert len(commander.get("/api/incidents").json()) >= 2  # sees the whole force


def test_a_district_commander_cannot_send_another_districts_unit(control_room: Any) -> None:
    commander = control_room["cmd-sevenoaks"]
    own = created(
        control_room["hana"],
        channel="999",
        category="crime-burglary",
        description="Burglars in the house right now",
        **SEVENOAKS,
    )
    theirs = next(
        u
        for u in commander.get("/api/units", params={"district": "maidstone"}).json()
        if u["status"] == "available" and u["district"] == "maidstone"
    )
    before = control_room.counts("deployment")
    refused = commander.post(f"/api/incidents/{own['id']}/dispatch", json={"unit_id": theirs["id"]})
    assert refused.status_code == 403, refused.text
    assert "Maidstone's unit" in refused.json()["detail"]
    assert control_room.counts("deployment") == before


def test_units_and_categories_are_listed(control_room: Any) -> None:
    dev = control_room["dev"]
    units = dev.get("/api/units").json()
    assert len(units) > 500
    assert {"id", "district", "status", "call_sign"} <= units[0].keys()
    assert {u["status"] for u in units} <= {
        "available",
        "en_route",
        "at_scene",
        "committed",
        "off_duty",
    }
    assert any(u["status"] == "available" and u["kind"] == "patrol_car" for u in units)
    codes = [c["code"] for c in dev.get("/api/categories").json()]
    assert "crime-burglary" in codes and "mental-health" in codes
    assert dev.get("/api/units", params={"district": "narnia"}).status_code == 404
    bad = dev.post(f"/api/units/{units[0]['id']}/status", json={"status": "flying"})
    assert bad.status_code == 422


def test_measures_count_answering_against_target(control_room: Any) -> None:
    hana = control_room["hana"]
    now = dt.datetime.now(dt.UTC)
    for seconds in (4, 8, 25):
        created(
            hana,
            channel="999",
            description="Measured call, in progress right now",
            call_started_at=(now - dt.timedelta(seconds=seconds)).isoformat(),
            answered_at=now.isoformat(),
        )
    backwards = contact(
        hana,
        call_started_at=now.isoformat(),
        answered_at=(now - dt.timedelta(seconds=5)).isoformat(),
    )
    assert backwards.status_code == 422 and "before call_started_at" in backwards.text
    measures = control_room["ana"].get("/api/control/measures").json()
    answering = measures["answering"]["999"]
    assert answering["total"] >= 3 and answering["met"] >= 2
    assert measures["open_by_age"]["sevenoaks"]["under 1 hour"] >= 1
