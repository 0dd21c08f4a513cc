"""Community Speedwatch over real HTTP, on SQLite and PostgreSQL: sites, sessions, detections,
the repeat-vehicle worklist, visits, the share of letters not followed by another detection,
roles and bad input."""

from __future__ import annotations

from typing import Any

import httpx
from communitykit import POINTS, ok, refused


def site(client: httpx.Client, district: str, road: str = "London Road", limit: int = 30) -> int:
    body = {"road": road, "speed_limit_mph": limit, **POINTS[district]}
    return int(ok(client.post("/api/speedwatch/sites", json=body), 201)["id"])


def held(
    client: httpx.Client,
    site_id: int,
    held_on: str,
    detections: list[dict[str, Any]] | list[str],
    **fields: Any,
) -> httpx.Response:
    body: dict[str, Any] = {
        "held_on": held_on,
        "volunteers": 3,
        "hours": 1.5,
        "vehicles_checked": 200,
        "detections": [{"registration": d} if isinstance(d, str) else d for d in detections],
        **fields,
    }
    return client.post(f"/api/speedwatch/sites/{site_id}/sessions", json=body)


def test_a_site_is_placed_in_its_district(community: Any) -> None:
    csu = community["csu-sevenoaks"]
    created = ok(
        csu.post(
            "/api/speedwatch/sites",
            json={"road": "High Street", "speed_limit_mph": 20, **POINTS["sevenoaks"]},
        ),
        201,
    )
    assert created["district"] == "sevenoaks" and created["sessions"] == 0
    assert created["neighbourhood"] is not None
    assert community.audit("speedwatch_site.create") >= 1
    refused(
        csu.post(
            "/api/speedwatch/sites",
            json={"road": "Tonbridge Road", "speed_limit_mph": 30, **POINTS["maidstone"]},
        ),
        403,
        "Maidstone",
    )
    before = community.counts("speedwatch_site")
    refused(
        csu.post(
            "/api/speedwatch/sites",
            json={"road": "High Street", "speed_limit_mph": 35, **POINTS["sevenoaks"]},
        ),
        422,
        "speed_limit_mph",
        "35 mph is not a speed limit",
    )
    refused(
        csu.post(
            "/api/speedwatch/sites",
            json={"road": "High Street", "speed_limit_mph": 30, "neighbourhood": "E01000001"},
        ),
        404,
        "neighbourhood",
    )
    refused(
        csu.post("/api/speedwatch/sites", json={"road": "High Street", "speed_limit_mph": 30}),
        422,
        "give one location",
    )
    assert community.counts("speedwatch_site") == before
    refused(community["ana"].get("/api/speedwatch/sites?district=nowhere"), 404, "nowhere")


def test_a_session_records_counts_and_normalised_registrations(community: Any) -> None:
    csu = community["csu-sevenoaks"]
    site_id = site(csu, "sevenoaks", "Seal Road", 30)
    answer = ok(
        held(
            csu,
            site_id,
            "2022-11-12",
            [
                {"registration": "ab12 cde", "speed_mph": 41, "letter_sent": True},
                {"registration": "KX-65-ABC", "speed_mph": 38, "untaxed": True},
                {"registration": "yk19xyz", "letter_sent": True, "no_mot": True},
            ],
            vehicles_checked=120,
        ),
        201,
    )
    assert answer["vehicles_checked"] == 120 and answer["vehicles_detected"] == 3
    assert answer["letters_sent"] == 2
    assert answer["untaxed_referrals"] == 1 and answer["no_mot_referrals"] == 1
    assert answer["volunteer_hours"] == 4.5
    assert [d["registration"] for d in answer["detections"]] == ["AB12CDE", "KX65ABC", "YK19XYZ"]
    again = ok(community["ana"].get(f"/api/speedwatch/sessions/{answer['id']}"))
    assert again == answer
    listed = ok(community["ana"].get(f"/api/speedwatch/sites/{site_id}/sessions?quarter=2022Q4"))
    assert [s["id"] for s in listed] == [answer["id"]] and listed[0]["detections"] is None
    assert (
        ok(community["ana"].get(f"/api/speedwatch/sites/{site_id}/sessions?quarter=2022Q3")) == []
    )
    the_site = ok(community["ana"].get(f"/api/speedwatch/sites/{site_id}"))
    assert the_site["sessions"] == 1 and the_site["vehicles_detected"] == 3
    assert the_site["last_session"] == "2022-11-12"


def test_bad_sessions_are_refused_naming_the_field_and_nothing_is_written(
    community: Any,
) -> None:
    csu = community["csu-sevenoaks"]
    site_id = site(csu, "sevenoaks", "Pilgrims Way", 40)
    before = community.counts("speedwatch_session", "speedwatch_detection")
    refused(
        held(csu, site_id, "2022-11-13", ["AA11AAA", "BB22BBB", "CC33CCC"], vehicles_checked=2),
        422,
        "detections",
        "vehicles_checked is 2",
    )
    refused(
        held(csu, site_id, "2022-11-13", ["AA11AAA", "aa11 aaa"]),
        422,
        "detections[1].registration",
        "AA11AAA",
    )
    refused(
        held(csu, site_id, "2022-11-13", [{"registration": "AA11AAA", "speed_mph": 40}]),
        422,
        "detections[0].speed_mph",
        "not over the site's 40 mph limit",
    )
    refused(held(csu, site_id, "2022-11-13", [], hours=-1), 422, "hours")
    refused(held(csu, site_id, "2022-11-13", [], hours=0), 422, "hours")
    refused(held(csu, site_id, "2022-11-13", [], volunteers=0), 422, "volunteers")
    refused(held(csu, site_id, "2022-11-13", [], vehicles_checked=-5), 422, "vehicles_checked")
    refused(held(csu, site_id, "2099-01-01", []), 422, "held_on", "in the future")
    refused(held(csu, site_id, "2022-11-13", ["!!"]), 422, "registration")
    refused(held(csu, 999_999, "2022-11-13", []), 404, "no Speedwatch site 999999")
    refused(held(community["csu-maidstone"], site_id, "2022-11-13", []), 403, "Sevenoaks")
    refused(held(community["ana"], site_id, "2022-11-13", []), 403, "analyst")
    assert community.counts("speedwatch_session", "speedwatch_detection") == before


def test_a_vehicle_detected_on_five_occasions_is_flagged_until_visited(community: Any) -> None:
    csu, ana = community["csu-sevenoaks"], community["ana"]
    first = site(csu, "sevenoaks", "Westerham Road", 30)
    second = site(csu, "sevenoaks", "Otford Road", 40)
    maidstone = site(community["admin"], "maidstone", "Loose Road", 30)
    dates = ["2023-01-02", "2023-01-09", "2023-01-16", "2023-01-23"]
    for index, day in enumerate(dates):
        ok(held(csu, first if index % 2 else second, day, ["FL45HER", "OK12AAA"]), 201)

    def flagged(path: str = "/api/speedwatch/flagged") -> dict[str, dict[str, Any]]:
        return {v["registration"]: v for v in ok(ana.get(path))}

    assert "FL45HER" not in flagged()  # four occasions
    assert "FL45HER" in flagged("/api/speedwatch/flagged?threshold=4")
    ok(held(community["admin"], maidstone, "2023-01-30", ["FL45HER"]), 201)
    ok(held(csu, first, "2023-02-06", ["FL45HER"]), 201)
    vehicle = flagged()["FL45HER"]
    assert vehicle["occasions"] == 6
    assert vehicle["flagged_on"] == "2023-01-30" and vehicle["last_detected"] == "2023-02-06"
    assert vehicle["district"] == "sevenoaks"  # its latest detection
    assert vehicle["roads"] == ["Otford Road", "Westerham Road", "Loose Road"]
    assert vehicle["open"] is True and vehicle["last_visit"] is None
    assert "OK12AAA" not in flagged()
    assert "FL45HER" in flagged("/api/speedwatch/flagged?district=sevenoaks")
    assert "FL45HER" not in flagged("/api/speedwatch/flagged?district=maidstone")

    refused(
        community["csu-maidstone"].post(
            "/api/speedwatch/flagged/FL45HER/visits", json={"visited_on": "2023-02-10"}
        ),
        403,
        "Sevenoaks",
    )
    refused(
        csu.post("/api/speedwatch/flagged/OK12AAA/visits", json={"visited_on": "2023-02-10"}),
        404,
        "not flagged",
    )
    refused(
        csu.post("/api/speedwatch/flagged/fl45her/visits", json={"visited_on": "2023-01-01"}),
        422,
        "visited_on",
        "before",
    )
    visit = ok(
        csu.post(
            "/api/speedwatch/flagged/fl45 her/visits",
            json={"visited_on": "2023-02-10", "notes": "Spoke to the keeper"},
        ),
        201,
    )
    assert visit["registration"] == "FL45HER" and visit["district"] == "sevenoaks"
    assert community.audit("speedwatch_visit.create") >= 1
    assert "FL45HER" not in flagged()
    visited = flagged("/api/speedwatch/flagged?include_visited=true")["FL45HER"]
    assert visited["open"] is False and visited["last_visit"] == "2023-02-10"
    ok(held(csu, second, "2023-02-20", ["FL45HER"]), 201)
    assert flagged()["FL45HER"]["occasions"] == 7  # detected since the visit: back on the list
    assert [v["registration"] for v in ok(ana.get("/api/speedwatch/visits?month=2023-02"))] == [
        "FL45HER"
    ]


def test_the_share_of_letters_not_followed_by_another_detection(community: Any) -> None:
    """Eight vehicles sent a letter in 2021Q1; two are seen again on a later date: 6 / 8 = 75%."""
    admin = community["admin"]
    town = site(admin, "tunbridge-wells", "Pembury Road", 30)
    other = site(admin, "tunbridge-wells", "Mount Ephraim", 30)
    elsewhere = site(admin, "canterbury", "Old Dover Road", 30)
    letters = [f"LT{n}0AAA" for n in range(1, 9)]
    ok(held(admin, town, "2021-02-01", ["LT30AAA"]), 201)  # before its letter: not "again"
    ok(
        held(
            admin,
            town,
            "2021-03-01",
            [{"registration": r, "letter_sent": True} for r in letters] + ["NO00LTR"],
        ),
        201,
    )
    ok(held(admin, other, "2021-03-01", ["LT80AAA"]), 201)  # the same day: not "again"
    ok(held(admin, town, "2021-04-10", [{"registration": "LT10AAA", "letter_sent": True}]), 201)
    ok(held(admin, elsewhere, "2021-05-20", ["LT20AAA"]), 201)  # anywhere in the force

    q1 = ok(community["ana"].get("/api/speedwatch/effectiveness?quarter=2021Q1"))
    assert q1["vehicles_sent_letter"] == 8
    assert q1["detected_again"] == 2 and q1["not_detected_again"] == 6
    assert q1["share_not_detected_again"] == 0.75
    assert q1["start"] == "2021-01-01" and q1["end"] == "2021-03-31"
    district = ok(
        community["ana"].get(
            "/api/speedwatch/effectiveness?quarter=2021Q1&district=tunbridge-wells"
        )
    )
    assert district["share_not_detected_again"] == 0.75
    elsewhere_only = ok(
        community["ana"].get("/api/speedwatch/effectiveness?quarter=2021Q1&district=canterbury")
    )
    assert elsewhere_only["vehicles_sent_letter"] == 0
    assert elsewhere_only["share_not_detected_again"] is None
    q2 = ok(community["ana"].get("/api/speedwatch/effectiveness?quarter=2021Q2"))
    assert (q2["vehicles_sent_letter"], q2["detected_again"]) == (1, 0)  # LT10AAA's second letter
    year = ok(community["ana"].get("/api/speedwatch/effectiveness?year=2021"))
    assert (year["vehicles_sent_letter"], year["detected_again"]) == (8, 2)

    report = ok(
        community["ana"].get("/api/community/report?quarter=2021Q1&district=tunbridge-wells")
    )
    figures = report["sections"]["speedwatch"]["figures"]
    assert figures["letter_effectiveness"] == 0.75
    assert figures["vehicles_sent_letter"] == 8 and figures["letters_sent"] == 8
    assert figures["vehicles_detected"] == 11 and figures["sessions"] == 3
    assert figures["volunteer_hours"] == 13.5 and figures["sites_used"] == 2
