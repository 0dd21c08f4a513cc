"""Reader for the 2011 census table of residents, households and hectares by LSOA."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from constable.ingest.errors import ImportRowError


@dataclass(frozen=True)
class CensusArea:
    """One LSOA of the 2011 census."""

    lsoa_code: str
    lsoa_name: str
    msoa_code: str
    authority_code: str
    authority_name: str
    population: int
    households: int
    hectares: float


# Columns by position: the file's header repeats "Persons" three times.
_LA_CODE, _LA_NAME, _MSOA_CODE, _LSOA_CODE, _LSOA_NAME = 2, 3, 4, 6, 7
_PERSONS, _HECTARES, _HOUSEHOLDS = 9, 12, 14


def _number(text: str, *, path: Path, line: int, column: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise ImportRowError(path, line, column, text, "is not a number") from None


def read_census(path: Path, authority_codes: set[str] | None = None) -> Iterator[CensusArea]:
    """The census LSOAs in ``path``, only those of ``authority_codes`` when given."""
    with path.open(encoding="latin-1", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            if len(row) < 15 or not row[_LSOA_CODE]:
                continue
            if authority_codes is not None and row[_LA_CODE] not in authority_codes:
                continue
            line = reader.line_num
            yield CensusArea(
                lsoa_code=row[_LSOA_CODE],
                lsoa_name=row[_LSOA_NAME],
                msoa_code=row[_MSOA_CODE],
                authority_code=row[_LA_CODE],
                authority_name=row[_LA_NAME],
                population=int(_number(row[_PERSONS], path=path, line=line, column="Persons")),
                households=int(
                    _number(row[_HOUSEHOLDS], path=path, line=line, column="Households")
                ),
                hectares=_number(row[_HECTARES], path=path, line=line, column="Hectares"),
            )
