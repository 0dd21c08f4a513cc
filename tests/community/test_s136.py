"""Section 136 detentions over real HTTP, on SQLite and PostgreSQL: placing, ending, the monthly
series, roles and districts, and bad input that changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
from communitykit import POINTS, SEVENOAKS_LSOA, ok, refused


def detention(client: httpx.Client, district: str = "sevenoaks", **fields: Any) -> httpx.Response:
    body: dict[str, Any] = {
        "detained_at": "2022-12-03T14:05:00+00:00",
        "place_of_safety": "health_based_place_of_safety",
        **fields,
    }
    if not {"neighbourhood", "latitude", "postcode"} & body.keys():
        body.update(POINTS[district])
    return client.post("/api/s136", json=body)


def test_without_a_token_the_api_says_sign_in(community: Any) -> None:
    with community.anonymous() as client:
        assert client.get("/api/s136").status_code == 401
        assert detention(client).status_code == 401
        assert client.get("/api/community/report?quarter=2022Q4").status_code == 401


def test_a_detention_is_placed_by_point_or_neighbourhood(community: Any) -> None:
    before = community.audit("s136.create")
    by_point = ok(detention(community["csu-sevenoaks"]), 201)
    assert by_point["district"] == "sevenoaks"
    assert by_point["neighbourhood"] == SEVENOAKS_LSOA
    assert by_point["ended_at"] is None and by_point["duration_minutes"] is None
    assert by_point["place_of_safety_label"] == "Health-based place of safety"
    by_code = ok(detention(community["csu-sevenoaks"], neighbourhood=SEVENOAKS_LSOA.lower()), 201)
    assert by_code["district"] == "sevenoaks" and by_code["neighbourhood"] == SEVENOAKS_LSOA
    assert community.audit("s136.create") == before + 2
    found = ok(community["ana"].get(f"/api/s136/{by_code['id']}"))
    assert found["recorded_by"] == "csu-sevenoaks"


def test_a_detention_ends_with_its_outcome_and_duration(community: Any) -> None:
    csu = community["csu-sevenoaks"]
    started = ok(detention(csu, detained_at="2022-12-05T22:00:00+00:00"), 201)
    ended = ok(
        csu.patch(
            f"/api/s136/{started['id']}",
            json={"ended_at": "2022-12-06T03:30:00+00:00", "outcome": "community_follow_up"},
        )
    )
    assert ended["duration_minutes"] == 330.0
    assert ended["outcome"] == "community_follow_up"
    assert ended["outcome_label"] == "Released with community mental health follow-up"
    assert community.audit("s136.update") >= 1
    whole = ok(
        detention(
            csu,
            detained_at="2022-12-07T10:00:00+00:00",
            ended_at="2022-12-07T11:15:00+00:00",
            outcome="admitted_informal",
            place_of_safety="emergency_department",
        ),
        201,
    )
    assert whole["duration_minutes"] == 75.0


def test_the_monthly_series_counts_local_months_per_district(community: Any) -> None:
    admin = community["admin"]
    for moment in (
        "2022-09-30T23:30:00+00:00",  # 00:30 on 1 October in British Summer Time
        "2022-10-15T12:00:00+00:00",
        "2022-12-31T23:30:00+00:00",  # still December: GMT in winter
        "2023-01-10T09:00:00+00:00",
    ):
        ok(detention(admin, "dover", detained_at=moment), 201)
    ok(detention(admin, "thanet", detained_at="2022-10-20T10:00:00+00:00"), 201)

    dover = ok(admin.get("/api/s136/monthly?district=dover&from=2022-09&to=2023-01"))
    assert dover["months"] == ["2022-09", "2022-10", "2022-11", "2022-12", "2023-01"]
    assert dover["districts"] == [
        {"district": "dover", "name": "Dover", "counts": [0, 2, 0, 1, 1], "total": 4}
    ]
    force = ok(community["ana"].get("/api/s136/monthly?from=2022-10&to=2022-10"))
    assert len(force["districts"]) == 13
    by_slug = {d["district"]: d["counts"] for d in force["districts"]}
    assert by_slug["dover"] == [2] and by_slug["thanet"] == [1] and by_slug["ashford"] == [0]
    assert force["total"] == [sum(c[0] for c in by_slug.values())]

    listed = ok(admin.get("/api/s136?district=dover&month=2022-10"))
    assert len(listed) == 2
    quarter = ok(admin.get("/api/s136?district=dover&quarter=2022Q4"))
    assert len(quarter) == 3


def test_staff_change_only_their_own_district(community: Any) -> None:
    refused(detention(community["csu-sevenoaks"], "maidstone"), 403, "Maidstone")
    refused(detention(community["ana"]), 403, "analyst cannot record community")
    refused(detention(community["hana"]), 403, "call handler")
    mine = ok(detention(community["csu-sevenoaks"]), 201)
    refused(
        community["csu-maidstone"].patch(
            f"/api/s136/{mine['id']}", json={"notes": "not my district"}
        ),
        403,
        "Sevenoaks",
    )
    ok(detention(community["cmd-dover"], "dover"), 201)
    refused(detention(community["cmd-dover"], "sevenoaks"), 403, "Sevenoaks")
    ok(detention(community["admin"], "maidstone"), 201)
    assert ok(community["ana"].get("/api/s136?district=sevenoaks"))


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(community: Any) -> None:
    csu = community["csu-sevenoaks"]
    before = community.counts("s136_detention")
    refused(
        detention(csu, ended_at="2022-12-03T13:00:00+00:00", outcome="admitted_informal"),
        422,
        "ended_at",
        "before detained_at",
    )
    refused(detention(csu, ended_at="2022-12-03T16:00:00+00:00"), 422, "outcome")
    refused(detention(csu, outcome="arrested"), 422, "outcome", "ended_at")
    refused(
        detention(csu, ended_at="2022-12-05T16:00:00+00:00", outcome="arrested"),
        422,
        "at most 36 hours",
    )
    refused(detention(csu, detained_at="2099-01-01T00:00:00+00:00"), 422, "in the future")
    refused(detention(csu, detained_at="2022-12-03T14:05:00"), 422, "detained_at")
    refused(detention(csu, place_of_safety="hospital"), 422, "place_of_safety")
    refused(detention(csu, place_of_safety="other"), 422, "place_of_safety_detail")
    refused(detention(csu, neighbourhood="E01999999"), 404, "neighbourhood", "E01999999")
    refused(detention(csu, latitude=51.5074, longitude=-0.1278), 422, "location", "outside")
    refused(
        detention(csu, neighbourhood=SEVENOAKS_LSOA, **POINTS["sevenoaks"]),
        422,
        "give one location",
    )
    refused(detention(csu, incident_id=999_999), 404, "incident_id", "999999")
    refused(detention(csu, hours=3), 422, "hours")  # no such field
    assert community.counts("s136_detention") == before

    mine = ok(detention(csu), 201)
    before = community.counts("s136_detention")
    refused(csu.patch(f"/api/s136/{mine['id']}", json={}), 422, "at least one field")
    refused(
        csu.patch(
            f"/api/s136/{mine['id']}",
            json={"ended_at": "2022-12-01T00:00:00+00:00", "outcome": "arrested"},
        ),
        422,
        "ended_at",
    )
    refused(csu.patch("/api/s136/999999", json={"notes": "x"}), 404, "no s.136 detention")
    assert community.counts("s136_detention") == before
    assert ok(csu.get(f"/api/s136/{mine['id']}"))["ended_at"] is None

    refused(csu.get("/api/s136?district=atlantis"), 404, "district", "atlantis")
    refused(csu.get("/api/s136?quarter=2022-4"), 422, "quarter", "2017Q3")
    refused(csu.get("/api/s136?month=2022-10&quarter=2022Q4"), 422, "not several")
    refused(csu.get("/api/s136/monthly?from=2023-01&to=2022-01"), 422, "before from")


def test_a_detention_links_to_a_control_room_incident(community: Any) -> None:
    admin = community["admin"]
    incident = ok(
        admin.post(
            "/api/contacts",
            json={
                "channel": "999",
                "category": "concern-for-safety",
                "description": "A man is standing on the railway bridge and says he will jump",
                **POINTS["sevenoaks"],
            },
        ),
        201,
    )
    linked = ok(
        detention(
            community["csu-sevenoaks"],
            detained_at="2022-12-08T20:00:00+00:00",
            incident_id=incident["id"],
        ),
        201,
    )
    assert linked["incident_id"] == incident["id"]


def test_the_documented_lists_are_published(community: Any) -> None:
    lists = ok(community["ana"].get("/api/community/vocabularies"))
    assert [v["value"] for v in lists["place_of_safety"]] == [
        "health_based_place_of_safety",
        "emergency_department",
        "police_custody",
        "other",
    ]
    assert {"value": "police_custody", "label": "Police custody"} in lists["place_of_safety"]
    assert "detained_mental_health_act" in [v["value"] for v in lists["s136_outcome"]]
    assert lists["speed_limit_mph"] == [20, 30, 40, 50, 60, 70]
