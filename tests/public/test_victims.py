"""Victim care over real HTTP on SQLite and PostgreSQL: the needs assessment, referral only with
consent (a secure file), updates due per officer, roles and pages."""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from constable.auth.roles import Role
from support import Served, database_url_for, served_kent

USERS = {
    "hana": (Role.CALL_HANDLER, None),
    "csu-maidstone": (Role.COMMUNITY_SAFETY, "maidstone"),
    "cmd-dover": (Role.DISTRICT_COMMANDER, "dover"),
    "ana": (Role.ANALYST, None),
}
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, Path]]:
    """Kent served with users; referrals written to a folder of their own."""
    url = database_url_for(request, "victims")
    folder = tmp_path_factory.mktemp("referrals") / "outbound"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONSTABLE_VICTIM_REFERRAL_FOLDER", str(folder))
        patch.setenv("CONSTABLE_VICTIM_REFERRAL_SERVICE", "Victim Support Kent")
        with served_kent(url, USERS) as served:
            yield served, folder


def crime(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {
        "offence_code": "28E",
        "description": "Back door forced, laptop taken",
        "occurred_at": (NOW - dt.timedelta(days=1)).isoformat(),
        "postcode": "ME14 1AA",
        "victim": {"name": "Sam Jones", "address": "12 Rose Lane", "postcode": "ME14 1AA"},
        **fields,
    }
    answer = client.post("/api/crimes", json=body)
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def assessment(**fields: Any) -> dict[str, Any]:
    return {
        "consent_to_referral": False,
        "needs": ["emotional_support", "safety_and_security"],
        "preferred_contact": "phone",
        "contact_detail": "07700 900123",
        **fields,
    }


def test_a_referral_goes_only_with_consent_as_a_private_file(desk: Any) -> None:
    served, folder = desk
    hana = served["hana"]
    recorded = crime(hana)
    due = hana.get("/api/victims/due").json()
    entry = next(d for d in due if d["crime_id"] == recorded["id"])
    assert entry["assessed"] is False and entry["officer"] is None
    assert entry["due"] == (NOW.date() + dt.timedelta(days=28)).isoformat()
    assessed = hana.put(f"/api/victims/{recorded['id']}/assessment", json=assessment())
    assert assessed.status_code == 200, assessed.text
    assert assessed.json()["care"]["officer"] == "hana"
    before = served.counts("victim_referral")
    refused = hana.post(f"/api/victims/{recorded['id']}/referrals")
    assert refused.status_code == 422
    assert "has not consented to be referred to Victim Support Kent" in refused.json()["detail"]
    assert "nothing was sent" in refused.json()["detail"]
    assert served.counts("victim_referral") == before
    assert not folder.exists() or not list(folder.iterdir())
    hana.put(
        f"/api/victims/{recorded['id']}/assessment",
        json=assessment(consent_to_referral=True, enhanced_reasons=["vulnerable"]),
    )
    sent = hana.post(f"/api/victims/{recorded['id']}/referrals")
    assert sent.status_code == 201, sent.text
    made = sent.json()["care"]["referrals"]
    assert len(made) == 1 and made[0]["channel"] == "file"
    path = folder / f"{made[0]['reference']}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    payload = json.loads(path.read_text())
    assert payload["schema"] == "constable.victim-referral/1"
    assert payload["service"] == "Victim Support Kent"
    assert payload["crime"]["reference"] == recorded["reference"]
    assert payload["victim"]["name"] == "Sam Jones"
    assert payload["victim"]["contact_detail"] == "07700 900123"
    assert payload["consent"]["given"] is True and payload["needs"]["enhanced_rights"] is True
    assert "description" not in payload["crime"]
    again = hana.post(f"/api/victims/{recorded['id']}/referrals")
    assert again.status_code == 422 and "was referred on" in again.json()["detail"]
    assert len(list(folder.glob("*.json"))) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"contact_detail": None}, "give the victim's number"),
        ({"preferred_contact": "email", "contact_detail": ""}, "email address"),
        ({"needs": ["a pony"]}, "needs"),
        ({"update_every_days": 0}, "update_every_days"),
    ],
)
def test_a_bad_assessment_says_what_is_wrong(
    desk: Any, fields: dict[str, Any], message: str
) -> None:
    served, _ = desk
    recorded = crime(served["hana"])
    before = served.counts("victim_care")
    answer = served["hana"].put(
        f"/api/victims/{recorded['id']}/assessment", json=assessment(**fields)
    )
    assert answer.status_code == 422 and message in str(answer.json()["detail"])
    assert served.counts("victim_care") == before


def test_no_victim_no_assessment(desk: Any) -> None:
    served, _ = desk
    report = crime(
        served["hana"], offence_code=None, asb=True, victim=None, subject_name="Pat Smith"
    )
    answer = served["hana"].put(f"/api/victims/{report['id']}/assessment", json=assessment())
    assert answer.status_code == 422 and "there is no victim" in answer.json()["detail"]


def test_updates_move_the_next_one_and_roles_are_kept(desk: Any) -> None:
    served, _ = desk
    csu = served["csu-maidstone"]
    recorded = crime(csu)
    assert (
        served["cmd-dover"]
        .put(f"/api/victims/{recorded['id']}/assessment", json=assessment())
        .status_code
        == 403
    )
    csu.put(
        f"/api/victims/{recorded['id']}/assessment",
        json=assessment(update_every_days=7, officer="csu-maidstone"),
    )
    shown = csu.get(f"/api/victims/{recorded['id']}").json()
    assert shown["next_update"]["due"] == (NOW.date() + dt.timedelta(days=7)).isoformat()
    done = csu.post(
        f"/api/victims/{recorded['id']}/updates",
        json={"note": "Told them a suspect was identified", "method": "phone"},
    )
    assert done.status_code == 201 and len(done.json()["care"]["updates"]) == 1
    mine = csu.get("/api/victims/due", params={"officer": "me"}).json()
    assert [d["crime_id"] for d in mine] == [recorded["id"]]
    hidden = served["ana"].get("/api/victims/due").json()
    assert hidden and all(d["victim_name"] is None for d in hidden)
    assert served["ana"].get(f"/api/victims/{recorded['id']}").json()["victim_name"] is None
    closed = csu.post(f"/api/victims/{recorded['id']}/close", json={"reason": "Case finalised"})
    assert closed.status_code == 200
    assert csu.get("/api/victims/due", params={"officer": "me"}).json() == []
    measure = csu.get(
        "/api/victims/on-time", params={"start": "2020-01-01", "end": "2020-02-01"}
    ).json()
    assert measure["victims_due_an_update"] == 0 and measure["share"] is None


def test_the_pages_list_updates_due_and_refuse_a_referral_without_consent(desk: Any) -> None:
    served, _ = desk
    hana = served["hana"]
    recorded = crime(hana)
    with served.anonymous() as client:
        assert client.get("/victims").status_code == 303
    page = hana.get("/victims")
    assert page.status_code == 200 and recorded["reference"] in page.text
    assert "No needs assessment yet" in page.text
    form = {
        "consent": "no",
        "needs": ["information"],
        "preferred_contact": "letter",
        "update_every_days": "28",
    }
    saved = hana.post(f"/victims/{recorded['id']}/assessment", data=form)
    assert saved.status_code == 303
    refused = hana.post(f"/victims/{recorded['id']}/referrals")
    assert refused.status_code == 422 and "has not consented" in refused.text
    assert "<title>Error: " in refused.text
    care = hana.get(f"/victims/{recorded['id']}")
    assert care.status_code == 200 and "Record an update" in care.text
