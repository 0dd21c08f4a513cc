"""GET /api/control/measures is bounded: a period too long, backwards or out of range is a 422
that names the field and the limit, before anything is counted (issue 16: one request from 1950
took 47 s and 849 MB, from 0001-01-01 five minutes and a 500)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from constable.control import measures
from constable.control.measures import EARLIEST_DAY, LATEST_DAY, MAX_DAYS, PeriodError, period

TODAY = dt.date(2026, 12, 8)


def test_the_default_period_is_the_last_seven_days() -> None:
    assert period(start=None, end=None, today=TODAY) == (dt.date(2026, 12, 2), TODAY)
    assert period(start=None, end=dt.date(2026, 1, 10), today=TODAY) == (
        dt.date(2026, 1, 4),
        dt.date(2026, 1, 10),
    )


def test_a_period_of_the_longest_length_is_measured() -> None:
    start = TODAY - dt.timedelta(days=MAX_DAYS - 1)
    assert period(start=start, end=TODAY, today=TODAY) == (start, TODAY)
    with pytest.raises(PeriodError, match=f"start: .* is {MAX_DAYS + 1} days; at most {MAX_DAYS}"):
        period(start=start - dt.timedelta(days=1), end=TODAY, today=TODAY)


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (dt.date(1, 1, 1), None, "start", EARLIEST_DAY.isoformat()),
        (dt.date(1950, 1, 1), None, "start", EARLIEST_DAY.isoformat()),
        (None, dt.date(9999, 12, 31), "end", LATEST_DAY.isoformat()),
        (dt.date(2026, 3, 1), dt.date(2026, 2, 1), "end", "before start 2026-03-01"),
        (dt.date(2027, 1, 1), None, "start", "after today"),
        (dt.date(2024, 1, 1), None, "start", f"at most {MAX_DAYS} days"),
    ],
)
def test_bad_periods_name_the_field_and_the_limit(
    start: dt.date | None, end: dt.date | None, field: str, words: str
) -> None:
    with pytest.raises(PeriodError) as raised:
        period(start=start, end=end, today=TODAY)
    assert str(raised.value).startswith(f"{field}: ")
    assert words in str(raised.value)
    assert raised.value.status == 422


def test_the_api_refuses_unbounded_periods_with_a_422_naming_the_field(control_room: Any) -> None:
    ana = control_room["ana"]
    cases = {
        "start=1950-01-01": ("start: 1950-01-01 is out of range", "1990-01-01"),
        "start=1990-01-01&end=2100-12-31": ("end: 2100-12-31 is out of range", "2099-12-31"),
        "start=2024-01-01&end=2025-06-30": ("start: 2024-01-01 to 2025-06-30", "at most 366 days"),
        "start=2025-03-01&end=2025-02-01": ("end: 2025-02-01 is before start 2025-03-01", ""),
    }
    for query, (opening, limit) in cases.items():
        answer = ana.get(f"/api/control/measures?{query}")
        assert answer.status_code == 422, (query, answer.text)
        detail = answer.json()["detail"]
        assert detail.startswith(opening) and limit in detail, (query, detail)
    # Years no record can have are refused before any route (constable.api.protect), still
    # naming the field.
    for query, field in (("start=0001-01-01", "start"), ("end=9999-12-31", "end")):
        answer = ana.get(f"/api/control/measures?{query}")
        assert answer.status_code == 422, (query, answer.text)
        assert field in str(answer.json()["detail"]), answer.text
    # A date no calendar has is refused by the field's type, still naming the field.
    typed = ana.get("/api/control/measures?end=2025-02-30")
    assert typed.status_code == 422 and typed.json()["detail"][0]["loc"] == ["query", "end"]


def test_the_api_measures_a_whole_year(control_room: Any) -> None:
    answer = control_room["ana"].get(
        "/api/control/measures", params={"start": "2024-01-01", "end": "2024-12-31"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["start"], body["end"]) == ("2024-01-01", "2024-12-31")  # 366 days: a leap year


def test_summary_refuses_a_long_period_before_it_counts() -> None:
    # No session is needed to be refused: the period is checked before any query.
    with pytest.raises(PeriodError, match="at most 366 days"):
        measures.summary(
            session=None,  # type: ignore[arg-type]
            force=None,  # type: ignore[arg-type]
            start=dt.date(2020, 1, 1),
            end=dt.date(2022, 1, 1),
            now=dt.datetime(2026, 12, 8, 12, tzinfo=dt.UTC),
        )


def test_measures_waiting_their_turn_are_bounded(
    control_room: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measures are counted one at a time per process; when 16 already wait, a 429 at once."""
    monkeypatch.setattr(measures, "_waiting", measures.MAX_WAITING)
    busy = control_room["ana"].get("/api/control/measures")
    assert busy.status_code == 429 and "try again in a few seconds" in busy.json()["detail"]
    monkeypatch.setattr(measures, "_waiting", 0)
    assert control_room["ana"].get("/api/control/measures").status_code == 200
