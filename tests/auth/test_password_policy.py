"""The password policy, and equal work for usernames that exist and those that do not."""

from __future__ import annotations

import pytest

from constable.auth import passwords, service
from constable.auth.passwords import (
    CURRENT_COST,
    DUMMY_HASH,
    MIN_LENGTH,
    PasswordError,
    check_password,
    cost,
    hash_password,
)

REFUSED = {
    "": "blank",
    " " * 10: "blank",
    " " * 20: "blank",
    "\t \n" * 5: "blank",
    "aaaaaaaaaa": "at least 12",
    "a" * 30: "one character repeated",
    "short one": "at least 12",
    "abcabcabcabc": "a few characters repeated",
    "ab ab ab ab ab ab": "a few characters repeated",
    "Password1234": "most common",
    "password1234!": "most common",
    "qwerty123456": "most common",
    "p@ssw0rd2024": "most common",
    "  letmein!!!!!  ": "most common",
    "trustno1trustno1": "most common",
    "Monkey Monkey Monkey": "most common",
    "1qaz2wsx3edc": "most common",
    "x" * (passwords.MAX_LENGTH - 1) + "yz": "at most",
}


@pytest.mark.parametrize(("password", "why"), REFUSED.items(), ids=range(len(REFUSED)))
def test_weak_passwords_are_refused_with_a_reason(password: str, why: str) -> None:
    with pytest.raises(PasswordError) as raised:
        check_password(password)
    message = str(raised.value)
    assert message.startswith("password: ") and why in message
    assert password.strip() == "" or password not in message  # never echoed back


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "a long enough password",
        "bench-password-not-secret",
        "Tr0ub4dor&3xq",
        "sevenoaks lamp ferry",
        "kestrel harbour 9",
    ],
)
def test_long_uncommon_passwords_are_accepted(password: str) -> None:
    assert len(password) >= MIN_LENGTH
    check_password(password)


def test_the_username_is_not_a_password() -> None:
    check_password("dispatcher-kent-east", username="someone")
    with pytest.raises(PasswordError, match="cannot be the username"):
        check_password("Dispatcher-Kent-East", username="dispatcher-kent-east")


def test_the_common_list_is_zxcvbns_not_a_hand_list() -> None:
    common = passwords._common_passwords()
    assert len(common) == 30_000 and {"password", "letmein", "trustno1"} <= common


def test_the_dummy_hash_costs_what_a_real_one_costs() -> None:
    assert cost(DUMMY_HASH) == cost(hash_password("any long password")) == CURRENT_COST
    assert not passwords.verify_password("", DUMMY_HASH)


def test_an_unknown_username_costs_one_scrypt_as_a_known_one_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Timing must not tell which usernames exist: the same number of scrypt runs, each with the
    same parameters, for a known user (right or wrong), a disabled one, an unknown one, a name
    that cannot be anyone's and an overlong password."""
    runs: list[tuple[int, int, int] | None] = []
    real_verify = passwords.verify_password

    def counted(password: str, stored: str) -> bool:
        runs.append(cost(stored))
        return real_verify(password, stored)

    def not_again(password: str) -> str:
        raise AssertionError("a sign-in must not hash a password (a second scrypt run)")

    monkeypatch.setattr(service, "verify_password", counted)
    monkeypatch.setattr(service, "hash_password", not_again)
    stored = hash_password("correct horse battery")
    known = service.Account(1, "hana", stored, True)
    cases = [
        (known, "hana", "correct horse battery", None),
        (known, "hana", "wrong password", "wrong password"),
        (
            service.Account(2, "leaver", stored, False),
            "leaver",
            "correct horse battery",
            "disabled",
        ),
        (None, "nobody", "correct horse battery", "no such user"),
        (None, "not\x00a name", "x", "no such user"),
        (known, "hana", "y" * 5000, "wrong password"),
    ]
    for account, username, password, reason in cases:
        runs.clear()
        checked = service.check_sign_in(account=account, username=username, password=password)
        assert checked.reason == reason
        assert runs == [CURRENT_COST], (username, runs)
