"""Where is it? A postcode, a point or a neighbourhood, as a grid reference, neighbourhood and
district of the force, using the real LSOA boundaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.errors import ConstableError
from constable.force.geography import to_bng, to_wgs84
from constable.force.models import District, Force, Neighbourhood
from constable.force.postcodes import PostcodeDirectory, PostcodeError, default_directory

SNAP_METRES = 250.0
"""A point this close to the force's edge belongs to the nearest neighbourhood: the boundaries
are generalised, so piers, beaches and the odd house fall just outside them."""


class LocationError(ConstableError):
    """A location that cannot be placed in the force."""


class OutsideForceError(LocationError):
    """A place outside the force's area."""


class UnknownNeighbourhoodError(LocationError):
    """A neighbourhood code that is not one of the force's."""


@dataclass(frozen=True)
class Location:
    """A resolved place."""

    easting: float
    northing: float
    latitude: float
    longitude: float
    neighbourhood_code: str
    neighbourhood_name: str
    district_slug: str
    district_name: str
    urban: bool
    # The store's ids: recording a contact needs no look-up of its district and neighbourhood.
    district_id: int
    neighbourhood_id: int
    source: str
    postcode: str | None = None


@dataclass(frozen=True)
class _Area:
    code: str
    name: str
    district_slug: str
    district_name: str
    urban: bool
    easting: float
    northing: float
    district_id: int
    neighbourhood_id: int


class Locator:
    """Places in one force: built once from the store, then answers without touching it."""

    def __init__(
        self,
        force_name: str,
        areas: list[_Area],
        shapes: list[shapely.Geometry],
        *,
        snap_metres: float = SNAP_METRES,
        directory: PostcodeDirectory | None = None,
    ) -> None:
        self.force_name = force_name
        self.areas = areas
        self.shapes = shapes
        self.snap_metres = snap_metres
        self.directory = directory or default_directory()
        self.tree = shapely.STRtree(shapes)
        self.by_code = {area.code: area for area in areas}
        for geometry in shapes:
            shapely.prepare(geometry)

    @classmethod
    def from_store(
        cls, session: Session, force: Force, *, snap_metres: float = SNAP_METRES
    ) -> Locator:
        """The locator of ``force``, from its neighbourhoods' boundaries in the store."""
        rows = session.execute(
            select(Neighbourhood, District.slug, District.name)
            .join(District, District.id == Neighbourhood.district_id)
            .where(District.force_id == force.id)
            .order_by(Neighbourhood.code)
        )
        areas, shapes = [], []
        for hood, slug, name in rows:
            if hood.boundary_bng is None or hood.easting is None or hood.northing is None:
                continue
            areas.append(
                _Area(
                    hood.code,
                    hood.name,
                    slug,
                    name,
                    hood.urban,
                    hood.easting,
                    hood.northing,
                    district_id=hood.district_id,
                    neighbourhood_id=hood.id,
                )
            )
            shapes.append(shape(hood.boundary_bng))
        if not areas:
            raise LocationError(f"{force.name} has no neighbourhoods with boundaries: build it")
        return cls(force.name, areas, shapes, snap_metres=snap_metres)

    def _location(
        self, area: _Area, easting: float, northing: float, source: str, postcode: str | None = None
    ) -> Location:
        longitude, latitude = to_wgs84([easting], [northing])
        return Location(
            easting=round(easting, 1),
            northing=round(northing, 1),
            latitude=round(float(latitude[0]), 6),
            longitude=round(float(longitude[0]), 6),
            neighbourhood_code=area.code,
            neighbourhood_name=area.name,
            district_slug=area.district_slug,
            district_name=area.district_name,
            urban=area.urban,
            source=source,
            postcode=postcode,
            district_id=area.district_id,
            neighbourhood_id=area.neighbourhood_id,
        )

    def _area_at(self, easting: float, northing: float, what: str) -> _Area:
        point = shapely.Point(easting, northing)
        for index in self.tree.query(point, predicate="intersects"):
            return self.areas[int(index)]
        index = int(self.tree.nearest(point))
        distance = float(self.shapes[index].distance(point))
        if distance <= self.snap_metres:
            return self.areas[index]
        raise OutsideForceError(f"{what} is {distance / 1000:.1f} km outside {self.force_name}")

    def at_point(self, easting: float, northing: float, *, source: str = "point") -> Location:
        """The place at a grid reference (metres)."""
        if not (math.isfinite(easting) and math.isfinite(northing)):
            raise LocationError(f"grid reference ({easting}, {northing}) is not a place")
        area = self._area_at(easting, northing, f"the point ({easting:.0f}, {northing:.0f})")
        return self._location(area, easting, northing, source)

    def at_lat_lon(self, latitude: float, longitude: float) -> Location:
        """The place at a latitude and longitude (WGS84 degrees)."""
        if not -90 <= latitude <= 90:
            raise LocationError(f"latitude {latitude} is not between -90 and 90")
        if not -180 <= longitude <= 180:
            raise LocationError(f"longitude {longitude} is not between -180 and 180")
        eastings, northings = to_bng([longitude], [latitude])
        easting, northing = float(eastings[0]), float(northings[0])
        if not (np.isfinite(easting) and np.isfinite(northing)):
            raise OutsideForceError(f"{latitude}, {longitude} is far outside {self.force_name}")
        area = self._area_at(easting, northing, f"the point {latitude:.5f}, {longitude:.5f}")
        return self._location(area, easting, northing, "point")

    def at_postcode(self, text: str) -> Location:
        """The place of a postcode (its ONS grid reference)."""
        record = self.directory.lookup(text)
        if record is None:
            raise PostcodeError(
                f"we could not find postcode {text.strip().upper()!r}: check it, or give the "
                "location as a point or a neighbourhood"
            )
        area = self._area_at(record.easting, record.northing, f"postcode {record.postcode}")
        return self._location(area, record.easting, record.northing, "postcode", record.postcode)

    def at_neighbourhood(self, code: str) -> Location:
        """The label point of a neighbourhood (an LSOA code of the force)."""
        area = self.by_code.get(code.strip().upper())
        if area is None:
            raise UnknownNeighbourhoodError(
                f"{code!r} is not a neighbourhood of {self.force_name}: use an LSOA code from "
                "the district pages or GET /api/forces/{code}/districts/{district}"
            )
        return self._location(area, area.easting, area.northing, "neighbourhood")

    def resolve(
        self,
        *,
        postcode: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        neighbourhood: str | None = None,
    ) -> Location:
        """Exactly one of: a postcode, a latitude with a longitude, or a neighbourhood code."""
        if (latitude is None) != (longitude is None):
            raise LocationError("give both latitude and longitude, or neither")
        given = [
            name
            for name, value in (
                ("a postcode", postcode),
                ("a point", latitude),
                ("a neighbourhood", neighbourhood),
            )
            if value is not None
        ]
        if len(given) != 1:
            problem = "nothing" if not given else " and ".join(given)
            raise LocationError(
                f"give one location (a postcode, a latitude and longitude, or a neighbourhood), "
                f"not {problem}"
            )
        if postcode is not None:
            return self.at_postcode(postcode)
        if neighbourhood is not None:
            return self.at_neighbourhood(neighbourhood)
        assert latitude is not None and longitude is not None
        return self.at_lat_lon(latitude, longitude)
