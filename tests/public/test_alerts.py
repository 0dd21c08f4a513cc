"""Community alerts over real HTTP and a real SMTP server, on SQLite and PostgreSQL: double
opt-in, one-click unsubscribe, delivery to the right subscribers only and each alone, bad input,
roles, and replies filed as intelligence."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx
import pytest
from mailkit import Mailbox, Received, link_token, mail_settings, smtp_server

from constable.auth.roles import Role
from constable.cli import main
from support import Served, database_url_for, served_kent

USERS = {
    "csu-maidstone": (Role.COMMUNITY_SAFETY, "maidstone"),
    "cmd-dover": (Role.DISTRICT_COMMANDER, "dover"),
    "ana": (Role.ANALYST, None),
    "admin": (Role.ADMINISTRATOR, None),
}
# Two neighbourhoods of Maidstone and one of Dover.
HOOD = "E01024320"
OTHER_HOOD = "E01024321"
DOVER_HOOD = "E01024190"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(request: pytest.FixtureRequest) -> Iterator[tuple[Served, Mailbox]]:
    """Kent served with users, sending mail through a local SMTP server."""
    url = database_url_for(request, "alerts")
    with smtp_server() as box, pytest.MonkeyPatch.context() as patch:
        for name, value in mail_settings(box).items():
            patch.setenv(name, value)
        with served_kent(url, USERS) as served:
            yield served, box


def public(served: Served) -> httpx.Client:
    return served.anonymous()


def subscribe(served: Served, box: Mailbox, email: str, **form: Any) -> None:
    """Sign up through the public form and confirm from the email."""
    before = len(box.to(email))
    with public(served) as client:
        answer = client.post("/alerts/signup", data={"email": email, **form})
        assert answer.status_code == 200, answer.text
        assert "Check your email" in answer.text
        token = link_token(box.to(email)[before])
        assert client.post("/alerts/confirm", data={"token": token}).status_code == 200


def wait_sent(client: httpx.Client, alert_id: int) -> dict[str, Any]:
    """The alert once its background send has finished."""
    for _ in range(300):
        shown: dict[str, Any] = client.get(f"/api/alerts/{alert_id}").json()
        if shown["state"] == "sent":
            return shown
        time.sleep(0.05)
    raise AssertionError(f"alert {alert_id} was not sent: {shown}")


def write(client: httpx.Client, **fields: Any) -> httpx.Response:
    body = {
        "topic": "appeal",
        "title": "Burglary on Rose Lane",
        "body": "A house was broken into on Tuesday night. Did you see anything?",
        "neighbourhoods": [HOOD],
        **fields,
    }
    return client.post("/api/alerts", json=body)


def test_sign_up_keeps_nothing_until_the_address_is_confirmed(desk: Any) -> None:
    served, box = desk
    subscribers = served.rows("alert_subscriber")
    with public(served) as client:
        form = client.get("/alerts/signup")
        assert form.status_code == 200 and 'name="email"' in form.text
        answer = client.post(
            "/alerts/signup",
            data={"email": " Pat@Example.org ", "neighbourhoods": HOOD, "topics": ["appeal"]},
        )
        assert answer.status_code == 200 and "pat@example.org" in answer.text
        assert answer.headers["cache-control"] == "no-store"
        assert served.rows("alert_subscriber") == subscribers
        message = box.to("pat@example.org")[-1].message
        assert message["Subject"] == "Confirm your Kent Police community alerts"
        token = link_token(box.to("pat@example.org")[-1])
        assert "https://www.example.police.uk/alerts/confirm?token=" in message.get_content()
        # Following the link only asks: mail scanners that open links confirm nothing.
        page = client.get("/alerts/confirm", params={"token": token})
        assert page.status_code == 200 and "Confirm" in page.text
        assert served.rows("alert_subscriber") == subscribers
        done = client.post("/alerts/confirm", data={"token": token})
        assert done.status_code == 200 and "Your alerts have started" in done.text
    assert served.rows("alert_subscriber") == subscribers + 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "not-an-address", "neighbourhoods": HOOD}, "in the correct format"),
        ({"email": "a@b", "neighbourhoods": HOOD}, "in the correct format"),
        ({"email": "", "neighbourhoods": HOOD}, "Enter your email address"),
        ({"email": "x@example.org"}, "Choose at least one neighbourhood"),
        ({"email": "x@example.org", "neighbourhoods": "E01999999"}, "is not one of Kent"),
        ({"email": "x@example.org", "postcode": "NOT A CODE"}, "is not a postcode"),
        ({"email": "x@example.org", "neighbourhoods": HOOD, "topics": []}, "kind of alert"),
    ],
)
def test_a_bad_sign_up_says_what_to_fix_and_sends_nothing(
    desk: Any, form: dict[str, Any], message: str
) -> None:
    served, box = desk
    form.setdefault("topics", ["appeal"])
    sent = len(box.received)
    with public(served) as client:
        answer = client.post("/alerts/signup", data=form)
    assert answer.status_code == 422
    assert "<title>Error: " in answer.text and message in answer.text
    assert len(box.received) == sent


def test_a_changed_or_wrong_link_is_refused(desk: Any) -> None:
    served, box = desk
    with public(served) as client:
        client.post(
            "/alerts/signup",
            data={"email": "mo@example.org", "neighbourhoods": HOOD, "topics": ["appeal"]},
        )
        token = link_token(box.to("mo@example.org")[-1])
        body, _, signature = token.partition(".")
        forged = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
        for bad in (forged, "nonsense", token + "x"):
            answer = client.post("/alerts/confirm", data={"token": bad})
            assert answer.status_code == 400 and "not valid" in answer.text
        # A confirmation link does not unsubscribe anyone.
        assert client.post("/alerts/unsubscribe", data={"token": token}).status_code == 400


def test_an_alert_reaches_the_right_subscribers_each_alone(desk: Any) -> None:
    served, box = desk
    subscribe(served, box, "a@example.org", neighbourhoods=HOOD, topics=["appeal"])
    subscribe(served, box, "b@example.org", districts=["maidstone"], topics=["appeal", "result"])
    subscribe(served, box, "c@example.org", neighbourhoods=HOOD, topics=["prevention"])
    subscribe(served, box, "d@example.org", neighbourhoods=DOVER_HOOD, topics=["appeal"])
    subscribe(served, box, "e@example.org", neighbourhoods=OTHER_HOOD, topics=["appeal"])
    csu = served["csu-maidstone"]
    answer = write(csu)
    assert answer.status_code == 201, answer.text
    alert = answer.json()
    assert alert["reference"].startswith("KENT-AL-") and alert["district"] == "maidstone"
    assert alert["state"] == "draft" and alert["recipients_now"] >= 2
    before = len(box.received)
    sending = csu.post(f"/api/alerts/{alert['id']}/send")
    assert sending.status_code == 202, sending.text
    sent = wait_sent(csu, alert["id"])
    mine = [
        r for r in box.received[before:] if r.message["X-Constable-Alert"] == alert["reference"]
    ]
    addresses = sorted(r.rcpt_tos[0] for r in mine)
    assert {"a@example.org", "b@example.org"} <= set(addresses)
    assert not {"c@example.org", "d@example.org", "e@example.org"} & set(addresses)
    assert len(addresses) == len(set(addresses)) == sent["sent"] == sent["recipients"]
    for received in mine:
        message = received.message
        # Each copy is addressed to its subscriber alone: nobody sees anyone else.
        assert received.rcpt_tos == [message["To"]]
        assert message["Cc"] is None and message["Bcc"] is None
        others = set(addresses) - {message["To"]}
        assert not any(other in received.raw.decode() for other in others)
        assert message["Reply-To"] == "Kent Police <replies@kent.police.uk>"
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith("<https://www.example.police.uk/alerts/unsubscribe?token=")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe.strip("<>") in message.get_content()
    assert csu.post(f"/api/alerts/{alert['id']}/send").status_code == 409


def test_one_click_unsubscribe_deletes_the_address(desk: Any) -> None:
    served, box = desk
    subscribe(served, box, "gone@example.org", neighbourhoods=OTHER_HOOD, topics=["result"])
    csu = served["csu-maidstone"]
    first = write(csu, topic="result", neighbourhoods=[OTHER_HOOD]).json()
    csu.post(f"/api/alerts/{first['id']}/send")
    wait_sent(csu, first["id"])
    copy = box.to("gone@example.org")[-1].message
    link = copy["List-Unsubscribe"].strip("<>").replace("https://www.example.police.uk", "")
    subscribers = served.rows("alert_subscriber")
    with public(served) as client:
        asked = client.get(link)
        assert asked.status_code == 200 and "Unsubscribe" in asked.text
        # A mail program's one click (RFC 8058): a POST to the header's address.
        done = client.post(link, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "deleted" in done.text
        again = client.post(link, data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200 and "not subscribed" in again.text
    assert served.rows("alert_subscriber") == subscribers - 1
    second = write(csu, topic="result", neighbourhoods=[OTHER_HOOD, HOOD]).json()
    if second["recipients_now"]:
        csu.post(f"/api/alerts/{second['id']}/send")
        wait_sent(csu, second["id"])
    assert len(box.to("gone@example.org")) == 2  # the confirmation and the first alert


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"neighbourhoods": []}, 422, "an alert with no neighbourhood would go to no one"),
        ({"neighbourhoods": [HOOD, DOVER_HOOD]}, 422, "more than one district"),
        ({"neighbourhoods": ["E01999999"]}, 422, "is not one of Kent"),
        ({"topic": "gossip"}, 422, "topic"),
        ({"origin_kind": "trend_signal"}, 422, "name the trend signal"),
        ({"incident_id": 999999}, 404, "there is no incident 999999"),
    ],
)
def test_a_bad_alert_is_refused_and_nothing_is_written(
    desk: Any, fields: dict[str, Any], status: int, message: str
) -> None:
    served, _ = desk
    before = served.counts("community_alert", "alert_delivery")
    answer = write(served["admin"], **fields)
    assert answer.status_code == status, answer.text
    assert message in str(answer.json()["detail"])
    assert served.counts("community_alert", "alert_delivery") == before


def test_alerts_are_written_by_their_district_only(desk: Any) -> None:
    served, _ = desk
    before = served.counts("community_alert")
    assert write(served["cmd-dover"]).status_code == 403
    assert write(served["ana"]).status_code == 403
    assert served.counts("community_alert") == before
    mine = write(served["cmd-dover"], neighbourhoods=[DOVER_HOOD])
    assert mine.status_code == 201 and mine.json()["district"] == "dover"
    assert served["ana"].get("/api/alerts").status_code == 200


def test_an_alert_started_from_an_incident_keeps_its_reference(desk: Any) -> None:
    served, _ = desk
    admin = served["admin"]
    incident = admin.post(
        "/api/contacts",
        json={"channel": "101", "description": "Shed broken into", "postcode": "ME14 1AA"},
    ).json()
    alert = write(admin, neighbourhoods=[], incident_id=incident["id"]).json()
    assert alert["origin_kind"] == "incident" and alert["origin_ref"] == incident["reference"]
    assert alert["neighbourhoods"] == [incident["neighbourhood"]]
    trend = write(admin, origin_kind="trend_signal", origin_ref="maidstone · Burglary rising")
    assert trend.json()["origin_ref"] == "maidstone · Burglary rising"


def reply_to(received: Received, text: str, **headers: str) -> bytes:
    original = received.message
    reply = EmailMessage()
    reply["From"] = f"Resident <{received.rcpt_tos[0]}>"
    reply["To"] = original["Reply-To"]
    reply["Subject"] = "Re: " + original["Subject"]
    reply["Message-ID"] = make_msgid(domain="example.org")
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = original["Message-ID"]
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    reply.set_content(text + "\n\n> " + original.get_content().replace("\n", "\n> "))
    return reply.as_bytes()


def test_a_reply_reaches_the_district_inbox_as_intelligence(desk: Any, tmp_path: Path) -> None:
    served, box = desk
    subscribe(served, box, "witness@example.org", neighbourhoods=HOOD, topics=["appeal"])
    csu = served["csu-maidstone"]
    alert = write(csu).json()
    csu.post(f"/api/alerts/{alert['id']}/send")
    wait_sent(csu, alert["id"])
    received = box.to("witness@example.org")[-1]
    raw = reply_to(received, "I saw a white van outside number 12 at 2am.")
    headers = {"Content-Type": "message/rfc822"}
    filed = csu.post("/api/alerts/replies", content=raw, headers=headers)
    assert filed.status_code == 201, filed.text
    item = filed.json()
    assert item["district"] == "maidstone" and item["alert"] == alert["reference"]
    assert item["body"].startswith("I saw a white van") and item["source"] == "alert reply"
    inbox = csu.get("/api/intelligence", params={"district": "maidstone"}).json()
    assert item["reference"] in [i["reference"] for i in inbox]
    assert csu.get("/api/intelligence", params={"district": "dover"}).json() == [] or all(
        i["district"] == "dover" for i in csu.get("/api/intelligence?district=dover").json()
    )
    # The same message twice, an out-of-office answer, a message naming no alert: refused.
    assert csu.post("/api/alerts/replies", content=raw, headers=headers).status_code == 409
    automatic = reply_to(received, "I am away", Auto_Submitted="auto-replied")
    refused = csu.post("/api/alerts/replies", content=automatic, headers=headers)
    assert refused.status_code == 422 and "automatic" in refused.json()["detail"]
    stray = EmailMessage()
    stray["From"] = "someone@example.org"
    stray["Subject"] = "hello"
    stray.set_content("nothing to do with an alert")
    lost = csu.post("/api/alerts/replies", content=stray.as_bytes(), headers=headers)
    assert lost.status_code == 404 and "names no alert" in lost.json()["detail"]
    assert (
        served["cmd-dover"]
        .post(f"/api/intelligence/{item['id']}/review", json={"note": "not mine"})
        .status_code
        == 403
    )
    reviewed = csu.post(
        f"/api/intelligence/{item['id']}/review", json={"note": "Passed to the burglary team"}
    )
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_by"] == "csu-maidstone"
    # The command reads a maildir, files what it can, and marks it seen.
    maildir = tmp_path / "replies"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.eml").write_bytes(reply_to(received, "The van was a Ford Transit."))
    (maildir / "new" / "2.eml").write_bytes(automatic)
    code = main(["--db", served.database_url, "alerts", "ingest-reply", "--maildir", str(maildir)])
    assert code == 1  # one could not be filed: it is reported and stays unseen
    assert len(list((maildir / "cur").iterdir())) == 1
    texts = [i["body"] for i in csu.get("/api/intelligence").json()]
    assert any(t.startswith("The van was a Ford Transit.") for t in texts)


def test_staff_pages_need_a_sign_in_and_show_the_alerts(desk: Any) -> None:
    served, _ = desk
    with public(served) as client:
        assert client.get("/community-alerts").status_code == 303
    page = served["csu-maidstone"].get("/community-alerts")
    assert page.status_code == 200 and "KENT-AL-" in page.text
    form = served["csu-maidstone"].get("/community-alerts/new")
    assert form.status_code == 200 and 'name="neighbourhoods"' in form.text
    refused = served["csu-maidstone"].post(
        "/community-alerts", data={"topic": "appeal", "title": "Hello", "body": "Hello there all"}
    )
    assert refused.status_code == 422 and "would go to no one" in refused.text
    assert served["csu-maidstone"].get("/community-alerts/inbox").status_code == 200
