"""Special Constables, volunteers and school officers over real HTTP, on SQLite and PostgreSQL:
people, duties and hours, independent patrol, schools and engagements, the quarter's totals,
roles and bad input."""

from __future__ import annotations

from typing import Any

import httpx
from communitykit import ok, refused


def person(client: httpx.Client, name: str, role: str, district: str, **fields: Any) -> int:
    body = {"name": name, "role": role, "district": district, "joined_on": "2016-01-01", **fields}
    return int(ok(client.post("/api/volunteers", json=body), 201)["id"])


def duty(client: httpx.Client, who: int, day: str, hours: float, kind: str = "patrol") -> Any:
    return client.post(
        f"/api/volunteers/{who}/duties", json={"duty_on": day, "hours": hours, "duty_type": kind}
    )


def test_people_are_recorded_by_their_districts_staff(community: Any) -> None:
    csu = community["csu-sevenoaks"]
    special = ok(
        csu.post(
            "/api/volunteers",
            json={
                "name": "Sam Special",
                "role": "special_constable",
                "district": "Sevenoaks",
                "joined_on": "2020-04-01",
                "independent_since": "2021-06-01",
            },
        ),
        201,
    )
    assert special["district"] == "sevenoaks" and special["independent"] is True
    assert special["role_label"] == "Special Constable" and special["hours"] == 0
    assert community.audit("volunteer.create") >= 1
    refused(
        csu.post(
            "/api/volunteers",
            json={
                "name": "Pat",
                "role": "police_support_volunteer",
                "district": "maidstone",
                "joined_on": "2020-01-01",
            },
        ),
        403,
        "Maidstone",
    )
    listed = ok(community["ana"].get("/api/volunteers?district=sevenoaks&role=special_constable"))
    assert "Sam Special" in [p["name"] for p in listed]


def test_bad_people_and_duties_are_refused_naming_the_field_and_nothing_is_written(
    community: Any,
) -> None:
    csu = community["csu-sevenoaks"]
    who = person(csu, "Robin Volunteer", "police_support_volunteer", "sevenoaks")
    before = community.counts("volunteer", "volunteer_duty")

    def new(**fields: Any) -> httpx.Response:
        body = {
            "name": "Alex",
            "role": "special_constable",
            "district": "sevenoaks",
            "joined_on": "2020-01-01",
            **fields,
        }
        return csu.post("/api/volunteers", json=body)

    refused(
        new(role="police_support_volunteer", independent_since="2021-01-01"),
        422,
        "independent_since",
        "only Special Constables",
    )
    refused(new(independent_since="2019-01-01"), 422, "independent_since", "before joined_on")
    refused(new(joined_on="2099-01-01"), 422, "joined_on", "in the future")
    refused(new(district="atlantis"), 404, "district", "atlantis")
    refused(new(role="sheriff"), 422, "role")
    refused(new(name=""), 422, "name")

    refused(duty(csu, who, "2022-11-01", -2), 422, "hours")
    refused(duty(csu, who, "2022-11-01", 0), 422, "hours")
    refused(duty(csu, who, "2022-11-01", 25), 422, "hours")
    refused(duty(csu, who, "2015-06-01", 3), 422, "duty_on", "before Robin Volunteer joined")
    refused(duty(csu, who, "2099-06-01", 3), 422, "duty_on", "in the future")
    refused(duty(csu, who, "2022-11-01", 3, "sleeping"), 422, "duty_type")
    refused(duty(csu, 999_999, "2022-11-01", 3), 404, "no volunteer 999999")
    refused(duty(community["csu-maidstone"], who, "2022-11-01", 3), 403, "Sevenoaks")
    assert community.counts("volunteer", "volunteer_duty") == before

    ok(duty(csu, who, "2022-11-01", 16), 201)
    refused(duty(csu, who, "2022-11-01", 10), 422, "hours", "would make 26")
    ok(duty(csu, who, "2022-11-01", 8), 201)
    refused(
        csu.patch(f"/api/volunteers/{who}", json={"left_on": "2015-01-01"}),
        422,
        "left_on",
        "before joined_on",
    )
    refused(
        csu.patch(f"/api/volunteers/{who}", json={"left_on": "2022-10-31"}),
        422,
        "left_on",
        "before a duty on 2022-11-01",
    )
    refused(
        csu.patch(f"/api/volunteers/{who}", json={"independent_since": "2022-01-01"}),
        422,
        "independent_since",
    )
    duties = ok(community["ana"].get(f"/api/volunteers/{who}/duties?month=2022-11"))
    assert [d["hours"] for d in duties] == [8, 16]
    assert ok(community["ana"].get(f"/api/volunteers/{who}"))["hours"] == 24


def test_a_special_is_passed_for_independent_patrol_and_leaves(community: Any) -> None:
    csu = community["csu-sevenoaks"]
    who = person(csu, "Jo Special", "special_constable", "sevenoaks", joined_on="2021-01-10")
    assert ok(community["ana"].get(f"/api/volunteers/{who}"))["independent"] is False
    passed = ok(csu.patch(f"/api/volunteers/{who}", json={"independent_since": "2021-09-01"}))
    assert passed["independent"] is True and passed["independent_since"] == "2021-09-01"
    ok(duty(csu, who, "2022-01-05", 6), 201)
    left = ok(csu.patch(f"/api/volunteers/{who}", json={"left_on": "2022-02-28"}))
    assert left["left_on"] == "2022-02-28"
    refused(duty(csu, who, "2022-03-01", 2), 422, "duty_on", "after Jo Special left")
    assert community.audit("volunteer.update") >= 2


def test_the_quarters_totals_of_people_and_hours(community: Any) -> None:
    """Swale, 2017Q3 (July to September): who serves on 30 September, who is independent, hours."""
    admin = community["admin"]
    a = person(admin, "A Special", "special_constable", "swale", independent_since="2016-06-01")
    b = person(admin, "B Special", "special_constable", "swale", joined_on="2017-08-01")
    c = person(admin, "C Special", "special_constable", "swale", joined_on="2015-01-01")
    person(admin, "D Special", "special_constable", "swale", joined_on="2017-10-05")
    e = person(admin, "E Volunteer", "police_support_volunteer", "swale", joined_on="2017-01-01")
    for who, day, hours in (
        (a, "2017-07-03", 5),
        (a, "2017-09-30", 3.5),
        (b, "2017-08-02", 4),
        (c, "2017-08-01", 2),
        (a, "2017-10-01", 6),  # the next quarter
        (e, "2017-07-10", 7),
    ):
        ok(duty(admin, who, day, hours), 201)
    ok(admin.patch(f"/api/volunteers/{c}", json={"left_on": "2017-08-15"}))

    report = ok(community["ana"].get("/api/community/report?district=swale&quarter=2017Q3"))
    figures = report["sections"]["volunteers"]["figures"]
    assert figures["special_constables"] == 2  # A and B; C left, D joined later
    assert figures["independent_specials"] == 1
    assert figures["special_hours"] == 14.5
    assert figures["police_support_volunteers"] == 1
    assert figures["police_support_volunteer_hours"] == 7
    roles = {r["role"]: r for r in report["sections"]["volunteers"]["tables"]["by_role"]}
    assert roles["special_constable"]["joined"] == 1 and roles["special_constable"]["left"] == 1
    assert roles["special_constable"]["duties"] == 4

    force = ok(community["ana"].get("/api/community/report?quarter=2017Q3"))
    rows = {r["district"]: r for r in force["sections"]["volunteers"]["tables"]["by_district"]}
    assert len(rows) == 13
    assert rows["swale"]["special_constables"] == 2 and rows["swale"]["special_hours"] == 14.5
    assert force["sections"]["volunteers"]["figures"]["special_hours"] == sum(
        r["special_hours"] for r in rows.values()
    )
    hours = ok(community["ana"].get("/api/volunteers?district=swale&quarter=2017Q3"))
    assert {p["name"]: p["hours"] for p in hours} == {
        "A Special": 8.5,
        "B Special": 4,
        "C Special": 2,
        "E Volunteer": 7,
    }


def test_schools_and_their_officers_engagements(community: Any) -> None:
    admin = community["admin"]
    officer = person(admin, "Sol Schools", "school_officer", "thanet", joined_on="2017-01-01")
    special = person(admin, "Not Schools", "special_constable", "thanet")
    school = ok(
        admin.post(
            "/api/schools",
            json={"name": "Margate Academy", "district": "thanet", "urn": "118000"},
        ),
        201,
    )
    assert school["officer_id"] is None
    school = ok(admin.patch(f"/api/schools/{school['id']}", json={"officer_id": officer}))
    assert school["officer"] == "Sol Schools"
    other = ok(
        admin.post(
            "/api/schools",
            json={"name": "Ramsgate Primary", "district": "thanet", "officer_id": officer},
        ),
        201,
    )
    before = community.counts("school", "school_engagement")
    refused(
        admin.post("/api/schools", json={"name": "Copy", "district": "thanet", "urn": "118000"}),
        422,
        "urn",
        "already",
    )
    refused(
        admin.post(
            "/api/schools", json={"name": "Bad", "district": "thanet", "officer_id": special}
        ),
        422,
        "officer_id",
        "not a school officer",
    )
    refused(
        admin.post("/api/schools", json={"name": "Bad", "district": "thanet", "urn": "12"}),
        422,
        "urn",
    )

    def engage(school_id: int, day: str, attendees: int, **fields: Any) -> httpx.Response:
        return admin.post(
            f"/api/schools/{school_id}/engagements",
            json={"held_on": day, "kind": "lesson", "attendees": attendees, **fields},
        )

    refused(engage(school["id"], "2017-07-10", -3), 422, "attendees")
    refused(engage(school["id"], "2016-07-10", 30), 422, "held_on", "was not a school officer")
    refused(engage(school["id"], "2017-07-10", 30, kind="party"), 422, "kind")
    refused(
        community["csu-sevenoaks"].post(
            f"/api/schools/{school['id']}/engagements",
            json={"held_on": "2017-07-10", "kind": "lesson", "attendees": 30},
        ),
        403,
        "Thanet",
    )
    assert community.counts("school", "school_engagement") == before
    first = ok(engage(school["id"], "2017-07-10", 30), 201)
    assert first["officer_id"] == officer and first["kind_label"] == "Lesson"
    ok(engage(school["id"], "2017-09-12", 60, kind="assembly"), 201)
    ok(engage(other["id"], "2017-10-02", 25), 201)  # the next quarter

    figures = ok(community["ana"].get("/api/community/report?district=thanet&quarter=2017Q3"))[
        "sections"
    ]["schools"]["figures"]
    assert figures == {
        "school_officers": 1,
        "schools": 2,
        "schools_with_officer": 2,
        "schools_engaged": 1,
        "engagements": 2,
        "attendees": 90,
    }
    listed = ok(community["ana"].get(f"/api/schools/{school['id']}/engagements?quarter=2017Q3"))
    assert [e["attendees"] for e in listed] == [60, 30]


def test_community_safety_users_need_a_district(community: Any) -> None:
    from constable.auth.roles import Role
    from constable.auth.service import UserError, create_user
    from constable.store import open_store

    store = open_store(community.database_url)
    try:
        with store.session() as session:
            try:
                create_user(
                    session=session,
                    username="no-district",
                    password="a long password",
                    role=Role.COMMUNITY_SAFETY,
                )
            except UserError as exc:
                assert "community safety user needs --district" in str(exc)
            else:
                raise AssertionError("a community safety user without a district was created")
    finally:
        store.close()
    me = ok(community["csu-sevenoaks"].get("/api/me"))
    assert me == {"username": "csu-sevenoaks", "role": "community_safety", "district": "sevenoaks"}
