"""The privacy rules, the rate limit and the page cache as plain functions and objects."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from constable.public.cache import PageCache
from constable.public.privacy import (
    PrivacyError,
    check_public,
    personal_data_in,
    snap,
    suppress_table,
)
from constable.public.ratelimit import RateLimitError, TokenBuckets


def test_snap_moves_a_point_to_the_centre_of_its_square() -> None:
    assert snap(575_123.4, 155_987.2, 250) == (575_125.0, 155_875.0)
    assert snap(575_000.0, 156_000.0, 250) == (575_125.0, 156_125.0)
    with pytest.raises(PrivacyError, match="snap metres == 0, must be > 0"):
        snap(1.0, 1.0, 0)


def test_small_counts_are_hidden_with_a_complement() -> None:
    table = suppress_table([[5, 0], [1, 0], [3, 0]], below=3)
    assert table.cells[1][0] is None  # the 1
    assert table.row_totals[1] is None
    # The month's total (9) is shown, so a second count of the column is hidden: the 3.
    assert table.cells[2][0] is None and table.column_totals[0] == 9
    assert table.cells[0] == [5, 0]


def _lines(table: object) -> list[list[int | None]]:
    cells = table.cells  # type: ignore[attr-defined]
    rows = [[*row, t] for row, t in zip(cells, table.row_totals, strict=True)]  # type: ignore[attr-defined]
    columns = [list(c) for c in zip(*cells, strict=True)]
    cols = [[*c, t] for c, t in zip(columns, table.column_totals, strict=True)]  # type: ignore[attr-defined]
    total = table.total  # type: ignore[attr-defined]
    return [*rows, *cols, [*table.row_totals, total], [*table.column_totals, total]]  # type: ignore[attr-defined]


@given(
    st.integers(1, 5).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 8), min_size=width, max_size=width), min_size=1, max_size=6
        )
    ),
    st.integers(1, 6),
)
def test_no_hidden_count_can_be_worked_out(counts: list[list[int]], below: int) -> None:
    table = suppress_table(counts, below)
    for line in _lines(table):
        assert line.count(None) != 1
    for r, row in enumerate(counts):
        for c, value in enumerate(row):
            shown = table.cells[r][c]
            assert shown is None or shown == value
            if 0 < value < below:
                assert shown is None


def test_check_public_refuses_private_fields_anywhere() -> None:
    check_public({"neighbourhood": {"code": "E01024383", "name": "Maidstone 004D"}})
    with pytest.raises(PrivacyError, match=r"page\.crimes\[0\]\.victim_name is private"):
        check_public({"crimes": [{"category": "Burglary", "victim_name": "X"}]}, "page")
    with pytest.raises(PrivacyError, match=r"data\.meeting_id is private"):
        check_public({"meeting_id": 4})
    with pytest.raises(PrivacyError, match=r"data\.latitude is private"):
        check_public({"latitude": 51.27})


def test_personal_data_in_finds_what_must_not_be_published() -> None:
    assert personal_data_in("<p>Maidstone 004D: 5 burglaries, &lt;3 robberies</p>") == []
    found = personal_data_in(
        '<a href="/crimes/12">KENT-CR-0000012</a> at 51.27451, 0.52210 for jo@example.org',
        known=["Jo Bloggs"],
    )
    kinds = {finding.split(":")[0] for finding in found}
    assert kinds == {
        "an exact latitude and longitude",
        "a number with five or more decimals (an exact coordinate?)",
        "a link to a record by its id",
        "a record reference",
        "an email address",
    }
    assert personal_data_in("Victim: JO BLOGGS", known=["Jo Bloggs"]) == [
        "a private value: 'Jo Bloggs'"
    ]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a").allowed for _ in range(4)] == [True, True, True, False]
    refused = buckets.take("a")
    assert not refused.allowed and refused.retry_after == pytest.approx(0.5)
    assert refused.retry_after_seconds == 1
    assert buckets.take("b").allowed  # another address has its own bucket
    clock.now += 0.5  # one token back
    assert buckets.take("a").allowed and not buckets.take("a").allowed
    clock.now += 100  # never more than the burst
    assert [buckets.take("a").allowed for _ in range(4)] == [True, True, True, False]


def test_a_token_bucket_forgets_the_longest_idle_and_can_be_off() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1, max_clients=2, clock=Clock())
    for key in ("a", "b", "c"):
        buckets.take(key)
    assert len(buckets) == 2
    assert buckets.take("a").allowed  # forgotten, so full again
    off = TokenBuckets(rate=0, burst=1)
    assert all(off.take("a").allowed for _ in range(100))
    with pytest.raises(RateLimitError, match="public_rate_burst == 0, must be >= 1"):
        TokenBuckets(rate=1, burst=0)
    with pytest.raises(RateLimitError, match="public_rate_per_second == -1"):
        TokenBuckets(rate=-1, burst=1)


def test_the_page_cache_keeps_a_page_for_its_day_and_its_age() -> None:
    clock = Clock()
    cache = PageCache(60, max_entries=2, clock=clock)
    day = dt.date(2026, 11, 25)
    kept = cache.put("a", day, b"<p>a</p>", "text/html")
    assert cache.get("a", day) == kept and kept.etag.startswith('"')
    assert cache.get("a", day + dt.timedelta(days=1)) is None  # a new day: made again
    cache.put("a", day, b"<p>a</p>", "text/html")
    clock.now += 61
    assert cache.get("a", day) is None  # too old
    for key in ("a", "b", "c"):
        cache.put(key, day, key.encode(), "text/plain")
    assert len(cache) == 2 and cache.get("a", day) is None
    cache.clear()
    assert len(cache) == 0
    assert len(PageCache(0).put("x", day, b"x", "text/plain").etag) == 34
