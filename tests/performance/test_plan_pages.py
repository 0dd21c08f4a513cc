"""The plan pages over real HTTP and in headless Chromium, on Kent built from the real census:
the tree with every measure's status, a measure with its district breakdown, the peers; the
same numbers as the board pack's functions; sign-in required; mistakes answered plainly."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from planfixtures import local, own_crime

from constable.auth.roles import Role
from constable.community.service import parse_quarter
from constable.crime.service import records_name
from constable.force.models import District, Force
from constable.ingest import service, sources
from constable.performance.boardpack.data import district_breakdown
from constable.performance.peers import peer_report
from constable.performance.plan import format_value, load_plan
from constable.store import open_store
from support import PASSWORD, Served, served_kent

PLAN = "policing-kent-2007-10"
QUERY = f"plan={PLAN}&quarter=2017Q3"


@pytest.fixture(scope="module")
def kent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Kent (SQLite) with an analyst, Home Office recorded crime and a few crimes of its own."""
    url = f"sqlite:///{tmp_path_factory.mktemp('plan-pages') / 'kent.db'}"
    with served_kent(url, {"ana": (Role.ANALYST, None)}) as served:
        store = open_store(url)
        service.import_recorded_crime_file(store, sources.recorded_crime_2017_18())
        with store.session() as s:
            districts = {d.slug: d.id for d in s.query(District)}
            for n in range(12):
                own_crime(s, districts["medway"], local(2017, 7, 1 + n, 12), "28E",
                          category="Burglary")  # fmt: skip
            for n in range(4):
                own_crime(s, districts["dover"], local(2016, 8, 1 + n, 12), "28E",
                          category="Burglary")  # fmt: skip
        store.close()
        yield served


@pytest.fixture(scope="module")
def browser(kent: Served) -> Iterator[httpx.Client]:
    """A client signed in through the login form (pages use the cookie)."""
    with httpx.Client(base_url=kent.base_url, timeout=60) as client:
        answer = client.post(
            "/login", data={"username": "ana", "password": PASSWORD, "next": "/plan"}
        )
        assert answer.status_code == 303
        yield client


def test_the_pages_need_a_sign_in(kent: Served) -> None:
    with kent.anonymous() as client:
        for path in ("/plan", "/plan/measures/recorded_crime", "/performance/peers"):
            answer = client.get(path, follow_redirects=False)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_plan_tree_shows_every_measure_with_its_status(browser: httpx.Client) -> None:
    page = browser.get(f"/plan?{QUERY}")
    assert page.status_code == 200
    plan = load_plan(PLAN)
    for line in plan.lines():
        assert f'id="measure-{line.key}"' in page.text
        assert f"/plan/measures/{line.item.measure}?{QUERY}".replace("&", "&amp;") in page.text
    assert page.text.count('class="status-text"') >= len(list(plan.lines()))
    assert "Policing Kent 2007/10" in page.text and 'href="/plan"' in page.text


def test_a_measure_page_has_the_pack_s_district_figures(
    kent: Served, browser: httpx.Client
) -> None:
    page = browser.get(f"/plan/measures/recorded_crime?{QUERY}")
    assert page.status_code == 200
    store = open_store(kent.database_url)
    try:
        with store.session() as s:
            force = s.query(Force).filter_by(code="kent").one()
            rows = district_breakdown(
                session=s, force=force, measure="recorded_crime", quarter=parse_quarter("2017Q3")
            )
    finally:
        store.close()
    assert len(rows) == 13
    for row in rows:
        found = re.search(rf'id="district-{row.district.slug}">(.*?)</tr>', page.text, re.S)
        assert found is not None
        cells = re.findall(r'<td class="num">(.*?)</td>', found.group(1))
        assert cells == [
            format_value(row.value.value, "count"),
            format_value(row.previous.value, "count"),
        ]
    medway = next(r for r in rows if r.district.slug == "medway")
    dover = next(r for r in rows if r.district.slug == "dover")
    assert medway.value.value == 12 and dover.previous.value == 4
    assert 'id="line-1.2.1"' not in page.text  # recorded_crime is not itself in this plan...
    damage = browser.get(f"/plan/measures/crime_criminal_damage_and_arson?{QUERY}")
    assert 'id="line-1.2.1"' in damage.text  # ...criminal damage is (1.2.1)


def test_the_peers_page_has_the_pack_s_numbers(kent: Served, browser: httpx.Client) -> None:
    page = browser.get(f"/performance/peers?{QUERY}")
    assert page.status_code == 200
    store = open_store(kent.database_url)
    try:
        with store.session() as s:
            force = s.query(Force).filter_by(code="kent").one()
            report = peer_report(session=s, force=records_name(force), financial_year="2017/18")
    finally:
        store.close()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text and 'id="peers"' in page.text
    for member in report.members:
        assert f'<th scope="row">{member.rate.name}</th>' in page.text
        assert f"{member.rate.per_1000:.2f}" in page.text and member.grade.value in page.text


def test_mistakes_are_answered_plainly(browser: httpx.Client) -> None:
    bad = browser.get("/plan?plan=policing-kent-2007-10&quarter=2017Q7")
    assert bad.status_code == 422
    assert "Error: " in bad.text and "Enter a quarter like 2017Q3" in bad.text
    unknown = browser.get("/plan?plan=no-such-plan&quarter=2017Q3")
    assert unknown.status_code == 422 and "Choose a plan from the list" in unknown.text
    missing = browser.get(f"/plan/measures/recorded_crme?{QUERY}")
    assert missing.status_code == 404 and "recorded_crme" in missing.text


@pytest.mark.browser
def test_the_pages_in_chromium(kent: Served, chromium: Any) -> None:
    from playwright.sync_api import expect

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    path = f"/plan?{QUERY}"
    page.goto(f"{kent.base_url}{path}")
    page.wait_for_url("**/login?next=**")
    page.fill("#username", "ana")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{kent.base_url}{path}")
    tree = page.locator("#plan-tree")
    expect(tree).to_be_visible()
    expect(page.locator("#measure-1\\.2\\.1")).to_contain_text("Criminal damage")
    expect(page.locator("#measure-1\\.2\\.1 .status-text")).to_be_visible()
    page.locator("#measure-1\\.2\\.1 a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("criminal damage and arson")
    expect(page.locator("#districts tbody tr")).to_have_count(13)
    page.get_by_role("link", name="Peers").click()
    expect(page.locator("#funnel svg")).to_be_visible()
    expect(page.locator("#peers tbody tr")).to_have_count(8)
    page.close()
