"""Patrol plans over HTTP on SQLite and PostgreSQL: plan a randomised shift, record visits with
the roles' limits, export, fairness, the design's analysis on crimes placed in known boxes, the
district page's top boxes, and the command line on the same store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from constable.analysis.top_boxes import clear_cache
from constable.auth.roles import Role
from constable.cli import main
from constable.crime.models import Crime
from constable.force.models import District, Neighbourhood
from constable.store import Store, open_store
from support import Served, database_url_for, served_kent

USERS = {
    "ana": (Role.ANALYST, None),
    "hana": (Role.CALL_HANDLER, None),
    "csu-sevenoaks": (Role.COMMUNITY_SAFETY, "sevenoaks"),
    "csu-dover": (Role.COMMUNITY_SAFETY, "dover"),
}
KEYS = count()
DAYS = [dt.date(2026, 3, 10), dt.date(2026, 3, 11), dt.date(2026, 3, 12)]


def add_history(store: Store) -> None:
    """Two months of timed crimes in Sevenoaks, most around three of its neighbourhoods."""
    rng = np.random.default_rng(8)
    with store.session() as session:
        district = session.scalar(select(District).where(District.slug == "sevenoaks"))
        assert district is not None
        hoods = session.execute(
            select(Neighbourhood.code, Neighbourhood.easting, Neighbourhood.northing)
            .where(Neighbourhood.district_id == district.id)
            .order_by(Neighbourhood.code)
        ).all()
        for index in range(400):
            code, x, y = hoods[index % 3] if rng.random() < 0.7 else hoods[index % len(hoods)]
            when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
                hours=float(rng.uniform(0, 24 * 58))
            )
            session.add(
                Crime(
                    record_key=f"p-{next(KEYS)}",
                    force="Kent",
                    month=when.date().replace(day=1),
                    occurred_at=when,
                    category="Burglary",
                    lsoa_code=code,
                    easting=float(x + rng.normal(0, 80)),
                    northing=float(y + rng.normal(0, 80)),
                )
            )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def patrol_desk(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Kent with users and a history of crime in Sevenoaks, served over HTTP."""
    url = database_url_for(request, "patrol")
    with served_kent(url, USERS) as served:
        store = open_store(url)
        try:
            add_history(store)
        finally:
            store.close()
        clear_cache()
        yield served


def plan_body(day: dt.date, **extra: Any) -> dict[str, Any]:
    return {
        "district": "sevenoaks",
        "day": day.isoformat(),
        "shift": "day",
        "units": 2,
        "boxes": 8,
        "design": "randomised",
        "seed": 2026,
        **extra,
    }


def test_plans_visits_and_the_design(patrol_desk: Served) -> None:
    analyst, handler = patrol_desk["ana"], patrol_desk["hana"]
    refused = handler.post("/api/patrol-plans", json=plan_body(DAYS[0]))
    assert refused.status_code == 403 and "call handler cannot plan patrols" in refused.text
    plans = []
    for day in DAYS:
        answer = analyst.post("/api/patrol-plans", json=plan_body(day))
        assert answer.status_code == 201, answer.text
        plans.append(answer.json())
    first = plans[0]
    assert first["design"] == "randomised" and first["seed"] == 2026
    assert first["history"] == {"from": "2025-03", "to": "2026-02", "events": 400}
    arms = [b["arm"] for b in first["boxes"]]
    assert arms.count("treatment") == len(arms) // 2 and "control" in arms
    assert all(b["area"] for b in first["boxes"])  # every box is in a neighbourhood
    again = analyst.post("/api/patrol-plans", json=plan_body(DAYS[0]))
    assert again.status_code == 409 and "already has plan" in again.text
    before = patrol_desk.counts("patrol_plan", "patrol_box")
    bad = analyst.post("/api/patrol-plans", json=plan_body(dt.date(2026, 3, 13), shift="brunch"))
    assert bad.status_code == 422 and "'brunch' is not one of early, late, night, day" in bad.text
    assert patrol_desk.counts("patrol_plan", "patrol_box") == before  # nothing half-written

    # Visits: the district's own community safety staff, within the shift.
    treated = next(b for b in first["boxes"] if b["arm"] == "treatment" and b["unit"])
    visit = {
        "cell": treated["cell"],
        "unit": "SO-PCSO-1",
        "arrived_at": f"{DAYS[0]}T09:30:00+00:00",
        "minutes": 15,
    }
    url = f"/api/patrol-plans/{first['id']}/visits"
    other = patrol_desk["csu-dover"].post(url, json=visit)
    assert other.status_code == 403 and "cannot record patrol visit in Sevenoaks" in other.text
    assert handler.post(url, json=visit).status_code == 403
    late = patrol_desk["csu-sevenoaks"].post(url, json={**visit, "arrived_at": f"{DAYS[0]}T23:00Z"})
    assert late.status_code == 422 and "outside the shift" in late.text
    missing = patrol_desk["csu-sevenoaks"].post(url, json={**visit, "cell": "E1N1"})
    assert missing.status_code == 404
    done = patrol_desk["csu-sevenoaks"].post(url, json=visit)
    assert done.status_code == 201, done.text
    box = next(b for b in done.json()["boxes"] if b["cell"] == treated["cell"])
    assert box["visited_minutes"] == 15 and box["visits"][0]["unit"] == "SO-PCSO-1"
    assert done.json()["totals"]["visited"] == 1

    # Exports and fairness.
    geo = analyst.get(f"/api/patrol-plans/{first['id']}/geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert len(geo.json()["features"]) == len(first["boxes"])
    drawn = analyst.get(f"/api/patrol-plans/{first['id']}/map.svg")
    assert drawn.headers["content-type"].startswith("image/svg+xml") and "Sevenoaks" in drawn.text
    fair = analyst.get(f"/api/patrol-plans/{first['id']}/fairness").json()
    assert fair["attended"] >= 1 and fair["neighbourhoods"] > 50
    assert 0 <= fair["gini_vs_crime"] <= 1

    # The design: one crime in every control box during its shift, none in treatment boxes.
    with_crime = add_crimes_in(patrol_desk.database_url, plans, "control")
    result = analyst.get(
        "/api/patrol-plans/design",
        params={"district": "sevenoaks", "start": "2026-03-01", "end": "2026-03-31"},
    )
    assert result.status_code == 200, result.text
    found = result.json()
    assert found["days"] == 3 and found["treated_crimes"] == 0
    assert found["control_crimes"] == with_crime
    assert found["rate_ratio"] == 0.0 and found["high"] < 1
    assert found["control_visits"] == 0

    # A worked plan is kept; an unworked one can go.
    assert analyst.delete(f"/api/patrol-plans/{first['id']}").status_code == 409
    assert analyst.delete(f"/api/patrol-plans/{plans[2]['id']}").status_code == 204
    assert analyst.get(f"/api/patrol-plans/{plans[2]['id']}").status_code == 404


def add_crimes_in(url: str, plans: list[dict[str, Any]], arm: str) -> int:
    store = open_store(url)
    added = 0
    try:
        with store.session() as session:
            for plan in plans:
                middle = dt.datetime.fromisoformat(plan["starts_at"]) + dt.timedelta(hours=2)
                for box in plan["boxes"]:
                    if box["arm"] != arm:
                        continue
                    session.add(
                        Crime(
                            record_key=f"d-{next(KEYS)}",
                            force="Kent",
                            month=middle.date().replace(day=1),
                            occurred_at=middle,
                            category="Burglary",
                            lsoa_code=box["area"],
                            easting=box["x0"] + 10,
                            northing=box["y0"] + 10,
                        )
                    )
                    added += 1
    finally:
        store.close()
    return added


def test_the_district_board_shows_the_days_top_boxes(patrol_desk: Served) -> None:
    page = patrol_desk["ana"].get("/control/districts/sevenoaks")
    assert page.status_code == 200
    assert "Today&#39;s top boxes" in page.text or "Today's top boxes" in page.text
    assert page.text.count('<th scope="row">E') >= 5  # box ids, e.g. E552350N155100
    empty = patrol_desk["ana"].get("/control/districts/dover")
    assert "The store has no located crimes for Dover" in empty.text


def test_the_command_line_on_the_same_store(
    patrol_desk: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = patrol_desk.database_url
    code = main(
        [
            "--db",
            url,
            "patrol",
            "plan",
            "--district",
            "sevenoaks",
            "--date",
            "2026-03-20",
            "--units",
            "3",
            "--priority",
            "E01000001=2",
            "--json",
        ]
    )
    assert code == 1
    assert "E01000001 is not one of Sevenoaks's neighbourhoods" in capsys.readouterr().err
    code = main(
        [
            "--db",
            url,
            "patrol",
            "plan",
            "--district",
            "sevenoaks",
            "--date",
            "2026-03-20",
            "--units",
            "3",
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    plan = json.loads(capsys.readouterr().out)
    assert plan["design"] == "ordinary" and {b["unit"] for b in plan["boxes"]} == {1, 2, 3}
    out, svg = tmp_path / "plan.geojson", tmp_path / "plan.svg"
    code = main(
        ["--db", url, "patrol", "export", str(plan["id"]), "--out", str(out), "--svg", str(svg)]
    )
    assert code == 0
    assert len(json.loads(out.read_text())["features"]) == len(plan["boxes"])
    assert svg.read_text().startswith("<svg")
    assert main(["--db", url, "patrol", "show", str(plan["id"])]) == 0
    assert "unit.stop" in capsys.readouterr().out
    assert (
        main(
            [
                "--db",
                url,
                "patrol",
                "analyse",
                "--district",
                "dover",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
            ]
        )
        == 1
    )
    assert "Dover has no randomised patrol plans" in capsys.readouterr().err
