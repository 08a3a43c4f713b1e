"""Geometry operations: set operations, predicates, measures, simplification, reprojection and inspection.

Measures follow EE's geodesic semantics: without `proj`, lengths, perimeters and distances are metres on the
WGS84 ellipsoid (pyproj.Geod), whatever the geometry's CRS; with `proj`, they are planar in that projection's
units. Set operations and predicates run on the lon/lat coordinates (or in `proj`), i.e. they treat edges as
straight lines in degrees; for the small geometries scripts use, this differs from EE's geodesic edges by far less
than its default error margins.
"""

from __future__ import annotations

import math

import shapely
import shapely.affinity
from shapely.geometry import mapping
from shapely.ops import nearest_points

from ee_assets.local.algorithms.coerce import as_geometry, as_number, as_projection
from ee_assets.local.algorithms.geometry import GEOD, _in_metres, _local_crs
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import WGS84, Geometry, _lists
from ee_assets.local.values.projection import Projection

G = "Geometry"
ANGULAR_SEGMENT = 0.001  # degrees: how finely edges planar in lon/lat are followed when measured on the ellipsoid


def margin_metres(maxError) -> float:
    """An ErrorMargin (or a bare number of metres) as metres."""
    if isinstance(maxError, dict) and maxError.get("type") == "ErrorMargin":
        if maxError.get("unit", "meters") != "meters":
            raise InvalidArgument("Only error margins in meters are supported; use ee.ErrorMargin(value, 'meters').")
        return float(maxError.get("value") or 0.0)
    if maxError is None:
        return 0.0
    return float(as_number(maxError, "maxError"))


def _pair(left, right, proj) -> tuple[shapely.Geometry, shapely.Geometry, str]:
    """Both geometries in one CRS: `proj`'s if given, else WGS84."""
    crs = as_projection(proj, "proj").crs if proj is not None else WGS84
    return as_geometry(left, "left").to(crs), as_geometry(right, "right").to(crs), crs


def _on_ellipsoid(geom: Geometry) -> shapely.Geometry:
    """Lon/lat coordinates whose straight-line segments follow the geometry's edges closely enough to be measured
    as geodesics: geodesic edges are kept as they are, planar edges are densified first."""
    lonlat = geom.to_wgs84()
    if geom.geodesic and as_projection(geom.crs).is_geographic:
        return lonlat
    return shapely.segmentize(lonlat, ANGULAR_SEGMENT) if lonlat.geom_type not in ("Point", "MultiPoint") else lonlat


def _parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    return list(getattr(geom, "geoms", [geom]))


def _line_length(geom: Geometry, proj) -> float:
    lines = [p for p in _parts(geom.geom) if p.geom_type in ("LineString", "LinearRing", "MultiLineString")]
    if not lines:
        return 0.0
    if proj is not None:
        crs = as_projection(proj, "proj").crs
        return float(sum(Geometry(p, geom.crs).to(crs).length for p in lines))
    return float(sum(GEOD.geometry_length(_on_ellipsoid(Geometry(p, geom.crs, geom.geodesic))) for p in lines))


def _perimeter(geom: Geometry, proj) -> float:
    polys = [p for p in _parts(geom.geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return 0.0
    if proj is not None:
        crs = as_projection(proj, "proj").crs
        return float(sum(Geometry(p, geom.crs).to(crs).length for p in polys))
    return float(sum(GEOD.geometry_length(_on_ellipsoid(Geometry(p, geom.crs, geom.geodesic))) for p in polys))


def geodesic_nearest(a: Geometry, b: Geometry) -> tuple[tuple[float, float], tuple[float, float], float]:
    """The nearest points (lon, lat) of two geometries and their distance in metres on the WGS84 ellipsoid.

    The pair is found in an azimuthal-equidistant projection centred between the geometries (distances from its
    centre are exact, nearby ones nearly so); their separation is then measured with pyproj.Geod.
    """
    ga, gb = a.to_wgs84(), b.to_wgs84()
    if ga.is_empty or gb.is_empty:
        raise InvalidArgument("Geometry.distance: a geometry is empty.")
    if ga.geom_type == "Point" and gb.geom_type == "Point":  # the common case, exact on the ellipsoid directly
        return (ga.x, ga.y), (gb.x, gb.y), float(GEOD.inv(ga.x, ga.y, gb.x, gb.y)[2])
    if shapely.intersects(ga, gb):
        p = shapely.intersection(ga, gb).representative_point()
        return (p.x, p.y), (p.x, p.y), 0.0
    ax0, _, ax1, _ = ga.bounds
    bx0, _, bx1, _ = gb.bounds
    if max(ax1, bx1) - min(ax0, bx0) > 180:  # they may be closest across the antimeridian: try b shifted by ±360°
        shifted = [shapely.affinity.translate(gb, xoff=k) for k in (0, 360, -360)]
        gb = min(shifted, key=lambda g: shapely.distance(ga, g))
        if shapely.intersects(ga, gb):
            p = shapely.intersection(ga, gb).representative_point()
            return (p.x, p.y), (p.x, p.y), 0.0
    pa, pb = nearest_points(ga, gb)
    centre = Geometry(shapely.LineString([pa, pb]), WGS84)
    local = _local_crs(centre)
    la, lb = Geometry(ga, WGS84).to(local, ANGULAR_SEGMENT), Geometry(gb, WGS84).to(local, ANGULAR_SEGMENT)
    qa, qb = nearest_points(la, lb)
    (x0, y0), (x1, y1) = (Geometry(q, local).to(WGS84).coords[0] for q in (qa, qb))
    return (x0, y0), (x1, y1), float(GEOD.inv(x0, y0, x1, y1)[2])


def may_be_within(a: Geometry, b: Geometry, metres: float) -> bool:
    """A cheap, conservative test: False only when the lon/lat boxes are certainly more than `metres` apart
    (a degree of latitude is at least 110.5 km; a degree of longitude at least 111.3 km · cos of the highest
    latitude involved), so joins and filters skip the exact measure for most distant pairs."""
    ax0, ay0, ax1, ay1 = a.to_wgs84().bounds
    bx0, by0, bx1, by1 = b.to_wgs84().bounds
    dlat = metres / 110_500.0
    if by0 > ay1 + dlat or ay0 > by1 + dlat:
        return False
    top = min(90.0, max(abs(ay0), abs(ay1), abs(by0), abs(by1)) + dlat)
    cos_top = math.cos(math.radians(top))
    if cos_top < 1e-6:
        return True
    dlon = metres / (111_300.0 * cos_top)
    if min(ax0, bx0) - dlon < -180 or max(ax1, bx1) + dlon > 180:
        return True  # the antimeridian may lie between them: no shortcut
    return not (bx0 > ax1 + dlon or ax0 > bx1 + dlon)


def geodesic_distance(a: Geometry, b: Geometry) -> float:
    """Shortest distance in metres on the WGS84 ellipsoid between two geometries (0 when they intersect)."""
    return geodesic_nearest(a, b)[2]


def _distance(left, right, proj=None) -> float:
    if proj is not None:
        a, b, _ = _pair(left, right, proj)
        return float(a.distance(b))
    return geodesic_distance(as_geometry(left, "left"), as_geometry(right, "right"))


def _set_op(op, left, right, proj) -> Geometry:
    a, b, crs = _pair(left, right, proj)
    return Geometry(shapely.make_valid(op(a, b)), crs, as_geometry(left, "left").geodesic)


# -- set operations -------------------------------------------------------------------------------------------
def _register_set_op(name: str, op) -> None:
    def impl(left, right, maxError=None, proj=None) -> Geometry:
        return _set_op(op, left, right, proj)

    algorithm(f"Geometry.{name}", returns=G, left=G, right=G, maxError="ErrorMargin", proj="Projection")(impl)


for _name, _op in {"intersection": shapely.intersection, "union": shapely.union, "difference": shapely.difference,
                   "symmetricDifference": shapely.symmetric_difference}.items():
    _register_set_op(_name, _op)


# -- predicates --------------------------------------------------------------------------------------------------
def _register_predicate(name: str, relation) -> None:
    def impl(left, right, maxError=None, proj=None) -> bool:
        a, b, _ = _pair(left, right, proj)
        return bool(relation(a, b))

    algorithm(f"Geometry.{name}", returns="Boolean", left=G, right=G, maxError="ErrorMargin",
              proj="Projection")(impl)


for _name, _rel in {"intersects": shapely.intersects, "disjoint": shapely.disjoint, "contains": shapely.contains,
                    "containedIn": shapely.within}.items():
    _register_predicate(_name, _rel)


@algorithm("Geometry.withinDistance", returns="Boolean", left=G, right=G, distance="Float",
           maxError="ErrorMargin", proj="Projection")
def within_distance(left, right, distance, maxError=None, proj=None) -> bool:
    d = as_number(distance, "distance")
    if proj is None and not may_be_within(as_geometry(left, "left"), as_geometry(right, "right"), d):
        return False
    return _distance(left, right, proj) <= d


# -- measures ----------------------------------------------------------------------------------------------------
@algorithm("Geometry.distance", returns="Float", left=G, right=G, maxError="ErrorMargin", proj="Projection",
           spherical="Boolean")
def distance(left, right, maxError=None, proj=None, spherical: bool = False) -> float:
    """Metres on the ellipsoid (spherical=true is also measured on the ellipsoid: a reading within ~0.5 %)."""
    return _distance(left, right, proj)


@algorithm("Geometry.length", returns="Float", geometry=G, maxError="ErrorMargin", proj="Projection")
def length(geometry, maxError=None, proj=None) -> float:
    """Length of the linear parts (polygons count 0, as EE documents)."""
    return _line_length(as_geometry(geometry), proj)


@algorithm("Geometry.perimeter", returns="Float", geometry=G, maxError="ErrorMargin", proj="Projection")
def perimeter(geometry, maxError=None, proj=None) -> float:
    """Perimeter of the polygonal parts, holes included (lines count 0, as EE documents)."""
    return _perimeter(as_geometry(geometry), proj)


# -- shape operations --------------------------------------------------------------------------------------------
@algorithm("Geometry.convexHull", returns=G, geometry=G, maxError="ErrorMargin", proj="Projection")
def convex_hull(geometry, maxError=None, proj=None) -> Geometry:
    geom = as_geometry(geometry)
    crs = as_projection(proj, "proj").crs if proj is not None else WGS84
    return Geometry(geom.to(crs).convex_hull, crs, geom.geodesic)


@algorithm("Geometry.dissolve", returns=G, geometry=G, maxError="ErrorMargin", proj="Projection")
def dissolve(geometry, maxError=None, proj=None) -> Geometry:
    """The union of the geometry's parts (overlapping or touching polygons merge)."""
    geom = as_geometry(geometry)
    crs = as_projection(proj, "proj").crs if proj is not None else WGS84
    return Geometry(shapely.union_all(_parts(geom.to(crs))), crs, geom.geodesic)


@algorithm("Geometry.simplify", returns=G, geometry=G, maxError="ErrorMargin", proj="Projection")
def simplify(geometry, maxError, proj=None) -> Geometry:
    """Douglas-Peucker with a tolerance of `maxError` metres (topology preserved), in a local metric projection."""
    geom = as_geometry(geometry)
    tolerance = margin_metres(maxError)
    if proj is not None:
        crs = as_projection(proj, "proj").crs
        return Geometry(geom.to(crs).simplify(tolerance, preserve_topology=True), crs, geom.geodesic)
    shape, crs = _in_metres(geom)
    simple = Geometry(shape.simplify(tolerance, preserve_topology=True), crs)
    return Geometry(simple.to(geom.crs, max_segment=1e12), geom.crs, geom.geodesic)


@algorithm("Geometry.transform", returns=G, geometry=G, proj="Projection", maxError="ErrorMargin",
           geodesic="Boolean")
def transform(geometry, proj=None, maxError=None, geodesic=None) -> Geometry:
    """The geometry in `proj`'s CRS (EPSG:4326 by default); edges are densified so curved images of straight edges
    survive. Geodesic by default only in a geographic CRS."""
    geom = as_geometry(geometry)
    target = as_projection(proj, "proj") if proj is not None else Projection(WGS84)
    flag = target.is_geographic and geom.geodesic if geodesic is None else bool(geodesic)
    return Geometry(geom.to(target.crs), target.crs, flag)


# -- inspection --------------------------------------------------------------------------------------------------
@algorithm("Geometry.coordinates", returns="List<Object>", geometry=G)
def coordinates(geometry) -> list:
    """GeoJSON coordinates in the geometry's own CRS."""
    geom = as_geometry(geometry)
    if geom.geom.geom_type == "GeometryCollection":
        raise InvalidArgument("Geometry.coordinates: a GeometryCollection has no coordinates; use geometries().")
    return _lists(mapping(geom.geom))["coordinates"]


@algorithm("Geometry.type", returns="String", geometry=G)
def type_(geometry) -> str:
    return as_geometry(geometry).geom.geom_type


@algorithm("Geometry.geometries", returns="List<Geometry>", geometry=G)
def geometries(geometry) -> list[Geometry]:
    """The parts of a multi-geometry (a single geometry is its own only part)."""
    geom = as_geometry(geometry)
    return [Geometry(p, geom.crs, geom.geodesic) for p in _parts(geom.geom)]


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


# -- constructors not in geometry.py ---------------------------------------------------------------------------
def _crs_of(crs) -> str:
    return as_projection(crs).crs if crs is not None else WGS84


def _geodesic_default(geodesic, crs) -> bool:
    return as_projection(_crs_of(crs)).is_geographic if geodesic is None else bool(geodesic)


@algorithm("GeometryConstructors.LinearRing", returns=G, coordinates="List<Object>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin")
def linear_ring(coordinates: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    return Geometry(shapely.LinearRing(coordinates), _crs_of(crs), _geodesic_default(geodesic, crs))


@algorithm("GeometryConstructors.MultiLineString", returns=G, coordinates="List<Object>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin")
def multi_line_string(coordinates: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    return Geometry(shapely.MultiLineString(coordinates), _crs_of(crs), _geodesic_default(geodesic, crs))


@algorithm("GeometryConstructors.BBox", returns=G, west="Float", south="Float", east="Float", north="Float")
def bbox(west, south, east, north) -> Geometry:
    """A planar lon/lat rectangle (EE's BBox has straight, non-geodesic edges)."""
    return Geometry(shapely.box(west, south, east, north), WGS84, False)


@algorithm("GeometryConstructors.MultiGeometry", returns=G, geometries="List<Geometry>", crs="Projection",
           geodesic="Boolean", maxError="ErrorMargin")
def multi_geometry(geometries: list, crs=None, geodesic=None, maxError=None) -> Geometry:
    target = _crs_of(crs)
    parts = [as_geometry(g, "geometries").to(target) for g in geometries]
    return Geometry(shapely.GeometryCollection(parts), target, _geodesic_default(geodesic, crs))
