"""The local authority → police force table: complete, consistent with the shipped lookup, and
adding up to Kent's 13 districts."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from constable.force import service
from constable.force.config import load_config
from constable.force.names import canonical_force_name
from constable.ingest import sources
from constable.ingest.census import read_census
from constable.performance.forces import (
    FORCES_FILE,
    URBAN_DENSITY,
    ForceAreaError,
    force_census,
    local_authority_forces,
    lsoa_forces,
    read_local_authority_forces,
    territorial_forces,
)
from constable.performance.peers import NOT_TERRITORIAL
from constable.store import Store

WELSH_FORCES = {"Dyfed-Powys", "Gwent", "North Wales", "South Wales"}


def census_authorities() -> dict[str, str]:
    """Every local authority code of the census file → its name."""
    return {a.authority_code: a.authority_name for a in read_census(sources.census_2011())}


def test_every_census_local_authority_has_a_force() -> None:
    table = local_authority_forces()
    authorities = census_authorities()
    assert len(authorities) == 348
    assert set(table) == set(authorities)
    for code, name in authorities.items():
        assert table[code].name == name


def test_all_43_forces_have_residents_and_the_home_office_names() -> None:
    census = force_census()
    assert len(census) == len(territorial_forces()) == 43
    assert all(c.population > 0 and c.households > 0 and c.hectares > 0 for c in census.values())
    with sources.recorded_crime_2017_18().open(encoding="utf-8-sig") as handle:
        in_table = {row["Force_Name"] for row in csv.DictReader(handle)}
    assert set(census) == in_table - NOT_TERRITORIAL
    total = sum(a.population for a in read_census(sources.census_2011()))
    assert sum(c.population for c in census.values()) == total == 56_075_912


def test_dartford_and_gravesham_are_in_kent() -> None:
    table = local_authority_forces()
    assert table["E07000107"].name == "Dartford" and table["E07000107"].force == "Kent"
    assert table["E07000109"].name == "Gravesham" and table["E07000109"].force == "Kent"


def test_the_22_welsh_authorities_are_in_the_four_welsh_forces() -> None:
    table = local_authority_forces()
    welsh = {code: a.force for code, a in table.items() if code.startswith("W")}
    assert len(welsh) == 22
    assert set(welsh.values()) == WELSH_FORCES
    assert welsh["W06000015"] == "South Wales"  # Cardiff
    assert welsh["W06000023"] == "Dyfed-Powys"  # Powys
    assert welsh["W06000018"] == "Gwent"  # Caerphilly
    assert welsh["W06000001"] == "North Wales"  # Isle of Anglesey
    english = {a.force for code, a in table.items() if code.startswith("E")}
    assert not english & WELSH_FORCES


def test_the_table_agrees_with_the_shipped_lookup_and_no_authority_is_split() -> None:
    table = local_authority_forces()
    shipped: dict[str, set[str]] = defaultdict(set)
    with sources.lsoa_to_force().open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Police_force"]:
                shipped[row["Local authority code"]].add(canonical_force_name(row["Police_force"]))
    assert len(shipped) == 273  # the other 75 authorities are the ones the table adds
    for code, forces in shipped.items():
        assert forces == {table[code].force}, code


def test_every_lsoa_has_a_force() -> None:
    forces = lsoa_forces()
    assert len(forces) == 34_753
    assert sum(1 for f in forces.values() if f == "Kent") == 1_065
    assert forces["E01024148"] == forces["E01024276"] == "Kent"  # Dartford 001A, Gravesham 001A
    assert forces["W01001658"] == "Gwent"  # Newport 020D


def test_kent_is_its_13_districts_as_built(kent_store: Store) -> None:
    kent = force_census()["Kent"]
    config = load_config("kent")
    assert set(kent.authorities) == {d.code for d in config.districts}
    assert len(kent.authorities) == 13
    names = {local_authority_forces()[code].name for code in kent.authorities}
    assert {"Shepway", "Medway UA", "Dartford", "Gravesham"} <= names
    with kent_store.session() as session:
        summary = service.summary(
            session=session, force=service.get_or_raise(session=session, code="kent")
        )
    assert len(summary.districts) == 13
    assert kent.population == sum(d.population for d in summary.districts) == 1_727_665
    assert kent.lsoas == summary.neighbourhoods


def test_the_urban_threshold_is_the_kent_configurations() -> None:
    assert load_config("kent").neighbourhoods.urban_density_threshold == URBAN_DENSITY


def test_an_authority_under_two_forces_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "forces.yaml"
    path.write_text(
        "forces:\n  Kent:\n    E07000107: Dartford\n  Essex:\n    E07000107: Dartford\n",
        encoding="utf-8",
    )
    with pytest.raises(ForceAreaError, match=r"E07000107 \(Dartford\) is under both 'Kent'"):
        read_local_authority_forces(path)


def test_a_census_authority_missing_from_the_table_is_named(tmp_path: Path) -> None:
    text = FORCES_FILE.read_text(encoding="utf-8")
    path = tmp_path / "forces.yaml"
    path.write_text(text.replace("    E07000107: Dartford  # added\n", ""), encoding="utf-8")
    assert len(read_local_authority_forces(path)) == 347
    with pytest.raises(ForceAreaError, match=r"1 local authorities .* E07000107 \(Dartford\)"):
        force_census(forces_path=path)
