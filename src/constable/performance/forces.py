"""Police force areas from the 2011 census: which force polices each local authority and LSOA,
and each force's residents, households and hectares.

The shipped LSOA → force lookup (crime-sim-toolkit's ``PoliceforceLSOA.csv``) leaves 53 English
local authorities without a force (Dartford and Gravesham among them) and has no Welsh rows. So
Constable keeps its own table, ``performance/data/local-authority-forces.yaml``: every local
authority of the 2011 census → its police force area (43 territorial forces, Home Office names).
A local authority lies wholly inside one force area, so each LSOA's force is its authority's.

Example::

    census = force_census()
    census["Kent"].population       # 1727665: the 12 Kent districts and Medway
    lsoa_forces()["E01024040"]      # "Kent"
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from constable.errors import ConstableError
from constable.ingest import sources
from constable.ingest.census import CensusArea, read_census

FORCES_FILE = Path(__file__).parent / "data" / "local-authority-forces.yaml"
"""The local authority → police force table shipped with Constable."""

URBAN_DENSITY = 10.0
"""Residents per hectare at or above which an LSOA counts as urban: the Kent configuration's
``neighbourhoods.urban_density_threshold`` (a test keeps the two equal)."""

SPARSE_DENSITY = 0.5
"""Residents per hectare below which an LSOA counts as sparsely populated (an assumption: the
half a person per hectare that sparsity measures commonly use)."""


class ForceAreaError(ConstableError):
    """The local authority → force table cannot be used, or does not cover the census."""


@dataclass(frozen=True)
class LocalAuthority:
    """A 2011 local authority and the police force area it lies in."""

    code: str
    name: str
    force: str


@dataclass(frozen=True)
class ForceCensus:
    """A force area's 2011 census totals, summed over its LSOAs."""

    name: str
    population: int
    households: int
    hectares: float
    lsoas: int
    urban_population: int
    """Residents of LSOAs with at least ``URBAN_DENSITY`` residents per hectare."""
    sparse_population: int
    """Residents of LSOAs with fewer than ``SPARSE_DENSITY`` residents per hectare."""
    authorities: tuple[str, ...]
    """Codes of the force's local authorities."""

    @property
    def density(self) -> float:
        """Residents per hectare."""
        return self.population / self.hectares if self.hectares else 0.0


def read_local_authority_forces(path: Path) -> dict[str, LocalAuthority]:
    """The table in ``path`` (``forces: {force: {authority code: name}}``), by authority code."""
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ForceAreaError(f"{path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ForceAreaError(f"{path}: not valid YAML: {exc}") from exc
    forces = document.get("forces") if isinstance(document, dict) else None
    if not isinstance(forces, dict) or not forces:
        raise ForceAreaError(f"{path}: needs a 'forces' mapping of force → {{code: name}}")
    table: dict[str, LocalAuthority] = {}
    for force, authorities in forces.items():
        if not isinstance(authorities, dict) or not authorities:
            raise ForceAreaError(f"{path}: force {force!r} needs a mapping of code → name")
        for code, name in authorities.items():
            if code in table:
                raise ForceAreaError(
                    f"{path}: local authority {code} ({name}) is under both "
                    f"{table[code].force!r} and {force!r}"
                )
            table[str(code)] = LocalAuthority(code=str(code), name=str(name), force=str(force))
    return table


@lru_cache(maxsize=4)
def _shipped(path: Path) -> tuple[LocalAuthority, ...]:
    return tuple(read_local_authority_forces(path).values())


def local_authority_forces(path: Path | None = None) -> dict[str, LocalAuthority]:
    """Every 2011 local authority of England and Wales → its force, by authority code."""
    return {a.code: a for a in _shipped(path or FORCES_FILE)}


def territorial_forces(path: Path | None = None) -> list[str]:
    """The territorial forces of England and Wales (43 in the shipped table), sorted."""
    return sorted({a.force for a in local_authority_forces(path).values()})


@lru_cache(maxsize=4)
def _census(path: Path) -> tuple[CensusArea, ...]:
    return tuple(read_census(path))


def _areas_with_forces(
    census_path: Path | None, forces_path: Path | None
) -> Iterable[tuple[CensusArea, str]]:
    table = local_authority_forces(forces_path)
    path = census_path or sources.census_2011()
    areas = _census(path)
    unmapped: dict[str, str] = {}
    for area in areas:
        authority = table.get(area.authority_code)
        if authority is None:
            unmapped[area.authority_code] = area.authority_name
            continue
        yield area, authority.force
    if unmapped:
        listed = ", ".join(f"{code} ({name})" for code, name in sorted(unmapped.items())[:10])
        raise ForceAreaError(
            f"{len(unmapped)} local authorities of {path} have no force in "
            f"{forces_path or FORCES_FILE}: {listed}"
        )


def lsoa_forces(census_path: Path | None = None, forces_path: Path | None = None) -> dict[str, str]:
    """Every census LSOA code → its force (the complete LSOA → force lookup)."""
    return {area.lsoa_code: force for area, force in _areas_with_forces(census_path, forces_path)}


def force_census(
    census_path: Path | None = None, forces_path: Path | None = None
) -> dict[str, ForceCensus]:
    """Each force's 2011 census totals, by force name (sorted).

    Raises ``ForceAreaError`` when a census local authority has no force, or a force in the
    table has no census LSOA.
    """
    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0, 0, 0])
    authorities: dict[str, set[str]] = defaultdict(set)
    for area, force in _areas_with_forces(census_path, forces_path):
        density = area.population / area.hectares if area.hectares else 0.0
        row = sums[force]
        row[0] += area.population
        row[1] += area.households
        row[2] += area.hectares
        row[3] += 1
        row[4] += area.population if density >= URBAN_DENSITY else 0
        row[5] += area.population if density < SPARSE_DENSITY else 0
        authorities[force].add(area.authority_code)
    empty = [f for f in territorial_forces(forces_path) if f not in sums]
    if empty:
        raise ForceAreaError(
            f"forces with no census LSOAs in {census_path or sources.census_2011()}: "
            + ", ".join(empty)
        )
    return {
        force: ForceCensus(
            name=force,
            population=int(row[0]),
            households=int(row[1]),
            hectares=float(row[2]),
            lsoas=int(row[3]),
            urban_population=int(row[4]),
            sparse_population=int(row[5]),
            authorities=tuple(sorted(authorities[force])),
        )
        for force, row in sorted(sums.items())
    }
