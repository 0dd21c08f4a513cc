"""Victim care's rules without HTTP: when updates fall due, overdue flags per officer, the share
of victims updated on time (SQLite and PostgreSQL), and referrals by signed webhook to a real
local HTTP server."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

from constable.config import Settings
from constable.crime import recording
from constable.crime.models import Crime
from constable.crime.schemas import CrimeCreate, VictimIn
from constable.force import service as force_service
from constable.performance import measures
from constable.public import referrals, victims
from constable.public.victim_models import VictimReferral
from constable.store import Store, open_store
from support import build_kent, database_url_for

TODAY = dt.date(2026, 6, 1)
NOON = dt.time(12, tzinfo=dt.UTC)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, NOON)


def day(n: int) -> dt.date:
    """``n`` days before TODAY."""
    return TODAY - dt.timedelta(days=n)


def test_each_update_restarts_the_clock() -> None:
    start = dt.date(2026, 1, 1)
    found = victims.deadlines(start, 28, [], until=dt.date(2026, 1, 28))
    assert found == []  # not due yet
    late = victims.deadlines(start, 28, [], until=dt.date(2026, 3, 1))
    assert [(d.due, d.on_time()) for d in late] == [(dt.date(2026, 1, 29), False)]
    kept = victims.deadlines(
        start, 28, [dt.date(2026, 1, 29), dt.date(2026, 1, 29), dt.date(2026, 2, 20)],
        until=dt.date(2026, 3, 1),
    )  # fmt: skip
    assert [(d.due, d.met_on) for d in kept] == [
        (dt.date(2026, 1, 29), dt.date(2026, 1, 29)),
        (dt.date(2026, 2, 26), dt.date(2026, 2, 20)),
    ]
    closed = victims.deadlines(start, 7, [], until=dt.date(2026, 3, 1), stop=dt.date(2026, 1, 5))
    assert closed == []


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def kent(request: pytest.FixtureRequest) -> Iterator[Store]:
    store = open_store(database_url_for(request, "victimcare"))
    build_kent(store)
    yield store
    store.close()


def record(store: Store, recorded: dt.date, postcode: str = "ME14 1AA") -> int:
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        done = recording.record(
            session=session,
            force=force,
            data=CrimeCreate(
                offence_code="28E",
                description="Shed broken into",
                occurred_at=at(recorded) - dt.timedelta(hours=2),
                postcode=postcode,
                victim=VictimIn(name="Alex Green", address="3 Mill Road", postcode=postcode),
            ),
            actor="pc-test",
            now=at(recorded),
        )
        return done.crime.id


def assess(store: Store, crime_id: int, when: dt.date, **fields: Any) -> None:
    with store.session() as session:
        crime = session.get(Crime, crime_id)
        assert crime is not None
        victims.assess(
            session=session,
            crime=crime,
            data=victims.Assessment(
                consent_to_referral=fields.pop("consent", True),
                preferred_contact="letter",
                **fields,
            ),
            actor="pc-test",
            now=at(when),
        )


def update(store: Store, crime_id: int, when: dt.date) -> None:
    with store.session() as session:
        crime = session.get(Crime, crime_id)
        assert crime is not None
        victims.record_update(
            session=session, crime=crime, note="Told of progress", method=None,
            actor="pc-test", made_at=at(when), now=at(TODAY),
        )  # fmt: skip


def test_updates_due_per_officer_with_overdue_flags(kent: Store) -> None:
    overdue = record(kent, day(40), "CT16 1AA")  # Dover: 12 days overdue, no assessment yet
    kept = record(kent, day(40), "CT16 1AA")
    assess(kent, kept, day(39), officer="pc-dover", update_every_days=14)
    update(kent, kept, day(3))
    quiet = record(kent, day(40), "CT16 1AA")
    assess(kent, quiet, day(39), wants_updates=False)
    with kent.session() as session:
        dover = force_service.get_district_or_raise(
            session=session, force=force_service.get_or_raise(session=session, code="kent"),
            district="dover",
        )  # fmt: skip
        due = victims.due_updates(
            session=session, force_name="Kent", district_id=dover.id, today=TODAY,
            default_days=28,
        )  # fmt: skip
        mine = victims.due_updates(
            session=session, force_name="Kent", officer="pc-dover", today=TODAY
        )
    by_crime = {d.crime_id: d for d in due}
    assert quiet not in by_crime
    assert by_crime[overdue].overdue and by_crime[overdue].overdue_days == 12
    assert by_crime[overdue].officer is None and not by_crime[overdue].assessed
    assert not by_crime[kept].overdue and by_crime[kept].due == day(3) + dt.timedelta(days=14)
    assert due[0].crime_id == overdue  # most overdue first
    assert [d.crime_id for d in mine] == [kept]


def test_the_share_of_victims_updated_on_time(kent: Store) -> None:
    # Thanet, recorded 1 March: the 28-day update was due 29 March.
    first = dt.date(2026, 3, 1)
    on_time = record(kent, first, "CT9 1AA")
    assess(kent, on_time, first)
    update(kent, on_time, dt.date(2026, 3, 20))  # next due 17 April
    update(kent, on_time, dt.date(2026, 4, 17))
    late = record(kent, first, "CT9 1AA")
    assess(kent, late, first)
    update(kent, late, dt.date(2026, 4, 2))  # four days late
    never = record(kent, first, "CT9 1AA")  # no assessment: owed updates all the same
    opted_out = record(kent, first, "CT9 1AA")
    assess(kent, opted_out, first, wants_updates=False)
    with kent.session() as session:
        thanet = force_service.get_district_or_raise(
            session=session, force=force_service.get_or_raise(session=session, code="kent"),
            district="thanet",
        )  # fmt: skip
        march = victims.victims_updated_on_time(
            session, dt.date(2026, 3, 1), dt.date(2026, 4, 1), thanet, today=TODAY,
            default_days=28,
        )  # fmt: skip
        april = victims.victims_updated_on_time(
            session, dt.date(2026, 4, 1), dt.date(2026, 5, 1), thanet, today=TODAY,
            default_days=28,
        )  # fmt: skip
        assert victims.victims_updated_on_time(
            session, dt.date(2026, 1, 1), dt.date(2026, 2, 1), thanet, today=TODAY
        ) == (0, 0)
        with pytest.raises(victims.VictimCareError, match="is not after start"):
            victims.victims_updated_on_time(session, TODAY, TODAY)
    # March: three victims owed an update on 29 March; only one had it by then.
    assert march == (1, 3)
    # April: on_time (17 April, met) and late (30 April, missed); never's 29 March is not April.
    assert april == (1, 2)
    # The plan's measure is the same count, for the force's own crimes.
    with kent.session() as session:
        force = force_service.get_or_raise(session=session, code="kent")
        thanet = force_service.get_district_or_raise(
            session=session, force=force, district="thanet"
        )
        value = measures.compute(
            session=session, force=force, name="victims_updated_on_time",
            period=measures.parse_period("2026-03"), district=thanet,
        )  # fmt: skip
        quiet = measures.compute(
            session=session, force=force, name="victims_updated_on_time",
            period=measures.parse_period("2026-01"),
        )  # fmt: skip
    assert (value.numerator, value.denominator) == (1, 3)
    assert value.value == pytest.approx(1 / 3)
    assert quiet.value is None and quiet.note == "no victim update fell due"
    assert never and opted_out


class Service(BaseHTTPRequestHandler):
    """A support service's webhook: keeps what it is sent; answers ``status``."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    status: ClassVar[int] = 202

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Service.received.append((dict(self.headers), body))
        self.send_response(Service.status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Service.received.clear()
    Service.status = 202
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/referrals"
    finally:
        server.shutdown()
        server.server_close()


def refer(store: Store, crime_id: int, settings: Settings) -> str:
    with store.session() as session:
        crime = session.get(Crime, crime_id)
        assert crime is not None
        force = force_service.get_or_raise(session=session, code="kent")
        return referrals.refer(
            session=session, settings=settings, force=force, crime=crime, actor="pc-test"
        ).reference


def referral_rows(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(VictimReferral)) or 0)


def test_a_webhook_referral_is_signed_and_a_refusal_records_nothing(
    kent: Store, service: str
) -> None:
    settings = Settings(
        victim_referral_channel="webhook", victim_referral_url=service,
        victim_referral_secret="shared secret",  # type: ignore[arg-type]
    )  # fmt: skip
    crime_id = record(kent, day(2))
    assess(kent, crime_id, day(1), consent=True, needs=["information"])
    Service.status = 500
    before = referral_rows(kent)
    with pytest.raises(referrals.ReferralFailed, match="answered 500"):
        refer(kent, crime_id, settings)
    assert referral_rows(kent) == before
    Service.status = 202
    reference = refer(kent, crime_id, settings)
    headers, body = Service.received[-1]
    assert headers["X-Constable-Referral"] == reference
    expected = referrals.signature(b"shared secret", headers["X-Constable-Timestamp"], body)
    assert headers["X-Constable-Signature"] == expected
    assert referrals.signature(b"wrong", headers["X-Constable-Timestamp"], body) != expected
    payload = json.loads(body)
    assert payload["reference"] == reference and payload["consent"]["given"] is True
    assert referral_rows(kent) == before + 1


def test_without_consent_nothing_reaches_the_service(
    kent: Store, service: str, tmp_path: Path
) -> None:
    crime_id = record(kent, day(2))
    assess(kent, crime_id, day(1), consent=False)
    for settings in (
        Settings(victim_referral_channel="webhook", victim_referral_url=service,
                 victim_referral_secret="s"),  # type: ignore[arg-type]
        Settings(victim_referral_folder=tmp_path / "out"),
    ):  # fmt: skip
        with pytest.raises(referrals.NoConsent, match="nothing was sent"):
            refer(kent, crime_id, settings)
    assert Service.received == [] and not (tmp_path / "out").exists()
    with pytest.raises(referrals.ReferralError, match="REFERRAL_SECRET"):
        referrals.channel_from(Settings(victim_referral_channel="webhook",
                                        victim_referral_url=service))  # fmt: skip
