"""Your Neighbourhood over real HTTP: postcode look-up, the page, privacy, suppression, caching
and read-only public routes."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from publickit import NEIGHBOURHOOD, POSTCODE, SLUG, meeting, private_values
from sqlalchemy import select

from constable.crime.models import Crime
from constable.public.privacy import personal_data_in
from constable.store.engine import make_engine
from support import Served, serve


def test_a_postcode_leads_to_its_neighbourhood_page(public: Served) -> None:
    client = public.anonymous()
    for spelling in (POSTCODE, "me141aa", " Me14  1aA "):
        answer = client.get("/neighbourhood", params={"postcode": spelling}, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/neighbourhood/{SLUG}"
        assert answer.headers["cache-control"] == "no-store"
    found = client.get(f"/api/public/postcodes/{POSTCODE}")
    assert found.status_code == 200
    assert found.json() == {
        "neighbourhood": NEIGHBOURHOOD,
        "name": "Maidstone 004D",
        "district": "Maidstone",
        "url": f"/neighbourhood/{SLUG}",
    }


@pytest.mark.parametrize(
    ("postcode", "status", "message"),
    [
        ("not a postcode", 422, "Enter a real postcode, like ME14 1XX"),
        ("ME99 9ZZ", 404, "We could not find the postcode ME99 9ZZ"),
        ("SW1A 1AA", 404, "SW1A 1AA is not in the area Kent Police polices"),
    ],
)
def test_a_bad_postcode_gets_a_clear_message_and_a_4xx(
    public: Served, postcode: str, status: int, message: str
) -> None:
    client = public.anonymous()
    page = client.get("/neighbourhood", params={"postcode": postcode})
    assert page.status_code == status
    assert "<title>Error: " in page.text
    assert message in html.unescape(page.text)
    assert f'value="{postcode}"' in page.text  # the answer is kept, to correct it
    api = client.get(f"/api/public/postcodes/{postcode}")
    assert api.status_code == status
    assert message in api.json()["detail"]


def test_an_empty_postcode_asks_for_one(public: Served) -> None:
    page = public.anonymous().get("/neighbourhood", params={"postcode": ""})
    assert page.status_code == 422
    assert "Enter a postcode, like ME14 1XX" in page.text


def test_the_page_names_the_team_and_how_to_contact_them(public: Served) -> None:
    page = public.anonymous().get(f"/neighbourhood/{SLUG}")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Maidstone 004D</h1>" in text
    assert "Maidstone Community Policing Team" in text
    assert re.search(
        r"<dt>Police Community Support Officer \(PCSO\)</dt><dd>PCSO Maidstone \d\d<", text
    )
    assert re.search(r"<dt>Neighbourhood officer</dt><dd>Constable Maidstone \d\d<", text)
    assert "call 999" in text and "call 101" in text
    data = public.anonymous().get(f"/api/public/neighbourhoods/{SLUG}").json()
    assert data["district"] == {"slug": "maidstone", "name": "Maidstone"}
    # The PCSO named is the one the force model gives the neighbourhood.
    district = public["ana"].get("/api/forces/kent/districts/maidstone").json()
    pcso = next(n["pcso"] for n in district["neighbourhoods"] if n["code"] == NEIGHBOURHOOD)
    named = {o["role"]: o["name"] for o in data["officers"]}
    assert named["Police Community Support Officer (PCSO)"] == pcso


def test_an_lsoa_code_redirects_to_the_public_address(public: Served) -> None:
    answer = public.anonymous().get(f"/neighbourhood/{NEIGHBOURHOOD}", follow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["location"] == f"/neighbourhood/{SLUG}"
    missing = public.anonymous().get("/neighbourhood/nowhere-999z")
    assert missing.status_code == 404
    assert "has no neighbourhood 'nowhere-999z'" in html.unescape(missing.text)


def test_crime_counts_are_by_month_and_type_with_small_counts_hidden(public: Served) -> None:
    data = public.anonymous().get(f"/api/public/neighbourhoods/{SLUG}").json()
    crime = data["crime"]
    counts = crime["counts"]
    assert counts["suppressed_below"] == 3
    rows = dict(zip(crime["categories"], counts["cells"], strict=True))
    totals = dict(zip(crime["categories"], counts["row_totals"], strict=True))
    assert set(rows) == {"Burglary", "Robbery", "Anti-social behaviour"}
    # One robbery: hidden in its month and in its total.
    assert all(value in (0, None) for value in rows["Robbery"])
    assert None in rows["Robbery"] and totals["Robbery"] is None
    assert 5 in rows["Burglary"] and totals["Burglary"] == 5
    # Nothing hidden can be worked out: no row or column has exactly one hidden count.
    lines = [
        [*row, total] for row, total in zip(counts["cells"], counts["row_totals"], strict=True)
    ]
    columns = [list(column) for column in zip(*counts["cells"], strict=True)]
    lines += [[*col, total] for col, total in zip(columns, counts["column_totals"], strict=True)]
    lines.append(counts["column_totals"] + [counts["total"]])
    lines.append(counts["row_totals"] + [counts["total"]])
    for line in lines:
        assert line.count(None) != 1, line
    # The 3 ASB reports are hidden to protect the robbery, so the headlines hide them too.
    assert totals["Anti-social behaviour"] is None
    assert crime["asb_total"] is None and crime["crime_total"] is None
    assert counts["total"] == 9
    page = public.anonymous().get(f"/neighbourhood/{SLUG}").text
    robbery = re.search(r"<th scope=\"row\">Robbery</th>(.*?)</tr>", page, re.S)
    assert robbery is not None
    assert "&lt;3" in robbery.group(1) and ">1<" not in robbery.group(1)


def test_map_points_are_snapped(public: Served) -> None:
    data = public.anonymous().get(f"/api/public/neighbourhoods/{SLUG}").json()
    points = data["crime"]["points"]
    assert points
    for point in points:
        # The centre of a 250 m square of the grid, never the place itself.
        assert (point["snapped_easting"] - 125) % 250 == 0
        assert (point["snapped_northing"] - 125) % 250 == 0


def _public_pages(public: Served) -> dict[str, str]:
    client = public.anonymous()
    paths = [
        "/neighbourhood",
        "/neighbourhood?district=maidstone",
        f"/neighbourhood/{SLUG}",
        "/neighbourhood?postcode=ME99+9ZZ",
        "/neighbourhood/nowhere",
        f"/api/public/neighbourhoods/{SLUG}",
        f"/api/public/postcodes/{POSTCODE.replace(' ', '')}",
    ]
    return {path: client.get(path).text for path in paths}


def test_no_public_page_shows_personal_data_ids_or_exact_places(public: Served) -> None:
    # Staff records a meeting too: its id and the recorder must not reach the public.
    recorded = public["csu-maidstone"].post("/api/priorities/meetings", json=meeting())
    assert recorded.status_code in (201, 422), recorded.text
    exact = set()
    engine = make_engine(public.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Crime.latitude, Crime.longitude, Crime.easting, Crime.northing, Crime.reference)
        ).all()
    engine.dispose()
    for latitude, longitude, easting, northing, reference in rows:
        exact |= {f"{latitude:.4f}", f"{longitude:.4f}", f"{easting:.0f}", f"{northing:.0f}"}
        exact.add(reference)
    assert len(rows) == 9 and len(exact) >= 5
    known = [*private_values(), *exact, "csu-maidstone"]
    for path, text in _public_pages(public).items():
        assert personal_data_in(text, known) == [], path
        if path != "/api/public/postcodes/ME141AA":
            assert POSTCODE not in text, path


def test_public_pages_are_cacheable_and_change_when_staff_record(public: Served) -> None:
    client = public.anonymous()
    first = client.get(f"/neighbourhood/{SLUG}")
    assert first.headers["cache-control"].startswith("public, max-age=")
    etag = first.headers["etag"]
    again = client.get(f"/neighbourhood/{SLUG}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    # A report back on an open priority changes the page (the cache is cleared).
    open_now = (
        public["ana"]
        .get("/api/priorities", params={"neighbourhood": NEIGHBOURHOOD, "status": "open"})
        .json()
    )
    if not open_now:
        created = public["csu-maidstone"].post("/api/priorities/meetings", json=meeting())
        assert created.status_code == 201, created.text
        open_now = created.json()["priorities"]
    done = public["csu-maidstone"].post(
        f"/api/priorities/{open_now[0]['id']}/actions",
        json={"done_on": open_now[0]["agreed_on"], "text": "Speed checks on three evenings"},
    )
    assert done.status_code == 201, done.text
    changed = client.get(f"/neighbourhood/{SLUG}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "Speed checks on three evenings" in changed.text


def test_public_routes_are_read_only_and_staff_routes_need_sign_in(public: Served) -> None:
    client = public.anonymous()
    assert client.post("/neighbourhood", data={"postcode": POSTCODE}).status_code == 405
    assert client.post(f"/neighbourhood/{SLUG}").status_code == 405
    assert client.delete(f"/api/public/neighbourhoods/{SLUG}").status_code == 405
    assert client.get("/api/priorities").status_code == 401
    assert client.post("/api/priorities/meetings", json=meeting()).status_code == 401
    page = client.get("/priorities", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    form = client.post(
        "/priorities/record", data={"neighbourhood": NEIGHBOURHOOD}, follow_redirects=False
    )
    assert form.status_code == 303 and form.headers["location"].startswith("/login")


def test_one_address_is_rate_limited_on_public_routes_only(public: Served) -> None:
    """The same database served again with a burst of 3 and one request a minute."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONSTABLE_PUBLIC_RATE_BURST", "3")
        patch.setenv("CONSTABLE_PUBLIC_RATE_PER_SECOND", "0.0167")
        with serve(public.database_url) as base_url, httpx.Client(base_url=base_url) as client:
            answers = [client.get(f"/neighbourhood/{SLUG}").status_code for _ in range(3)]
            assert answers == [200, 200, 200]
            page = client.get("/neighbourhood")
            assert page.status_code == 429
            assert int(page.headers["retry-after"]) >= 1
            assert "Too many requests" in page.text
            api = client.get(f"/api/public/neighbourhoods/{SLUG}")
            assert api.status_code == 429
            assert api.json()["detail"].startswith("Too many requests from your address")
            # Staff routes and the health check are not limited.
            assert client.get("/healthz").status_code == 200
            assert client.get("/api/priorities").status_code == 401


def test_a_bad_report_back_shows_the_page_again_with_what_to_fix(public: Served) -> None:
    staff = public["csu-maidstone"]
    created = staff.post("/api/priorities/meetings", json=meeting())
    assert created.status_code == 201, created.text
    priority = created.json()["priorities"][0]
    before = public.rows("priority_action")
    answer = staff.post(
        f"/priorities/{priority['id']}/report",
        data={"done_on": "not a date", "text": "Speed checks"},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert priority["title"] in answer.text and "done_on" in answer.text
    assert public.rows("priority_action") == before  # nothing written
