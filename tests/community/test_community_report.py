"""``constable report community`` against the served app's database, on SQLite and PostgreSQL:
the same figures as ``GET /api/community/report``, as tables or JSON, and one-line errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from communitykit import POINTS, ok

from constable.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_report_prints_the_quarter_for_a_district(
    community: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = community["admin"]
    for detained, ended, outcome in (
        ("2017-07-02T10:00:00+00:00", "2017-07-02T12:00:00+00:00", "admitted_informal"),
        ("2017-07-20T22:00:00+00:00", "2017-07-21T02:00:00+00:00", "community_follow_up"),
        ("2017-09-29T08:00:00+00:00", None, None),
        ("2017-10-01T08:00:00+00:00", None, None),  # the next quarter
    ):
        body: dict[str, Any] = {
            "detained_at": detained,
            "place_of_safety": "health_based_place_of_safety",
            **POINTS["canterbury"],
        }
        if ended:
            body |= {"ended_at": ended, "outcome": outcome}
        ok(admin.post("/api/s136", json=body), 201)
    site = ok(
        admin.post(
            "/api/speedwatch/sites",
            json={"road": "Sturry Road", "speed_limit_mph": 30, **POINTS["canterbury"]},
        ),
        201,
    )
    ok(
        admin.post(
            f"/api/speedwatch/sites/{site['id']}/sessions",
            json={
                "held_on": "2017-08-14",
                "volunteers": 4,
                "hours": 2,
                "vehicles_checked": 310,
                "detections": [
                    {"registration": "CT17AAA", "letter_sent": True, "untaxed": True},
                    {"registration": "CT17BBB", "letter_sent": True},
                    {"registration": "CT17CCC", "no_mot": True},
                ],
            },
        ),
        201,
    )

    api = ok(community["ana"].get("/api/community/report?district=canterbury&quarter=2017Q3"))
    code, out, err = run(
        capsys,
        "--db",
        community.database_url,
        "report",
        "community",
        "--district",
        "Canterbury",
        "--quarter",
        "2017q3",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data == api
    assert (data["quarter"], data["start"], data["end"]) == ("2017Q3", "2017-07-01", "2017-09-30")
    assert (data["financial_year"], data["financial_quarter"]) == ("2017/18", 2)
    s136 = data["sections"]["s136"]
    assert s136["figures"]["detentions"] == 3 and s136["figures"]["ended"] == 2
    assert s136["figures"]["median_minutes"] == 180.0
    assert s136["tables"]["by_month"] == [
        {"month": "2017-07", "detentions": 2},
        {"month": "2017-08", "detentions": 0},
        {"month": "2017-09", "detentions": 1},
    ]
    speed = data["sections"]["speedwatch"]["figures"]
    assert speed["vehicles_checked"] == 310 and speed["vehicles_detected"] == 3
    assert speed["letters_sent"] == 2 and speed["untaxed_referrals"] == 1
    assert speed["no_mot_referrals"] == 1 and speed["volunteer_hours"] == 8
    assert speed["letter_effectiveness"] == 1.0

    code, out, _ = run(
        capsys,
        "--db",
        community.database_url,
        "report",
        "community",
        "--district",
        "canterbury",
        "--quarter",
        "2017Q3",
    )
    assert code == 0
    assert "Canterbury district: community figures, 2017Q3" in out
    assert "financial year 2017/18, quarter 2" in out
    for words in ("Section 136 mental-health detentions", "Median time detained", "180 min"):
        assert words in out
    assert "Vehicles sent a letter not detected again" in out and "100.00%" in out


def test_the_whole_force_has_a_row_per_district(
    community: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "--db",
        community.database_url,
        "report",
        "community",
        "--quarter",
        "2017Q3",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["district"] is None
    assert len(data["sections"]["s136"]["tables"]["by_district"]) == 13
    assert len(data["sections"]["volunteers"]["tables"]["by_district"]) == 13


def test_mistakes_are_one_line_errors(community: Any, capsys: pytest.CaptureFixture[str]) -> None:
    db = community.database_url
    code, _, err = run(capsys, "--db", db, "report", "community", "--quarter", "2017-3")
    assert code == 1 and "is not a quarter written like 2017Q3" in err
    code, _, err = run(
        capsys, "--db", db, "report", "community", "--quarter", "2017Q3", "--district", "atlantis"
    )
    assert code == 1 and "no district 'atlantis'" in err
    refused = community["ana"].get("/api/community/report?quarter=2017Q5")
    assert refused.status_code == 422 and "quarter" in refused.json()["detail"]
    assert community["ana"].get("/api/community/report").status_code == 422
