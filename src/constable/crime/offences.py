"""Home Office offence codes with their group, subgroup and police.uk category.

The source is the mapping shipped by ``crime-sim-toolkit`` (``CrimeCatMappings.csv``, 132
codes): the same table the Home Office uses to publish police recorded crime by offence code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from string import ascii_uppercase

from constable.errors import ConstableError
from constable.ingest import sources

ASB_CATEGORY = "Anti-social behaviour"
"""The police.uk category of an anti-social behaviour report (which has no offence code)."""


class UnknownOffenceError(ConstableError):
    """An offence code that is not in the Home Office table."""


@dataclass(frozen=True)
class Offence:
    """One Home Office offence code."""

    code: str
    description: str
    group: str
    subgroup: str
    police_uk_category: str


@lru_cache
def offences() -> dict[str, Offence]:
    """Every offence code in the table, by code (``"28E"``, ``"104"``...)."""
    found: dict[str, Offence] = {}
    with sources.offence_categories().open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["Offence_Code"].strip()
            found[code] = Offence(
                code=code,
                description=row["Offence_Description"].strip(),
                group=row["Offence_Group"].strip(),
                subgroup=row["Offence_Subgroup"].strip(),
                police_uk_category=row["Police.uk_Cat"].strip(),
            )
    return found


def offence(code: str) -> Offence:
    """The offence with this code (case and spaces ignored), or :class:`UnknownOffenceError`."""
    key = code.strip().upper()
    table = offences()
    if key in table:
        return table[key]
    number = key.rstrip(ascii_uppercase)
    near = sorted(c for c in table if c.rstrip(ascii_uppercase) == number)
    hint = f"; codes starting {number}: {', '.join(near)}" if near else ""
    raise UnknownOffenceError(
        f"offence_code {code!r} is not a Home Office offence code{hint} "
        "(GET /api/offences lists them)"
    )


def groups() -> list[str]:
    """The offence groups, in alphabetical order."""
    return sorted({o.group for o in offences().values()})
