"""The community pages over real HTTP, on SQLite and PostgreSQL: sign-in, lists with filters,
the worklist, the quarter's figures, and filters that are wrong."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from communitykit import POINTS, ok

from support import PASSWORD


@pytest.fixture(scope="module")
def browser(community: Any) -> Iterator[httpx.Client]:
    """A client signed in through the login form, as the analyst (pages use the cookie)."""
    with httpx.Client(base_url=community.base_url, timeout=30) as client:
        answer = client.post(
            "/login", data={"username": "ana", "password": PASSWORD, "next": "/community"}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/community"
        yield client


@pytest.fixture(scope="module")
def ashford(community: Any) -> dict[str, Any]:
    """Records in Ashford: a detention, a site with a repeat vehicle, a special with hours."""
    admin = community["admin"]
    detention = ok(
        admin.post(
            "/api/s136",
            json={
                "detained_at": "2022-11-20T18:00:00+00:00",
                "ended_at": "2022-11-20T21:00:00+00:00",
                "outcome": "detained_mental_health_act",
                "place_of_safety": "police_custody",
                **POINTS["ashford"],
            },
        ),
        201,
    )
    site = ok(
        admin.post(
            "/api/speedwatch/sites",
            json={"road": "Canterbury Road", "speed_limit_mph": 30, **POINTS["ashford"]},
        ),
        201,
    )
    for day in ("2022-10-03", "2022-10-10", "2022-10-17", "2022-10-24", "2022-10-31"):
        ok(
            admin.post(
                f"/api/speedwatch/sites/{site['id']}/sessions",
                json={
                    "held_on": day,
                    "volunteers": 2,
                    "hours": 1,
                    "vehicles_checked": 50,
                    "detections": [{"registration": "AS11FRD", "letter_sent": True}],
                },
            ),
            201,
        )
    special = ok(
        admin.post(
            "/api/volunteers",
            json={
                "name": "Ash Special",
                "role": "special_constable",
                "district": "ashford",
                "joined_on": "2019-05-01",
                "independent_since": "2020-05-01",
            },
        ),
        201,
    )
    ok(
        admin.post(
            f"/api/volunteers/{special['id']}/duties",
            json={"duty_on": "2022-11-05", "hours": 7.5, "duty_type": "event"},
        ),
        201,
    )
    return {"detention": detention, "site": site, "special": special}


def test_pages_ask_for_sign_in_and_come_back(community: Any) -> None:
    with community.anonymous() as client:
        for path in ("/community", "/community/s136", "/community/speedwatch"):
            answer = client.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login?next=")
        answer = client.get("/community/volunteers?district=dover&quarter=2022Q4")
        target = "/community/volunteers?district=dover&quarter=2022Q4"
        assert answer.headers["location"] == (
            "/login?next=/community/volunteers%3Fdistrict%3Ddover%26quarter%3D2022Q4"
        )
        signed = client.post(
            "/login", data={"username": "hana", "password": PASSWORD, "next": target}
        )
        assert signed.status_code == 303 and signed.headers["location"] == target
        assert client.get(target).status_code == 200


def test_the_s136_page_lists_detentions_and_months(
    browser: httpx.Client, ashford: dict[str, Any]
) -> None:
    page = browser.get("/community/s136?district=ashford&quarter=2022Q4")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<title>Section 136 detentions – Constable</title>" in html
    row = html.split(f'id="s136-{ashford["detention"]["id"]}"')[1].split("</tr>")[0]
    assert "2022-11-20 18:00" in row and "Police custody" in row and "3 h 00 min" in row
    assert "Detained in hospital under the Mental Health Act" in row
    monthly = html.split('id="s136-monthly"')[1].split("</table>")[0]
    assert re.search(r"Ashford</th><td class=\"num\">0</td><td class=\"num\">1</td>", monthly)
    assert "1 detention, Ashford, 2022Q4" in html
    assert (
        browser.get("/community/s136?district=ashford&month=2022-10").text.count('id="s136-') == 1
    )  # the monthly table only


def test_the_speedwatch_page_shows_the_worklist(
    browser: httpx.Client, ashford: dict[str, Any]
) -> None:
    html = browser.get("/community/speedwatch?district=ashford").text
    worklist = html.split('id="speedwatch-worklist"')[1].split("</table>")[0]
    assert 'id="vehicle-AS11FRD"' in worklist and "Canterbury Road" in worklist
    assert f'id="site-{ashford["site"]["id"]}"' in html
    assert html.count('id="session-') == 5
    letters = html.split('id="speedwatch-letters"')[1].split("</dl>")[0]
    assert "100.00%" not in letters and "0.00%" in letters  # seen again after the first letter
    quiet = browser.get("/community/speedwatch?district=ashford&quarter=2022Q3").text
    assert "No sessions recorded for Ashford, 2022Q3." in quiet


def test_the_volunteers_page_lists_people_and_hours(
    browser: httpx.Client, ashford: dict[str, Any]
) -> None:
    html = browser.get("/community/volunteers?district=ashford&role=special_constable").text
    row = html.split(f'id="volunteer-{ashford["special"]["id"]}"')[1].split("</tr>")[0]
    assert "Ash Special" in row and "Special Constable" in row and "7.5" in row
    empty = browser.get("/community/volunteers?district=ashford&quarter=2022Q3").text
    assert 'id="volunteer-' in empty  # still serving, with no hours that quarter
    assert ">0.0</td>" in empty.split('id="volunteers"')[1]


def test_the_quarter_page_shows_every_section(
    browser: httpx.Client, ashford: dict[str, Any]
) -> None:
    html = browser.get("/community?district=ashford&quarter=2022Q4").text
    assert "Ashford district: 2022Q4" in html
    for title in (
        "Section 136 mental-health detentions",
        "Community Speedwatch",
        "Special Constables and volunteers",
        "School officers",
    ):
        assert f">{title}</h2>" in html
    row = html.split('id="s136-police_custody"')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row
    row = html.split('id="volunteers-special_hours"')[1].split("</tr>")[0]
    assert '<td class="num">7.5</td>' in row
    row = html.split('id="speedwatch-vehicles_flagged"')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row
    assert browser.get("/community").status_code == 200  # this quarter, the whole force


def test_wrong_filters_are_explained(browser: httpx.Client) -> None:
    answer = browser.get("/community/s136?quarter=autumn")
    assert answer.status_code == 422
    assert "<title>Error: Section 136 detentions" in answer.text
    assert 'href="#quarter">Enter a quarter like 2017Q3' in answer.text
    answer = browser.get("/community/speedwatch?district=atlantis")
    assert answer.status_code == 404
    assert 'href="#district">Choose a district from the list' in answer.text
    answer = browser.get("/community/volunteers?role=sheriff&month=2022-13")
    assert answer.status_code == 422
    assert "Choose a role from the list" in answer.text and "Enter a month like" in answer.text
