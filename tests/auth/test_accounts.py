"""An account's life cycle from the command line, against a served app on SQLite and PostgreSQL:
disable and enable, a new password, signing out everywhere, the list; each change audited, and
a disabled user's tokens refused at once."""

from __future__ import annotations

import io
import json
import sys

import pytest
from signinkit import SignInRoom, entries, token

from constable.auth import service
from constable.cli import main
from support import PASSWORD


def users(
    capsys: pytest.CaptureFixture[str], room: SignInRoom, *args: str, stdin: str | None = None
) -> tuple[int, str, str]:
    """``constable --db <the served database> users ...``, in this process."""
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)  # not a terminal: the password is its first line
    try:
        code = main(["--db", room.served.database_url, "users", *args])
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err


def test_a_disabled_users_tokens_stop_working_at_once(
    room: SignInRoom, capsys: pytest.CaptureFixture[str]
) -> None:
    leaver = room["leaver"]
    assert leaver.get("/api/me").status_code == 200
    code, out, _ = users(capsys, room, "disable", "leaver", "--actor", "admin:jo")
    assert code == 0 and "Disabled leaver" in out
    assert leaver.get("/api/me").status_code == 401  # the very next request
    with room.served.anonymous() as client:
        assert token(client, "leaver", PASSWORD).status_code == 401  # the right password
    refused = entries(room, service.SIGN_IN_FAILED)[-1]
    assert refused.after["reason"] == "disabled"
    disabled = entries(room, "user.disable")[-1]
    assert disabled.actor == "admin:jo"
    assert disabled.after["active"] is False and disabled.after["tokens_revoked"] >= 1

    code, out, _ = users(capsys, room, "enable", "leaver")
    assert code == 0 and "Enabled leaver" in out
    assert entries(room, "user.enable")[-1].actor.startswith("cli")
    assert leaver.get("/api/me").status_code == 401  # the old token stays revoked
    with room.served.anonymous() as client:
        assert token(client, "leaver", PASSWORD).status_code == 200


def test_a_new_password_replaces_the_old_and_signs_out_everywhere(
    room: SignInRoom, capsys: pytest.CaptureFixture[str]
) -> None:
    target = room["target"]
    assert target.get("/api/me").status_code == 200
    audited = len(entries(room, "user.set_password"))
    for weak, why in (("          ", "blank"), ("zzzzzzzzzzzzzz", "one character repeated")):
        code, _, err = users(capsys, room, "set-password", "target", stdin=weak + "\n")
        assert code == 1 and why in err
    assert len(entries(room, "user.set_password")) == audited  # nothing written
    assert target.get("/api/me").status_code == 200

    new = "a fresh passphrase for kent"
    code, out, _ = users(capsys, room, "set-password", "target", stdin=new + "\n")
    assert code == 0 and "new password for target" in out
    assert target.get("/api/me").status_code == 401
    with room.served.anonymous() as client:
        assert token(client, "target", PASSWORD).status_code == 401
        assert token(client, "target", new).status_code == 200
    changed = entries(room, "user.set_password")[-1]
    assert new not in json.dumps(changed.after) and "scrypt" not in json.dumps(changed.after)


def test_revoking_tokens_signs_a_user_out_everywhere(
    room: SignInRoom, capsys: pytest.CaptureFixture[str]
) -> None:
    with room.served.anonymous() as client:
        values = [token(client, "dev", PASSWORD).json()["access_token"] for _ in range(2)]
    code, out, _ = users(capsys, room, "revoke-tokens", "dev")
    assert code == 0 and "Revoked" in out
    assert entries(room, "user.revoke_tokens")[-1].after["tokens_revoked"] >= 3
    with room.served.anonymous() as client:
        for value in values:
            answer = client.get("/api/me", headers={"Authorization": f"Bearer {value}"})
            assert answer.status_code == 401
    assert room["dev"].get("/api/me").status_code == 401


def test_the_list_shows_roles_state_and_last_sign_in(
    room: SignInRoom, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = users(capsys, room, "disable", "ana")
    try:
        code, out, _ = users(capsys, room, "list", "--json")
        assert code == 0
        listed = {row["username"]: row for row in json.loads(out)}
        assert set(listed) >= {"hana", "dev", "ana", "admin", "leaver", "target"}
        assert listed["ana"]["disabled"] is True and listed["hana"]["disabled"] is False
        assert listed["ana"]["role"] == "analyst" and listed["ana"]["district"] is None
        assert listed["hana"]["last_sign_in"] is not None  # the fixture signed every user in
        code, out, _ = users(capsys, room, "list")
        assert code == 0 and "last sign-in (UTC)" in out and "disabled" in out
    finally:
        users(capsys, room, "enable", "ana")


def test_a_username_nobody_has_is_an_error_naming_it(
    room: SignInRoom, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("disable", "enable", "revoke-tokens"):
        code, _, err = users(capsys, room, command, "nobody")
        assert code == 1 and "no user called 'nobody'" in err
    code, _, err = users(capsys, room, "set-password", "nobody", stdin="a long new password\n")
    assert code == 1 and "no user called 'nobody'" in err


def test_new_users_meet_the_password_policy(
    room: SignInRoom, capsys: pytest.CaptureFixture[str]
) -> None:
    for weak in ("          ", "aaaaaaaaaa", "password1234"):
        code, _, err = users(capsys, room, "add", "newbie", "--role", "analyst", stdin=weak)
        assert code == 1 and err.startswith("Error: password: ")
    code, out, _ = users(
        capsys, room, "add", "newbie", "--role", "analyst", stdin="tidal basin lantern\n"
    )
    assert code == 0 and "Created newbie" in out
    assert entries(room, "user.create")[-1].actor.startswith("cli")
