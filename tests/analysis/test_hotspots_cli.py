"""``constable hotspots`` on a store (SQLite and PostgreSQL) and on a CSV: a forecast written as
GeoJSON with an SVG map, a backtest with the naive baseline, the backtest by LSOA, and clear
errors."""

from __future__ import annotations

import datetime as dt
import json
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from constable.analysis.areas import (
    area_scores,
    cell_areas_from_points,
    census_for,
    compare_areas,
    count_by_area,
    score_areas,
    store_area_events,
)
from constable.analysis.events import Events
from constable.analysis.forecasters import KDE, Naive
from constable.analysis.grid import Grid
from constable.cli import main
from constable.crime.models import Crime
from constable.performance.forces import lsoa_forces
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
    assert "'magic' is not one of auto, naive, kde, " in capsys.readouterr().err
    # Month-only data cannot feed a forecaster that needs times.
    code = run(
        store, "evaluate", "--force", "Testshire", "--method", "sepp", "--first-cut", "2018-07-01"
    )
    assert code == 1 and "time" in capsys.readouterr().err.lower()
    assert run(store, "evaluate", "--force", "Nowhere", "--first-cut", "2018-07-01") == 1
    assert "Nowhere" in capsys.readouterr().err


# --- At LSOA level ----------------------------------------------------------------------------

WY = "West Yorkshire"
# Four large LSOAs of West Yorkshire (41, 35, 29 and 26 km² of its 2,029): 1% of the area is
# part of one of them, so the ranking matters.
LSOAS = ("E01010955", "E01011075", "E01011182", "E01011561")
OTHER = "E01010887"  # another of West Yorkshire's
ELSEWHERE = "E01024040"  # a Kent LSOA: its crimes are not ranked
JUNE, JULY, AUGUST = (dt.datetime(2018, m, 1, tzinfo=dt.UTC) for m in (6, 7, 8))


def add_crimes(
    store: Store, month: dt.date, places: list[tuple[float, float, str]], force: str = WY
) -> None:
    with store.session() as session:
        for x, y, code in places:
            session.add(
                Crime(
                    record_key=f"l-{next(KEYS)}",
                    force=force,
                    month=month,
                    category="Burglary",
                    easting=x,
                    northing=y,
                    lsoa_code=code,
                )
            )


def fill_lsoas(store: Store, force: str = WY) -> None:
    """May to July 2018: four clusters 1.5 km apart, each an LSOA, busiest first; a few crimes
    in an LSOA of another force."""
    rng = np.random.default_rng(11)
    for month in (dt.date(2018, 5, 1), dt.date(2018, 6, 1), dt.date(2018, 7, 1)):
        places = []
        for _ in range(150):
            i = int(rng.choice(4, p=[0.4, 0.3, 0.2, 0.1]))
            code = ELSEWHERE if rng.random() < 0.05 else LSOAS[i]
            x, y = HOT[0] + 1500 * i + rng.normal(0, 80), HOT[1] + rng.normal(0, 80)
            places.append((float(x), float(y), code))
        add_crimes(store, month, places, force)


def west_yorkshire_km2() -> dict[str, float]:
    return census_for([c for c, force in lsoa_forces().items() if force == WY]).km2


def lsoa_json(store: Store, capsys: pytest.CaptureFixture[str], *arguments: str) -> Any:
    code = run(store, "evaluate", "--force", WY, "--level", "lsoa", "--json", *arguments)
    assert code == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_lsoa_metrics_are_those_of_score_areas(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    fill_lsoas(store)
    printed = lsoa_json(
        store, capsys, "--method", "kde", "--first-cut", "2018-06-01", "--windows", "2"
    )
    with store.session() as session:
        events, codes = store_area_events(session=session, force=WY)
    km2 = west_yorkshire_km2()
    grid = Grid.from_events(events.before(JUNE), cell_size=150, mask_radius=500)
    expected: dict[str, list[list[dict[str, Any]]]] = {"naive-lsoa": [], "kde": []}
    for cut, end in ((JUNE, JULY), (JULY, AUGUST)):
        history = events.before(cut)
        n = len(history)
        observed = count_by_area(codes[n : n + len(events.between(cut, end))])
        cells = cell_areas_from_points(grid, history.x, history.y, codes[:n])
        kde = area_scores(KDE(grid).fit(history).predict(cut, end), cells)
        for name, guess in (("naive-lsoa", count_by_area(codes[:n])), ("kde", kde)):
            expected[name].append([s.as_dict() for s in score_areas(guess, observed, km2)])
    assert printed["level"] == "lsoa" and printed["lsoas"] == 1388
    assert [w["test_events"] for w in printed["windows"]] == [
        e[0]["events"] for e in expected["kde"]
    ]
    assert all(w["outside"] > 0 for w in printed["windows"])  # the Kent LSOA's crimes
    for w, window in enumerate(printed["windows"]):
        assert list(window["metrics"]) == ["naive-lsoa", "kde"]
        for name, scores in expected.items():
            got = window["metrics"][name]
            assert list(got) == ["1%", "5%", "10%", "20%"]
            for label, score in zip(got, scores[w], strict=True):
                assert got[label] == pytest.approx(score)
    for row in printed["rows"]:
        at = [0.01, 0.05, 0.1, 0.2].index(row["coverage"])
        for metric in ("hit_rate", "pai", "pei_star"):
            values = [window[at][metric] for window in expected[row["method"]]]
            assert row[metric] == pytest.approx(np.mean(values))
    # The busiest cluster's LSOA is ranked first by both: a hit rate well above chance.
    assert all(r["pai"] > 10 for r in printed["rows"] if r["coverage"] == 0.01)


def test_a_future_crime_does_not_change_the_fitted_forecast(store: Store) -> None:
    """June's crimes are stamped 1 June, the first cut itself: they are window 0's future."""
    fill_lsoas(store)
    km2 = west_yorkshire_km2()
    latest: list[dt.datetime] = []  # the latest crime each KDE was given

    class Watched(KDE):
        def fit(self, events: Events) -> Watched:
            latest.append(events.moment(float(events.t[-1])))
            return super().fit(events)

    def fitted() -> list[dict[str, dict[str, float]]]:
        with store.session() as session:
            events, codes = store_area_events(session=session, force=WY)
        grid = Grid.from_events(events.before(JUNE), cell_size=150, mask_radius=500)
        factories = {"kde": Watched, "naive": Naive}
        return compare_areas(factories, events, codes, grid, km2, JUNE, "1M", "1M", 2).forecasts

    before = fitted()
    # Many crimes 300 m from the quietest cluster, in another LSOA: cells near them would be
    # given that LSOA, and the forecasts moved there, if the fit for 1 June could see them.
    near = (HOT[0] + 4500 - 300, HOT[1])
    add_crimes(store, dt.date(2018, 6, 1), [(near[0] + i, near[1], OTHER) for i in range(60)])
    after = fitted()
    assert after[0] == before[0]
    assert [moment.date() for moment in latest] == [dt.date(2018, m, 1) for m in (5, 6, 5, 6)]
    # ...while the window whose history they are does change.
    assert after[1]["naive-lsoa"][OTHER] == 60
    assert after[1]["kde"] != before[1]["kde"] and OTHER in after[1]["kde"]


def test_crimes_after_the_last_window_change_no_lsoa_figure(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    fill_lsoas(store)
    arguments = ("--method", "kde", "--first-cut", "2018-06-01", "--windows", "2")
    before = lsoa_json(store, capsys, *arguments)
    # Near the quietest cluster, in another LSOA, and 3 km away: the LSOAs of cells, the fits
    # and the area would all change if anything of August reached them.
    near, far = (HOT[0] + 4500 - 300, HOT[1]), (HOT[0], HOT[1] + 3000)
    places = [(x + i, y, OTHER) for x, y in (near, far) for i in range(30)]
    add_crimes(store, dt.date(2018, 8, 1), places)
    assert lsoa_json(store, capsys, *arguments) == before


def test_lsoa_level_needs_a_force_s_crimes(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.csv"
    path.write_text("time,latitude,longitude\n2024-03-01,53.8,-1.5\n2024-04-01,53.8,-1.5\n")
    code = run(
        store, "evaluate", "--events", str(path), "--level", "lsoa", "--first-cut", "2024-04-01"
    )
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "--level lsoa needs a force's crimes (--force F)" in err
    assert (
        run(store, "evaluate", "--force", WY, "--level", "msoa", "--first-cut", "2018-06-01") == 1
    )
    assert "--level 'msoa' is not one of grid, lsoa" in capsys.readouterr().err
    bad = ("--force", WY, "--level", "lsoa", "--first-cut", "2018-13-01")
    assert run(store, "evaluate", *bad) == 1
    assert "--first-cut '2018-13-01' is not a date" in capsys.readouterr().err


def test_a_force_without_a_census_area_ranks_the_lsoas_of_its_crimes(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    fill_lsoas(store, force="British Transport Police")
    btp = ("--force", "British Transport Police", "--level", "lsoa", "--first-cut", "2018-07-01")
    assert run(store, "evaluate", *btp, "--json") == 0
    printed = json.loads(capsys.readouterr().out)
    # The four West Yorkshire LSOAs and the Kent one.
    assert printed["lsoas"] == 5 and printed["windows"][0]["outside"] == 0
    assert run(store, "evaluate", *btp) == 0
    table = " ".join(capsys.readouterr().out.split())  # as one line, however it wrapped
    assert "5 LSOAs of its crimes before the first cut (133 km²)" in table
    add_crimes(store, dt.date(2018, 5, 1), [(HOT[0], HOT[1], "E99999999")], "Sodor")
    nowhere = ("--force", "Sodor", "--level", "lsoa", "--first-cut", "2018-06-01")
    assert run(store, "evaluate", *nowhere) == 1
    assert "none of the LSOAs of its crimes before the first cut is a 2011" in (
        capsys.readouterr().err
    )
