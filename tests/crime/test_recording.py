"""Recording crimes and ASB reports over real HTTP on SQLite and PostgreSQL: offence codes,
outcomes with history, sanction detections, repeat victims, roles, stop-and-search arrest rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

MAIDSTONE = "ME14 1AA"
MAIDSTONE_OTHER = "ME15 6AA"
SWALE = "ME10 1AA"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def ago(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


def record(client: httpx.Client, **fields: Any) -> httpx.Response:
    body: dict[str, Any] = {
        "offence_code": "28E",
        "description": "Back door forced, laptop taken",
        "occurred_at": ago(1),
        **fields,
    }
    if not {"postcode", "latitude", "neighbourhood", "incident_id"} & body.keys():
        body["postcode"] = MAIDSTONE
    return client.post("/api/crimes", json=body)


def recorded(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    answer = record(client, **fields)
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    return data


def own_records(client: httpx.Client) -> int:
    return len(client.get("/api/crimes", params={"limit": 1000}).json())


def test_a_crime_takes_its_group_and_category_from_the_offence_code(crime_desk: Any) -> None:
    crime = recorded(crime_desk["hana"], offence_code="28e")
    assert crime["reference"].startswith("KENT-CR-")
    assert crime["offence_code"] == "28E"
    assert crime["offence"] == "Burglary Residential"
    assert (crime["offence_group"], crime["offence_subgroup"]) == (
        "Theft offences",
        "Domestic burglary",
    )
    assert crime["category"] == "Burglary" and crime["asb"] is False
    assert crime["district"] == "maidstone" and crime["neighbourhood"].startswith("E01")
    assert crime["recorded_by"] == "hana" and crime["last_outcome"] is None


def test_a_crime_is_recorded_from_an_incident(crime_desk: Any) -> None:
    hana = crime_desk["hana"]
    incident = hana.post(
        "/api/contacts",
        json={
            "channel": "101",
            "description": "My car was broken into overnight",
            "postcode": SWALE,
        },
    ).json()
    crime = recorded(hana, offence_code="45", incident_id=incident["id"])
    assert crime["incident_id"] == incident["id"]
    assert crime["district"] == "swale" and crime["neighbourhood"] == incident["neighbourhood"]
    assert crime["offence_group"] == "Theft offences"


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        (
            {"offence_code": "28Z"},
            422,
            "'28Z' is not a Home Office offence code; codes starting 28",
        ),
        ({"offence_code": ""}, 422, "give the offence_code"),
        ({"asb": True}, 422, "an ASB report has no offence_code"),
        ({"occurred_at": "2026-01-01T10:00:00"}, 422, "timezone"),
        ({"occurred_at": (NOW + dt.timedelta(days=2)).isoformat()}, 422, "is in the future"),
        ({"incident_id": 999_999}, 404, "there is no incident 999999"),
        ({"victim": {"date_of_birth": "1980-01-01"}}, 422, "give the victim's name"),
        ({"postcode": "ZZ1 1ZZ"}, 422, "ZZ1 1ZZ"),
        ({"colour": "blue"}, 422, "colour"),
    ],
)
def test_bad_input_says_what_is_wrong_and_writes_nothing(
    crime_desk: Any, fields: dict[str, Any], status: int, message: str
) -> None:
    hana = crime_desk["hana"]
    before = own_records(hana)
    answer = record(hana, **fields)
    assert answer.status_code == status, answer.text
    assert message.lower() in answer.text.lower()
    assert own_records(hana) == before


def test_outcomes_keep_their_history_and_derive_the_sanction_detection(crime_desk: Any) -> None:
    hana = crime_desk["hana"]
    crime = recorded(hana, occurred_at=ago(10))
    today = NOW.date().isoformat()
    first = hana.post(
        f"/api/crimes/{crime['id']}/outcomes",
        json={"outcome_type": "15", "outcome_on": (NOW.date() - dt.timedelta(days=5)).isoformat()},
    )
    assert first.status_code == 201, first.text
    assert first.json()["sanction_detection"] is False
    second = hana.post(
        f"/api/crimes/{crime['id']}/outcomes", json={"outcome_type": "1", "outcome_on": today}
    )
    shown = second.json()
    assert shown["last_outcome"] == "Charged or summonsed"
    assert shown["sanction_detection"] is True
    assert [o["outcome_type"] for o in shown["outcomes"]] == ["15", "1"]
    assert shown["outcomes"][1]["brought_to_justice"] is True

    early = (NOW.date() - dt.timedelta(days=30)).isoformat()
    before_crime = hana.post(
        f"/api/crimes/{crime['id']}/outcomes", json={"outcome_type": "3", "outcome_on": early}
    )
    assert before_crime.status_code == 422 and "is before the crime" in before_crime.text
    unknown = hana.post(
        f"/api/crimes/{crime['id']}/outcomes", json={"outcome_type": "19", "outcome_on": today}
    )
    assert unknown.status_code == 422 and "unknown Home Office outcome type '19'" in unknown.text
    assert len(hana.get(f"/api/crimes/{crime['id']}").json()["outcomes"]) == 2

    asb = recorded(hana, offence_code=None, asb=True, description="Youths shouting at night")
    refused = hana.post(
        f"/api/crimes/{asb['id']}/outcomes", json={"outcome_type": "1", "outcome_on": today}
    )
    assert refused.status_code == 422 and "is an ASB report" in refused.text


def test_detections_count_the_period_by_district_and_group(crime_desk: Any) -> None:
    hana = crime_desk["hana"]
    today = NOW.date().isoformat()
    params = {"start": today, "end": today, "district": "swale", "group": "Theft offences"}
    before = hana.get("/api/crimes/detections", params=params).json()
    charged = recorded(hana, postcode=SWALE, offence_code="30C", occurred_at=ago(0.1))
    unsolved = recorded(hana, postcode=SWALE, offence_code="30C", occurred_at=ago(0.1))
    recorded(hana, postcode=SWALE, offence_code="58C", occurred_at=ago(0.1))  # criminal damage
    for crime, kind in ((charged, "1"), (unsolved, "18")):
        answer = hana.post(
            f"/api/crimes/{crime['id']}/outcomes", json={"outcome_type": kind, "outcome_on": today}
        )
        assert answer.status_code == 201
    after = hana.get("/api/crimes/detections", params=params).json()
    for line in ("force", "districts"):
        was = before[line] if line == "force" else before[line]["swale"]
        now = after[line] if line == "force" else after[line]["swale"]
        assert now["crimes"] == was["crimes"] + 2
        assert now["sanction_detections"] == was["sanction_detections"] + 1
        assert now["brought_to_justice"] == was["brought_to_justice"] + 1
    assert set(after["groups"]) == {"Theft offences"}
    assert list(after["districts"]) == ["swale"]
    rate = after["force"]["sanction_detection_rate"]
    assert rate == after["force"]["sanction_detections"] / after["force"]["crimes"]

    unknown = hana.get("/api/crimes/detections", params={**params, "group": "Theft"})
    assert unknown.status_code == 422 and "Theft offences" in unknown.text
    backwards = hana.get("/api/crimes/detections", params={"start": today, "end": "2020-01-01"})
    assert backwards.status_code == 422


def test_a_repeat_victim_is_flagged_and_worked_by_the_districts_csu(crime_desk: Any) -> None:
    hana, csu, ana = crime_desk["hana"], crime_desk["csu-maidstone"], crime_desk["ana"]
    victim = {
        "name": "Alex Q. Example",
        "date_of_birth": "1970-05-04",
        "address": "12 Rose Lane",
        "postcode": "ME14 1AA",
    }
    first = recorded(hana, occurred_at=ago(200), victim=victim)
    assert first["repeat_victim"] is False
    # The same person (name written differently) 200 days later, an ASB report this time.
    again = recorded(
        hana,
        offence_code=None,
        asb=True,
        description="Neighbour shouting abuse over the fence",
        occurred_at=ago(2),
        victim={**victim, "name": "alex q example", "address": None, "postcode": None},
    )
    assert again["repeat_victim"] is True
    # Someone else at the same address: a repeat by address.
    same_address = recorded(
        hana,
        occurred_at=ago(1),
        victim={"name": "Sam Other", "address": "12, Rose Lane", "postcode": "me14 1aa"},
    )
    assert same_address["repeat_victim"] is True
    # More than the window (365 days) after the last record: not a repeat.
    stranger = recorded(
        hana, occurred_at=ago(700), victim={"name": "Alex Q Example", "date_of_birth": "1970-05-04"}
    )
    assert stranger["repeat_victim"] is False

    worklist = csu.get("/api/repeat-victims", params={"district": "maidstone"}).json()
    entries = {e["crime"]: e for e in worklist}
    assert entries[again["reference"]]["matched_on"] == "person"
    assert entries[again["reference"]]["previous"] == first["reference"]
    assert entries[same_address["reference"]]["matched_on"] == "address"
    assert entries[again["reference"]]["victim"]["name"] == "alex q example"
    assert all(e["victim"] is None for e in ana.get("/api/repeat-victims").json())

    entry = entries[again["reference"]]["id"]
    assert (
        ana.post(f"/api/repeat-victims/{entry}/review", json={"note": "x" * 5}).status_code == 403
    )
    empty = csu.post(f"/api/repeat-victims/{entry}/review", json={"note": ""})
    assert empty.status_code == 422
    done = csu.post(
        f"/api/repeat-victims/{entry}/review",
        json={"note": "Visited; target hardening and a referral to Victim Support"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["reviewed_by"] == "csu-maidstone"
    still_open = {e["id"] for e in csu.get("/api/repeat-victims").json()}
    assert entry not in still_open
    again_review = csu.post(f"/api/repeat-victims/{entry}/review", json={"note": "twice"})
    assert again_review.status_code == 422 and "reviewed already" in again_review.text


def test_district_staff_record_only_in_their_district(crime_desk: Any) -> None:
    dover, ana = crime_desk["cmd-dover"], crime_desk["ana"]
    before = own_records(ana)
    assert record(ana).status_code == 403
    refused = record(dover)  # a Maidstone postcode
    assert refused.status_code == 403 and "Maidstone" in refused.text
    assert own_records(ana) == before
    assert record(dover, postcode="CT16 1AA").status_code == 201
    shown = ana.get("/api/crimes", params={"district": "dover"}).json()
    assert shown and shown[0]["district"] == "dover"
    with crime_desk.anonymous() as anonymous:
        assert anonymous.get("/api/crimes").status_code == 401


def test_offence_codes_and_outcome_types_are_listed(crime_desk: Any) -> None:
    ana = crime_desk["ana"]
    codes = ana.get("/api/offences").json()
    assert len(codes) == 132
    assert {"code": "28E", "group": "Theft offences"}.items() <= next(
        c for c in codes if c["code"] == "28E"
    ).items()
    types = {t["code"]: t for t in ana.get("/api/outcome-types").json()}
    assert types["1"]["sanction"] and types["6"]["sanction"] and not types["8"]["sanction"]
    assert types["7"]["brought_to_justice"] and not types["7"]["sanction"]


def test_stop_and_search_arrest_rates_by_ethnicity_with_intervals(crime_desk: Any) -> None:
    rates = (
        crime_desk["ana"]
        .get("/api/stop-search/arrest-rates", params={"start": "2019-01-01", "end": "2019-01-31"})
        .json()
    )
    white = rates["overall"]["White"]
    assert (white["searches"], white["arrests"], white["arrest_rate"]) == (1, 1, 1.0)
    # Wilson's interval for 1 of 1 at 95%: 0.2065 to 1.
    assert white["low"] == pytest.approx(0.2065, abs=1e-4) and white["high"] == 1.0
    assert rates["overall"]["Not stated"]["searches"] == 2
    assert rates["overall"]["Not stated"]["arrests"] == 0
    assert rates["districts"]["maidstone"]["White"]["arrests"] == 1
    assert rates["districts"]["not located"]["Not stated"]["searches"] == 1
    by_self = (
        crime_desk["ana"].get("/api/stop-search/arrest-rates", params={"ethnicity": "self"}).json()
    )
    assert by_self["overall"]["White"]["searches"] == 1
    none = (
        crime_desk["ana"]
        .get("/api/stop-search/arrest-rates", params={"start": "2020-01-01"})
        .json()
    )
    assert none["overall"] == {}
