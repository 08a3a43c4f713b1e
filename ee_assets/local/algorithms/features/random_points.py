"""FeatureCollection.randomPoints: random points in a region, deterministic for a seed."""

from __future__ import annotations

import math

import numpy as np
import shapely

from ee_assets.local.algorithms.geometry.operations import MAX_GRID_CELLS
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_geometry, as_number
from ee_assets.local.algorithms.support.geodesy import parts
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import WGS84, Geometry

G = "Geometry"


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
    lines = [p for p in parts(shape) if p.geom_type in ("LineString", "LinearRing")]
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
        xy = _random_in_area(shapely.union_all([p for p in parts(shape) if p.area > 0]), n, rng)
    elif dim == 1:
        xy = _random_on_lines(shape, n, rng)
    else:
        candidates = np.array([[p.x, p.y] for p in parts(shape)])
        xy = candidates[rng.integers(0, len(candidates), n)]
    features = [Feature(Geometry(shapely.Point(x, y), WGS84), {"system:index": str(i)})
                for i, (x, y) in enumerate(xy)]
    return Collection(features, {}, "FeatureCollection")
