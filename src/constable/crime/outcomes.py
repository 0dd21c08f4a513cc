"""Home Office outcome types, the police.uk strings that map to them, and sanction detections.

The table and the mapping are data (``crime/data/outcomes.yaml``); a sanction detection (charge
or summons, caution, offence taken into consideration, penalty notice) is derived from the type.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.crime.models import Crime
from constable.crime.service import CrimeQueryError, resolve_force_name

NO_OUTCOME = "no outcome yet"
UNMAPPED = "not mapped"


class OutcomeType(BaseModel):
    """A Home Office outcome type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    label: str
    sanction: bool
    brought_to_justice: bool = False


class OutcomeTable(BaseModel):
    """The outcome types and the police.uk mapping."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    types: list[OutcomeType]
    police_uk: dict[str, str | None]

    def type(self, code: str) -> OutcomeType:
        """The outcome type with this code."""
        for outcome in self.types:
            if outcome.code == code:
                return outcome
        raise CrimeQueryError(
            f"unknown Home Office outcome type {code!r}; the types are "
            + ", ".join(t.code for t in self.types)
        )

    def for_police_uk(self, text: str | None) -> OutcomeType | None:
        """The type a police.uk outcome string maps to (None: no outcome yet, or unmapped)."""
        if not text:
            return None
        code = self.police_uk.get(text)
        return self.type(code) if code else None


@lru_cache
def table() -> OutcomeTable:
    """The shipped table."""
    text = (resources.files("constable.crime") / "data" / "outcomes.yaml").read_text("utf-8")
    loaded = OutcomeTable.model_validate(yaml.safe_load(text))
    for string, code in loaded.police_uk.items():
        if code is not None:
            loaded.type(code)  # every mapping names a real type
        assert string.strip() == string
    return loaded


@dataclass
class SanctionBreakdown:
    """Crimes of a period by Home Office outcome type, and the sanction detection rate."""

    force: str
    start: str | None
    end: str | None
    crimes: int
    with_outcome: int
    sanction_detections: int
    sanction_detection_rate: float | None
    by_type: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, dict[str, Any]] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def sanction_breakdown(
    *,
    session: Session,
    force: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_asb: bool = False,
) -> SanctionBreakdown:
    """Sanction detections among a force's crimes (months ``start`` to ``end``), overall and by
    police.uk category, from each crime's last outcome mapped to a Home Office type.

    The rate is sanction detections over all crimes of the period (anti-social behaviour is not
    a crime and is left out unless ``include_asb``).
    """
    name = resolve_force_name(session=session, force=force)
    where = [Crime.force == name]
    if start is not None:
        where.append(Crime.month >= start)
    if end is not None:
        where.append(Crime.month <= end)
    if not include_asb:
        where.append(Crime.category != "Anti-social behaviour")
    outcomes = table()
    by_type: dict[str, int] = defaultdict(int)
    unmapped: dict[str, int] = defaultdict(int)
    per_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    crimes = with_outcome = sanctions = 0
    rows = session.execute(
        select(Crime.category, Crime.last_outcome, func.count())
        .where(*where)
        .group_by(Crime.category, Crime.last_outcome)
    )
    for category, text, count in rows:
        crimes += count
        per_category[category]["crimes"] += count
        outcome = outcomes.for_police_uk(text)
        if outcome is None:
            if text and text not in outcomes.police_uk:
                unmapped[text] += count
                by_type[UNMAPPED] += count
            else:
                by_type[NO_OUTCOME] += count
            continue
        with_outcome += count
        by_type[f"{outcome.code} {outcome.label}"] += count
        if outcome.sanction:
            sanctions += count
            per_category[category]["sanction_detections"] += count
    by_category = {
        category: {
            "crimes": counts["crimes"],
            "sanction_detections": counts["sanction_detections"],
            "rate": counts["sanction_detections"] / counts["crimes"] if counts["crimes"] else None,
        }
        for category, counts in sorted(per_category.items())
    }
    return SanctionBreakdown(
        force=name,
        start=start.strftime("%Y-%m") if start else None,
        end=end.strftime("%Y-%m") if end else None,
        crimes=crimes,
        with_outcome=with_outcome,
        sanction_detections=sanctions,
        sanction_detection_rate=sanctions / crimes if crimes else None,
        by_type=dict(sorted(by_type.items(), key=lambda item: -item[1])),
        by_category=by_category,
        unmapped=dict(unmapped),
    )
