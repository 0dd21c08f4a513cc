"""Forecaster parameters from the command line (``--param``) and the backtest's plain verdict."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from constable.analysis import params
from constable.analysis.evaluation import verdicts
from constable.analysis.forecasters import KDE, SEPP, Blend, ForecastError, Naive, Prospective
from constable.cli import main


def test_values_take_the_type_of_the_default() -> None:
    methods = {"kde": KDE, "prospective": Prospective, "naive": Naive}
    got = params.parse(
        ["bandwidth=300", "half_life=none", "prospective.weeks=4", "kernel=quartic"], methods
    )
    assert got["kde"] == {"bandwidth": 300.0, "half_life": None, "kernel": "quartic"}
    assert got["prospective"] == {"bandwidth": 300.0, "weeks": 4}
    assert got["naive"] == {"half_life": None}
    assert isinstance(got["prospective"]["weeks"], int)
    assert params.parse(["days=366"], {"naive": Naive})["naive"] == {"days": 366.0}
    assert params.parse(["max_iter=5"], {"sepp": SEPP})["sepp"] == {"max_iter": 5}


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["width=3"], "KDE has no parameter 'width'; its parameters are bandwidth, kernel"),
        (["bandwidth"], "give name=value"),
        (["bandwidth=wide"], "KDE's bandwidth must be a number"),
        (["kernel=none"], "KDE's kernel cannot be none"),
        (["sepp.tol=1"], "'sepp' is not among the methods asked for"),
    ],
)
def test_mistakes_name_the_parameter_and_the_rule(texts: list[str], message: str) -> None:
    with pytest.raises(ForecastError, match=message):
        params.parse(texts, {"kde": KDE})


def test_a_name_no_method_takes_is_refused() -> None:
    with pytest.raises(ForecastError, match="none of kde, blend has a parameter 'weeks'"):
        params.parse(["weeks=2"], {"kde": KDE, "blend": Blend})


def test_the_verdict_says_who_wins_and_in_how_many_windows() -> None:
    base = {"method": "naive", "coverage": 0.05, "pai": 9.44, "won": 0, "lost": 0, "tied": 17}
    base.update(pai_std=0.5, pai_min=8.0, pai_max=10.0)
    kde = {"method": "kde", "coverage": 0.05, "pai": 6.88, "won": 0, "lost": 17, "tied": 0}
    kde.update(pai_std=0.4, pai_min=6.0, pai_max=7.5)
    (said,) = verdicts([base, kde])
    assert said.startswith("naive wins at 5%: 9.44 against kde's 6.88, in 17 of 17 windows")
    assert "PAI 6.00 to 7.50 (sd 0.40)" in said
    better = {**kde, "pai": 9.6, "won": 12, "lost": 5}
    assert verdicts([base, better])[0].startswith("kde beats naive at 5%: 9.60 against 9.44, ")


def write_events(path: Path, seed: int = 3) -> Path:
    """Six months of dated events in Leeds: a hotspot and a scatter."""
    rng = np.random.default_rng(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["time", "latitude", "longitude", "type"])
        for day in range(180):
            for _ in range(12):
                hot = rng.random() < 0.5
                lat = 53.80 + (rng.normal(0, 0.0008) if hot else rng.uniform(-0.03, 0.03))
                lon = -1.55 + (rng.normal(0, 0.0012) if hot else rng.uniform(-0.05, 0.05))
                date = np.datetime64("2018-01-01") + np.timedelta64(day, "D")
                out.writerow([str(date), f"{lat:.6f}", f"{lon:.6f}", "Burglary"])
    return path


def test_evaluate_takes_parameters_and_ends_with_a_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = str(write_events(tmp_path / "events.csv"))
    common = ["hotspots", "evaluate", "--events", events, "--first-cut", "2018-05-01"]
    common += ["--windows", "3", "--step", "14D", "--horizon", "14D"]
    assert main([*common, "--method", "kde", "--param", "bandwidth=300"]) == 0
    out = capsys.readouterr().out
    assert "won-lost" in out
    lines = [line for line in out.splitlines() if " at 5%: " in line]
    assert lines and ("of 3 windows" in lines[0]) and ("sd" in lines[0])
    assert main([*common, "--method", "kde", "--param", "bandwidth=100"]) == 1
    assert "bandwidth == 100 m is smaller than the grid's 150 m cells" in capsys.readouterr().err


def test_forecast_defaults_to_auto_and_says_what_it_chose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from constable.analysis.events import Events
    from constable.analysis.forecasters import make_forecaster
    from constable.analysis.grid import Grid

    events = write_events(tmp_path / "events.csv")
    out = tmp_path / "forecast.geojson"
    arguments = ["hotspots", "forecast", "--events", str(events), "--train-from", "2018-01"]
    arguments += ["--train-to", "2018-05", "--days", "14", "--out", str(out)]
    assert main([*arguments, "--param", "learned=false", "--param", "max_windows=4"]) == 0
    printed = capsys.readouterr().out
    assert "auto chose " in printed and "share their exact point" in printed
    document = json.loads(out.read_text(encoding="utf-8"))
    sidecar = json.loads((tmp_path / "forecast.forecast.json").read_text(encoding="utf-8"))
    assert document["properties"] == sidecar
    report = sidecar["auto"]
    assert sidecar["method"] == "auto" and report["windows"] == 4
    assert report["won"] + report["lost"] + report["tied"] == 4
    assert report["pai"] >= report["naive_pai"]
    # The features are those of Scores.to_geojson, written faster.
    found = Events.read_csv(events)
    history = found.between("2018-01-01", "2018-06-01")
    grid = Grid.from_events(history, cell_size=150, mask_radius=500)
    chosen = make_forecaster(report["chosen_method"], grid, **report["params"])
    scores = chosen.fit(history).predict("2018-06-01", "2018-06-15")
    assert document["features"] == scores.to_geojson()["features"]
