"""Signing in over real HTTP, on SQLite and PostgreSQL: limits with back-off per username and per
address (429 with Retry-After, in words on the form), the right password refused while a wait
runs, the check made outside SQLite's write gate, and every sign-in and sign-out audited."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from signinkit import TOKEN_HOURS, SignInRoom, entries, token
from sqlalchemy import select

from constable.auth import service
from constable.store.audit import AuditEntry
from constable.store.engine import make_engine
from support import PASSWORD

WRONG = "not the password at all"


def test_a_wrong_password_flood_is_refused_and_the_right_one_waits_out_the_back_off(
    room: SignInRoom,
) -> None:
    failures_before = len(entries(room, service.SIGN_IN_FAILED))
    with room.served.anonymous() as client:
        answers = [token(client, "hana", WRONG) for _ in range(30)]
        assert [a.status_code for a in answers] == [401] * 5 + [429] * 25
        refused = answers[-1]
        assert refused.headers["retry-after"] == "60"
        assert refused.json()["detail"] == "Too many attempts. Try again in 1 minute"
        # The 31st attempt, with the right password, while the wait runs: refused all the same.
        right = token(client, "hana", PASSWORD)
        assert right.status_code == 429 and "access_token" not in right.text
        room.clock.now += 59
        assert token(client, "hana", PASSWORD).status_code == 429
        room.clock.now += 1
        signed = token(client, "hana", PASSWORD)
        assert signed.status_code == 200, signed.text
        me = client.get(
            "/api/me", headers={"Authorization": f"Bearer {signed.json()['access_token']}"}
        )
        assert me.json()["username"] == "hana"
    # Only the five passwords checked are in the log; the 429s did no work and wrote nothing.
    failed = entries(room, service.SIGN_IN_FAILED)[failures_before:]
    assert len(failed) == 5
    assert failed[-1].after is not None and failed[-1].after["wait_seconds"] == 60


def test_the_sign_in_form_says_when_to_try_again(room: SignInRoom) -> None:
    form = {"username": "dev", "password": WRONG, "next": "/control"}
    with room.served.anonymous() as client:
        statuses = [client.post("/login", data=form).status_code for _ in range(5)]
        assert statuses == [401] * 5
        page = client.post("/login", data={**form, "password": PASSWORD})
        assert page.status_code == 429 and page.headers["retry-after"] == "60"
        assert "Too many attempts. Try again in 1 minute" in page.text
        assert "<title>Error: Sign in" in page.text and 'value="dev"' in page.text
        room.clock.now += 60
        done = client.post("/login", data={**form, "password": PASSWORD}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/control"
        assert "constable_token" in done.cookies
    room.fresh_limiter(backoff=600)
    with room.served.anonymous() as client:
        for _ in range(5):
            client.post("/login", data=form)
        assert "Try again in 10 minutes" in client.post("/login", data=form).text


def test_one_address_guessing_many_usernames_is_held_back(room: SignInRoom) -> None:
    with room.served.anonymous() as client:
        guesses = [token(client, f"guess{n}", WRONG, "198.51.100.7") for n in range(20)]
        assert {a.status_code for a in guesses} == {401}
        # That address must wait, even with a real user's right password...
        assert token(client, "admin", PASSWORD, "198.51.100.7").status_code == 429
        # ...while the same user from another address is not held up.
        assert token(client, "admin", PASSWORD, "198.51.100.8").status_code == 200
    failed = entries(room, service.SIGN_IN_FAILED)[-20:]
    assert {e.after["address"] for e in failed if e.after} == {"198.51.100.7"}
    assert {e.after["reason"] for e in failed if e.after} == {"no such user"}
    assert {e.actor for e in failed} == {"unknown"}


def test_guesses_sent_together_cannot_all_pass_before_the_first_fails(room: SignInRoom) -> None:
    failures_before = len(entries(room, service.SIGN_IN_FAILED))

    def attempt(_: int) -> int:
        with room.served.anonymous() as client:
            return token(client, "ana", WRONG).status_code

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(attempt, range(32)))
    assert set(statuses) <= {401, 429} and statuses.count(401) <= 5
    assert statuses.count(429) >= 27
    with room.served.anonymous() as client:
        assert token(client, "ana", PASSWORD).status_code == 429
    checked = len(entries(room, service.SIGN_IN_FAILED)) - failures_before
    assert checked == statuses.count(401)


def test_an_unknown_username_is_answered_as_a_wrong_password(room: SignInRoom) -> None:
    with room.served.anonymous() as client:
        unknown = token(client, "nobody-here", WRONG)
        wrong = token(client, "hana", WRONG)
        odd = token(client, "not a username!", WRONG)  # cannot be anyone's
    assert unknown.status_code == wrong.status_code == odd.status_code == 401
    assert unknown.json() == wrong.json() == odd.json()
    assert unknown.headers["www-authenticate"] == "Bearer"


def test_sign_ins_are_audited_with_the_address_and_never_the_password(room: SignInRoom) -> None:
    with room.served.anonymous() as client:
        assert token(client, "dev", "a wrong password 123", "192.0.2.44").status_code == 401
        assert token(client, "dev", PASSWORD, "192.0.2.44").status_code == 200
    failed = entries(room, service.SIGN_IN_FAILED)[-1]
    assert failed.actor == "dev" and failed.after is not None
    assert {k: failed.after[k] for k in ("username", "address", "via", "reason")} == {
        "username": "dev",
        "address": "192.0.2.44",
        "via": "api",
        "reason": "wrong password",
    }
    signed = entries(room, service.SIGN_IN)[-1]
    assert signed.actor == "dev" and signed.after is not None
    assert signed.after["address"] == "192.0.2.44" and signed.after["via"] == "api"
    engine = make_engine(room.served.database_url)
    try:
        with engine.connect() as connection:
            everything = json.dumps(
                [list(map(str, row)) for row in connection.execute(select(AuditEntry)).all()]
            )
    finally:
        engine.dispose()
    assert PASSWORD not in everything and "a wrong password 123" not in everything


def test_a_token_lasts_the_configured_time(room: SignInRoom) -> None:
    with room.served.anonymous() as client:
        answer = token(client, "ana", PASSWORD)
    assert answer.status_code == 200
    expires = dt.datetime.fromisoformat(answer.json()["expires_at"])
    hours = (expires - dt.datetime.now(dt.UTC)).total_seconds() / 3600
    assert TOKEN_HOURS - 0.1 < hours <= TOKEN_HOURS  # CONSTABLE_TOKEN_HOURS, not the default 12


def test_sign_outs_are_audited_and_the_token_stops_working(room: SignInRoom) -> None:
    before = len(entries(room, service.SIGN_OUT))
    with room.served.anonymous() as client:
        value = token(client, "dev", PASSWORD).json()["access_token"]
        bearer = {"Authorization": f"Bearer {value}"}
        assert client.get("/api/me", headers=bearer).status_code == 200
        assert client.delete("/api/token", headers=bearer).status_code == 204
        assert client.get("/api/me", headers=bearer).status_code == 401
        assert client.delete("/api/token", headers=bearer).status_code == 401
        form = {"username": "dev", "password": PASSWORD}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        cookie = client.cookies["constable_token"]
        out = client.post("/logout", follow_redirects=False)
        assert out.status_code == 303
        assert (
            client.get("/api/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401
        )
    signed_out = entries(room, service.SIGN_OUT)[before:]
    assert [(e.actor, e.after and e.after["via"]) for e in signed_out] == [
        ("dev", "api"),
        ("dev", "page"),
    ]


def test_the_password_is_checked_outside_the_write_gate(
    room: SignInRoom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one sign-in's password is being checked, a write goes through (before, sign-in held
    SQLite's write gate for its scrypt, and a flood of them stalled 999 contacts)."""
    if not room.served.database_url.startswith("sqlite"):
        pytest.skip("the write gate is SQLite's")
    with room.served.anonymous() as client:
        value = token(client, "dev", PASSWORD).json()["access_token"]
    checking, release = threading.Event(), threading.Event()
    real_check = service.check_sign_in

    def held_check(**arguments: Any) -> service.Checked:
        checking.set()
        release.wait(timeout=30)
        return real_check(**arguments)

    monkeypatch.setattr(service, "check_sign_in", held_check)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(lambda: token(room.served.anonymous(), "hana", PASSWORD))
        try:
            assert checking.wait(timeout=30), "the sign-in never reached its password check"
            # A write (a sign-out: the gate, a delete and an audit entry) while the check waits.
            with httpx.Client(base_url=room.served.base_url, timeout=10) as writer:
                out = writer.delete("/api/token", headers={"Authorization": f"Bearer {value}"})
            assert out.status_code == 204
        finally:
            release.set()
        assert pending.result(timeout=30).status_code == 200
