"""``constable hotspots``: forecast crime on a grid and measure how good the forecasts are.

Events come from the store (``--force``: the force's located crimes) or from a CSV
(``--events FILE.csv``: columns ``time``, ``latitude``, ``longitude``, optional ``type`` and
``id``; any place in the world). See docs/hotspots.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import typer
from numpy.typing import NDArray
from rich.table import Table

from constable import console
from constable.analysis import areas, evaluation, fairness, forecasters, nearrepeat, params
from constable.analysis.auto import Auto
from constable.analysis.auto import summary as auto_summary
from constable.analysis.events import AnalysisError, Events
from constable.analysis.geojson import write_geojson
from constable.analysis.grid import Grid, Scores
from constable.analysis.maps import scores_svg
from constable.analysis.snapping import repeated_point_share
from constable.analysis.source import store_events
from constable.crime.service import parse_month, resolve_force_name
from constable.state import state

app = typer.Typer(help="Hotspot forecasts and their evaluation.", no_args_is_help=True)

METHODS = ", ".join(forecasters.FORECASTERS)
AUTO_HELP = f"One of {METHODS}; auto (the default) chooses by a backtest on the history."
LEVELS = ("grid", "lsoa")


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


PARAM_HELP = (
    "A forecaster parameter, name=value (repeat): bandwidth=150, half_life=none; "
    "method.name=value for one method only."
)


def _factories(methods: list[str], texts: list[str], grid: Grid) -> dict[str, evaluation.Factory]:
    """A factory for each method with its ``--param`` values, checked against the grid now so
    that a bad value is reported before any fitting."""
    unknown = [m for m in methods if m not in forecasters.FORECASTERS]
    if unknown:
        raise AnalysisError(f"--method {unknown[0]!r} is not one of {METHODS}")
    classes = {m: forecasters.FORECASTERS[m] for m in methods}
    given = params.parse(texts, classes)
    out: dict[str, evaluation.Factory] = {}
    for method, cls in classes.items():
        chosen = given[method]
        forecasters.make_forecaster(method, grid, **chosen).check_params()
        out[method] = functools.partial(cls, **chosen)
    return out


@app.command("forecast")
def forecast(
    ctx: typer.Context,
    force: str | None = typer.Option(None, help="The force whose crimes to use."),
    events_file: Path | None = typer.Option(None, "--events", help="A CSV of events instead."),
    method: str = typer.Option("auto", help=AUTO_HELP),
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
    param: list[str] | None = typer.Option(None, "--param", help=PARAM_HELP),
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
    factory = _factories([method], param or [], grid)[method]
    model = factory(grid).fit(history)
    scores: Scores = model.predict(start, end)
    about = forecast_properties(model, history, grid, start, end)
    write_geojson(scores, out, top, about)
    sidecar = out.with_name(out.stem + ".forecast.json")
    sidecar.write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")
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
    out_console = console.out()
    out_console.print(
        f"{len(history):,} events from {train_from} to {train_to}; {grid.describe()}; "
        f"{method} forecast for {start:%Y-%m-%d} to {end:%Y-%m-%d} written to {out} "
        f"(and what it is to {sidecar})" + (f" and {svg}" if svg else ""),
        soft_wrap=True,
    )
    if isinstance(model, Auto):
        out_console.print(auto_summary(model.report_), soft_wrap=True)
    out_console.print(snapped_note(about["snapped_share"]), soft_wrap=True)


def forecast_properties(
    model: forecasters.Forecaster, history: Events, grid: Grid, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """What a forecast is, for the GeoJSON's properties and the sidecar JSON: the method and
    its parameters, auto's choice and backtest, the window, the grid and the snapped share."""
    about: dict[str, Any] = {
        "method": model.name,
        "params": {k: evaluation._plain(v) for k, v in model.get_params().items()},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "grid": grid.describe(),
        "history_events": len(history),
        "snapped_share": round(repeated_point_share(history), 4),
    }
    if isinstance(model, Auto):
        about["auto"] = model.report_
    return about


def snapped_note(share: float) -> str:
    """A sentence on the share of events on repeated points."""
    text = f"{share:.0%} of the history's events share their exact point with another event"
    if share >= 0.5:
        text += (
            ": the points look snapped (as data.police.uk's map points are), so crime tends to "
            "recur on the very points of the history and smoothing moves weight off them; keep "
            "bandwidths at a cell or two, or let auto choose (docs/hotspots.md, Snapped points)"
        )
    return text + "."


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    force: str | None = typer.Option(None, help="The force whose crimes to use."),
    events_file: Path | None = typer.Option(None, "--events", help="A CSV of events instead."),
    method: list[str] = typer.Option(["kde"], help=f"One or more of {METHODS} (repeat)."),
    level: str = typer.Option(
        "grid",
        help="grid: rank the cells; lsoa: sum each forecast per LSOA and rank the LSOAs "
        "(needs --force).",
    ),
    cell: float = typer.Option(150.0, help="Cell size in metres."),
    first_cut: str = typer.Option(..., help="Start of the first forecast window, YYYY-MM-DD."),
    step: str = typer.Option("1M", help="How far the cut moves each time: 7D, 2W, 1M..."),
    horizon: str = typer.Option("1M", help="Length of each forecast window: 7D, 1M..."),
    windows: int = typer.Option(1, help="How many windows."),
    crime_type: list[str] | None = typer.Option(None, "--type", help="Only these types."),
    mask_radius: float = typer.Option(500.0, help="Area: cells this close to an event."),
    param: list[str] | None = typer.Option(None, "--param", help=PARAM_HELP),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: one row per method and coverage, and each window."
    ),
) -> None:
    """A rolling-origin backtest: fit on the history before each cut, forecast the next
    window, score hit rate, PAI and PEI* at 1, 5, 10 and 20% of the area; the naive forecast
    is always included as the baseline.

    With --level lsoa, each forecast is summed per LSOA (a cell is in the LSOA of the nearest
    crime before the cut), the LSOAs are ranked by forecast per km² and the naive counts per
    LSOA are the baseline; it needs --force, whose crimes carry their LSOA.

    Example: constable hotspots evaluate --force "West Yorkshire" --method kde
    --first-cut 2018-07-01 --json
    """
    if level not in LEVELS:
        raise AnalysisError(f"--level {level!r} is not one of {', '.join(LEVELS)}")
    if level == "lsoa" and (force is None or events_file is not None):
        raise AnalysisError(
            "--level lsoa needs a force's crimes (--force F): they carry each crime's LSOA, "
            "and a CSV of events (--events) has none"
        )
    unknown = [m for m in method if m not in forecasters.FORECASTERS]
    if unknown:
        raise AnalysisError(f"--method {unknown[0]!r} is not one of {METHODS}")
    try:
        cut = dt.datetime.fromisoformat(first_cut)
    except ValueError as exc:
        raise AnalysisError(f"--first-cut {first_cut!r} is not a date, YYYY-MM-DD: {exc}") from None
    if cut.tzinfo is None:
        cut = cut.replace(tzinfo=dt.UTC)
    if level == "grid":
        every = _events(ctx, force, events_file, crime_type)
    else:
        assert force is not None
        every, codes, census, lsoas = _lsoa_events(ctx, force, crime_type, cut)
    # The area comes from the history before the first cut: cells drawn from the windows being
    # scored would flatter them (their events then count as outside the area).
    grid = _grid(every.before(cut), cell, mask_radius)
    factories = _factories(method, param or [], grid)
    described: dict[str, Any] = {"level": level, "grid": grid.describe()}
    if level == "grid":
        runs = evaluation.backtests(factories, every, grid, cut, step, horizon, windows)
        rows = evaluation.comparison_rows(runs)
        title = f"Backtest: {windows} window(s) of {horizon} from {first_cut}; {grid.describe()}"
        where, note, baseline = "in the area", "outside it", "naive"
    else:
        result = areas.compare_areas(
            factories, every, codes, grid, census.km2, cut, step, horizon, windows
        )
        runs, rows = result.runs, result.rows()
        km2 = sum(census.km2.values())
        described.update(lsoas=len(census.km2), lsoa_km2=round(km2, 2))
        title = (
            f"Backtest by LSOA: {windows} window(s) of {horizon} from {first_cut}; "
            f"{len(census.km2):,} {lsoas} ({km2:,.0f} km²) ranked by forecast per km²"
        )
        where, baseline = "in those LSOAs", areas.NAIVE_COUNTS
        note = (
            f"outside them. Forecasts on {grid.describe()}, summed per LSOA; "
            f"{areas.NAIVE_COUNTS}: the crimes per LSOA before the cut"
        )
    said = evaluation.verdicts(rows, baseline)
    if as_json:
        document = {
            **described,
            "rows": rows,
            "verdicts": said,
            "windows": evaluation.by_window(runs),
        }
        typer.echo(json.dumps(document, indent=2))
        return
    scored = next(iter(runs.values())).windows
    table = Table(
        title=title,
        caption=f"{sum(w.test_events for w in scored):,} events scored {where}, "
        f"{sum(w.outside for w in scored):,} {note}",
    )
    columns = ("method", "coverage", "hit rate", "PAI", "PAI sd", "PEI*", "PAI vs naive")
    for column in (*columns, "won-lost"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for row in rows:
        table.add_row(
            row["method"],
            f"{row['coverage']:.0%}",
            _number(row["hit_rate"], "{:.1%}"),
            _number(row["pai"], "{:.2f}"),
            _number(row["pai_std"] if row["windows"] > 1 else None, "{:.2f}"),
            _number(row["pei_star"], "{:.2f}"),
            _number(row.get("pai_vs_naive"), "{:.2f}x"),
            "" if row["method"] == baseline else f"{row['won']}-{row['lost']}",
        )
    out = console.out()
    out.print(table)
    for sentence in said:
        out.print(sentence, soft_wrap=True)


def _lsoa_events(
    ctx: typer.Context, force: str, types: list[str] | None, first_cut: dt.datetime
) -> tuple[Events, NDArray[np.str_], areas.Census, str]:
    """The force's crimes with an LSOA, each one's LSOA, the census of the LSOAs to rank and
    what they are: the force's area's LSOAs, or (for a force with no census area, such as
    British Transport Police) those of its crimes before the first cut."""
    with state(ctx).store().session() as session:
        name = resolve_force_name(session=session, force=force)
        every, codes = areas.store_area_events(session=session, force=name, categories=types)
    lsoas, what = areas.force_lsoas(name), f"LSOAs of {name}"
    if not lsoas:
        known = codes[: len(every.before(first_cut))]
        lsoas, what = sorted(set(known.tolist())), "LSOAs of its crimes before the first cut"
    census = areas.census_for(lsoas)
    if not census.km2:
        raise areas.AreaError(
            f"none of the {what} is a 2011 census LSOA, so none has an area to rank by"
        )
    return every, codes, census, what


def _number(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def _band_edges(text: str, option: str) -> list[float]:
    """``"0,100,200"`` as numbers, or a clear error naming the option."""
    try:
        return [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise AnalysisError(
            f"{option} {text!r}: give the bands' upper edges as numbers separated by commas"
        ) from None


def _of_types(events: Events, wanted: list[str] | None) -> Events:
    """The events of ``wanted`` types, matched without regard to case (``burglary``)."""
    if not wanted:
        return events
    if events.types is None:
        raise AnalysisError("these events have no types, so --type cannot choose among them")
    present = {str(t).casefold(): str(t) for t in np.unique(events.types)}
    missing = [w for w in wanted if w.casefold() not in present]
    if missing:
        raise AnalysisError(
            f"--type {missing[0]!r} is not among the events' types: "
            f"{', '.join(sorted(present.values()))}"
        )
    return events.of_type(*(present[w.casefold()] for w in wanted))


@app.command("knox")
def knox_command(
    ctx: typer.Context,
    force: str | None = typer.Option(None, help="The force whose crimes to use."),
    events_file: Path | None = typer.Option(None, "--events", help="A CSV of events instead."),
    crime_type: list[str] | None = typer.Option(
        ["Burglary"], "--type", help="Only these types (repeat); default Burglary."
    ),
    start: str | None = typer.Option(None, "--from", help="First day or month, e.g. 2024-01."),
    end: str | None = typer.Option(None, "--to", help="Up to (not including) this day or month."),
    space_bands: str = typer.Option(
        ",".join(f"{v:g}" for v in nearrepeat.DEFAULT_SPACE_BANDS),
        help="Upper edges of the distance bands in metres (0 first: same location).",
    ),
    time_bands: str = typer.Option(
        ",".join(f"{v:g}" for v in nearrepeat.DEFAULT_TIME_BANDS),
        help="Upper edges of the time bands in days.",
    ),
    simulations: int = typer.Option(
        nearrepeat.DEFAULT_PERMUTATIONS, help="Monte Carlo permutations (99 at least)."
    ),
    metric: str = typer.Option("euclidean", help="euclidean or manhattan distance."),
    seed: int = typer.Option(1, help="Seed of the permutations (the same seed, the same table)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A Knox test for near repeats (as the Near Repeat Calculator): how far and how long
    risk is raised after an event. Needs the date of each event: month-only data
    (data.police.uk) is refused rather than given invented days.

    Example: constable hotspots knox --events burglaries.csv --type burglary --simulations 999
    """
    every = _of_types(_events(ctx, force, events_file, None), crime_type)
    if start or end:
        first = every.t[0] if start is None else every.days(start)
        last = every.t[-1] + 1 if end is None else every.days(end)
        every = every.between(float(first), float(last))
    if not every.has_times:
        raise AnalysisError(
            "the Knox test compares the days between events, but these events have their "
            "month only (as data.police.uk publishes them): every gap would be 0 or about 30 "
            "days. Use events with dates: --events FILE.csv with a date in 'time', or the "
            "force's own records"
        )
    if metric not in ("euclidean", "manhattan"):
        raise AnalysisError(f"--metric {metric!r}: choose euclidean or manhattan")
    chosen: nearrepeat.Metric = "euclidean" if metric == "euclidean" else "manhattan"
    result = nearrepeat.knox(
        every.x,
        every.y,
        every.t,
        space_bands=_band_edges(space_bands, "--space-bands"),
        time_bands=_band_edges(time_bands, "--time-bands"),
        permutations=simulations,
        seed=seed,
        metric=chosen,
    )
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    out = console.out()
    out.print(knox_table(result))
    out.print(result.summary(), soft_wrap=True)


def knox_table(result: nearrepeat.KnoxResult) -> Table:
    """The Knox ratios, distance bands down and time bands across; a raised cell (ratio above
    the threshold and p below alpha) is marked with an asterisk."""
    raised = {(c.space, c.time) for c in result.raised()}
    table = Table(
        title=(
            f"Knox ratios: {result.events:,} events, {result.permutations:,} permutations; "
            f"* ratio > {result.min_ratio:g} and p < {result.alpha:g}"
        ),
        title_justify="left",
    )
    table.add_column("distance")
    for band in result.time_bands:
        table.add_column(band.label, justify="right")
    for s, space in enumerate(result.space_bands):
        row = [space.label]
        for t, time in enumerate(result.time_bands):
            cell = result.cell(s, t)
            ratio = "–" if not np.isfinite(cell.ratio) else f"{cell.ratio:.2f}"
            mark = " *" if (space, time) in raised else ""
            row.append(f"{ratio}{mark}\n{cell.observed:,} (p {cell.p_value:.3f})")
        table.add_row(*row)
    return table


@app.command("fairness")
def fairness_command(
    ctx: typer.Context,
    force: str = typer.Option(..., help="The force whose crimes to use."),
    method: str = typer.Option("auto", help=AUTO_HELP),
    cell: float = typer.Option(150.0, help="Cell size in metres."),
    train_from: str = typer.Option(..., help="First month of history, YYYY-MM."),
    train_to: str = typer.Option(..., help="Last month of history, YYYY-MM."),
    predict_from: str | None = typer.Option(None, help="Month forecast (default: the next)."),
    top: float = typer.Option(0.05, help="The share of the area patrolled (the top cells)."),
    mask_radius: float = typer.Option(500.0, help="Area: cells this close to an event."),
    show: int = typer.Option(10, help="Neighbourhoods listed, most attention first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """How a forecast's top cells share patrol attention over neighbourhoods (LSOAs), against
    the crime of the month forecast and the residents (2011 census); see docs/patrol.md.

    Example: constable hotspots fairness --force "West Yorkshire" --train-from 2016-07
    --train-to 2017-07 --predict-from 2018-07
    """
    with state(ctx).store().session() as session:
        every, codes = areas.store_area_events(session=session, force=force)
    start_history, end_history = _month_start(train_from), _after(_month_start(train_to))
    start = _month_start(predict_from) if predict_from else end_history
    if start < end_history:
        raise AnalysisError(f"--predict-from {predict_from} is inside the history")
    first = int(np.searchsorted(every.t, every.days(start_history), side="left"))
    last = int(np.searchsorted(every.t, every.days(end_history), side="left"))
    history = every.select(np.arange(first, last, dtype=np.intp))
    if not len(history):
        raise AnalysisError(f"no events from {train_from} to {train_to}")
    window = every.days(start), every.days(_after(start))
    lo, hi = (int(np.searchsorted(every.t, w, side="left")) for w in window)
    grid = _grid(history, cell, mask_radius)
    cell_areas = areas.cell_areas_from_points(grid, history.x, history.y, codes[first:last])
    # auto judges candidates at the share of the area patrolled.
    chosen: dict[str, Any] = {"coverage": top} if method == "auto" else {}
    model = forecasters.make_forecaster(method, grid, **chosen).fit(history)
    scores = model.predict(start, _after(start))
    chose = auto_summary(model.report_) if isinstance(model, Auto) else None
    attention = fairness.attention_from_cells(scores.top(top).tolist(), cell_areas)
    crime = areas.count_by_area(codes[lo:hi]) if hi > lo else {}
    census = areas.census_for(sorted(set(codes.tolist())))
    result = fairness.fairness(attention, crime, census.population)
    if as_json:
        document = result.as_dict(top=show)
        if isinstance(model, Auto):
            document["auto"] = model.report_
        typer.echo(json.dumps(document, indent=2))
        return
    table = Table(
        title=f"Patrol attention: the top {top:.0%} of cells of a {method} forecast for "
        f"{start:%B %Y}",
        title_justify="left",
    )
    for column in ("LSOA", "cells", "crime", "residents", "vs crime", "vs residents"):
        table.add_column(column, justify="left" if column == "LSOA" else "right")
    for area in result.areas[:show]:
        table.add_row(
            area.area,
            f"{area.attention:g}",
            f"{area.crime:,.0f}",
            f"{area.population:,.0f}",
            _number(area.vs_crime, "{:.2f}"),
            _number(area.vs_population, "{:.2f}"),
        )
    console.out().print(table)
    console.out().print(result.summary(), soft_wrap=True)
    if chose:
        console.out().print(chose, soft_wrap=True)


@app.command("feedback")
def feedback_command(
    ctx: typer.Context,
    force: str | None = typer.Option(None, help="True rates from this force's crime by LSOA."),
    start: str | None = typer.Option(None, "--from", help="First month of those crimes."),
    end: str | None = typer.Option(None, "--to", help="Last month of those crimes."),
    equal: int | None = typer.Option(
        None, help="Or this many areas with equal true rates (synthetic)."
    ),
    rate: float = typer.Option(0.5, help="With --equal: crimes a day in each area."),
    days: int = typer.Option(365, help="Days simulated."),
    patrols: int | None = typer.Option(None, help="Areas patrolled a day (default: 5%)."),
    discovery: float = typer.Option(0.9, help="Chance a crime is recorded where patrols are."),
    reporting: float = typer.Option(0.0, help="Chance it is recorded elsewhere (reports)."),
    correct: bool = typer.Option(False, help="Weight records by 1 / chance of recording."),
    seed: int = typer.Option(1, help="Seed of the simulation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The feedback loop of Lum & Isaac (2016): a forecaster fed only the crime its own patrols
    find. Does attention run away to a few places? See docs/patrol.md.

    Example: constable hotspots feedback --equal 100 --days 365 --reporting 0
    """
    if (force is None) == (equal is None):
        raise AnalysisError("give --force (rates from its crimes) or --equal N, not both")
    if force is not None:
        with state(ctx).store().session() as session:
            found, codes = areas.store_area_events(
                session=session,
                force=force,
                start=parse_month(start) if start else None,
                end=parse_month(end) if end else None,
            )
        span = max(1.0, float(found.t[-1] - found.t[0]) + 31)
        counts = areas.count_by_area(codes)
        rates = np.array([counts[c] for c in sorted(counts)]) / span
    else:
        assert equal is not None
        rates = np.full(equal, rate)
    chosen = patrols if patrols is not None else max(1, round(0.05 * rates.size))
    run = fairness.feedback_loop(
        rates,
        days=days,
        patrols=chosen,
        discovery=discovery,
        reporting=reporting,
        correct=correct,
        seed=seed,
    )
    figures = run.summary()
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    out = console.out()
    out.print(
        f"{figures['areas']:,} areas, {chosen} patrolled a day for {days} days "
        f"(recorded: {discovery:.0%} where patrolled, {reporting:.0%} elsewhere"
        f"{'; corrected' if correct else ''})."
    )
    out.print(
        f"Areas ever patrolled: {figures['areas_ever_patrolled']:,}; the patrolled set last "
        f"changed on day {figures['locked_from_day']}; in the last 30 days "
        f"{figures['overlap_with_best_last_30_days']:.0%} of patrols went to the areas with the "
        f"highest true rates. Gini of attention {figures['gini_attention']:.2f} (of the true "
        f"rates {figures['gini_truth']:.2f})."
    )
