"""Geometry operations: set operations and predicates, buffer, bounds, centroid, convexHull, dissolve, simplify,
transform, cutLines and coveringGrid.

Set operations and predicates run on the lon/lat coordinates (or in `proj`), i.e. they treat edges as straight
lines in degrees; for the small geometries scripts use, this differs from EE's geodesic edges by far less than its
default error margins. Buffers, centroids and simplification work in a local metric projection."""

from __future__ import annotations

import math
from collections.abc import Callable

import shapely

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_geometry, as_number, as_projection
from ee_assets.local.algorithms.support.geodesy import GEOD, in_metres, margin_metres, on_ellipsoid, parts
from ee_assets.local.algorithms.support.geometry_repair import overlay, relate, snap_size, union_all
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.projection import Projection

G = "Geometry"


def _pair(left, right, proj) -> tuple[shapely.Geometry, shapely.Geometry, str]:
    """Both geometries in one CRS: `proj`'s if given, else WGS84."""
    crs = as_projection(proj, "proj").crs if proj is not None else WGS84
    return as_geometry(left, "left").to(crs), as_geometry(right, "right").to(crs), crs


def _set_op(op, left, right, maxError, proj) -> Geometry:
    """The set operation on valid inputs, snapped within the error margin if GEOS finds no consistent topology
    (support/geometry_repair.py), where EE returns a result."""
    a, b, crs = _pair(left, right, proj)
    result = overlay(op, a, b, snap_size(crs, margin_metres(maxError)))
    return Geometry(shapely.make_valid(result), crs, as_geometry(left, "left").geodesic)


def _register_set_op(name: str, op) -> Callable:
    def impl(left, right, maxError=None, proj=None) -> Geometry:
        return _set_op(op, left, right, maxError, proj)

    return algorithm(f"Geometry.{name}", returns=G, left=G, right=G, maxError="ErrorMargin", proj="Projection")(impl)


SET_OPERATIONS = {name: _register_set_op(name, op) for name, op in {
    "intersection": shapely.intersection, "union": shapely.union, "difference": shapely.difference,
    "symmetricDifference": shapely.symmetric_difference}.items()}


def _register_predicate(name: str, relation) -> Callable:
    def impl(left, right, maxError=None, proj=None) -> bool:
        a, b, crs = _pair(left, right, proj)
        return relate(relation, a, b, snap_size(crs, margin_metres(maxError)))

    return algorithm(f"Geometry.{name}", returns="Boolean", left=G, right=G, maxError="ErrorMargin",
                     proj="Projection")(impl)


PREDICATES = {name: _register_predicate(name, relation) for name, relation in {
    "intersects": shapely.intersects, "disjoint": shapely.disjoint, "contains": shapely.contains,
    "containedIn": shapely.within}.items()}


@algorithm("Geometry.buffer", returns="Geometry", geometry="Geometry", distance="Float")
def buffer(geometry, distance: float, maxError=None, proj=None) -> Geometry:
    geom = as_geometry(geometry)
    shape, crs = in_metres(geom)
    buffered = Geometry(shape.buffer(as_number(distance, "distance"), 32), crs)
    return Geometry(buffered.to(geom.crs), geom.crs, geom.geodesic)


@algorithm("Geometry.bounds", returns="Geometry", geometry="Geometry")
def bounds(geometry, maxError=None, proj=None) -> Geometry:
    g = as_geometry(geometry).to_wgs84()
    return Geometry(shapely.box(*g.bounds) if not g.is_empty else g, WGS84)


@algorithm("Geometry.centroid", returns="Geometry", geometry="Geometry")
def centroid(geometry, maxError=None, proj=None) -> Geometry:
    geom = as_geometry(geometry)
    shape, crs = in_metres(geom)
    return Geometry(Geometry(shape.centroid, crs).to(WGS84), WGS84)


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
    return Geometry(union_all(parts(geom.to(crs)), snap_size(crs, margin_metres(maxError))), crs, geom.geodesic)


@algorithm("Geometry.simplify", returns=G, geometry=G, maxError="ErrorMargin", proj="Projection")
def simplify(geometry, maxError, proj=None) -> Geometry:
    """Douglas-Peucker with a tolerance of `maxError` metres (topology preserved), in a local metric projection."""
    geom = as_geometry(geometry)
    tolerance = margin_metres(maxError)
    if proj is not None:
        crs = as_projection(proj, "proj").crs
        return Geometry(geom.to(crs).simplify(tolerance, preserve_topology=True), crs, geom.geodesic)
    shape, crs = in_metres(geom)
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


def _cut_positions(seg_lengths: list[float], cuts: list[float]) -> list[tuple[int, float]]:
    """(segment index, fraction along it) of each cut distance inside the line, in order."""
    out, start = [], 0.0
    pending = sorted(c for c in cuts if 0 < c < sum(seg_lengths))
    for i, length in enumerate(seg_lengths):
        while pending and pending[0] <= start + length:
            out.append((i, (pending.pop(0) - start) / length if length else 0.0))
        start += length
    return out


def _cut(coords: list, cuts: list[float], seg_lengths: list[float], interpolate) -> list[list]:
    """The line's coordinates split at the cut positions (pieces of at least two points)."""
    pieces, current = [], [coords[0]]
    positions = _cut_positions(seg_lengths, cuts)
    for i in range(len(coords) - 1):
        for _, frac in [p for p in positions if p[0] == i]:
            point = interpolate(coords[i], coords[i + 1], frac)
            current.append(point)
            pieces.append(current)
            current = [point]
        current.append(coords[i + 1])
    pieces.append(current)
    return [p for p in pieces if len(p) >= 2 and any(q != p[0] for q in p[1:])]


def _geodesic_interpolate(a, b, frac: float):
    az, _, dist = GEOD.inv(a[0], a[1], b[0], b[1])
    lon, lat, _ = GEOD.fwd(a[0], a[1], az, dist * frac)
    return (lon, lat)


def _planar_interpolate(a, b, frac: float):
    return (a[0] + (b[0] - a[0]) * frac, a[1] + (b[1] - a[1]) * frac)


@algorithm("Geometry.cutLines", returns=G, geometry=G, distances="List<Float>", maxError="ErrorMargin",
           proj="Projection")
def cut_lines(geometry, distances: list, maxError=None, proj=None) -> Geometry:
    """A MultiLineString of each line cut at the given distances along it (metres on the ellipsoid, or `proj`
    units)."""
    geom = as_geometry(geometry)
    cuts = [float(as_number(d, "distances")) for d in distances]
    lines = [p for p in parts(geom.geom) if p.geom_type in ("LineString", "LinearRing")]
    if not lines:
        raise InvalidArgument("Geometry.cutLines: the geometry has no lines to cut.")
    pieces = []
    if proj is not None:
        crs = as_projection(proj, "proj").crs
        for line in lines:
            coords = list(Geometry(line, geom.crs).to(crs).coords)
            lengths = [math.dist(a, b) for a, b in zip(coords, coords[1:], strict=False)]
            pieces += _cut(coords, cuts, lengths, _planar_interpolate)
        return Geometry(shapely.MultiLineString(pieces), crs, False)
    for line in lines:
        coords = [tuple(c) for c in on_ellipsoid(Geometry(line, geom.crs, geom.geodesic)).coords]
        lengths = [GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in zip(coords, coords[1:], strict=False)]
        pieces += _cut(coords, cuts, lengths, _geodesic_interpolate)
    return Geometry(shapely.MultiLineString(pieces), WGS84, geom.geodesic)


MAX_GRID_CELLS = 1_000_000


@algorithm("Geometry.coveringGrid", returns="FeatureCollection", geometry=G, proj="Projection", scale="Float")
def covering_grid(geometry, proj, scale=None) -> Collection:
    """One rectangle feature per cell of `proj`'s grid (corners at integer grid positions, `scale` metres if given)
    that the geometry overlaps (touching a cell's edge does not count). Cells are in `proj`'s CRS, ids 'col,row'."""
    projection = as_projection(proj, "proj")
    if scale is not None:
        projection = projection.at_scale(float(as_number(scale, "scale")))
    geom = as_geometry(geometry).to(projection.crs)
    if geom.is_empty:
        return Collection([], {}, "FeatureCollection")
    inverse = ~projection.affine
    minx, miny, maxx, maxy = geom.bounds
    corners = [inverse @ (x, y) for x in (minx, maxx) for y in (miny, maxy)]
    c0, c1 = math.floor(min(c for c, _ in corners)), math.ceil(max(c for c, _ in corners))
    r0, r1 = math.floor(min(r for _, r in corners)), math.ceil(max(r for _, r in corners))
    if (c1 - c0) * (r1 - r0) > MAX_GRID_CELLS:
        raise InvalidArgument(f"Geometry.coveringGrid: {(c1 - c0) * (r1 - r0)} cells exceed the limit of "
                              f"{MAX_GRID_CELLS}; use a coarser scale.")
    shapely.prepare(geom)
    features = []
    for row in range(r0, max(r1, r0 + 1)):
        for col in range(c0, max(c1, c0 + 1)):
            ring = [projection.affine @ (col + dc, row + dr) for dc, dr in ((0, 0), (1, 0), (1, 1), (0, 1))]
            cell = shapely.Polygon(ring)
            if shapely.intersects(geom, cell) and not shapely.touches(geom, cell):
                features.append(Feature(Geometry(cell, projection.crs, False), {"system:index": f"{col},{row}"}))
    return Collection(features, {}, "FeatureCollection")
