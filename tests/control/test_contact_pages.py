"""The call handler's pages over real HTTP and in Chromium: the contact form with the risk
questions, errors in words, refusals as pages, re-assessment from the incident page.

SQLite only: the pages are the same on PostgreSQL, whose writes the API tests cover."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from controlkit import MAIDSTONE_POSTCODE, PASSWORD, available_unit, created

from constable.auth.roles import Role
from constable.control import service
from support import Served, axe_summary, axe_violations, database_url_for, served_kent

USERS = {
    "hana": (Role.CALL_HANDLER, None),
    "dev": (Role.DISPATCHER, None),
    "ana": (Role.ANALYST, None),
}


@pytest.fixture(scope="module", params=["sqlite"])
def room(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Kent with the control room's users, served."""
    with served_kent(database_url_for(request, "contact-pages"), USERS) as served:
        yield served


@pytest.fixture
def browser_of(room: Served, chromium: Any) -> Iterator[Any]:
    """``browser_of(username)``: a Chromium page signed in as that user (its own cookies)."""
    contexts = []

    def page_for(username: str) -> Any:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{room.base_url}/login?next=/control")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{room.base_url}/control")
        return page

    yield page_for
    for context in contexts:
        context.close()


@contextmanager
def signed_in_client(room: Served, username: str) -> Iterator[httpx.Client]:
    """A client with the sign-in cookie, as a browser without script would be."""
    with httpx.Client(base_url=room.base_url, timeout=30) as client:
        answer = client.post(
            "/login", data={"username": username, "password": PASSWORD, "next": "/control"}
        )
        assert answer.status_code == 303, answer.text
        yield client


def question(key: str) -> Any:
    return next(q for q in service.rules().questions if q.key == key)


# --- Without script ---------------------------------------------------------------------------


def test_an_empty_form_says_what_to_enter_in_words(room: Served) -> None:
    with signed_in_client(room, "hana") as hana:
        answer = hana.post("/control/contacts", data={"channel": "999", "description": ""})
    assert answer.status_code == 422
    page = answer.text
    assert "<title>Error: Record a contact" in page
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#description">Enter what the caller said</a>' in summary
    assert (
        '<a href="#postcode">Enter where it happened: a postcode, a place or a neighbourhood</a>'
        in summary
    )
    assert "Field required" not in page and "Description:" not in page
    # Each message is beside its field too.
    assert (
        'id="description-error"' in page
        and 'aria-describedby="description-hint description-error"' in page
    )


def test_a_bad_postcode_and_a_long_name_are_told_at_their_fields(room: Served) -> None:
    with signed_in_client(room, "hana") as hana:
        answer = hana.post(
            "/control/contacts",
            data={
                "channel": "101",
                "description": "Someone keyed my car last week",
                "postcode": "ZZ99 9ZZ",
                "caller_name": "x" * 201,
            },
        )
    assert answer.status_code == 422
    assert '<a href="#caller_name">The caller&#39;s name must be 200 characters or fewer</a>' in (
        answer.text
    )
    # The name is checked first; the postcode once the form is otherwise right.
    with signed_in_client(room, "hana") as hana:
        answer = hana.post(
            "/control/contacts",
            data={
                "channel": "101",
                "description": "Someone keyed my car last week",
                "postcode": "ZZ99 9ZZ",
            },
        )
    assert answer.status_code == 422
    assert re.search(r'<a href="#postcode">We could not find postcode', answer.text)


def test_the_form_without_script_records_the_answers_and_the_suggested_category(
    room: Served,
) -> None:
    danger = question("danger")
    with signed_in_client(room, "hana") as hana:
        form = hana.get("/control/contacts/new")
        assert form.status_code == 200
        assert f"[{danger.shortcut.upper()}]" in form.text
        # No fixed default: the first choice is the suggestion.
        select = form.text.split('<select id="category"', 1)[1].split("</select>", 1)[0]
        assert "selected" not in select and "Suggested from what the caller said" in select
        answer = hana.post(
            "/control/contacts",
            data={
                "channel": "999",
                "description": "A man has been stabbed outside the pub and is bleeding badly",
                "postcode": MAIDSTONE_POSTCODE,
                "category": "",
                "answers.danger": "yes",
                "answers.weapon": "yes",
                "answers.offender": "",
                "caller_name": "Pat Caller",
                "caller_phone": "07700 900123",
            },
        )
        assert answer.status_code == 303, answer.text
        page = hana.get(answer.headers["location"])
    assert page.status_code == 200
    incident_id = int(answer.headers["location"].split("/")[-1].split("?")[0])
    shown = room["hana"].get(f"/api/incidents/{incident_id}").json()
    assert shown["grade"] == 1 and shown["category"] != "crime-other"
    assert shown["assessments"][0]["answers"] == {"danger": "yes", "weapon": "yes"}
    # Words, not codes: the grade, the channel, the category, the district, the caller.
    text = page.text
    assert "Grade 1 emergency" in text and "999 emergency" in text and "Maidstone" in text
    assert "Pat Caller" in text and "07700 900123" in text
    assert danger.ask in text and "UK time" in text


def test_an_override_needs_a_reason_and_the_same_grade_is_none(room: Served) -> None:
    with signed_in_client(room, "hana") as hana:
        base = {
            "channel": "101",
            "description": "My bike was stolen from the garden last week",
            "postcode": MAIDSTONE_POSTCODE,
        }
        refused = hana.post("/control/contacts", data={**base, "grade": "1"})
        assert refused.status_code == 422
        assert (
            '<a href="#override_reason">Enter why the grade differs from the recommendation</a>'
            in refused.text
        )
        made = hana.post(
            "/control/contacts",
            data={**base, "grade": "1", "override_reason": "Known offender nearby, I judge"},
        )
        assert made.status_code == 303, made.text
    incident_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    kept = room["hana"].get(f"/api/incidents/{incident_id}").json()["assessments"][0]
    assert kept["grade"] == 1 and kept["recommended_grade"] != 1
    assert kept["override_reason"] == "Known offender nearby, I judge"


def test_an_analyst_is_told_in_a_page_they_cannot_record_contacts(room: Served) -> None:
    with signed_in_client(room, "ana") as ana:
        for answer in (
            ana.get("/control/contacts/new"),
            ana.post("/control/contacts", data={"channel": "999", "description": "Help"}),
        ):
            assert answer.status_code == 403
            assert answer.headers["content-type"].startswith("text/html")
            assert "You cannot record contacts: your role is Analyst." in answer.text
        incident = created(
            room["hana"],
            channel="101",
            description="Noise from a party next door",
            postcode=MAIDSTONE_POSTCODE,
            caller_name="Private Person",
        )
        refused = ana.post(
            f"/control/incidents/{incident['id']}/assessments", data={"answers.danger": "no"}
        )
        assert refused.status_code == 403 and "your role is Analyst" in refused.text
        page = ana.get(f"/control/incidents/{incident['id']}")
    # An analyst reads the incident but not who called (the API's rule), and cannot assess it.
    assert page.status_code == 200
    assert "Private Person" not in page.text and "Assess again" not in page.text
    with signed_in_client(room, "hana") as hana:
        assert "Private Person" in hana.get(f"/control/incidents/{incident['id']}").text


def test_reassessing_without_script_keeps_both_assessments(room: Served) -> None:
    incident = created(
        room["hana"],
        channel="101",
        description="Youths hanging around the shop, being a nuisance",
        postcode=MAIDSTONE_POSTCODE,
    )
    with signed_in_client(room, "dev") as dev:
        answer = dev.post(
            f"/control/incidents/{incident['id']}/assessments",
            data={"answers.weapon": "yes", "answers.when": "now", "version": incident["version"]},
        )
        assert answer.status_code == 303, answer.text
        stale = dev.post(
            f"/control/incidents/{incident['id']}/assessments",
            data={"answers.weapon": "no", "version": incident["version"]},
        )
    assert stale.status_code == 422 and "has changed" in stale.text
    shown = room["dev"].get(f"/api/incidents/{incident['id']}").json()
    assert [a["answers"] for a in shown["assessments"]] == [{}, {"weapon": "yes", "when": "now"}]
    assert all(a["rules_version"] for a in shown["assessments"])


def test_a_dispatcher_sets_a_units_status_from_the_incident_page(room: Served) -> None:
    incident = created(
        room["hana"],
        channel="999",
        description="Burglars breaking in next door right now",
        postcode=MAIDSTONE_POSTCODE,
    )
    unit = available_unit(room["dev"], incident["id"])
    sent = room["dev"].post(
        f"/api/incidents/{incident['id']}/dispatch", json={"unit_id": unit["unit_id"]}
    )
    assert sent.status_code == 200, sent.text
    action = f'action="/control/units/{unit["unit_id"]}/status"'
    path = f"/control/incidents/{incident['id']}"
    with signed_in_client(room, "hana") as hana:
        assert action not in hana.get(path).text  # a call handler does not move units
    with signed_in_client(room, "dev") as dev:
        page = dev.get(path).text
        assert action in page and ">En route<" in page
        moved = dev.post(
            f"/control/units/{unit['unit_id']}/status",
            data={"status": "en_route", "incident_id": incident["id"], "next": path},
        )
        assert moved.status_code == 303 and moved.headers["location"] == path
        page = dev.get(path).text
    assert '<dd id="state">unit on its way</dd>' in page


# --- In Chromium ------------------------------------------------------------------------------


def _press_until_focused(page: Any, key: str, selector: str, most: int = 15) -> None:
    """Press ``key`` until the element matching ``selector`` has the focus."""
    for _ in range(most):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} not reached with {most} presses of {key}")


@pytest.mark.browser
def test_a_call_handler_records_a_999_call_with_the_keyboard_only(browser_of: Any) -> None:
    """Type what the caller said, answer with the letters and Y/N, Tab to the button, Enter."""
    from playwright.sync_api import expect

    page = browser_of("hana")
    page.goto(page.url.replace("/control", "/control/contacts/new"))
    danger, offender, weapon = question("danger"), question("offender"), question("weapon")
    assert page.evaluate("document.activeElement.id") == "description"  # ready to type
    page.keyboard.type("Two men fighting in the street, one has a knife, they are still there")
    expect(page.locator("#triage-summary")).to_contain_text("Grade 1")
    expect(page.locator("#category option[data-suggested]")).to_contain_text(
        "suggested from what the caller said"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "postcode"
    page.keyboard.type(MAIDSTONE_POSTCODE)
    page.keyboard.press("Escape")  # out of the text box: the letters now answer
    for asked, key in ((danger, "y"), (weapon, "y"), (offender, "y")):
        page.keyboard.press(asked.shortcut)
        assert page.evaluate("document.activeElement.name") == f"answers.{asked.key}"
        page.keyboard.press(key)
        expect(page.locator(f"#answer-{asked.key}-yes")).to_be_checked()
    # The arrow keys move between answers as radios do; then back to yes with Y.
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#answer-{offender.key}-yes")).not_to_be_checked()
    page.keyboard.press("y")
    _press_until_focused(page, "Tab", "button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_url("**/control/incidents/*?new=1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grade 1 emergency")
    expect(page.locator("#reasons li").first).to_be_visible()
    answers = page.locator("#assessments tbody tr").first
    expect(answers).to_contain_text(danger.ask)
    expect(answers).to_contain_text(weapon.ask)


@pytest.mark.browser
def test_an_empty_form_shows_the_summary_and_its_links_reach_the_fields(
    browser_of: Any,
) -> None:
    from playwright.sync_api import expect

    page = browser_of("hana")
    page.goto(page.url.replace("/control", "/control/contacts/new"))
    page.click("text=Assess and record")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Enter what the caller said")
    expect(summary).to_contain_text("Enter where it happened")
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    summary.get_by_role("link", name="Enter what the caller said").click()
    assert page.evaluate("document.activeElement.id") == "description"


@pytest.mark.browser
def test_an_analyst_gets_a_page_not_json(room: Served, browser_of: Any) -> None:
    from playwright.sync_api import expect

    page = browser_of("ana")
    answer = page.goto(f"{room.base_url}/control/contacts/new")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot record contacts")
    expect(page.locator("main")).to_contain_text("your role is Analyst")


@pytest.mark.browser
def test_reassessing_from_the_incident_page_keeps_both(room: Served, browser_of: Any) -> None:
    from playwright.sync_api import expect

    incident = created(
        room["hana"],
        channel="101",
        description="Somebody shouting in the street outside, not sure what about",
        postcode=MAIDSTONE_POSTCODE,
    )
    page = browser_of("dev")
    page.goto(f"{room.base_url}/control/incidents/{incident['id']}")
    weapon = question("weapon")
    page.locator(f"#answer-{weapon.key}-yes").check()
    expect(page.locator("#triage-summary")).to_contain_text("Grade")
    recommended = page.locator("#triage-panel").get_attribute("data-grade")
    assert recommended is not None
    # A different grade asks for a reason; the recommended one does not.
    other = "4" if recommended != "4" else "3"
    page.select_option("#grade", other)
    expect(page.locator("#override_reason")).to_be_visible()
    page.select_option("#grade", "")
    expect(page.locator("#override_reason")).to_be_hidden()
    page.click("button:text('Assess again')")
    expect(page.locator("#assessments tbody tr")).to_have_count(2)
    expect(page.locator("#assessments tbody tr").nth(1)).to_contain_text(weapon.ask)


@pytest.mark.browser
def test_both_pages_have_no_serious_accessibility_problems(room: Served, browser_of: Any) -> None:
    incident = created(
        room["hana"],
        channel="999",
        description="My neighbour has collapsed and is not breathing",
        postcode=MAIDSTONE_POSTCODE,
        caller_name="A. Caller",
    )
    page = browser_of("dev")
    for path in ("/control/contacts/new", f"/control/incidents/{incident['id']}"):
        page.goto(room.base_url + path)
        found = axe_violations(page)
        assert found == [], f"{path}:\n{axe_summary(found)}"
    # With the errors shown and the recommendation filled in by the script.
    page.goto(room.base_url + "/control/contacts/new")
    page.fill("#description", "Someone is trying car door handles in the street right now")
    page.click("text=Assess and record")
    found = axe_violations(page)
    assert found == [], axe_summary(found)
