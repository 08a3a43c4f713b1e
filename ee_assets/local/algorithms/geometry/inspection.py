"""Geometry inspection: coordinates, type, parts, projection and the geodesic flags."""

from __future__ import annotations

from shapely.geometry import mapping

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_geometry
from ee_assets.local.algorithms.support.geodesy import parts
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import Geometry, plain_lists
from ee_assets.local.values.projection import Projection

G = "Geometry"


@algorithm("Geometry.coordinates", returns="List<Object>", geometry=G)
def coordinates(geometry) -> list:
    """GeoJSON coordinates in the geometry's own CRS."""
    geom = as_geometry(geometry)
    if geom.geom.geom_type == "GeometryCollection":
        raise InvalidArgument("Geometry.coordinates: a GeometryCollection has no coordinates; use geometries().")
    return plain_lists(mapping(geom.geom))["coordinates"]


@algorithm("Geometry.type", returns="String", geometry=G)
def type_(geometry) -> str:
    return as_geometry(geometry).geom.geom_type


@algorithm("Geometry.geometries", returns="List<Geometry>", geometry=G)
def geometries(geometry) -> list[Geometry]:
    """The parts of a multi-geometry (a single geometry is its own only part)."""
    geom = as_geometry(geometry)
    return [Geometry(p, geom.crs, geom.geodesic) for p in parts(geom.geom)]


@algorithm("Geometry.projection", returns="Projection", geometry=G)
def projection(geometry) -> Projection:
    return Projection(as_geometry(geometry).crs)


@algorithm("Geometry.geodesic", returns="Boolean", geometry=G)
def geodesic(geometry) -> bool:
    return as_geometry(geometry).geodesic


@algorithm("Geometry.edgesAreGeodesics", returns="Boolean", geometry=G)
def edges_are_geodesics(geometry) -> bool:
    return as_geometry(geometry).geodesic


@algorithm("Geometry.isUnbounded", returns="Boolean", geometry=G)
def is_unbounded(geometry) -> bool:
    """False: this backend has no unbounded geometries (EE's come only from unbounded images)."""
    as_geometry(geometry)
    return False
