"""The live board over real HTTP on SQLite and PostgreSQL: JSON, event streams, pages, browser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from controlkit import MAIDSTONE_POSTCODE, PASSWORD, available_unit, created


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
        assert '<table class="table board-table" id="incidents">' in html
        assert "<html" not in html  # a fragment, not a page


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
    expect(handler.locator(".error-summary")).to_contain_text("Description")
    handler.check("input[name=channel][value='999']")
    handler.fill("#description", "My neighbour has collapsed and is not breathing")
    handler.fill("#postcode", MAIDSTONE_POSTCODE)
    handler.click("text=Assess and record")
    expect(handler.get_by_role("heading", level=1)).to_contain_text("Grade 1 emergency")
    expect(handler.locator("#reasons")).to_contain_text("A life is in danger.")
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
