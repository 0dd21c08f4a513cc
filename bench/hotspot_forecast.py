"""Hotspot forecasts that must beat a plain count: naive, ``auto`` and the learned forecaster on
real data, ``auto``'s speed, GeoJSON writing and the command's start-up (issue 17).

(a) **West Yorkshire, July 2018** (data.police.uk street crime shipped by crime-sim-toolkit,
    month-only, all crime types; 150 m cells within 300 m of a 2016-17 event): each forecaster is
    fitted on July 2016 and July 2017 and scored on July 2018, which none of them sees. ``auto``
    chooses by its own backtest on the history (July 2017 from July 2016), once for 5 % and once
    for 10 % of the cells. Hit rate / PAI / PEI* at 1, 5, 10, 20 %, and each method's margin over
    naive at 5 % and 10 % with a 95 % paired bootstrap interval over July 2018's events. Goal:
    ``auto`` at least matches naive at 5 % and 10 %.
(b) **auto's speed**: the 20,000 synthetic events of ``hotspot_speed`` (a), 7-day windows, 26
    backtest windows, every candidate including the learned forecaster. Goal: under 30 s.
(c) **GeoJSON**: West Yorkshire's forecast (every valid cell within 500 m, 56,808 cells) written
    with ``json.dumps(scores.to_geojson())`` and with ``write_geojson``. Goal: 3x faster.
(d) **start-up**: ``import constable.cli`` in a fresh interpreter (the command's start before
    any work), best of ``--repeats``. Goal (the issue): under 1 s.

Run: ``.venv/bin/python bench/hotspot_forecast.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table

from benchkit import console, timed, verdict
from constable.analysis.auto import Auto, bootstrap_margin
from constable.analysis.evaluation import score
from constable.analysis.events import Events
from constable.analysis.forecasters import KDE, Blend, Forecaster, Naive
from constable.analysis.geojson import write_geojson
from constable.analysis.grid import Grid, Scores
from constable.analysis.learned import Learned
from constable.analysis.samples import west_yorkshire_events
from hotspot_speed import TOWN_EVENTS, town

GOAL_AUTO_SECONDS = 30.0
GOAL_GEOJSON_RATIO = 3.0
GOAL_START_SECONDS = 1.0
COVERAGES = (0.01, 0.05, 0.10, 0.20)
START, END = "2018-07-01", "2018-08-01"


@dataclass
class Row:
    """One forecaster's July 2018 figures."""

    label: str
    scores: Scores
    seconds: float
    note: str = ""


def west_yorkshire() -> tuple[list[Row], Events]:
    """(a): every forecaster fitted on the two earlier Julys and scored on July 2018."""
    events = west_yorkshire_events()
    history = events.before(START)
    july = events.between(START, END)
    grid = Grid.from_events(history, cell_size=150, mask_radius=300)

    def run(label: str, model: Forecaster) -> Row:
        began = time.perf_counter()
        scores = model.fit(history).predict(START, END)
        row = Row(label, scores, time.perf_counter() - began)
        if isinstance(model, Auto):
            row.note = f"chose {model.report_['choice']}"
        return row

    rows = [
        run("naive", Naive(grid)),
        run("kde (defaults)", KDE(grid)),
        run("blend (defaults)", Blend(grid)),
        run("auto, chosen at 5%", Auto(grid, coverage=0.05)),
        run("auto, chosen at 10%", Auto(grid, coverage=0.10)),
        run("learned", Learned(grid)),
    ]
    return rows, july


def margin(row: Row, naive: Row, july: Events, coverage: float) -> str:
    """The margin over naive at ``coverage`` with its bootstrap interval."""
    mine = score(row.scores, july, (coverage,))[0].pai
    base = score(naive.scores, july, (coverage,))[0].pai
    interval = bootstrap_margin(row.scores, naive.scores, july, coverage)
    text = f"{mine / base - 1:+.1%}"
    if interval:
        text += f" ({interval[0]:+.1%} to {interval[1]:+.1%})"
    return text


def auto_speed() -> tuple[float, dict[str, Any]]:
    """(b): auto on 20,000 events with 26 windows of 7 days."""
    place = town(2018)
    model = Auto(place.grid, max_windows=26).fit(place.history)
    seconds = timed(lambda: model.predict(place.cut, place.cut + 7))
    return seconds, model.report_


def geojson_speed(repeats: int) -> tuple[float, float, int]:
    """(c): both ways of writing the same forecast."""
    events = west_yorkshire_events()
    history = events.before(START)
    grid = Grid.from_events(history, cell_size=150, mask_radius=500)
    scores = Naive(grid).fit(history).predict(START, END)
    with tempfile.TemporaryDirectory() as folder:
        plain, fast = Path(folder, "plain.geojson"), Path(folder, "fast.geojson")
        old = min(
            timed(lambda: plain.write_text(json.dumps(scores.to_geojson()), encoding="utf-8"))
            for _ in range(repeats)
        )
        new = min(timed(lambda: write_geojson(scores, fast)) for _ in range(repeats))
        same = json.loads(plain.read_text())["features"] == json.loads(fast.read_text())["features"]
    if not same:
        raise RuntimeError("write_geojson wrote other features than to_geojson")
    return old, new, grid.n_valid


def start_up(repeats: int) -> float:
    """(d): a fresh interpreter importing the command."""

    def once() -> float:
        code = "import time; t = time.perf_counter(); import constable.cli; "
        code += "print(time.perf_counter() - t)"
        done = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        return float(done.stdout)

    return min(once() for _ in range(repeats))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    out = console
    rows, july = west_yorkshire()
    naive = rows[0]
    table = Table(
        title="West Yorkshire, July 2018 from July 2016 and 2017: PAI (hit rate, PEI*)",
        title_justify="left",
    )
    for column in ("forecaster", *(f"{c:.0%}" for c in COVERAGES), "vs naive 5%", "10%", "s"):
        table.add_column(column, justify="left" if column == "forecaster" else "right")
    figures = {}
    for row in rows:
        scored = score(row.scores, july, COVERAGES)
        figures[row.label] = {f"{s.coverage:.0%}": s.pai for s in scored}
        table.add_row(
            row.label,
            *(f"{s.pai:.2f} ({s.hit_rate:.3f}, {s.pei_star:.2f})" for s in scored),
            "" if row is naive else margin(row, naive, july, 0.05),
            "" if row is naive else margin(row, naive, july, 0.10),
            f"{row.seconds:.2f}",
        )
    out.print(table)
    out.print(f"{len(july):,} events in July 2018; margins: PAI over naive's, minus 1 (95% paired")
    out.print("bootstrap interval over July 2018's events).")
    for row in rows:
        if row.note:
            out.print(f"{row.label}: {row.note}", soft_wrap=True, markup=False)
    auto5 = figures["auto, chosen at 5%"]["5%"] >= figures[naive.label]["5%"]
    auto10 = figures["auto, chosen at 10%"]["10%"] >= figures[naive.label]["10%"]
    out.print(f"auto at least matches naive at 5%: {verdict(auto5)}; at 10%: {verdict(auto10)}")

    seconds, report = auto_speed()
    out.print(
        f"auto, {TOWN_EVENTS:,} events, {report['windows']} windows of 7 days, "
        f"{len(report['candidates'])} candidates (learned included): {seconds:.1f} s "
        f"(goal < {GOAL_AUTO_SECONDS:g} s: {verdict(seconds < GOAL_AUTO_SECONDS)})"
    )
    out.print(
        f"  chose {report['choice']}: {report['won']} won and {report['lost']} lost against "
        f"naive, margin {report['margin']:+.1%}",
        markup=False,
    )
    old, new, cells = geojson_speed(args.repeats)
    out.print(
        f"GeoJSON of {cells:,} cells: json.dumps(to_geojson()) {old:.2f} s, write_geojson "
        f"{new:.2f} s, {old / new:.1f}x (goal {GOAL_GEOJSON_RATIO:g}x: "
        f"{verdict(old / new >= GOAL_GEOJSON_RATIO)})"
    )
    started = start_up(args.repeats)
    out.print(
        f"import constable.cli: {started:.2f} s (goal < {GOAL_START_SECONDS:g} s: "
        f"{verdict(started < GOAL_START_SECONDS)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
