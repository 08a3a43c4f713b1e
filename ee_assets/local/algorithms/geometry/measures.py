"""Geometry.cutLines, closestPoint(s) (and their Feature forms) and FeatureCollection.randomPoints.

Distances along lines are geodesic metres on the WGS84 ellipsoid unless `proj` is given (then planar, in its
units), like the other measures in `geometry_ops`.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ee_assets.local.algorithms.coerce import as_geometry, as_number, as_projection
from ee_assets.local.algorithms.features import _feature
from ee_assets.local.algorithms.geometry import GEOD
from ee_assets.local.algorithms.geometry_ops import _on_ellipsoid, _parts, geodesic_nearest
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import WGS84, Geometry

G = "Geometry"


# -- cutLines ----------------------------------------------------------------------------------------------------
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
    lines = [p for p in _parts(geom.geom) if p.geom_type in ("LineString", "LinearRing")]
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
        coords = [tuple(c) for c in _on_ellipsoid(Geometry(line, geom.crs, geom.geodesic)).coords]
        lengths = [GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in zip(coords, coords[1:], strict=False)]
        pieces += _cut(coords, cuts, lengths, _geodesic_interpolate)
    return Geometry(shapely.MultiLineString(pieces), WGS84, geom.geodesic)


@algorithm("Feature.cutLines", returns="Feature", feature="Element", distances="List<Float>",
           maxError="ErrorMargin", proj="Projection")
def feature_cut_lines(feature, distances: list, maxError=None, proj=None) -> Feature:
    f = _feature(feature)
    return Feature(cut_lines(f.geometry, distances, maxError, proj), dict(f.properties))


# -- closest points ----------------------------------------------------------------------------------------------
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


@algorithm("Feature.closestPoint", returns="Object", left="Element", right="Element", maxError="ErrorMargin",
           proj="Projection")
def feature_closest_point(left, right, maxError=None, proj=None) -> Geometry | None:
    return closest_point(_feature(left, "left").geometry, _feature(right, "right").geometry)


@algorithm("Feature.closestPoints", returns="Object", left="Element", right="Element", maxError="ErrorMargin",
           proj="Projection")
def feature_closest_points(left, right, maxError=None, proj=None) -> dict | None:
    return closest_points(_feature(left, "left").geometry, _feature(right, "right").geometry)


# -- random points -----------------------------------------------------------------------------------------------
def _random_in_area(shape: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points uniform on the sphere inside a lon/lat polygon: lon uniform, sin(lat) uniform, rejection."""
    minx, miny, maxx, maxy = shape.bounds
    s0, s1 = math.sin(math.radians(miny)), math.sin(math.radians(maxy))
    out = np.empty((0, 2))
    shapely.prepare(shape)
    while len(out) < n:
        k = max(64, 2 * (n - len(out)))
        lon = rng.uniform(minx, maxx, k)
        lat = np.degrees(np.arcsin(rng.uniform(s0, s1, k)))
        inside = shapely.contains_xy(shape, lon, lat)
        out = np.vstack([out, np.column_stack([lon[inside], lat[inside]])])
    return out[:n]


def _random_on_lines(shape: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    lines = [p for p in _parts(shape) if p.geom_type in ("LineString", "LinearRing")]
    lengths = np.array([line.length for line in lines])
    picks = rng.choice(len(lines), size=n, p=lengths / lengths.sum())
    fractions = rng.uniform(0, 1, n)
    pts = [lines[i].interpolate(f, normalized=True) for i, f in zip(picks, fractions, strict=True)]
    return np.array([[p.x, p.y] for p in pts])


@algorithm("FeatureCollection.randomPoints", returns="FeatureCollection", region=G, points="Integer", seed="Long",
           maxError="ErrorMargin")
def random_points(region, points: int = 1000, seed: int = 0, maxError=None) -> Collection:
    """`points` random points, deterministic for a seed: uniform on the sphere inside polygons, uniform along lines
    (in lon/lat), or drawn from the input points. EE's own sequence for a seed is not reproduced."""
    geom = as_geometry(region, "region")
    shape = geom.to_wgs84()
    n = int(as_number(points, "points"))
    if n < 0 or shape.is_empty:
        raise InvalidArgument("FeatureCollection.randomPoints: need a non-empty region and points >= 0.")
    if n > MAX_GRID_CELLS:
        raise InvalidArgument(f"FeatureCollection.randomPoints: at most {MAX_GRID_CELLS} points per call.")
    rng = np.random.default_rng(int(seed))
    dim = shapely.get_dimensions(shape)
    if dim == 2:
        xy = _random_in_area(shapely.union_all([p for p in _parts(shape) if p.area > 0]), n, rng)
    elif dim == 1:
        xy = _random_on_lines(shape, n, rng)
    else:
        candidates = np.array([[p.x, p.y] for p in _parts(shape)])
        xy = candidates[rng.integers(0, len(candidates), n)]
    features = [Feature(Geometry(shapely.Point(x, y), WGS84), {"system:index": str(i)})
                for i, (x, y) in enumerate(xy)]
    return Collection(features, {}, "FeatureCollection")


# -- covering grid -------------------------------------------------------------------------------------------------
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
