"""Placing contacts: postcodes from the ONS directory, points and neighbourhoods in Kent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from constable.force import service
from constable.force.locate import (
    LocationError,
    Locator,
    OutsideForceError,
    UnknownNeighbourhoodError,
)
from constable.force.postcodes import PostcodeError, default_directory, normalise_postcode
from constable.store import Store, open_store
from support import build_kent


@pytest.fixture(scope="module")
def locator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Locator]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('locate') / 'kent.db'}")
    build_kent(store)
    with store.session() as session:
        built = Locator.from_store(session, service.get_or_raise(session=session, code="kent"))
    store.close()
    yield built


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("me141aa", "ME14 1AA"),
        (" tn1 1aa ", "TN1 1AA"),
        ("CT11AA", "CT1 1AA"),
        ("M1 1AA", "M1 1AA"),
    ],
)
def test_postcodes_are_normalised(text: str, normal: str) -> None:
    assert normalise_postcode(text) == normal


@pytest.mark.parametrize("text", ["", "hello", "ME14", "12345", "ME14 1A"])
def test_malformed_postcodes_are_refused(text: str) -> None:
    with pytest.raises(PostcodeError, match="is not a postcode"):
        normalise_postcode(text)


@pytest.mark.parametrize(
    ("postcode", "authority", "district"),
    [
        ("ME14 1AA", "E07000110", "maidstone"),
        ("TN1 1AA", "E07000116", "tunbridge-wells"),
        ("CT1 1AA", "E07000106", "canterbury"),
    ],
)
def test_kent_postcodes_land_in_their_district(
    locator: Locator, postcode: str, authority: str, district: str
) -> None:
    record = default_directory().lookup(postcode)
    assert record is not None and record.local_authority == authority
    location = locator.at_postcode(postcode.lower())
    assert location.district_slug == district
    assert location.postcode == postcode and location.source == "postcode"


def test_postcodes_elsewhere_or_unknown(locator: Locator) -> None:
    with pytest.raises(OutsideForceError, match=r"postcode LS1 1AA is \d+\.\d km outside Kent"):
        locator.at_postcode("LS1 1AA")
    with pytest.raises(PostcodeError, match="could not find postcode 'ME99 9ZZ'"):
        locator.at_postcode("ME99 9ZZ")


def test_points(locator: Locator) -> None:
    sevenoaks = locator.at_lat_lon(51.2724, 0.1909)
    assert sevenoaks.district_slug == "sevenoaks" and sevenoaks.urban
    assert 552_000 < sevenoaks.easting < 554_000
    with pytest.raises(OutsideForceError, match="km outside Kent Police"):
        locator.at_lat_lon(51.45, 1.6)  # the North Sea off Margate
    with pytest.raises(LocationError, match="latitude 95"):
        locator.at_lat_lon(95, 0)


def test_points_just_off_the_coast_snap_within_the_tolerance(locator: Locator) -> None:
    # The eastmost point of the force is on the coast (North Foreland): east of it is the sea.
    coast = shapely.union_all(locator.shapes)
    east, north = max(shapely.get_coordinates(coast), key=lambda point: point[0])
    snapped = locator.at_point(east + 100, north)
    assert snapped.district_slug == "thanet"
    with pytest.raises(OutsideForceError, match=r"2\.0 km outside Kent Police"):
        locator.at_point(east + 2000, north)


def test_neighbourhoods(locator: Locator) -> None:
    location = locator.at_neighbourhood("e01024445")
    assert location.neighbourhood_code == "E01024445" and location.district_slug == "sevenoaks"
    with pytest.raises(UnknownNeighbourhoodError, match="'E01000001' is not a neighbourhood"):
        locator.at_neighbourhood("E01000001")


def test_resolve_wants_exactly_one_location(locator: Locator) -> None:
    with pytest.raises(LocationError, match="not nothing"):
        locator.resolve()
    with pytest.raises(LocationError, match="a postcode and a neighbourhood"):
        locator.resolve(postcode="ME14 1AA", neighbourhood="E01024445")
    with pytest.raises(LocationError, match="both latitude and longitude"):
        locator.resolve(latitude=51.2)
    assert locator.resolve(latitude=51.2724, longitude=0.1909).district_slug == "sevenoaks"


@settings(max_examples=200, deadline=None)
@given(index=st.integers(min_value=0, max_value=1064))
def test_every_label_point_resolves_inside_the_force(locator: Locator, index: int) -> None:
    """ONS label points lie inside their LSOA; after generalisation they stay in the force and
    almost always in the same neighbourhood (a neighbour at worst)."""
    area = locator.areas[index]
    found = locator.at_point(area.easting, area.northing)
    if found.neighbourhood_code != area.code:
        assert (
            locator.shapes[index].distance(__import__("shapely").Point(area.easting, area.northing))
            < 250
        )


def test_the_locator_reads_postgresql_too(kent_store: Store) -> None:
    with kent_store.session() as session:
        built = Locator.from_store(session, service.get_or_raise(session=session, code="kent"))
    assert len(built.areas) == 1065
    assert built.at_postcode("ME14 1AA").district_slug == "maidstone"
