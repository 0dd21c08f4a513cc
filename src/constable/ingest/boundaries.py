"""Reader for the ONS 2011 LSOA boundaries (GeoJSON, WGS84)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LsoaBoundary:
    """An LSOA's outline and its ONS label point."""

    code: str
    name: str
    geometry: dict[str, Any]
    longitude: float
    latitude: float
    easting: float
    northing: float


def _boundary(feature: dict[str, Any]) -> LsoaBoundary:
    props = feature["properties"]
    return LsoaBoundary(
        code=props["LSOA11CD"],
        name=props["LSOA11NM"],
        geometry=feature["geometry"],
        longitude=float(props["LONG"]),
        latitude=float(props["LAT"]),
        easting=float(props["BNG_E"]),
        northing=float(props["BNG_N"]),
    )


def read_boundaries(path: Path, codes: set[str]) -> Iterator[LsoaBoundary]:
    """The boundaries of the LSOAs in ``codes``.

    The shipped file holds one feature per line, so lines are tested for a wanted code before
    they are parsed: the 35,000 features of England and Wales are never all in memory at once.
    A file laid out otherwise is parsed whole.
    """
    with path.open(encoding="utf-8") as handle:
        head = handle.read(4096)
        handle.seek(0)
        if '"features": [\n' not in head:
            collection = json.load(handle)
            for feature in collection["features"]:
                if feature["properties"].get("LSOA11CD") in codes:
                    yield _boundary(feature)
            return
        for line in handle:
            start = line.find('"LSOA11CD": "')
            if start < 0:
                continue
            code = line[start + 13 : start + 22]
            if code in codes:
                yield _boundary(json.loads(line.rstrip().rstrip(",")))
