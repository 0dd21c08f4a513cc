"""Coordinates and shapes: WGS84 ↔ British National Grid (EPSG:27700), outlines, dissolving."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry import mapping, shape

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"


@lru_cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_bng(
    longitude: ArrayLike, latitude: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Longitudes and latitudes (WGS84 degrees) as eastings and northings (metres)."""
    easting, northing = _transformer(WGS84, BNG).transform(
        np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float)
    )
    return np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)


def to_wgs84(
    easting: ArrayLike, northing: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Eastings and northings (metres) as longitudes and latitudes (WGS84 degrees)."""
    longitude, latitude = _transformer(BNG, WGS84).transform(
        np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    )
    return np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float)


def _project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    easting, northing = to_bng(coords[:, 0], coords[:, 1])
    return np.column_stack([easting, northing])


def _unproject(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    longitude, latitude = to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([longitude, latitude])


def geometry_to_bng(geometry: dict[str, Any]) -> shapely.Geometry:
    """A GeoJSON geometry in WGS84 as a shapely geometry in BNG metres (made valid)."""
    projected = shapely.transform(shape(geometry), _project)
    return shapely.make_valid(projected) if not projected.is_valid else projected


def dissolve(geometries: list[shapely.Geometry], *, tolerance: float = 1.0) -> shapely.Geometry:
    """One outline for many shapes: their union, cleaned of slivers narrower than ``tolerance``.

    The boundaries are generalised independently, so neighbours leave hairline gaps; a small
    buffer out and back closes them without moving the outer edge.
    """
    union = shapely.union_all([g.buffer(tolerance) for g in geometries])
    return union.buffer(-tolerance)


def to_geojson(geometry: shapely.Geometry, *, precision: int) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON mapping with coordinates rounded to ``precision`` places."""
    rounded = shapely.set_precision(geometry, 10.0**-precision)
    return dict(mapping(rounded))


def bng_to_wgs84_geojson(geometry: shapely.Geometry) -> dict[str, Any]:
    """A BNG shapely geometry as GeoJSON in WGS84 degrees (6 places, about 10 cm)."""
    return to_geojson(shapely.transform(geometry, _unproject), precision=6)
