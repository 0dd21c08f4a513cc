"""The sign-in limiter: back-off per username and per address, on a clock moved by hand."""

from __future__ import annotations

import pytest

from constable.auth.ratelimit import BUSY_SECONDS, LimitError, SignInLimiter
from constable.config import Settings


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def guess(limiter: SignInLimiter, address: str, username: str) -> bool:
    """One wrong password, if the limiter lets it be checked; whether it did."""
    if not limiter.begin(address, username).allowed:
        return False
    limiter.failed(address, username)
    return True


def test_five_wrong_passwords_start_a_wait_that_doubles() -> None:
    clock = Clock()
    limiter = SignInLimiter(clock=clock)
    checked = [guess(limiter, "10.0.0.1", "hana") for _ in range(30)]
    assert checked == [True] * 5 + [False] * 25
    refused = limiter.begin("10.0.0.1", "hana")
    assert not refused.allowed and refused.retry_after_seconds == 60
    assert refused.retry_after_minutes == 1
    clock.now += 59
    assert not limiter.begin("10.0.0.1", "hana").allowed  # the right password too: not checked
    clock.now += 1
    assert guess(limiter, "10.0.0.1", "hana")  # the sixth: a wait of 2 minutes
    assert limiter.begin("10.0.0.1", "hana").retry_after_seconds == 120
    clock.now += 120
    assert guess(limiter, "10.0.0.1", "hana")  # the seventh: 4 minutes
    assert limiter.begin("10.0.0.1", "hana").retry_after_seconds == 240
    for _ in range(10):  # waiting out each wait, then guessing again
        clock.now += limiter.begin("10.0.0.1", "hana").retry_after
        assert guess(limiter, "10.0.0.1", "hana")
    assert limiter.begin("10.0.0.1", "hana").retry_after_seconds == 3600  # at most an hour
    clock.now += 3600 + 899  # not yet forgotten: one guess, then another hour
    assert [guess(limiter, "10.0.0.1", "hana") for _ in range(2)] == [True, False]
    clock.now += 3600 + 900  # an hour's wait and a quiet window: forgotten
    assert [guess(limiter, "10.0.0.1", "hana") for _ in range(6)] == [True] * 5 + [False]


def test_the_wait_applies_to_the_username_from_any_address_case_blind() -> None:
    limiter = SignInLimiter(clock=Clock())
    for n in range(5):
        assert guess(limiter, f"10.0.0.{n}", "hana")
    assert not limiter.begin("192.168.1.1", "HANA ").allowed
    assert limiter.begin("192.168.1.1", "dev").allowed


def test_one_address_guessing_many_usernames_is_held_back() -> None:
    limiter = SignInLimiter(clock=Clock())
    checked = [guess(limiter, "203.0.113.9", f"user{n}") for n in range(40)]
    assert checked == [True] * 20 + [False] * 20
    assert not limiter.begin("203.0.113.9", "someone-else").allowed
    assert limiter.begin("203.0.113.10", "someone-else").allowed


def test_the_right_password_forgets_the_usernames_failures_not_the_addresses() -> None:
    limiter = SignInLimiter(address_failures=6, clock=Clock())
    for _ in range(4):
        assert guess(limiter, "10.0.0.1", "hana")
    assert limiter.begin("10.0.0.1", "hana").allowed
    limiter.succeeded("10.0.0.1", "hana")
    for _ in range(2):
        assert guess(limiter, "10.0.0.1", "hana")  # the username starts again...
    assert not limiter.begin("10.0.0.1", "dev").allowed  # ...the address does not (6 failures)


def test_failures_are_forgotten_after_a_quiet_window() -> None:
    clock = Clock()
    limiter = SignInLimiter(window=900, clock=clock)
    for _ in range(4):
        assert guess(limiter, "10.0.0.1", "hana")
    clock.now += 900
    for _ in range(4):
        assert guess(limiter, "10.0.0.1", "hana")  # four again, no wait
    assert limiter.begin("10.0.0.1", "hana").allowed


def test_checks_in_progress_count_so_a_burst_cannot_pass_together() -> None:
    limiter = SignInLimiter(clock=Clock())
    started = [limiter.begin("10.0.0.1", "hana") for _ in range(32)]
    assert [d.allowed for d in started] == [True] * 5 + [False] * 27
    assert started[5].retry_after == BUSY_SECONDS
    for _ in range(5):
        limiter.failed("10.0.0.1", "hana")
    assert limiter.begin("10.0.0.1", "hana").retry_after_seconds == 60
    # An abandoned check (an error) frees its place without counting as a failure.
    other = SignInLimiter(account_failures=1, clock=Clock())
    assert other.begin("10.0.0.2", "dev").allowed
    assert not other.begin("10.0.0.2", "dev").allowed
    other.abandoned("10.0.0.2", "dev")
    assert other.begin("10.0.0.2", "dev").allowed


def test_only_so_many_keys_are_remembered() -> None:
    limiter = SignInLimiter(max_keys=10, clock=Clock())
    for n in range(100):
        guess(limiter, "10.0.0.1", f"user{n}")
    assert len(limiter) == 10


def test_the_settings_make_the_limiter_and_bad_ones_are_named() -> None:
    limiter = SignInLimiter.from_settings(
        Settings(signin_account_failures=3, signin_backoff_seconds=10)
    )
    assert (limiter.account_failures, limiter.address_failures, limiter.backoff) == (3, 20, 10)
    with pytest.raises(LimitError, match="signin_account_failures == 0, must be >= 1"):
        SignInLimiter(account_failures=0)
    with pytest.raises(LimitError, match="signin_backoff_max_seconds == 5, must be >= 60"):
        SignInLimiter(backoff_max=5)
    with pytest.raises(LimitError, match="signin_window_seconds == 0, must be > 0"):
        SignInLimiter(window=0)
