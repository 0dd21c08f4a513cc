"""What every request passes first (constable.api.protect): input that cannot be stored gets a
4xx naming the place instead of a 500, nothing is written, bodies over the limit are refused
before they are read, a cross-site form cannot act for a signed-in user, and every answer
carries the browser's protections."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from constable.api.protect import CSP, problem
from constable.auth.roles import Role
from support import PASSWORD, Served, served_kent

BIG = 2**63


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('protect') / 'kent.db'}"
    with served_kent(url, {"han": (Role.CALL_HANDLER, None)}) as served:
        yield served


def _contact(**changes: object) -> dict[str, object]:
    return {
        "channel": "999",
        "description": "a man is shouting in the street",
        "neighbourhood": "E01024445",
    } | changes


@pytest.mark.parametrize(
    ("method", "path", "body", "place"),
    [
        ("GET", f"/api/incidents/{BIG}", None, "path"),
        ("GET", f"/api/crimes/{BIG}", None, "path"),
        ("GET", f"/control/incidents/{BIG}", None, "path"),
        ("GET", "/api/control/measures?start=0001-01-01&end=2024-01-01", None, "start"),
        ("GET", "/api/s136?to=9999-12", None, "to"),
        ("GET", f"/api/crimes?limit={BIG}", None, "limit"),
        ("POST", "/api/contacts", '{"channel":"999","description":"a \\ud800"}', "description"),
        ("POST", "/api/contacts", '{"channel":"999","description":"a \\u0000"}', "description"),
        ("POST", "/api/contacts", _contact(link_to=BIG), "link_to"),
        ("POST", "/api/contacts", _contact(answered_at="0001-01-01T00:00:00"), "answered_at"),
    ],
)
def test_what_cannot_be_stored_is_refused_naming_the_place(
    served: Served, method: str, path: str, body: object, place: str
) -> None:
    before = served.counts("contact", "incident")
    client = served["han"]
    if isinstance(body, str):
        headers = {"content-type": "application/json"}
        response = client.request(method, path, content=body, headers=headers)
    else:
        response = client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    messages = [d["msg"] for d in response.json()["detail"]]
    assert any(m.startswith(f"{place}:") for m in messages), messages
    assert served.counts("contact", "incident") == before


def test_a_body_over_the_limit_is_refused_before_it_is_read(served: Served) -> None:
    anonymous = served.anonymous()
    huge = b"x" * (1_048_576 + 1)
    response = anonymous.post("/api/contacts", content=huge)
    assert response.status_code == 413
    assert "over 1,048,576 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(20):
            yield b"y" * 100_000

    streamed = anonymous.post(
        "/api/contacts", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_a_form_on_another_site_cannot_act_for_a_signed_in_user(served: Served) -> None:
    with httpx.Client(base_url=served.base_url, timeout=30) as browser:
        signed = browser.post(
            "/login", data={"username": "han", "password": PASSWORD, "next": "/control"}
        )
        assert signed.status_code == 303
        form = {"channel": "999", "description": "forged", "neighbourhood": "E01024445"}
        before = served.counts("contact")
        forged = browser.post(
            "/control/contacts",
            data=form,
            headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
        )
        assert forged.status_code == 403
        assert "another site" in forged.json()["detail"]
        old_browser = browser.post(
            "/control/contacts", data=form, headers={"origin": "https://evil.example"}
        )
        assert old_browser.status_code == 403
        assert served.counts("contact") == before
        same_site = browser.post(
            "/control/contacts", data=form, headers={"sec-fetch-site": "same-origin"}
        )
        assert same_site.status_code != 403


def test_every_answer_carries_the_browsers_protections(served: Served) -> None:
    for response in (
        served.anonymous().get("/login"),
        served["han"].get("/api/incidents"),
        served["han"].get(f"/api/incidents/{BIG}"),
    ):
        assert response.headers["content-security-policy"] == CSP
        assert "frame-ancestors 'none'" in CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers  # plain HTTP here


def test_ordinary_text_numbers_and_dates_pass() -> None:
    for value in (
        "Flat 3, 12 High St\nMaidstone\tME14 1XX",
        "ring 07700 900123",
        "12345678901234567890 is just words in a description",
        "2026-12-08",
        "2026-12-08T10:15:00+00:00",
        BIG - 1,
        -5,
        True,
    ):
        assert problem(value) is None, value
    assert problem("9223372036854775808") is not None
    assert problem("9223372036854775808", numeric_text=False) is None  # a JSON string
    assert problem("1899-12-31") is not None


def test_the_guard_is_documented() -> None:
    text = (Path(__file__).parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text and "1 MiB" in text
