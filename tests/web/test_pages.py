"""The force pages and JSON API, over real HTTP against the real Kent data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

KENT_RESIDENTS = 1_727_665
KENT_DISTRICTS = {
    "ashford",
    "canterbury",
    "dartford",
    "dover",
    "folkestone-hythe",
    "gravesham",
    "maidstone",
    "medway",
    "sevenoaks",
    "swale",
    "thanet",
    "tonbridge-and-malling",
    "tunbridge-wells",
}
SEVENOAKS_NEIGHBOURHOODS = 74


@dataclass
class Element:
    """A start tag with its attributes, its parents' tags and the text inside it."""

    tag: str
    attrs: dict[str, str]
    parents: list[Element]
    text: str = ""

    def inside(self, tag: str, **attrs: str) -> bool:
        """Whether some parent is a ``tag`` with these attributes (``class_`` for ``class``)."""
        return any(
            p.tag == tag and all(p.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
            for p in self.parents
        )


class Page(HTMLParser):
    """A parsed page: every element in order, with the text inside it."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.open: list[Element] = []

    @classmethod
    def of(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self.open))
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        """Elements with this tag and these attribute values (``class_`` for ``class``)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    @property
    def title(self) -> str:
        """The document's title."""
        return words(next(e for e in self.find("title") if e.inside("head")).text)

    def one(self, tag: str, **attrs: str) -> Element:
        """The only element with this tag and these attributes."""
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}> elements, expected 1"
        return found[0]


def words(text: str) -> str:
    """Text with its runs of white space made single spaces."""
    return " ".join(text.split())


def get_page(http: httpx.Client, path: str, status: int = 200) -> Page:
    response = http.get(path)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return Page.of(response.text)


def test_healthz_says_ok(http: httpx.Client) -> None:
    """The health check answers while the app serves."""
    assert http.get("/healthz").json() == {"status": "ok"}


def test_home_redirects_to_the_default_force(http: httpx.Client) -> None:
    """``/`` goes to the force named in the settings."""
    response = http.get("/")
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/forces/kent"


def test_force_page_is_plain_accessible_html(http: httpx.Client) -> None:
    """Language, skip link to ``<main>``, captions and header scopes on every table."""
    page = get_page(http, "/forces/kent")
    assert page.one("html").attrs["lang"] == "en"
    skip = page.one("a", class_="skip-link")
    assert skip.attrs["href"] == "#main-content"
    assert page.one("main").attrs["id"] == "main-content"
    assert page.title == "Kent Police – Constable"
    assert words(page.one("h1").text) == "Kent Police"
    for table in page.find("table"):
        captions = [e for e in page.find("caption") if table in e.parents]
        assert len(captions) == 1, f"table {table.attrs.get('id')} has no caption"
    headers = page.find("th")
    assert headers and all(th.attrs.get("scope") in ("col", "row") for th in headers)
    stylesheet = page.one("link", rel="stylesheet")
    assert stylesheet.attrs["href"] == "/static/constable.css"
    assert not page.find("script")
    assert http.get(stylesheet.attrs["href"]).status_code == 200


def test_force_page_has_a_row_for_each_of_13_districts(http: httpx.Client) -> None:
    """Each district links to its page, with residents in thousands and the force total."""
    page = get_page(http, "/forces/kent")
    rows = [r for r in page.find("tr", class_="district-row") if r.inside("table", id="districts")]
    assert len(rows) == 13
    links = [a for a in page.find("a") if a.inside("table", id="districts")]
    assert {a.attrs["href"].rsplit("/", 1)[1] for a in links} == KENT_DISTRICTS
    assert all(a.attrs["href"].startswith("/forces/kent/districts/") for a in links)
    sevenoaks = next(r for r in rows if "Sevenoaks" in r.text)
    assert "114,893" in sevenoaks.text  # residents, with a thousands separator
    assert "74 (37)" in sevenoaks.text  # neighbourhoods (urban)
    assert "District Commander, Sevenoaks" in sevenoaks.text
    total = next(t for t in page.find("tfoot") if t.inside("table", id="districts"))
    assert "1,727,665" in total.text
    assert "1,065" in total.text
    force_teams = words(page.one("table", id="force-teams").text)
    assert "Force Control Room" in force_teams


def test_force_map_draws_the_13_district_outlines(http: httpx.Client) -> None:
    """One linked, titled ``<path>`` per district, each labelled, in an offline SVG."""
    html = http.get("/forces/kent").text
    assert html.count("<path") == 13
    page = Page.of(html)
    svg = page.one("svg", class_="map")
    assert re.fullmatch(r"0 0 800 [\d.]+", svg.attrs["viewbox"])
    paths = page.find("path")
    assert all(p.inside("svg") and p.inside("a") for p in paths)
    assert all(re.fullmatch(r"(M[-\d. ]+L[-\d. ]+Z)+", p.attrs["d"]) for p in paths)
    titles = [words(t.text) for t in page.find("title") if t.inside("path")]
    assert len(titles) == 13
    assert "Sevenoaks: 114,893 residents" in titles
    map_links = {a.attrs["href"] for a in page.find("a") if a.inside("svg")}
    assert map_links == {f"/forces/kent/districts/{slug}" for slug in KENT_DISTRICTS}
    labels = words(
        " ".join(t.text for t in page.find("text") if t.inside("g", class_="map-labels"))
    )
    for name in ("Sevenoaks", "Dartford", "Thanet", "Tonbridge and Malling"):
        assert name in labels
    assert "20 km" in html or "10 km" in html  # the scale bar
    assert "http" not in svg.text and "<image" not in html  # no tiles, nothing fetched


def test_district_page_lists_sevenoaks_74_neighbourhoods(http: httpx.Client) -> None:
    """The district's figures, its teams, and a row for every neighbourhood with its PCSO."""
    page = get_page(http, "/forces/kent/districts/sevenoaks")
    assert words(page.one("h1").text) == "Sevenoaks"
    assert page.title == "Sevenoaks – Kent Police – Constable"
    terms = [words(e.text) for e in page.find("dt")]
    values = [words(e.text) for e in page.find("dd")]
    summary = dict(zip(terms, values, strict=True))
    assert summary["Residents"] == "114,893"
    assert summary["Households"] == "47,020"
    assert summary["Area"] == "369 km² (36,923 hectares)"
    assert summary["Neighbourhoods"] == "74 (37 urban, 37 rural)"
    assert summary["District Commander"] == "District Commander, Sevenoaks"
    rows = page.find("tr", class_="neighbourhood-row")
    assert len(rows) == SEVENOAKS_NEIGHBOURHOODS
    assert all(re.fullmatch(r"E01\d{6}", r.attrs["id"]) for r in rows)
    assert all("Sevenoaks" in r.text and "PCSO" in r.text for r in rows)
    assert {("Urban" in r.text) for r in rows} == {True, False}
    first = words(rows[0].text)
    assert first.startswith("E01024413 Sevenoaks 016A")
    teams = words(page.one("table", id="teams").text)
    assert "Sevenoaks Local Policing Team" in teams
    breadcrumb = [a for a in page.find("a") if a.inside("nav", class_="breadcrumbs")]
    assert [a.attrs["href"] for a in breadcrumb] == ["/forces/kent"]


def test_district_map_shades_urban_and_rural_neighbourhoods(http: httpx.Client) -> None:
    """A path per neighbourhood, classed urban or rural, linked to its row; a legend."""
    page = get_page(http, "/forces/kent/districts/sevenoaks")
    paths = [p for p in page.find("path") if p.inside("g", class_="map-shapes")]
    assert len(paths) == SEVENOAKS_NEIGHBOURHOODS
    classes = [p.attrs["class"] for p in paths]
    assert classes.count("neighbourhood urban") == 37
    assert classes.count("neighbourhood rural") == 37
    rows = {r.attrs["id"] for r in page.find("tr", class_="neighbourhood-row")}
    links = {a.attrs["href"] for a in page.find("a") if a.inside("g", class_="map-shapes")}
    assert links == {f"#{code}" for code in rows}
    legend = words(page.one("ul", class_="legend").text)
    assert "Urban: 37 neighbourhoods" in legend
    assert "Rural: 37 neighbourhoods" in legend


@pytest.mark.parametrize("name", ["E07000111", "Sevenoaks", "SEVENOAKS"])
def test_a_district_is_found_by_slug_name_or_code(http: httpx.Client, name: str) -> None:
    """The address may name the district as its slug, its name or its ONS code."""
    page = get_page(http, f"/forces/kent/districts/{name}")
    assert words(page.one("h1").text) == "Sevenoaks"


def test_unknown_force_is_a_page_not_found_naming_it(http: httpx.Client) -> None:
    """GOV.UK wording: "Page not found", what is missing, and how to get back."""
    page = get_page(http, "/forces/essex", status=404)
    assert page.title == "Page not found – Constable"
    assert words(page.one("h1").text) == "Page not found"
    text = words(page.one("main").text)
    assert "No force 'essex' in the store" in text
    assert "If you typed the web address, check it is correct." in text
    assert not re.search(r"\b(sorry|please|invalid)\b", text, re.IGNORECASE)


def test_unknown_district_is_a_page_not_found_naming_it(http: httpx.Client) -> None:
    """The message names the district asked for and the force's districts."""
    page = get_page(http, "/forces/kent/districts/nowhere", status=404)
    text = words(page.one("main").text)
    assert "Kent Police has no district 'nowhere'" in text
    assert "Tunbridge Wells" in text


def test_unknown_address_is_a_page_not_found(http: httpx.Client) -> None:
    """Any other missing page gets the same page, without a detail."""
    page = get_page(http, "/no-such-page", status=404)
    assert words(page.one("h1").text) == "Page not found"


def test_api_force_populations_sum_to_kents_residents(http: httpx.Client) -> None:
    """``GET /api/forces/kent``: 13 districts whose residents add up to the force's 1,727,665."""
    response = http.get("/api/forces/kent")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "kent"
    assert data["district_count"] == len(data["districts"]) == 13
    assert sum(d["population"] for d in data["districts"]) == KENT_RESIDENTS
    assert data["population"] == KENT_RESIDENTS
    assert sum(d["neighbourhoods"] for d in data["districts"]) == data["neighbourhoods"] == 1065
    sevenoaks = next(d for d in data["districts"] if d["slug"] == "sevenoaks")
    assert sevenoaks["hectares"] == pytest.approx(36923)
    assert sevenoaks["neighbourhoods"] == SEVENOAKS_NEIGHBOURHOODS
    assert sevenoaks["density"] == pytest.approx(114893 / 36923, abs=0.01)
    assert {t["kind"] for t in sevenoaks["teams"]} >= {"local_policing_team", "pcso_team"}
    assert {t["name"] for t in data["force_teams"]} >= {"Force Control Room"}


def test_api_district_lists_its_neighbourhoods(http: httpx.Client) -> None:
    """``GET /api/forces/kent/districts/sevenoaks``: 74 neighbourhoods, each with a PCSO."""
    data = http.get("/api/forces/kent/districts/sevenoaks").json()
    assert data["name"] == "Sevenoaks"
    assert data["force"] == "kent"
    neighbourhoods = data["neighbourhoods"]
    assert len(neighbourhoods) == data["neighbourhood_count"] == SEVENOAKS_NEIGHBOURHOODS
    assert sum(n["population"] for n in neighbourhoods) == data["population"] == 114893
    first = neighbourhoods[0]
    assert first["code"] == "E01024413"
    assert first["name"] == "Sevenoaks 016A"
    assert first["pcso"].startswith("PCSO Sevenoaks")
    assert {"households", "hectares", "urban", "easting", "northing"} <= first.keys()
    assert sum(n["urban"] for n in neighbourhoods) == data["urban_neighbourhoods"]


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/api/forces/essex", "'essex'"),
        ("/api/forces/kent/districts/nowhere", "'nowhere'"),
        ("/api/forces/essex/districts/sevenoaks", "'essex'"),
        ("/api/no-such-route", "Not Found"),
    ],
)
def test_api_not_found_names_what_is_missing(http: httpx.Client, path: str, named: str) -> None:
    """A 404 with ``{"detail": …}`` naming the force or district."""
    response = http.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert named in response.json()["detail"]


def test_openapi_publishes_the_api(http: httpx.Client) -> None:
    """The schema names the app and lists the JSON routes, not the pages."""
    schema = http.get("/openapi.json").json()
    assert schema["info"]["title"] == "Constable"
    assert "/api/forces/{code}" in schema["paths"]
    assert "/api/forces/{code}/districts/{district}" in schema["paths"]
    assert "/forces/{code}" not in schema["paths"]
    assert schema["paths"]["/api/forces/{code}"]["get"]["tags"] == ["force"]
    assert "404" in schema["paths"]["/api/forces/{code}"]["get"]["responses"]


@pytest.mark.browser
def test_browser_goes_from_the_force_to_a_district(
    live_server: str, chromium: Any, tmp_path: Path
) -> None:
    """In Chromium: pick Sevenoaks in the table, then Dover on the map."""
    from playwright.sync_api import expect

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/forces/kent")
    page.locator("#districts").get_by_role("link", name="Sevenoaks", exact=True).click()
    page.wait_for_url("**/forces/kent/districts/sevenoaks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sevenoaks")
    expect(page.locator("tr.neighbourhood-row")).to_have_count(SEVENOAKS_NEIGHBOURHOODS)
    screenshot = tmp_path / "sevenoaks.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 10_000

    page.goto(f"{live_server}/forces/kent")
    page.locator("svg.map a[href$='/dover'] path").click()
    page.wait_for_url("**/forces/kent/districts/dover")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dover")
    page.screenshot(path=tmp_path / "dover.png")
