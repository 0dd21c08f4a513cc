"""The casework pages over real HTTP: lists, a record, the worklist and an ASB case's form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_asb import opened
from test_recording import ago, recorded

from support import PASSWORD


@pytest.fixture
def browser_for(crime_desk: Any) -> Iterator[Any]:
    """A signed-in cookie client for a user (what a browser does)."""
    clients: list[httpx.Client] = []

    def sign_in(username: str) -> httpx.Client:
        client = httpx.Client(base_url=crime_desk.base_url, timeout=30)
        answer = client.post("/login", data={"username": username, "password": PASSWORD})
        assert answer.status_code == 303
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        client.close()


def test_pages_ask_for_sign_in(crime_desk: Any) -> None:
    with crime_desk.anonymous() as client:
        for path in ("/crimes", "/repeat-victims", "/asb/cases?district=dover"):
            answer = client.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login?next=/")


def test_the_list_and_a_record_show_what_the_user_may_see(
    crime_desk: Any, browser_for: Any
) -> None:
    victim = {"name": "Pat Pageview", "date_of_birth": "1990-02-03"}
    crime = recorded(crime_desk["hana"], offence_code="56A", victim=victim)
    listed = browser_for("hana").get("/crimes", params={"district": "maidstone", "kind": "crime"})
    assert listed.status_code == 200
    assert crime["reference"] in listed.text and "Arson endangering life" in listed.text
    page = browser_for("hana").get(f"/crimes/{crime['id']}")
    assert "Pat Pageview" in page.text and "No outcome yet." in page.text
    assert "Pat Pageview" not in browser_for("ana").get(f"/crimes/{crime['id']}").text
    assert browser_for("ana").get("/crimes", params={"district": "atlantis"}).status_code == 404


def test_the_worklist_is_reviewed_from_its_page(crime_desk: Any, browser_for: Any) -> None:
    victim = {"name": "Lee Worklist", "address": "3 Mill Street", "postcode": "ME14 1AA"}
    recorded(crime_desk["hana"], occurred_at=ago(40), victim=victim)
    repeat = recorded(crime_desk["hana"], occurred_at=ago(3), victim=victim)
    csu = browser_for("csu-maidstone")
    page = csu.get("/repeat-victims", params={"district": "maidstone"})
    assert repeat["reference"] in page.text and "Lee Worklist" in page.text
    entry = next(
        e
        for e in crime_desk["csu-maidstone"].get("/api/repeat-victims").json()
        if e["crime"] == repeat["reference"]
    )
    empty = csu.post(f"/repeat-victims/{entry['id']}/review", data={"note": ""})
    assert empty.status_code == 422 and "say what was done" in empty.text
    done = csu.post(f"/repeat-victims/{entry['id']}/review", data={"note": "Visited and advised"})
    assert done.status_code == 303
    assert repeat["reference"] not in csu.get("/repeat-victims").text


def test_a_case_goes_up_the_ladder_from_its_page(crime_desk: Any, browser_for: Any) -> None:
    case = opened(crime_desk["csu-maidstone"], subject_name="Morgan Pageform")
    csu = browser_for("csu-maidstone")
    page = csu.get(f"/asb/cases/{case['id']}")
    assert 'id="stage-form"' in page.text and "Personal advice visit" in page.text
    form = {"stage": "written-warning", "taken_on": ago(0)[:10], "version": str(case["version"])}
    refused = csu.post(f"/asb/cases/{case['id']}/stages", data=form)
    assert (
        refused.status_code == 422 and "skips advice-visit, verbal-warning: say why" in refused.text
    )
    form["skip_reason"] = "Advice was given by the housing officer last month"
    taken = csu.post(f"/asb/cases/{case['id']}/stages", data=form)
    assert taken.status_code == 303
    shown = crime_desk["ana"].get(f"/api/asb/cases/{case['id']}").json()
    assert shown["stage"] == "written-warning"
    # Someone without the right to change it sees the case but not the form.
    assert 'id="stage-form"' not in browser_for("ana").get(f"/asb/cases/{case['id']}").text
    listed = browser_for("ana").get("/asb/cases", params={"district": "maidstone"})
    assert case["reference"] in listed.text and "Written warning" in listed.text
