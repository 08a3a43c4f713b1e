"""Geometry constructors and operations, and projections.

Geodesic measures (area, buffer, centroid) are computed on the WGS84 ellipsoid
or in a local azimuthal-equidistant projection around the geometry.
"""

from __future__ import annotations

import shapely
from pyproj import CRS, Geod

from ee_assets.local.algorithms.coerce import as_geometry, as_number, as_projection
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.projection import Projection

GEOD = Geod(ellps="WGS84")


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
    return Geometry(box, _crs_of(crs), _geodesic(geodesic, crs))


@algorithm("GeometryConstructors.LineString", returns="Geometry", coordinates="List<Object>", crs="Projection")
def line_string(coordinates: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    return Geometry(shapely.LineString(coordinates), _crs_of(crs), _geodesic(geodesic, crs))


@algorithm("GeometryConstructors.MultiPoint", returns="Geometry", coordinates="List<Object>", crs="Projection")
def multi_point(coordinates: list, crs=None) -> Geometry:
    return Geometry(shapely.MultiPoint(coordinates), _crs_of(crs))


def _local_crs(geom: Geometry) -> str:
    c = geom.to_wgs84().centroid
    return CRS.from_proj4(f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m").to_wkt()


def _in_metres(geom: Geometry) -> tuple[shapely.Geometry, str]:
    if not geom.geom.is_empty and as_projection(geom.crs).is_geographic:
        local = _local_crs(geom)
        return geom.to(local, max_segment=0.001), local
    return geom.geom, geom.crs


@algorithm("Geometry.buffer", returns="Geometry", geometry="Geometry", distance="Float")
def buffer(geometry, distance: float, maxError=None, proj=None) -> Geometry:
    geom = as_geometry(geometry)
    shape, crs = _in_metres(geom)
    buffered = Geometry(shape.buffer(as_number(distance, "distance"), 32), crs)
    return Geometry(buffered.to(geom.crs), geom.crs, geom.geodesic)


@algorithm("Geometry.bounds", returns="Geometry", geometry="Geometry")
def bounds(geometry, maxError=None, proj=None) -> Geometry:
    g = as_geometry(geometry).to_wgs84()
    return Geometry(shapely.box(*g.bounds) if not g.is_empty else g, WGS84)


@algorithm("Geometry.centroid", returns="Geometry", geometry="Geometry")
def centroid(geometry, maxError=None, proj=None) -> Geometry:
    geom = as_geometry(geometry)
    shape, crs = _in_metres(geom)
    return Geometry(Geometry(shape.centroid, crs).to(WGS84), WGS84)


@algorithm("Geometry.area", returns="Float", geometry="Geometry")
def area(geometry, maxError=None, proj=None) -> float:
    geom = as_geometry(geometry)
    if as_projection(geom.crs).is_geographic:
        return abs(GEOD.geometry_area_perimeter(geom.to_wgs84())[0])
    return float(geom.geom.area)


@algorithm("ErrorMargin", returns="ErrorMargin", value="Float", unit="String")
def error_margin(value: float | None = None, unit: str = "meters") -> dict:
    return {"type": "ErrorMargin", "value": value, "unit": unit}


# -- projections ----------------------------------------------------------------------------------------------
@algorithm("Projection", returns="Projection", crs="Object", transform="List<Object>", transformWkt="String")
def projection(crs, transform: list | None = None, transformWkt: str | None = None) -> Projection:
    if isinstance(crs, Projection):
        base = crs
    elif isinstance(crs, str):
        try:
            as_projection(crs).is_geographic  # noqa: B018  (validates the CRS)
        except Exception as e:
            raise InvalidArgument(f"Projection: Unknown or invalid CRS '{crs}'.") from e
        base = Projection(crs)
    else:
        raise InvalidArgument("Projection: 'crs' must be a CRS code or WKT string.")
    if transform is not None:
        if len(transform) != 6:
            raise InvalidArgument("Projection: transform must have 6 numbers.")
        base = base.with_transform(transform)
    return base


@algorithm("Projection.atScale", returns="Projection", projection="Projection", meters="Float")
def at_scale(projection: Projection, meters: float) -> Projection:
    return as_projection(projection, "projection").at_scale(float(as_number(meters, "meters")))


@algorithm("Projection.nominalScale", returns="Float", proj="Projection")
def nominal_scale(proj: Projection) -> float:
    return as_projection(proj, "proj").nominal_scale()


@algorithm("Projection.crs", returns="String", projection="Projection")
def crs(projection: Projection) -> str:
    return as_projection(projection, "projection").crs


@algorithm("Projection.transform", returns="String", projection="Projection")
def transform(projection: Projection) -> str:
    a, b, c, d, e, f = as_projection(projection, "projection").transform
    return f'PARAM_MT["Affine", PARAMETER["elt_0_0", {a}], PARAMETER["elt_0_1", {b}], PARAMETER["elt_0_2", {c}], ' \
           f'PARAMETER["elt_1_0", {d}], PARAMETER["elt_1_1", {e}], PARAMETER["elt_1_2", {f}]]'
