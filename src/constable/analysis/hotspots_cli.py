"""``constable hotspots``: forecast crime on a grid and measure how good the forecasts are.

Events come from the store (``--force``: the force's located crimes) or from a CSV
(``--events FILE.csv``: columns ``time``, ``latitude``, ``longitude``, optional ``type`` and
``id``; any place in the world). See docs/hotspots.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.table import Table

from constable import console
from constable.analysis import evaluation, forecasters
from constable.analysis.events import AnalysisError, Events
from constable.analysis.grid import Grid, Scores
from constable.analysis.maps import scores_svg
from constable.analysis.source import store_events
from constable.crime.service import parse_month
from constable.state import state

app = typer.Typer(help="Hotspot forecasts and their evaluation.", no_args_is_help=True)

METHODS = ", ".join(forecasters.FORECASTERS)


def _events(
    ctx: typer.Context, force: str | None, events_file: Path | None, types: list[str] | None
) -> Events:
    if (force is None) == (events_file is None):
        raise typer.BadParameter("give --force or --events, not both", param_hint="--force")
    if events_file is not None:
        found = Events.read_csv(events_file)
        return found.of_type(*types) if types else found
    assert force is not None
    with state(ctx).store().session() as session:
        return store_events(session=session, force=force, categories=types or None)


def _month_start(text: str) -> dt.datetime:
    return dt.datetime.combine(parse_month(text), dt.time(), dt.UTC)


def _after(month: dt.datetime) -> dt.datetime:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _grid(events: Events, cell: float, mask_radius: float) -> Grid:
    return Grid.from_events(events, cell_size=cell, mask_radius=mask_radius)


@app.command("forecast")
def forecast(
    ctx: typer.Context,
    force: str | None = typer.Option(None, help="The force whose crimes to use."),
    events_file: Path | None = typer.Option(None, "--events", help="A CSV of events instead."),
    method: str = typer.Option("kde", help=f"One of {METHODS}."),
    cell: float = typer.Option(150.0, help="Cell size in metres."),
    train_from: str = typer.Option(..., help="First month of history, YYYY-MM."),
    train_to: str = typer.Option(..., help="Last month of history, YYYY-MM."),
    predict_from: str | None = typer.Option(
        None, help="First month forecast, YYYY-MM (default: the month after the history)."
    ),
    days: int | None = typer.Option(None, help="Forecast this many days (default: one month)."),
    crime_type: list[str] | None = typer.Option(None, "--type", help="Only these types."),
    mask_radius: float = typer.Option(
        500.0, help="Cells farther than this from any event are outside the area (metres)."
    ),
    top: float | None = typer.Option(
        None, help="Write only the top fraction of cells (e.g. 0.05); default: every cell."
    ),
    out: Path = typer.Option(..., help="The GeoJSON file to write."),
    svg: Path | None = typer.Option(None, help="Also a map of the top 5% of cells, as SVG."),
) -> None:
    """Fit on the history and write the next window's scores as GeoJSON (WGS84 cells with
    their cell id, ``score`` and ``rank``).

    Example: constable hotspots forecast --force "West Yorkshire" --method naive --cell 150
    --train-from 2016-07 --train-to 2017-07 --predict-from 2018-07 --out forecast.geojson
    """
    every = _events(ctx, force, events_file, crime_type)
    start_history, end_history = _month_start(train_from), _after(_month_start(train_to))
    if end_history <= start_history:
        raise AnalysisError(f"--train-to {train_to} is before --train-from {train_from}")
    history = every.between(start_history, end_history)
    if not len(history):
        raise AnalysisError(f"no events from {train_from} to {train_to}")
    # The area comes from the history alone: cells drawn from the future would flatter the scores.
    grid = _grid(history, cell, mask_radius)
    start = _month_start(predict_from) if predict_from else end_history
    if start < end_history:
        raise AnalysisError(f"--predict-from {predict_from} is inside the history")
    end = start + dt.timedelta(days=days) if days else _after(start)
    model = forecasters.make_forecaster(method, grid).fit(history)
    scores: Scores = model.predict(start, end)
    out.write_text(json.dumps(scores.to_geojson(top)), encoding="utf-8")
    if svg is not None:
        svg.write_text(
            scores_svg(
                scores,
                fraction=0.05,
                title=f"{method} forecast, {start:%d %b %Y} to {end:%d %b %Y}",
                events=every.between(start, end),
            ),
            encoding="utf-8",
        )
    console.out().print(
        f"{len(history):,} events from {train_from} to {train_to}; {grid.describe()}; "
        f"{method} forecast for {start:%Y-%m-%d} to {end:%Y-%m-%d} written to {out}"
        + (f" and {svg}" if svg else "")
    )


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    force: str | None = typer.Option(None, help="The force whose crimes to use."),
    events_file: Path | None = typer.Option(None, "--events", help="A CSV of events instead."),
    method: list[str] = typer.Option(["kde"], help=f"One or more of {METHODS} (repeat)."),
    cell: float = typer.Option(150.0, help="Cell size in metres."),
    first_cut: str = typer.Option(..., help="Start of the first forecast window, YYYY-MM-DD."),
    step: str = typer.Option("1M", help="How far the cut moves each time: 7D, 2W, 1M..."),
    horizon: str = typer.Option("1M", help="Length of each forecast window: 7D, 1M..."),
    windows: int = typer.Option(1, help="How many windows."),
    crime_type: list[str] | None = typer.Option(None, "--type", help="Only these types."),
    mask_radius: float = typer.Option(500.0, help="Area: cells this close to an event."),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: one row per method and coverage."
    ),
) -> None:
    """A rolling-origin backtest: fit on the history before each cut, forecast the next
    window, score hit rate, PAI and PEI* at 1, 5, 10 and 20% of the area; the naive forecast
    is always included as the baseline.

    Example: constable hotspots evaluate --force "West Yorkshire" --method kde
    --first-cut 2018-07-01 --json
    """
    every = _events(ctx, force, events_file, crime_type)
    unknown = [m for m in method if m not in forecasters.FORECASTERS]
    if unknown:
        raise AnalysisError(f"--method {unknown[0]!r} is not one of {METHODS}")
    cut = dt.datetime.fromisoformat(first_cut)
    if cut.tzinfo is None:
        cut = cut.replace(tzinfo=dt.UTC)
    # The area comes from the history before the first cut: cells drawn from the windows being
    # scored would flatter them (their events then count as outside the area).
    grid = _grid(every.before(cut), cell, mask_radius)
    factories = {m: forecasters.FORECASTERS[m] for m in method}
    rows = evaluation.compare(factories, every, grid, cut, step, horizon, windows)
    if as_json:
        typer.echo(json.dumps({"grid": grid.describe(), "rows": rows}, indent=2))
        return
    table = Table(
        title=f"Backtest: {windows} window(s) of {horizon} from {first_cut}; {grid.describe()}"
    )
    for column in ("method", "coverage", "hit rate", "PAI", "PEI*", "PAI vs naive"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for row in rows:
        table.add_row(
            row["method"],
            f"{row['coverage']:.0%}",
            _number(row["hit_rate"], "{:.1%}"),
            _number(row["pai"], "{:.2f}"),
            _number(row["pei_star"], "{:.2f}"),
            _number(row.get("pai_vs_naive"), "{:.2f}x"),
        )
    console.out().print(table)


def _number(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)
