"""``constable hotspots knox``: the near-repeat table from a CSV, its JSON, month-only data
refused, and bad bands named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from constable.cli import main
from constable.store import Store


def burglaries(path: Path, *, months_only: bool = False) -> Path:
    """300 scattered burglaries over a year in Leeds, each followed within a week by another
    within 100 m for a third of them: a near-repeat pattern to find."""
    rng = np.random.default_rng(5)
    lines = ["time,latitude,longitude,type"]
    start = dt.date(2024, 1, 1)
    for _ in range(300):
        lat, lon = 53.80 + rng.uniform(-0.05, 0.05), -1.55 + rng.uniform(-0.08, 0.08)
        day = start + dt.timedelta(days=int(rng.integers(0, 330)))
        lines.append(f"{day:%Y-%m}," if months_only else f"{day.isoformat()},")
        lines[-1] += f"{lat:.6f},{lon:.6f},Burglary"
        if rng.random() < 0.33:
            later = day + dt.timedelta(days=int(rng.integers(1, 7)))
            near = (lat + rng.normal(0, 0.0004), lon + rng.normal(0, 0.0006))
            stamp = f"{later:%Y-%m}" if months_only else later.isoformat()
            lines.append(f"{stamp},{near[0]:.6f},{near[1]:.6f},Burglary")
    lines.append(("2024-06" if months_only else "2024-06-01") + ",53.8,-1.55,Robbery")
    path.write_text("\n".join(lines) + "\n")
    return path


def run(store: Store, *arguments: str) -> int:
    url = store.engine.url.render_as_string(hide_password=False)
    return main(["--db", url, "hotspots", "knox", *arguments])


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    from constable.store import open_store

    return open_store(f"sqlite:///{tmp_path / 'k.db'}")


def test_near_repeats_from_a_csv(
    sqlite_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = burglaries(tmp_path / "burglary.csv")
    code = run(sqlite_store, "--events", str(csv), "--type", "burglary", "--simulations", "99")
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Knox ratios" in out and "0–7 days" in out and "1–100 m" in out
    assert "Near repeats: risk is raised up to" in out and "days after an event" in out
    code = run(
        sqlite_store,
        "--events",
        str(csv),
        "--space-bands",
        "100,200",
        "--time-bands",
        "7,14",
        "--simulations",
        "99",
        "--json",
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["events"] > 300  # the robbery is left out by the default type
    assert [b["label"] for b in result["space_bands"]] == [
        "0–100 m",
        "101–200 m",
        "more than 200 m",
    ]
    raised = {(c["space"], c["time"]) for c in result["raised"]}
    assert ("0–100 m", "0–7 days") in raised
    assert result["pattern"]["distance"] in (100, 200) and result["pattern"]["days"] == 7


def test_month_only_data_is_refused(
    sqlite_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = burglaries(tmp_path / "monthly.csv", months_only=True)
    assert run(sqlite_store, "--events", str(csv)) == 1
    assert "month only" in capsys.readouterr().err


def test_mistakes_are_named(
    sqlite_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = burglaries(tmp_path / "burglary.csv")
    assert run(sqlite_store, "--events", str(csv), "--time-bands", "14,7") == 1
    assert "time_bands[1] == 7, must be above" in capsys.readouterr().err
    assert run(sqlite_store, "--events", str(csv), "--space-bands", "a,b") != 0
    assert "--space-bands" in capsys.readouterr().err
    assert run(sqlite_store, "--events", str(csv), "--type", "arson") == 1
    assert "'arson' is not among the events' types: Burglary, Robbery" in capsys.readouterr().err
    assert run(sqlite_store, "--events", str(csv), "--simulations", "9") == 1
    assert "permutations == 9" in capsys.readouterr().err


def test_fairness_and_feedback_on_the_command_line(
    sqlite_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """Crime in two Leeds LSOAs, most in the first: the forecast's top cells go there."""
    from constable.crime.models import Crime

    rng = np.random.default_rng(1)
    with sqlite_store.session() as session:
        for month in (dt.date(2018, 5, 1), dt.date(2018, 6, 1), dt.date(2018, 7, 1)):
            for index in range(120):
                busy = index % 4 != 0
                x, y = (430_200.0, 433_400.0) if busy else (432_100.0, 434_900.0)
                session.add(
                    Crime(
                        record_key=f"f-{month}-{index}",
                        force="West Yorkshire",
                        month=month,
                        category="Burglary",
                        lsoa_code="E01033010" if busy else "E01011434",
                        easting=x + rng.normal(0, 60),
                        northing=y + rng.normal(0, 60),
                    )
                )
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    code = main(
        [
            "--db",
            url,
            "hotspots",
            "fairness",
            "--force",
            "West Yorkshire",
            "--train-from",
            "2018-05",
            "--train-to",
            "2018-06",
            "--top",
            "0.2",
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert result["neighbourhoods"] == 2 and result["attended"] >= 1
    first = result["areas"][0]
    assert first["area"] == "E01033010" and first["crime"] == 90 and first["population"] > 1000
    code = main(["--db", url, "hotspots", "feedback", "--equal", "40", "--days", "60", "--json"])
    assert code == 0
    loop = json.loads(capsys.readouterr().out)
    assert loop["areas"] == 40 and loop["patrols"] == 2 and loop["areas_ever_patrolled"] <= 6
    assert main(["--db", url, "hotspots", "feedback", "--days", "60"]) == 1
    assert "give --force" in capsys.readouterr().err
