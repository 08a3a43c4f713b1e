"""Geometry measures: area, length, perimeter, distance, withinDistance and the closest points.

Without `proj`, they are metres (m²) on the WGS84 ellipsoid (pyproj.Geod), whatever the geometry's CRS; with
`proj`, planar in that projection's units. Planar lon/lat edges are followed along their parallels."""

from __future__ import annotations

import shapely

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_geometry, as_number, as_projection
from ee_assets.local.algorithms.support.geodesy import (
    GEOD,
    geodesic_area,
    geodesic_distance,
    geodesic_nearest,
    may_be_within,
    on_ellipsoid,
    parts,
)
from ee_assets.local.values.geometry import WGS84, Geometry

G = "Geometry"


def _distance(left, right, proj=None) -> float:
    if proj is not None:
        crs = as_projection(proj, "proj").crs
        return float(as_geometry(left, "left").to(crs).distance(as_geometry(right, "right").to(crs)))
    return geodesic_distance(as_geometry(left, "left"), as_geometry(right, "right"))


@algorithm("Geometry.area", returns="Float", geometry="Geometry")
def area(geometry, maxError=None, proj=None) -> float:
    return geodesic_area(as_geometry(geometry))


@algorithm("Geometry.withinDistance", returns="Boolean", left=G, right=G, distance="Float",
           maxError="ErrorMargin", proj="Projection")
def within_distance(left, right, distance, maxError=None, proj=None) -> bool:
    d = as_number(distance, "distance")
    if proj is None and not may_be_within(as_geometry(left, "left"), as_geometry(right, "right"), d):
        return False
    return _distance(left, right, proj) <= d


@algorithm("Geometry.distance", returns="Float", left=G, right=G, maxError="ErrorMargin", proj="Projection",
           spherical="Boolean")
def distance(left, right, maxError=None, proj=None, spherical: bool = False) -> float:
    """Metres on the ellipsoid (spherical=true is also measured on the ellipsoid: a reading within ~0.5 %)."""
    return _distance(left, right, proj)


LINEAR = ("LineString", "LinearRing", "MultiLineString")
POLYGONAL = ("Polygon", "MultiPolygon")


def _outline_length(geom: Geometry, proj, kinds: tuple[str, ...]) -> float:
    """The summed length of the parts of the given kinds (for polygons their rings): geodesic metres, or planar in
    `proj`'s units."""
    chosen = [p for p in parts(geom.geom) if p.geom_type in kinds]
    if not chosen:
        return 0.0
    if proj is not None:
        crs = as_projection(proj, "proj").crs
        return float(sum(Geometry(p, geom.crs).to(crs).length for p in chosen))
    return float(sum(GEOD.geometry_length(on_ellipsoid(Geometry(p, geom.crs, geom.geodesic))) for p in chosen))


@algorithm("Geometry.length", returns="Float", geometry=G, maxError="ErrorMargin", proj="Projection")
def length(geometry, maxError=None, proj=None) -> float:
    """Length of the linear parts (polygons count 0, as EE documents)."""
    return _outline_length(as_geometry(geometry), proj, LINEAR)


@algorithm("Geometry.perimeter", returns="Float", geometry=G, maxError="ErrorMargin", proj="Projection")
def perimeter(geometry, maxError=None, proj=None) -> float:
    """Perimeter of the polygonal parts, holes included (lines count 0, as EE documents)."""
    return _outline_length(as_geometry(geometry), proj, POLYGONAL)


def _closest(left, right) -> tuple[Geometry, Geometry] | None:
    a, b = as_geometry(left, "left"), as_geometry(right, "right")
    if a.geom.is_empty or b.geom.is_empty:
        return None
    pa, pb, _ = geodesic_nearest(a, b)
    return Geometry(shapely.Point(pa), WGS84), Geometry(shapely.Point(pb), WGS84)


@algorithm("Geometry.closestPoint", returns="Object", left=G, right=G, maxError="ErrorMargin", proj="Projection")
def closest_point(left, right, maxError=None, proj=None) -> Geometry | None:
    """The point of `right` nearest to `left` (null if either is empty)."""
    pair = _closest(left, right)
    return None if pair is None else pair[1]


@algorithm("Geometry.closestPoints", returns="Object", left=G, right=G, maxError="ErrorMargin",
           proj="Projection")
def closest_points(left, right, maxError=None, proj=None) -> dict | None:
    """{'left': the point of left nearest to right, 'right': the point of right nearest to left}."""
    pair = _closest(left, right)
    return None if pair is None else {"left": pair[0], "right": pair[1]}
