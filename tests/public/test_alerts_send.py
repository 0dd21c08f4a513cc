"""Sending alerts through a real SMTP server, on SQLite and PostgreSQL: a send that breaks and is
resumed sends no message twice, refused recipients, the send lock; signed links; the fast
message template makes the same bytes as the email package."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from mailkit import Mailbox, smtp_server
from sqlalchemy import select, update

from constable.config import Settings
from constable.force import service as force_service
from constable.force.models import Neighbourhood
from constable.public import alert_sending, alert_tokens, alert_writing, alerts
from constable.public.alert_mail import AlertText, MailError, MessageTemplate, Sender, message_for
from constable.public.alert_mail import wire as wire_bytes
from constable.public.alert_models import (
    AlertDelivery,
    AlertSubscriber,
    AlertSubscriberArea,
    AlertSubscriberTopic,
    CommunityAlert,
)
from constable.store import Store, open_store
from constable.store.base import utcnow
from support import build_kent, database_url_for

HOODS = iter(f"E010243{n}" for n in range(20, 40))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def kent(request: pytest.FixtureRequest) -> Iterator[Store]:
    store = open_store(database_url_for(request, "alertsend"))
    build_kent(store)
    yield store
    store.close()


def settings_for(box: Mailbox, **more: object) -> Settings:
    return Settings(
        smtp_host=box.host,
        smtp_port=box.port,
        smtp_starttls=False,
        alert_from="Kent Police <alerts@kent.police.uk>",
        alert_batch_size=4,
        **more,  # type: ignore[arg-type]
    )


def new_alert(store: Store, emails: list[str]) -> int:
    """Subscribers with these addresses to a neighbourhood of their own, and an alert for it."""
    code = next(HOODS)
    with store.session() as session:
        hood = session.scalar(select(Neighbourhood).where(Neighbourhood.code == code))
        assert hood is not None
        for email in emails:
            subscriber = AlertSubscriber(email=email, confirmed_at=utcnow())
            session.add(subscriber)
            session.flush()
            session.add(AlertSubscriberArea(subscriber_id=subscriber.id, neighbourhood_id=hood.id))
            session.add(AlertSubscriberTopic(subscriber_id=subscriber.id, topic="prevention"))
        kent = force_service.get_or_raise(session=session, code="kent")
        alert = alert_writing.create(
            session=session,
            force=kent,
            draft=alert_writing.AlertDraft(
                topic="prevention",
                title="Lock your sheds",
                body="Garden tools are being taken from sheds at night.",
                neighbourhoods=[code],
            ),
            actor="test",
        )
        return alert.id


def states(store: Store, alert_id: int) -> Counter[str]:
    with store.session() as session:
        return Counter(
            session.scalars(select(AlertDelivery.state).where(AlertDelivery.alert_id == alert_id))
        )


def test_a_broken_send_resumes_without_sending_anything_twice(kent: Store) -> None:
    emails = [f"resume{i}@example.org" for i in range(11)]
    alert_id = new_alert(kent, emails)
    with smtp_server(drop_after=6) as box:
        settings = settings_for(box)
        with pytest.raises(MailError, match=r"send KENT-AL-.* again to resume"):
            alert_sending.send(
                store=kent, settings=settings, force_code="kent", alert_id=alert_id, actor="t"
            )
        first = [r.rcpt_tos[0] for r in box.received]
        assert len(first) == 6
        counted = states(kent, alert_id)
        assert counted["sent"] == 6 and counted["uncertain"] == 1
        box.drop_after = None
        seen: list[int] = []
        done = alert_sending.send(
            store=kent,
            settings=settings,
            force_code="kent",
            alert_id=alert_id,
            actor="t",
            on_progress=lambda p: seen.append(p.done),
        )
    everyone = Counter(r.rcpt_tos[0] for r in box.received)
    assert max(everyone.values()) == 1  # nobody got it twice
    assert done.state == "sent" and done.recipients == 11
    assert done.sent == len(everyone) == 10 and done.uncertain == 1
    assert seen == sorted(seen) and seen[-1] == 11


def test_a_batch_left_sending_by_a_dead_process_is_never_sent_again(kent: Store) -> None:
    emails = [f"crash{i}@example.org" for i in range(5)]
    alert_id = new_alert(kent, emails)
    with smtp_server() as box:
        settings = settings_for(box)
        # What a process that died mid-batch leaves behind: claimed rows and a stale lock.
        with kent.session() as session:
            alert = session.get(CommunityAlert, alert_id)
            assert alert is not None
            alert_sending._claim(kent, alert_id, "dead", utcnow() - dt.timedelta(hours=1))
            claimed = session.scalars(
                select(AlertDelivery.id)
                .where(AlertDelivery.alert_id == alert_id)
                .order_by(AlertDelivery.id)
                .limit(2)
            ).all()
            session.execute(
                update(AlertDelivery).where(AlertDelivery.id.in_(claimed)).values(state="sending")
            )
        done = alert_sending.send(
            store=kent, settings=settings, force_code="kent", alert_id=alert_id, actor="t"
        )
    assert done.sent == 3 and done.uncertain == 2 and len(box.received) == 3


def test_a_refused_address_fails_alone_and_an_alert_goes_once(kent: Store) -> None:
    emails = ["ok1@example.org", "nobody@example.org", "ok2@example.org"]
    alert_id = new_alert(kent, emails)
    with smtp_server(refuse={"nobody@example.org"}) as box:
        settings = settings_for(box)
        done = alert_sending.send(
            store=kent, settings=settings, force_code="kent", alert_id=alert_id, actor="t"
        )
        assert done.failed == 1 and done.sent >= 2
        assert "nobody@example.org" not in {r.rcpt_tos[0] for r in box.received}
        with pytest.raises(alerts.AlertConflict, match="was sent on"):
            alert_sending.send(
                store=kent, settings=settings, force_code="kent", alert_id=alert_id, actor="t"
            )


def test_no_mail_server_no_sender_no_subscribers_nothing_sent(kent: Store) -> None:
    alert_id = new_alert(kent, [])
    with kent.session() as session:
        session.execute(
            update(CommunityAlert)
            .where(CommunityAlert.id == alert_id)
            .values(topic="result")  # nobody here chose results
        )
    with pytest.raises(MailError, match="CONSTABLE_SMTP_HOST"):
        alert_sending.send(
            store=kent, settings=Settings(), force_code="kent", alert_id=alert_id, actor="t"
        )
    with pytest.raises(MailError, match="CONSTABLE_ALERT_FROM"):
        alert_sending.send(
            store=kent,
            settings=Settings(smtp_host="127.0.0.1"),
            force_code="kent",
            alert_id=alert_id,
            actor="t",
        )
    with smtp_server() as box, pytest.raises(alerts.AlertError, match="nothing was sent"):
        alert_sending.send(
            store=kent, settings=settings_for(box), force_code="kent", alert_id=alert_id, actor="t"
        )
    assert states(kent, alert_id) == Counter()


def test_links_are_signed_for_one_purpose_and_expire() -> None:
    key = b"k" * 32
    token = alert_tokens.sign(key, alert_tokens.CONFIRM, {"e": "a@b.org", "exp": 2_000_000_000})
    assert alert_tokens.verify(key, alert_tokens.CONFIRM, token)["e"] == "a@b.org"
    with pytest.raises(alert_tokens.TokenError, match="not valid"):
        alert_tokens.verify(key, alert_tokens.UNSUBSCRIBE, token)
    with pytest.raises(alert_tokens.TokenError, match="not valid"):
        alert_tokens.verify(b"other key", alert_tokens.CONFIRM, token)
    old = alert_tokens.sign(key, alert_tokens.CONFIRM, {"e": "a@b.org", "exp": 1_000})
    with pytest.raises(alert_tokens.TokenError, match="expired"):
        alert_tokens.verify(key, alert_tokens.CONFIRM, old)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("  Pat.Smith+alerts@Example.CO.UK ", "pat.smith+alerts@example.co.uk"),
        ("o'brien@example.org", "o'brien@example.org"),
    ],
)
def test_good_addresses_are_kept_in_lower_case(given: str, expected: str) -> None:
    assert alerts.normalise_email(given) == expected


@pytest.mark.parametrize(
    "given",
    ["", "plain", "@example.org", "a@", "a@b", "a..b@example.org", "a@-x.org", "a b@example.org",
     "a@example.123", "x" * 65 + "@example.org", "a@@example.org"],
)  # fmt: skip
def test_malformed_addresses_are_refused(given: str) -> None:
    with pytest.raises(alerts.AlertError, match="email: "):
        alerts.normalise_email(given)


@pytest.mark.parametrize(
    "body",
    [
        "Garden tools are being taken.\nLock your sheds.",
        "Café £20 — “bikes” taken.\n" + "x" * 1200,
    ],
)
def test_the_fast_template_makes_the_same_message_as_the_email_package(body: str) -> None:
    sender = Sender.from_settings(
        Settings(alert_from="Kent Police <alerts@kent.police.uk>", alert_reply_to="r@kent.uk")
    )
    text = AlertText("KENT-AL-000007", "Crime prevention: “sheds”", body, "advice", "Maidstone",
                     "maidstone", "Maidstone 001A")  # fmt: skip
    when = utcnow()
    url = "https://example.police.uk/alerts/unsubscribe?token=abc.def"
    fast = MessageTemplate(text, sender, when).render(
        to="pat@example.org", unsubscribe_url=url, delivery_id=42
    )
    slow = wire_bytes(
        message_for(
            text, sender=sender, to="pat@example.org", unsubscribe_url=url, delivery_id=42,
            date=when,
        )
    )  # fmt: skip
    assert fast == slow
    assert b"List-Unsubscribe: <" + url.encode() + b">\r\n" in fast
