"""The public pages in headless Chromium: no serious accessibility problems found by axe-core
(installed from npm by ``make test``), and usable on a phone-sized screen (375 px wide)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from publickit import POSTCODE, SLUG, USERS, meeting, seed_crimes

from constable.auth.deps import COOKIE
from support import Served, axe_summary, axe_violations, database_url_for, served_kent

PHONE = {"width": 375, "height": 740}
PAGES = [
    "/neighbourhood",
    "/neighbourhood?district=maidstone",
    f"/neighbourhood/{SLUG}",
    "/neighbourhood?postcode=not+a+postcode",
]
STAFF_PAGES = ["/priorities?district=maidstone", "/priorities/record"]


@pytest.fixture(scope="module", params=["sqlite"])
def site(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Kent with crimes, a meeting and its priorities, served (SQLite: the pages are the same)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONSTABLE_PUBLIC_RATE_BURST", "100000")
        with served_kent(database_url_for(request, "browser"), USERS) as served:
            seed_crimes(served)
            made = served["csu-maidstone"].post("/api/priorities/meetings", json=meeting())
            assert made.status_code == 201, made.text
            first = made.json()["priorities"][0]["id"]
            served["csu-maidstone"].post(
                f"/api/priorities/{first}/actions",
                json={"done_on": made.json()["held_on"], "text": "Speed checks twice a week"},
            )
            yield served


@pytest.mark.parametrize("width", [1200, 375])
def test_public_and_staff_pages_pass_axe(site: Served, chromium: Any, width: int) -> None:
    context = chromium.new_context(viewport={"width": width, "height": 900})
    token = site["csu-maidstone"].headers["Authorization"].split(" ", 1)[1]
    host = site.base_url.split("//", 1)[1].split(":")[0]
    try:
        page = context.new_page()
        for path in PAGES:
            page.goto(site.base_url + path)
            violations = axe_violations(page)
            assert violations == [], f"{path} at {width} px:\n{axe_summary(violations)}"
        context.add_cookies([{"name": COOKIE, "value": token, "domain": host, "path": "/"}])
        for path in STAFF_PAGES:
            answer = page.goto(site.base_url + path)
            assert answer is not None and answer.status == 200, path
            violations = axe_violations(page)
            assert violations == [], f"{path} at {width} px:\n{axe_summary(violations)}"
    finally:
        context.close()


def test_a_phone_finds_its_neighbourhood_without_sideways_scrolling(
    site: Served, chromium: Any
) -> None:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(site.base_url + "/neighbourhood")
        page.fill("#postcode", POSTCODE.lower())
        page.click("button[type=submit]")
        page.wait_for_url(f"**/neighbourhood/{SLUG}")
        assert page.inner_text("h1") == "Maidstone 004D"
        for path in [*PAGES, f"/neighbourhood/{SLUG}"]:
            page.goto(site.base_url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide on a 375 px screen"
        # The wide crime table scrolls inside its own region, which takes the keyboard.
        page.goto(site.base_url + f"/neighbourhood/{SLUG}")
        region = page.locator("div.table-wrapper[role=region]").last
        assert region.get_attribute("tabindex") == "0"
        box = region.bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
        assert page.is_visible("text=In an emergency, call 999.")
    finally:
        context.close()
