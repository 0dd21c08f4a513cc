"""Building Kent from the real 2011 census and ONS boundaries, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from constable.force import service
from constable.force.build import ForceExistsError, build_force, share_by_weight
from constable.force.config import load_config
from constable.force.models import District, Neighbourhood, Person, Team, Unit
from constable.ingest import sources
from constable.store import Store

KENT_AUTHORITIES = {
    "E07000105", "E07000106", "E07000107", "E07000108", "E07000109", "E07000110",
    "E07000111", "E07000112", "E07000113", "E07000114", "E07000115", "E07000116", "E06000035",
}  # fmt: skip


def census_total() -> tuple[int, int]:
    """Residents and LSOAs of Kent's 13 authorities, read straight from the census file."""
    residents = lsoas = 0
    with sources.census_2011().open(encoding="latin-1") as handle:
        for row in csv.reader(handle):
            if len(row) > 9 and row[2] in KENT_AUTHORITIES:
                residents += int(row[9].replace(",", ""))
                lsoas += 1
    return residents, lsoas


def test_kent_has_13_districts_adding_up_to_the_census(kent_store: Store) -> None:
    residents, lsoas = census_total()
    with kent_store.session() as session:
        summary = service.summary(
            session=session, force=service.get_or_raise(session=session, code="kent")
        )
    assert len(summary.districts) == 13
    assert summary.population == sum(d.population for d in summary.districts) == residents
    assert summary.neighbourhoods == lsoas == 1065
    assert residents == 1_727_665  # Kent and Medway at the 2011 census
    names = {d.name for d in summary.districts}
    assert {"Folkestone & Hythe", "Medway", "Tonbridge and Malling", "Sevenoaks"} <= names
    assert all(d.commander for d in summary.districts)


def test_every_neighbourhood_has_a_pcso_under_the_community_support_inspector(
    kent_store: Store,
) -> None:
    with kent_store.session() as session:
        assert session.scalar(select(func.count()).where(Neighbourhood.pcso_id.is_(None))) == 0
        pcsos = session.scalars(select(Person).where(Person.role == "PCSO")).all()
        for pcso in pcsos:
            manager = pcso.line_manager
            assert manager is not None and manager.role == "Community Support Inspector"
            assert manager.team.district_id == pcso.team.district_id
        sevenoaks = session.scalar(select(District).where(District.name == "Sevenoaks"))
        assert sevenoaks is not None
        in_sevenoaks = [p for p in pcsos if p.team.district_id == sevenoaks.id]
        assert len(in_sevenoaks) == 26  # seed 000: a PCSO for each of the 26 wards


def test_the_chain_of_command_reaches_the_district_commander(kent_store: Store) -> None:
    with kent_store.session() as session:
        constable = session.scalar(
            select(Person)
            .join(Team)
            .where(Person.role == "Constable", Team.kind == "local_policing_team")
        )
        chain = []
        person = constable
        while person is not None:
            chain.append(person.role)
            person = person.line_manager
        assert chain == ["Constable", "Sergeant", "Inspector", "District Commander"]
        assert constable is not None and constable.line_manager is not None
        assert constable.shift == constable.line_manager.shift


def test_teams_units_and_specials(kent_store: Store) -> None:
    with kent_store.session() as session:
        kinds = set(session.scalars(select(Team.kind).distinct()))
        assert {
            "local_policing_team", "community_safety_unit", "community_policing_team",
            "pcso_team", "special_constabulary", "force_control_room", "schools",
            "mental_health", "volunteers",
        } <= kinds  # fmt: skip
        specials = session.scalar(select(func.count()).where(Person.role == "Special Constable"))
        assert specials == 245  # seed 003
        cpt = session.scalars(select(Team).where(Team.kind == "community_policing_team")).all()
        assert all(t.parent_id is not None for t in cpt)
        signs = session.scalars(select(Unit.call_sign)).all()
        assert len(signs) == len(set(signs)) > 500


def test_outlines_and_centres_are_real_geography(kent_store: Store) -> None:
    with kent_store.session() as session:
        force = service.get_or_raise(session=session, code="kent")
        outlines = service.outlines(session=session, force=force)
        assert len(outlines) == 13
        areas = {slug: shape(geometry).area / 1e4 for slug, geometry in outlines.items()}
        sevenoaks = service.get_district_or_raise(
            session=session, force=force, district="Sevenoaks"
        )
        # The dissolved outline covers about the census area (hectares), within generalisation.
        assert areas["sevenoaks"] == pytest.approx(sevenoaks.hectares, rel=0.05)
        assert sevenoaks.easting is not None and sevenoaks.northing is not None
        outline = shape(outlines["sevenoaks"])
        assert outline.contains(shapely.Point(sevenoaks.easting, sevenoaks.northing))
        hoods = service.neighbourhoods(session=session, district=sevenoaks)
        assert len(hoods) == 74
        threshold = load_config("kent").neighbourhoods.urban_density_threshold
        assert all(h.urban == (h.density >= threshold) for h in hoods)


def test_building_twice_needs_replace(kent_store: Store) -> None:
    with pytest.raises(ForceExistsError, match="--replace"), kent_store.session() as session:
        build_force(
            session,
            load_config("kent"),
            census_path=sources.census_2011(),
            boundaries_path=sources.lsoa_boundaries(),
        )
    with kent_store.session() as session:
        build_force(
            session,
            load_config("kent"),
            census_path=sources.census_2011(),
            boundaries_path=sources.lsoa_boundaries(),
            replace=True,
        )
    with kent_store.session() as session:
        assert session.scalar(select(func.count()).select_from(District)) == 13
        assert session.scalar(select(func.count()).select_from(Neighbourhood)) == 1065


def test_a_second_force_lives_beside_kent(kent_store: Store) -> None:
    with kent_store.session() as session:
        build_force(
            session,
            load_config("west-yorkshire"),
            census_path=sources.census_2011(),
            boundaries_path=sources.lsoa_boundaries(),
        )
    with kent_store.session() as session:
        assert service.list_codes(session=session) == ["kent", "west-yorkshire"]
        wy = service.get_or_raise(session=session, code="West Yorkshire Police")
        summary = service.summary(session=session, force=wy)
        assert [d.name for d in summary.districts] == [
            "Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield",
        ]  # fmt: skip
        assert summary.neighbourhoods == 310 + 128 + 259 + 482 + 209


def test_unknown_force_and_district_are_named(kent_store: Store) -> None:
    with kent_store.session() as session:
        with pytest.raises(service.NotFoundError, match=r"no force 'essex'.*built: kent"):
            service.get_or_raise(session=session, code="essex")
        force = service.get_or_raise(session=session, code="kent")
        with pytest.raises(service.NotFoundError, match="no district 'Narnia'"):
            service.get_district_or_raise(session=session, force=force, district="Narnia")


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [(245, [1, 1], [123, 122]), (10, [1, 2, 7], [1, 2, 7]), (3, [1, 1, 1, 1], [1, 1, 1, 0])],
)
def test_share_by_weight_sums_exactly(total: int, weights: list[int], expected: list[int]) -> None:
    assert share_by_weight(total, weights) == expected
