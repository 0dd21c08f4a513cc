"""The live board over real HTTP on SQLite and PostgreSQL: JSON, event streams, pages, actions
from the board, browser."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from controlkit import MAIDSTONE_POSTCODE, PASSWORD, available_unit, created
from fastapi.sse import ServerSentEvent
from sqlalchemy import insert
from sqlalchemy.orm import Session

from constable.auth.deps import COOKIE
from constable.control import live
from constable.control.models import IncidentLog
from constable.store import open_store
from constable.store.engine import make_engine
from support import Served

MAIDSTONE_TOWN = {"latitude": 51.2742, "longitude": 0.5228}  # near ME14 1AA


def events(answer: httpx.Response) -> Iterator[tuple[str, str]]:
    """``(event, data)`` pairs of a Server-Sent Events response, as they arrive."""
    name, data = "message", []
    for line in answer.iter_lines():
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
        elif line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].removeprefix(" "))


def pages_as(served: Served, username: str) -> httpx.Client:
    """A browser-like client of ``username`` (the sign-in cookie; redirects not followed)."""
    token = served[username].headers["Authorization"].split(" ", 1)[1]
    return httpx.Client(base_url=served.base_url, timeout=30, cookies={COOKIE: token})


def board(client: httpx.Client, **params: str) -> dict[str, Any]:
    answer = client.get("/api/board", params=params)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_the_board_counts_a_new_incident_by_grade_and_district(control_room: Any) -> None:
    dev = control_room["dev"]
    before = board(dev)
    maidstone_before = board(dev, district="maidstone")
    incident = created(
        control_room["hana"],
        channel="999",
        description="He has collapsed and is not breathing",
        postcode=MAIDSTONE_POSTCODE,
    )
    assert incident["grade"] == 1
    after = board(dev)
    assert after["open_by_grade"]["1"] == before["open_by_grade"]["1"] + 1
    assert after["open_total"] == before["open_total"] + 1
    row = next(r for r in after["districts"] if r["slug"] == "maidstone")
    was = next(r for r in before["districts"] if r["slug"] == "maidstone")
    assert row["open_by_grade"]["1"] == was["open_by_grade"]["1"] + 1
    assert after["fingerprint"] != before["fingerprint"]

    maidstone = board(dev, district="maidstone")
    assert maidstone["scope"] == "maidstone" and maidstone["title"] == "Maidstone"
    assert maidstone["open_total"] == maidstone_before["open_total"] + 1
    listed = [i for i in maidstone["incidents"] if i["reference"] == incident["reference"]]
    assert listed and listed[0]["grade"] == 1 and listed[0]["due_at"] is not None
    # A row has what a dispatcher reads: channel, what was said, where (address or postcode and
    # the neighbourhood by name, not its census code).
    assert listed[0]["channel"] == "999"
    assert listed[0]["summary"] == "He has collapsed and is not breathing"
    assert listed[0]["location"] == MAIDSTONE_POSTCODE
    assert listed[0]["neighbourhood"].startswith("Maidstone ")
    assert {i["district"] for i in maidstone["incidents"]} == {"maidstone"}
    # Units of the district only, busy ones first; none off duty.
    assert {u["district"] for u in maidstone["units"]} == {"maidstone"}
    assert "off_duty" not in {u["status"] for u in maidstone["units"]}
    assert sum(maidstone["units_by_status"].values()) >= len(maidstone["units"])


def test_a_dispatched_unit_shows_on_the_board_with_its_incident(control_room: Any) -> None:
    dev = control_room["dev"]
    incident = created(
        dev,
        channel="999",
        description="Burglars breaking in right now, still inside",
        postcode=MAIDSTONE_POSTCODE,
    )
    unit = available_unit(dev, incident["id"])
    answer = dev.post(
        f"/api/incidents/{incident['id']}/dispatch", json={"unit_id": unit["unit_id"]}
    )
    assert answer.status_code == 200, answer.text
    shown = board(dev, district="maidstone")
    row = next(u for u in shown["units"] if u["call_sign"] == unit["call_sign"])
    assert row["status"] == "committed" and row["incident"] == incident["reference"]
    listed = next(i for i in shown["incidents"] if i["id"] == incident["id"])
    assert listed["units"] == [unit["call_sign"]]
    assert listed["deployed"] == [
        {"id": unit["unit_id"], "call_sign": unit["call_sign"], "status": "committed"}
    ]
    assert shown["units"][0]["status"] != "available"  # busy units come first


def test_the_board_needs_sign_in_and_a_known_district(control_room: Any) -> None:
    with control_room.anonymous() as anonymous:
        assert anonymous.get("/api/board").status_code == 401
        assert anonymous.get("/api/board/stream").status_code == 401
        page = anonymous.get("/control/districts/dover")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/control/districts/dover"
    ana = control_room["ana"]
    for path in ("/api/board", "/api/board/stream", "/control/stream"):
        answer = ana.get(path, params={"district": "atlantis"})
        assert answer.status_code == 404, path
        assert "no district &#39;atlantis&#39;" in answer.text or (
            "no district 'atlantis'" in answer.json()["detail"]
        )


def test_the_stream_sends_the_board_then_each_change(control_room: Any) -> None:
    hana = control_room["hana"]
    with httpx.Client(base_url=control_room.base_url, timeout=30) as listener:
        listener.headers["Authorization"] = control_room["ana"].headers["Authorization"]
        with listener.stream("GET", "/api/board/stream", params={"district": "maidstone"}) as s:
            assert s.status_code == 200
            assert s.headers["content-type"].startswith("text/event-stream")
            received = events(s)
            name, data = next(received)
            assert name == "board"
            first = json.loads(data)
            assert first["scope"] == "maidstone"
            incident = created(
                hana,
                channel="101",
                description="Someone smashed my car window overnight",
                postcode=MAIDSTONE_POSTCODE,
            )
            name, data = next(received)
            update = json.loads(data)
            assert name == "board"
            assert update["open_total"] == first["open_total"] + 1
            assert incident["reference"] in {i["reference"] for i in update["incidents"]}


def test_the_page_stream_sends_rendered_panels(control_room: Any) -> None:
    with httpx.Client(base_url=control_room.base_url, timeout=30) as browser:
        signed_in = browser.post(
            "/login", data={"username": "dev", "password": PASSWORD, "next": "/control"}
        )
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/control"
        page = browser.get("/control")
        assert page.status_code == 200, (page.headers, browser.cookies, signed_in.headers)
        assert 'id="board-panels"' in page.text and 'data-stream="/control/stream"' in page.text
        with browser.stream("GET", "/control/stream") as s:
            name, html = next(events(s))
        assert name == "panels"
        assert 'id="incidents"' in html and 'id="board-map"' in html
        assert "<html" not in html  # a fragment, not a page


async def _first_board_and_the_next(
    store: Any, handler: httpx.Client
) -> tuple[list[str], list[str], dict[str, Any]]:
    def references(current: Any) -> ServerSentEvent:
        return ServerSentEvent(data=[i.reference for i in current.incidents])

    stream = live.board_events(store, "kent", "maidstone", references)
    try:
        first = await anext(stream)
        # The stream is paused at its first board, as while that board is being sent, and a
        # call is recorded now: it must come in the next board, not at the next rebuild.
        incident = await asyncio.to_thread(
            created,
            handler,
            channel="101",
            description="Someone has spray painted the bus shelter again",
            postcode=MAIDSTONE_POSTCODE,
        )
        second = await asyncio.wait_for(anext(stream), timeout=120)  # a guard against hanging
    finally:
        await stream.aclose()
    return first.data, second.data, incident


def test_a_change_while_the_first_board_is_sent_comes_in_the_next_board(
    control_room: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream reads what has changed before it builds a board, never after: a change made
    in between was once counted as seen and missing from the board, until the rebuild 30 s
    later (the browser test on PostgreSQL that failed on a busy machine)."""
    monkeypatch.setattr(live, "REBUILD_SECONDS", 3600.0)  # only a change may bring a new board
    store = open_store(control_room.database_url)
    try:
        first, second, incident = asyncio.run(
            _first_board_and_the_next(store, control_room["hana"])
        )
    finally:
        store.close()
    assert incident["reference"] not in first
    assert incident["reference"] in second


def test_the_version_moves_when_an_earlier_log_entry_commits_late(control_room: Any) -> None:
    """On PostgreSQL a log entry's id is taken when it is inserted, and transactions commit in
    any order: the last id alone would not move when the earlier one commits after a later one
    was seen, and the boards would miss that change until their rebuild."""
    if not control_room.database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: its entries commit in the order of their ids")
    incident = created(
        control_room["hana"],
        channel="101",
        description="A car has been left with its doors open on our road",
        postcode=MAIDSTONE_POSTCODE,
    )
    entry = {
        "incident_id": incident["id"],
        "at": dt.datetime.now(dt.UTC),
        "actor": "test",
        "action": "noted",
        "before": None,
        "after": None,
    }
    engine = make_engine(control_room.database_url)
    try:
        with engine.connect() as early, engine.connect() as late:
            slow = early.begin()
            early.execute(insert(IncidentLog).values(**entry))  # the lower id, not yet committed
            with late.begin():
                late.execute(insert(IncidentLog).values(**entry))
            with Session(engine) as session:
                seen = live.version(session)
            slow.commit()
            with Session(engine) as session:
                now = live.version(session)
    finally:
        engine.dispose()
    assert now[0] == seen[0]  # the last id did not move...
    assert now != seen  # ...but the version did


def test_a_district_commander_lands_on_their_district_board(control_room: Any) -> None:
    with pages_as(control_room, "cmd-sevenoaks") as commander:
        answer = commander.get("/control")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/control/districts/sevenoaks"
        own = commander.get("/control/districts/sevenoaks")
        assert own.status_code == 200 and 'href="/control?board=force"' in own.text
        force = commander.get("/control", params={"board": "force"})
        assert force.status_code == 200 and "<h1>Control room</h1>" in force.text
        assert 'href="/control/districts/sevenoaks">Your district' in force.text
    with pages_as(control_room, "dev") as dispatcher:
        assert dispatcher.get("/control").status_code == 200


def test_the_board_says_words_not_codes(control_room: Any) -> None:
    dev = control_room["dev"]
    incident = created(
        control_room["hana"],
        channel="999",
        description="Two men are fighting outside the pub right now, one has a bottle " * 2,
        postcode=MAIDSTONE_POSTCODE,
        location_text="The Swan, 12 High Street",
    )
    unit = available_unit(dev, incident["id"])
    assert dev.post(
        f"/api/incidents/{incident['id']}/dispatch", json={"unit_id": unit["unit_id"]}
    ).is_success
    with pages_as(control_room, "dev") as pages:
        page = pages.get("/control")
    assert page.status_code == 200
    row = re.search(rf'<tr id="incident-{incident["id"]}".*?</tr>', page.text, re.S)
    assert row is not None
    text = row.group(0)
    assert "Resource allocated" in text and "resource_allocated" not in text.split(">", 1)[1]
    assert "The Swan, 12 High Street" in text and "Maidstone" in text
    assert re.search(r">Maidstone \d{3}[A-Z]<", text)  # the neighbourhood, named
    assert ">999<" in text and "Committed" in text
    # The description's first 80 characters or so, cut at a word.
    assert ">Two men are fighting outside the pub right now, one has a bottle Two men are…<" in text
    assert re.search(r'class="countdown" data-due="[^"]+" data-attended="no">\d+:\d\d left<', text)
    assert 'href="/control/districts/maidstone">Maidstone</a>' in page.text  # names, not slugs


def test_a_unit_status_from_the_board_moves_its_incident(control_room: Any) -> None:
    dev = control_room["dev"]
    incident = created(
        control_room["hana"],
        channel="999",
        description="Burglars breaking in right now, still inside",
        postcode=MAIDSTONE_POSTCODE,
    )
    unit = available_unit(dev, incident["id"])
    assert dev.post(
        f"/api/incidents/{incident['id']}/dispatch", json={"unit_id": unit["unit_id"]}
    ).is_success
    path = f"/control/units/{unit['unit_id']}/status"
    back = "/control/districts/maidstone"
    with pages_as(control_room, "dev") as pages:
        answer = pages.post(
            path, data={"status": "en_route", "incident_id": incident["id"], "next": back}
        )
        assert answer.status_code == 303 and answer.headers["location"] == back
        # From the board's script: a short message instead of a redirect.
        answer = pages.post(
            path,
            data={"status": "at_scene", "incident_id": incident["id"], "next": back},
            headers={"X-Requested-With": "board"},
        )
        assert answer.status_code == 200
        assert f"{unit['call_sign']} is at scene." in answer.text
        # Another site is never where "next" leads.
        answer = pages.post(path, data={"status": "at_scene", "next": "//elsewhere.example"})
        assert answer.headers["location"] == "/control"
        # A status that does not follow is refused on a page, in words.
        answer = pages.post(path, data={"status": "flying", "next": back})
        assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
        assert f"Choose a status for {unit['call_sign']}" in answer.text
        # The unit left that incident meanwhile: the board's stale row changes nothing.
        answer = pages.post(path, data={"status": "available", "incident_id": 1, "next": back})
        assert answer.status_code == 409 and "no longer on that incident" in answer.text
    shown = dev.get(f"/api/incidents/{incident['id']}").json()
    assert shown["state"] == "at_scene"
    with pages_as(control_room, "cmd-sevenoaks") as commander:
        refused = commander.post(path, data={"status": "available", "next": back})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "You cannot do that" in refused.text and "a unit of Maidstone" in refused.text
    with control_room.anonymous() as anonymous:
        assert anonymous.post(path, data={"status": "available"}).status_code == 303


def test_a_unit_is_sent_from_the_board(control_room: Any) -> None:
    incident = created(
        control_room["hana"],
        channel="999",
        description="A man is threatening the shop staff with a knife right now",
        postcode=MAIDSTONE_POSTCODE,
    )
    back = "/control/districts/maidstone"
    with pages_as(control_room, "dev") as pages:
        choice = pages.get(
            f"/control/board/incidents/{incident['id']}/send",
            params={"next": back},
            headers={"X-Requested-With": "board"},
        )
        assert choice.status_code == 200 and "<html" not in choice.text
        unit_id = re.search(r'name="unit_id" value="(\d+)"', choice.text)
        assert unit_id is not None
        sent = pages.post(
            f"/control/board/incidents/{incident['id']}/dispatch",
            data={"unit_id": unit_id.group(1), "next": back},
        )
        assert sent.status_code == 303 and sent.headers["location"] == back
        again = pages.post(
            f"/control/board/incidents/{incident['id']}/dispatch",
            data={"unit_id": unit_id.group(1), "next": back},
            headers={"X-Requested-With": "board"},
        )
        assert again.status_code == 409 and "not available" in again.text
        page = pages.get(f"/control/board/incidents/{incident['id']}/send")
        assert page.status_code == 200 and "<html" in page.text  # without script: a page
    shown = control_room["dev"].get(f"/api/incidents/{incident['id']}").json()
    assert shown["state"] == "resource_allocated"
    with pages_as(control_room, "hana") as handler:
        refused = handler.get(f"/control/board/incidents/{incident['id']}/send")
    assert refused.status_code == 403 and "You cannot do that" in refused.text


def test_each_unit_has_its_own_distance_or_says_its_position_is_unknown(
    control_room: Any,
) -> None:
    """Units that had not reported where they were were all put at their district's centre,
    so nine of them showed the same "1.0 km · 2 min"; now a unit with no known position says
    so, and the others each have their own distance."""
    dev = control_room["dev"]
    cars = [
        u
        for u in dev.get("/api/units", params={"district": "maidstone"}).json()
        if u["status"] == "available" and u["kind"] == "patrol_car"
    ][:2]
    assert len(cars) == 2, "two Maidstone patrol cars on duty"
    for car, metres_north in zip(cars, (0.004, 0.03), strict=True):
        position = {
            "latitude": MAIDSTONE_TOWN["latitude"] + metres_north,
            "longitude": MAIDSTONE_TOWN["longitude"],
        }
        answer = dev.post(
            f"/api/units/{car['id']}/status", json={"status": "available", **position}
        )
        assert answer.status_code == 200, answer.text
    incident = created(
        control_room["hana"],
        channel="999",
        description="A woman is screaming for help next door and things are smashing",
        **MAIDSTONE_TOWN,
    )
    ranked = dev.get(f"/api/incidents/{incident['id']}/recommendations").json()
    placed = [r for r in ranked if r["position"] == "reported"]
    assert [r["unit_id"] for r in placed[:2]] == [c["id"] for c in cars]  # nearer first
    assert placed[0]["distance_km"] < placed[1]["distance_km"]
    assert placed[0]["eta_minutes"] < placed[1]["eta_minutes"]
    unknown = [r for r in ranked if r["position"] == "unknown"]
    assert unknown, "the other cars have reported no position"
    for r in unknown:
        assert r["distance_km"] is None and r["eta_minutes"] is None
        assert "position is not known" in r["reason"]
    with pages_as(control_room, "dev") as pages:
        choice = pages.get(f"/control/board/incidents/{incident['id']}/send").text
    assert "position not known" in choice and " km, about " in choice


def sign_in(page: Any, base_url: str, path: str, username: str) -> None:
    page.goto(f"{base_url}{path}")
    page.wait_for_url(f"**/login?next={path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{path}")


@pytest.mark.browser
def test_browser_sees_a_new_incident_appear_without_reloading(
    control_room: Any, chromium: Any, tmp_path: Path
) -> None:
    """In Chromium: sign in, open Maidstone's board; a call is recorded elsewhere; it appears."""
    from playwright.sync_api import expect

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, control_room.base_url, "/control/districts/maidstone", "dev")
    expect(page.locator("#live-state")).to_contain_text("live", timeout=10_000)
    page.evaluate("window.notReloaded = true")
    incident = created(
        control_room["hana"],
        channel="999",
        description="A man with a knife is threatening people in the street right now",
        postcode=MAIDSTONE_POSTCODE,
    )
    row = page.locator(f"tr[data-reference='{incident['reference']}']")
    expect(row).to_be_visible(timeout=15_000)
    expect(row.locator(".grade-tag")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=tmp_path / "board.png")


@pytest.mark.browser
def test_browser_call_handler_records_and_dispatcher_sends_a_unit(
    control_room: Any, chromium: Any
) -> None:
    """In Chromium: the call handler's form, then the dispatcher's incident page."""
    from playwright.sync_api import expect

    handler = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(handler, control_room.base_url, "/control/contacts/new", "hana")
    handler.click("text=Assess and record")
    expect(handler.locator(".error-summary")).to_contain_text("Enter what the caller said")
    handler.check("input[name=channel][value='999']")
    handler.fill("#description", "My neighbour has collapsed and is not breathing")
    handler.fill("#postcode", MAIDSTONE_POSTCODE)
    handler.click("text=Assess and record")
    expect(handler.get_by_role("heading", level=1)).to_contain_text("Grade 1 emergency")
    expect(handler.locator("#reasons")).to_contain_text(
        "Someone is in immediate danger or at risk of serious harm."
    )
    expect(handler.locator("#recommendations")).to_have_count(0)  # a handler does not dispatch
    incident_url = handler.url.split("?")[0]

    dispatcher = chromium.new_page(viewport={"width": 1280, "height": 900})
    path = incident_url.removeprefix(control_room.base_url)
    sign_in(dispatcher, control_room.base_url, path, "dev")
    first = dispatcher.locator("#recommendations tbody tr").first
    call_sign = first.get_attribute("data-unit")
    first.get_by_role("button").click()
    expect(dispatcher.locator("#deployments")).to_contain_text(str(call_sign))
    expect(dispatcher.locator("#state")).to_have_text("resource allocated")
