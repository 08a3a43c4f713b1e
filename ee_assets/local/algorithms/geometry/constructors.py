"""Geometry constructors (GeometryConstructors.*) and ErrorMargin.

An unspecified `geodesic` is true in a geographic CRS, as the client's constructor docs say; BBox is planar."""

from __future__ import annotations

import shapely
import shapely.affinity

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_geometry, as_projection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import WGS84, Geometry

G = "Geometry"


def _crs_of(crs) -> str:
    return as_projection(crs).crs if crs is not None else WGS84


def _geodesic(geodesic, crs) -> bool:
    """EE's default for an unspecified `geodesic`: true in a geographic CRS (the client's constructor docs)."""
    return as_projection(_crs_of(crs)).is_geographic if geodesic is None else bool(geodesic)


def _is_point(c) -> bool:
    return isinstance(c, (list, tuple)) and len(c) >= 2 and all(isinstance(v, (int, float)) for v in c[:2])


@algorithm("GeometryConstructors.Point", returns="Geometry", coordinates="List<Number>", crs="Projection")
def point(coordinates: list, crs=None) -> Geometry:
    if not _is_point(coordinates):
        raise InvalidArgument("GeometryConstructors.Point: coordinates must be [x, y].")
    return Geometry(shapely.Point(coordinates[:2]), _crs_of(crs))


def _rings(coordinates) -> list:
    if coordinates and _is_point(coordinates[0]):
        return [coordinates]
    return coordinates


def _polygon(coords, op: str) -> shapely.Polygon:
    rings = _rings(coords)
    if not rings or len(rings[0]) < 3:
        raise InvalidArgument(f"{op}: a polygon needs at least 3 points.")
    poly = shapely.Polygon(rings[0], rings[1:])
    return poly if poly.is_valid else shapely.make_valid(poly)


@algorithm("GeometryConstructors.Polygon", returns="Geometry", coordinates="List<Object>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin", evenOdd="Boolean")
def polygon(coordinates: list, crs=None, geodesic=None, maxError=None, evenOdd: bool = True) -> Geometry:
    return Geometry(_polygon(coordinates, "GeometryConstructors.Polygon"), _crs_of(crs), _geodesic(geodesic, crs))


@algorithm("GeometryConstructors.MultiPolygon", returns="Geometry", coordinates="List<Object>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin", evenOdd="Boolean")
def multi_polygon(coordinates: list, crs=None, geodesic=None, maxError=None, evenOdd: bool = True) -> Geometry:
    parts = [_polygon(p, "GeometryConstructors.MultiPolygon") for p in coordinates]
    geom = shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon()
    return Geometry(geom, _crs_of(crs), _geodesic(geodesic, crs))


@algorithm("GeometryConstructors.Rectangle", returns="Geometry", coordinates="List<Object>", crs="Projection",
           geodesic="Boolean", evenOdd="Boolean")
def rectangle(coordinates: list, crs=None, geodesic=None, evenOdd: bool = True) -> Geometry:
    flat = [v for c in coordinates for v in (c if isinstance(c, (list, tuple)) else [c])]
    if len(flat) != 4:
        raise InvalidArgument("GeometryConstructors.Rectangle: coordinates must be [xMin, yMin, xMax, yMax].")
    x0, y0, x1, y1 = flat
    box = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return Geometry(_in_crs_units(box, crs), _crs_of(crs), _geodesic(geodesic, crs))


def _in_crs_units(shape: shapely.Geometry, crs) -> shapely.Geometry:
    """Coordinates in a projection with a transform are in its pixel units (EE: the client's crsTransform +
    dimensions export region is a Rectangle in the image's projection): map them to CRS units."""
    if crs is None or isinstance(crs, str):
        return shape
    a, b, c, d, e, f = as_projection(crs).transform
    if (a, b, c, d, e, f) == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0):
        return shape
    return shapely.affinity.affine_transform(shape, [a, b, d, e, c, f])


@algorithm("GeometryConstructors.LineString", returns="Geometry", coordinates="List<Object>", crs="Projection")
def line_string(coordinates: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    return Geometry(shapely.LineString(coordinates), _crs_of(crs), _geodesic(geodesic, crs))


@algorithm("GeometryConstructors.MultiPoint", returns="Geometry", coordinates="List<Object>", crs="Projection")
def multi_point(coordinates: list, crs=None) -> Geometry:
    return Geometry(shapely.MultiPoint(coordinates), _crs_of(crs))


@algorithm("GeometryConstructors.LinearRing", returns=G, coordinates="List<Object>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin")
def linear_ring(coordinates: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    return Geometry(shapely.LinearRing(coordinates), _crs_of(crs), _geodesic(geodesic, crs))


@algorithm("GeometryConstructors.MultiLineString", returns=G, coordinates="List<Object>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin")
def multi_line_string(coordinates: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    return Geometry(shapely.MultiLineString(coordinates), _crs_of(crs), _geodesic(geodesic, crs))


@algorithm("GeometryConstructors.BBox", returns=G, west="Float", south="Float", east="Float", north="Float")
def bbox(west, south, east, north) -> Geometry:
    """A planar lon/lat rectangle (EE's BBox has straight, non-geodesic edges)."""
    return Geometry(shapely.box(west, south, east, north), WGS84, False)


@algorithm("GeometryConstructors.MultiGeometry", returns=G, geometries="List<Geometry>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin")
def multi_geometry(geometries: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    target = _crs_of(crs)
    parts = [as_geometry(g, "geometries").to(target) for g in geometries]
    return Geometry(shapely.GeometryCollection(parts), target, _geodesic(geodesic, crs))


@algorithm("ErrorMargin", returns="ErrorMargin", value="Float", unit="String")
def error_margin(value: float | None = None, unit: str = "meters") -> dict:
    return {"type": "ErrorMargin", "value": value, "unit": unit}
