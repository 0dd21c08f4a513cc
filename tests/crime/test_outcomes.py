"""Home Office outcome types, the police.uk mapping, and sanction detections on real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from constable.crime.outcomes import sanction_breakdown, table
from constable.crime.service import CrimeQueryError, parse_month
from constable.ingest import service, sources
from constable.store import Store

DOCS = Path(__file__).parents[2] / "docs" / "outcomes.md"


def test_sanction_detections_are_exactly_the_four_kinds() -> None:
    sanctions = {t.code for t in table().types if t.sanction}
    # Charge or summons, caution (youth, adult, conditional), TIC, penalty notice.
    assert sanctions == {"1", "1A", "2", "2A", "3", "3A", "4", "6"}
    assert table().for_police_uk("Offender given penalty notice").sanction  # type: ignore[union-attr]
    assert table().for_police_uk("Local resolution").sanction is False  # type: ignore[union-attr]
    assert table().for_police_uk("Under investigation") is None
    assert table().for_police_uk("") is None
    with pytest.raises(CrimeQueryError, match="unknown Home Office outcome type '19'"):
        table().type("19")


def test_the_docs_list_every_type_and_string() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for outcome in table().types:
        assert f"| {outcome.code} | {outcome.label} |" in text
    for string in table().police_uk:
        assert f"| {string} |" in text


def test_every_outcome_in_the_west_yorkshire_sample_is_mapped(store: Store) -> None:
    for path in sources.west_yorkshire_street():
        service.import_police_uk_file(store, path)
    with store.session() as session:
        july_2018 = sanction_breakdown(
            session=session,
            force="West Yorkshire Police",
            start=parse_month("2018-07"),
            end=parse_month("2018-07"),
        )
        everything = sanction_breakdown(session=session, force="west yorkshire", include_asb=True)
    assert july_2018.unmapped == {}
    assert july_2018.crimes == 31_635 - 5_442  # all rows less anti-social behaviour
    assert july_2018.sanction_detections == 2_007
    assert july_2018.sanction_detection_rate == pytest.approx(2_007 / 26_193)
    assert sum(july_2018.by_type.values()) == july_2018.crimes
    assert sum(c["crimes"] for c in july_2018.by_category.values()) == july_2018.crimes
    assert "Anti-social behaviour" not in july_2018.by_category
    assert everything.crimes == 27_176 + 28_537 + 31_635
