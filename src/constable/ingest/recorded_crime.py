"""Reading Home Office police recorded crime by force area (the "prc-pfa" open data tables)."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from constable.force.names import canonical_force_name
from constable.ingest.errors import ImportFileError, ImportRowError

COLUMNS = (
    "Financial_Year",
    "Financial_Quarter",
    "Force_Name",
    "Offence_Description",
    "Offence_Group",
    "Offence_Subgroup",
    "Offence_Code",
    "Number_of_Offences",
)
OPTIONAL = ("Policeuk_Cat",)
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")

Key = tuple[str, str, int, str]


def read_recorded_crime(path: Path) -> list[dict[str, Any]]:
    """The rows of a recorded-crime table, one per force, year, quarter and offence code.

    The Home Office splits some codes over several rows (homicide's, with adjustments that can
    be negative); they are added together. Tables are small (tens of thousands of rows), so they
    are read whole before anything is written.
    """
    totals: dict[Key, dict[str, Any]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportFileError(path, "the file is empty") from None
        except csv.Error as exc:
            raise ImportFileError(path, f"line 1: {exc}") from exc
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ImportFileError(
                path,
                "line 1: not a Home Office recorded-crime table: missing "
                + ", ".join(repr(c) for c in missing),
            )
        at = {name: header.index(name) for name in (*COLUMNS, *OPTIONAL) if name in header}
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise ImportRowError(path, reader.line_num, "(whole row)", "", str(exc)) from exc
            line = reader.line_num
            if not row:
                continue
            if len(row) != len(header):
                raise ImportRowError(
                    path,
                    line,
                    "(whole row)",
                    ",".join(row)[:80],
                    f"has {len(row)} fields where the header has {len(header)}",
                )
            year = row[at["Financial_Year"]].strip()
            if not _YEAR.match(year):
                raise ImportRowError(
                    path, line, "Financial_Year", year, "is not a year like 2017/18"
                )
            quarter_text = row[at["Financial_Quarter"]].strip()
            if quarter_text not in ("1", "2", "3", "4"):
                raise ImportRowError(path, line, "Financial_Quarter", quarter_text, "is not 1 to 4")
            count_text = row[at["Number_of_Offences"]].strip().replace(",", "")
            try:
                offences = int(count_text)
            except ValueError:
                raise ImportRowError(
                    path, line, "Number_of_Offences", count_text, "is not a whole number"
                ) from None
            force = row[at["Force_Name"]].strip()
            code = row[at["Offence_Code"]].strip()
            for column, value in (("Force_Name", force), ("Offence_Code", code)):
                if not value:
                    raise ImportRowError(path, line, column, value, "is empty")
            if len(code) > 20:
                raise ImportRowError(
                    path, line, "Offence_Code", code, "is longer than 20 characters"
                )
            key = (canonical_force_name(force), year, int(quarter_text), code)
            if key in totals:
                totals[key]["offences"] += offences
                continue
            category = row[at["Policeuk_Cat"]].strip() if "Policeuk_Cat" in at else ""
            totals[key] = {
                "force": key[0],
                "financial_year": year,
                "quarter": key[2],
                "offence_code": code,
                "offence_description": row[at["Offence_Description"]].strip()[:200],
                "offence_group": row[at["Offence_Group"]].strip()[:120],
                "offence_subgroup": row[at["Offence_Subgroup"]].strip()[:120],
                "police_uk_category": category[:80] or None,
                "offences": offences,
            }
    return list(totals.values())
