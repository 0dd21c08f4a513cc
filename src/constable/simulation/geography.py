"""The force's districts and neighbourhoods as arrays, for the simulation.

Read from the same real files as ``constable force build`` (2011 census residents and hectares,
ONS LSOA label points in British National Grid metres), so the simulation needs no database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from constable.force.build import slugify
from constable.force.config import ForceConfig, ForceConfigError
from constable.ingest import sources
from constable.ingest.boundaries import read_boundaries
from constable.ingest.census import read_census

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# An incident is placed around its neighbourhood's label point with this many standard
# deviations at most, each a quarter of the side of a square of the neighbourhood's area.
JITTER_LIMIT = 2.5


@dataclass(frozen=True)
class Geography:
    """Districts (in configuration order) and their neighbourhoods (LSOAs)."""

    district_names: tuple[str, ...]
    district_slugs: tuple[str, ...]
    codes: tuple[str, ...]
    district: IntArray
    easting: FloatArray
    northing: FloatArray
    population: IntArray
    urban: BoolArray
    jitter: FloatArray

    @property
    def districts(self) -> int:
        """How many districts."""
        return len(self.district_names)

    def index(self, name: str) -> int:
        """A district's position by name or slug (any case)."""
        wanted = name.casefold()
        for index, (full, slug) in enumerate(
            zip(self.district_names, self.district_slugs, strict=True)
        ):
            if wanted in (full.casefold(), slug):
                return index
        raise ForceConfigError(
            f"no district {name!r}; the districts are {', '.join(self.district_names)}"
        )

    def boxes(self) -> FloatArray:
        """Per district ``(min_e, min_n, max_e, max_n)``, holding every incident placed in it."""
        reach = self.jitter * JITTER_LIMIT
        found = np.empty((self.districts, 4))
        for d in range(self.districts):
            mask = self.district == d
            found[d] = (
                (self.easting[mask] - reach[mask]).min(),
                (self.northing[mask] - reach[mask]).min(),
                (self.easting[mask] + reach[mask]).max(),
                (self.northing[mask] + reach[mask]).max(),
            )
        return found

    def centres(self) -> FloatArray:
        """Per district, the residents' centre of gravity ``(easting, northing)``."""
        found = np.empty((self.districts, 2))
        for d in range(self.districts):
            mask = self.district == d
            weights = self.population[mask]
            found[d] = (
                np.average(self.easting[mask], weights=weights),
                np.average(self.northing[mask], weights=weights),
            )
        return found


def force_geography(config: ForceConfig) -> Geography:
    """The force's neighbourhoods from the installed census and boundary files."""
    return _geography(
        tuple((d.name, d.code) for d in config.districts),
        config.neighbourhoods.urban_density_threshold,
    )


@cache
def _geography(districts: tuple[tuple[str, str], ...], threshold: float) -> Geography:
    codes = {code: index for index, (_, code) in enumerate(districts)}
    areas = defaultdict(list)
    for area in read_census(sources.census_2011(), set(codes)):
        areas[area.authority_code].append(area)
    missing = [name for name, code in districts if not areas.get(code)]
    if missing:
        raise ForceConfigError(f"no census neighbourhoods for district(s) {', '.join(missing)}")
    ordered = [a for _, code in districts for a in sorted(areas[code], key=lambda a: a.lsoa_code)]
    points = {
        b.code: (b.easting, b.northing)
        for b in read_boundaries(sources.lsoa_boundaries(), {a.lsoa_code for a in ordered})
    }
    unplaced = [a.lsoa_code for a in ordered if a.lsoa_code not in points]
    if unplaced:
        raise ForceConfigError(f"{len(unplaced)} neighbourhoods have no boundary: {unplaced[:5]}")
    hectares = np.array([max(a.hectares, 1.0) for a in ordered])
    return Geography(
        district_names=tuple(name for name, _ in districts),
        district_slugs=tuple(slugify(name) for name, _ in districts),
        codes=tuple(a.lsoa_code for a in ordered),
        district=np.array([codes[a.authority_code] for a in ordered], dtype=np.int64),
        easting=np.array([points[a.lsoa_code][0] for a in ordered]),
        northing=np.array([points[a.lsoa_code][1] for a in ordered]),
        population=np.array([a.population for a in ordered], dtype=np.int64),
        urban=np.array(
            [a.hectares > 0 and a.population / a.hectares >= threshold for a in ordered]
        ),
        jitter=np.sqrt(hectares * 10_000) / 4,
    )
