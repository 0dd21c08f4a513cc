"""The dispatcher's board in Chromium: the queue worked with the keyboard only (sending a unit,
its status as it goes), focus and selection kept while the board updates live, and no serious
accessibility problem found by axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from controlkit import MAIDSTONE_POSTCODE, PASSWORD, created

from support import axe_summary, axe_violations

SCREEN = {"width": 1920, "height": 1080}
"""A control-room screen."""

# The pages are the same on both stores; the PostgreSQL board runs in test_board.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("control_room", ["sqlite"], indirect=True),
]


def sign_in(page: Any, base_url: str, path: str, username: str) -> None:
    page.goto(f"{base_url}{path}")
    page.wait_for_url(f"**/login?next={path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{path}")


def focused(page: Any) -> str:
    """The id of the element that has the keyboard focus."""
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def selected(page: Any) -> str:
    """The id of the selected row of the queue."""
    return str(page.evaluate("document.querySelector('#incidents tr[aria-current]')?.id"))


def board_page(control_room: Any, chromium: Any, path: str = "/control/districts/maidstone") -> Any:
    from playwright.sync_api import expect

    page = chromium.new_page(viewport=SCREEN)
    sign_in(page, control_room.base_url, path, "dev")
    expect(page.locator("#live-state")).to_contain_text("live", timeout=10_000)
    return page


def select_with_j(page: Any, row_id: str) -> None:
    """Press j until ``row_id`` is the selected row (the queue has a few dozen rows at most)."""
    for _ in range(100):
        if selected(page) == row_id:
            return
        page.keyboard.press("j")
    raise AssertionError(f"j never reached {row_id}")


def test_a_dispatcher_sends_a_unit_and_moves_it_along_with_the_keyboard(
    control_room: Any, chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    incident = created(
        control_room["hana"],
        channel="999",
        description="A cyclist is lying in the road not moving after a car hit him",
        postcode=MAIDSTONE_POSTCODE,
    )
    assert incident["grade"] == 1
    page = board_page(control_room, chromium)
    row_id = f"incident-{incident['id']}"
    row = page.locator(f"#{row_id}")
    expect(row).to_be_visible()

    # The first Tab reaches the skip link; Enter puts the focus on the selected incident.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the incident queue"
    page.keyboard.press("Enter")
    assert focused(page).startswith("incident-") and focused(page) == selected(page)
    page.keyboard.press("g")
    assert page.evaluate("document.activeElement.dataset.grade") == "1"
    select_with_j(page, row_id)
    assert focused(page) == row_id

    # d: the recommended units, best first, the first one focused; Enter sends it.
    page.keyboard.press("d")
    dialog = page.locator("#board-send")
    expect(dialog).to_be_visible()
    first = dialog.locator("button[data-unit]").first
    expect(first).to_be_focused()
    call_sign = str(first.get_attribute("data-unit"))
    page.keyboard.press("Enter")
    expect(page.locator("#board-message")).to_have_text(
        f"{call_sign} sent to {incident['reference']}."
    )
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text(f"{call_sign} Committed")
    expect(row).to_contain_text("Resource allocated")
    assert focused(page) == row_id  # back on the row, through the live update

    # e, a, c: the unit en route, at scene, cleared; each comes back through the live board.
    for key, status, state in (
        ("e", "En route", "Unit en route"),
        ("a", "At scene", "Unit at scene"),
    ):
        page.keyboard.press(key)
        expect(row).to_contain_text(f"{call_sign} {status}")
        expect(row).to_contain_text(state)
        assert focused(page) == row_id and selected(page) == row_id
    page.keyboard.press("c")
    expect(row).to_contain_text("Cleared, to close")
    expect(page.locator("#board-message")).to_have_text(f"{call_sign} is available.")
    assert focused(page) == row_id and selected(page) == row_id
    page.screenshot(path=tmp_path / "board-keyboard.png")

    shown = control_room["dev"].get(f"/api/incidents/{incident['id']}").json()
    assert shown["state"] == "cleared"
    assert [d["call_sign"] for d in shown["deployments"]] == [call_sign]
    assert all(d["cleared_at"] for d in shown["deployments"])


def test_focus_and_selection_stay_while_a_new_incident_arrives(
    control_room: Any, chromium: Any
) -> None:
    from playwright.sync_api import expect

    for words in ("Someone has scratched my car in the car park", "My shed was broken into"):
        created(control_room["hana"], channel="101", description=words, postcode=MAIDSTONE_POSTCODE)
    page = board_page(control_room, chromium)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("j")
    page.keyboard.press("j")
    before = focused(page)
    assert before.startswith("incident-") and selected(page) == before
    page.evaluate("window.notReloaded = true")

    # A Grade 1 arrives: it goes above the selected row, and the panels are replaced.
    arrived = created(
        control_room["hana"],
        channel="999",
        description="A man is threatening people with a knife in the street right now",
        postcode=MAIDSTONE_POSTCODE,
    )
    expect(page.locator(f"#incident-{arrived['id']}")).to_be_visible()
    assert focused(page) == before
    assert selected(page) == before
    assert page.evaluate("window.notReloaded") is True
    # And the keys still act from there.
    page.keyboard.press("k")
    assert focused(page) != before and focused(page) == selected(page)


def test_the_unit_buttons_work_in_place(control_room: Any, chromium: Any) -> None:
    from playwright.sync_api import expect

    page = board_page(control_room, chromium)
    unit_row = page.locator("#units tr[data-unit-id]", has=page.locator("text=Book off")).first
    call_sign = str(unit_row.get_attribute("data-unit"))
    unit_row.get_by_role("button", name=f"Book off {call_sign}").click()
    expect(page.locator("#board-message")).to_have_text(f"{call_sign} is off duty.")
    # Off duty, it leaves the list of units on duty with the next live update.
    expect(page.locator(f"#units tr[data-unit='{call_sign}']")).to_have_count(0)
    answer = control_room["dev"].get("/api/units", params={"district": "maidstone"}).json()
    assert next(u for u in answer if u["call_sign"] == call_sign)["status"] == "off_duty"
    back = next(u for u in answer if u["call_sign"] == call_sign)["id"]
    assert (
        control_room["dev"]
        .post(f"/api/units/{back}/status", json={"status": "available"})
        .is_success
    )


@pytest.mark.parametrize("path", ["/control", "/control/districts/maidstone"])
def test_the_board_passes_axe(control_room: Any, chromium: Any, path: str) -> None:
    created(
        control_room["hana"],
        channel="999",
        description="My neighbour has collapsed and is not breathing",
        postcode=MAIDSTONE_POSTCODE,
    )
    page = board_page(control_room, chromium, path)
    violations = axe_violations(page)
    assert violations == [], f"{path}:\n{axe_summary(violations)}"
    page.keyboard.press("?")  # the shortcuts shown
    page.keyboard.press("g")
    page.keyboard.press("d")  # the units to send, in their dialog
    from playwright.sync_api import expect

    expect(page.locator("#board-send")).to_be_visible()
    violations = axe_violations(page)
    assert violations == [], f"{path} with the shortcuts and the dialog:\n{axe_summary(violations)}"
