"""``constable hotspots`` on a store (SQLite and PostgreSQL) and on a CSV: a forecast written as
GeoJSON with an SVG map, a backtest with the naive baseline, and clear errors."""

from __future__ import annotations

import datetime as dt
import json
from itertools import count
from pathlib import Path

import numpy as np
import pytest

from constable.cli import main
from constable.crime.models import Crime
from constable.store import Store

KEYS = count()
HOT = (430_000.0, 433_000.0)  # a persistent hotspot; the rest is spread over 6 km


def fill(store: Store) -> None:
    """Three months of month-only crimes: 60% at a hotspot, 40% scattered."""
    rng = np.random.default_rng(7)
    with store.session() as session:
        for month in (dt.date(2018, 5, 1), dt.date(2018, 6, 1), dt.date(2018, 7, 1)):
            for _ in range(200):
                if rng.random() < 0.6:
                    x, y = HOT[0] + rng.normal(0, 60), HOT[1] + rng.normal(0, 60)
                else:
                    x, y = HOT[0] + rng.uniform(-3000, 3000), HOT[1] + rng.uniform(-3000, 3000)
                session.add(
                    Crime(
                        record_key=f"h-{next(KEYS)}",
                        force="Testshire",
                        month=month,
                        category="Burglary",
                        easting=float(x),
                        northing=float(y),
                    )
                )


def run(store: Store, *arguments: str) -> int:
    url = store.engine.url.render_as_string(hide_password=False)
    return main(["--db", url, "hotspots", *arguments])


def test_a_forecast_is_written_as_geojson_and_a_map(store: Store, tmp_path: Path) -> None:
    fill(store)
    out, svg = tmp_path / "forecast.geojson", tmp_path / "forecast.svg"
    code = run(
        store,
        "forecast",
        "--force",
        "Testshire",
        "--method",
        "naive",
        "--train-from",
        "2018-05",
        "--train-to",
        "2018-06",
        "--top",
        "0.05",
        "--out",
        str(out),
        "--svg",
        str(svg),
    )
    assert code == 0
    features = json.loads(out.read_text())["features"]
    assert features and [f["properties"]["rank"] for f in features[:3]] == [1, 2, 3]
    best = features[0]
    lon, lat = np.array(best["geometry"]["coordinates"][0]).mean(axis=0)
    assert 53.7 < lat < 53.9 and -1.6 < lon < -1.4  # the hotspot, in West Yorkshire
    assert best["properties"]["cell"].startswith("E") and best["properties"]["score"] > 0
    assert svg.read_text().startswith("<svg") and "<title" in svg.read_text()


def test_the_backtest_always_has_the_naive_baseline(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(store)
    code = run(
        store,
        "evaluate",
        "--force",
        "Testshire",
        "--method",
        "kde",
        "--first-cut",
        "2018-07-01",
        "--json",
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["method"] for r in rows[:4]] == ["naive"] * 4
    assert [r["coverage"] for r in rows[:4]] == [0.01, 0.05, 0.1, 0.2]
    kde = [r for r in rows if r["method"] == "kde"]
    assert len(kde) == 4 and all(0 <= r["hit_rate"] <= 1 for r in kde)
    # With a persistent hotspot, the top 5% of the area catches well over 5% of the crime.
    assert kde[1]["pai"] > 3


def test_events_from_a_csv_anywhere_in_the_world(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(3)
    lines = ["time,latitude,longitude,type"]
    for day in range(60):
        for _ in range(5):
            lines.append(
                f"2024-03-{1 + day % 28:02d}T12:00:00,{40.7128 + rng.normal(0, 0.003):.6f},"
                f"{-74.0060 + rng.normal(0, 0.003):.6f},burglary"
            )
    path = tmp_path / "nyc.csv"
    path.write_text("\n".join(lines) + "\n")
    code = run(
        store,
        "evaluate",
        "--events",
        str(path),
        "--method",
        "prospective",
        "--first-cut",
        "2024-03-21",
        "--horizon",
        "7D",
        "--json",
    )
    assert code == 0, capsys.readouterr().err
    printed = json.loads(capsys.readouterr().out)
    assert {r["method"] for r in printed["rows"]} == {"naive", "prospective"}


def test_mistakes_are_named(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    assert (
        run(
            store,
            "evaluate",
            "--force",
            "Testshire",
            "--method",
            "magic",
            "--first-cut",
            "2018-07-01",
        )
        == 1
    )
    assert "'magic' is not one of naive, kde, prospective, sepp" in capsys.readouterr().err
    # Month-only data cannot feed a forecaster that needs times.
    code = run(
        store, "evaluate", "--force", "Testshire", "--method", "sepp", "--first-cut", "2018-07-01"
    )
    assert code == 1 and "time" in capsys.readouterr().err.lower()
    assert run(store, "evaluate", "--force", "Nowhere", "--first-cut", "2018-07-01") == 1
    assert "Nowhere" in capsys.readouterr().err
