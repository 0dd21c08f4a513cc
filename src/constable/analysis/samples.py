"""Real events for tests, benches and examples: West Yorkshire's data.police.uk street crime for
July 2016, 2017 and 2018, read from the installed ``crime-sim-toolkit`` package (never copied
into the repository)."""

from __future__ import annotations

import csv
import functools

from constable.analysis.events import Events


@functools.cache
def west_yorkshire_events() -> Events:
    """The located street crimes of the three Julys, month-only (``has_times`` False), with their
    crime type; about 83,600 events. Read once per process."""
    from constable.ingest.sources import west_yorkshire_street

    months: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    types: list[str] = []
    for path in west_yorkshire_street():
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["Latitude"] and row["Longitude"]:
                    months.append(row["Month"])
                    lats.append(float(row["Latitude"]))
                    lons.append(float(row["Longitude"]))
                    types.append(row["Crime type"])
    return Events.from_lat_lon(lats, lons, months, has_times=False, types=types)
