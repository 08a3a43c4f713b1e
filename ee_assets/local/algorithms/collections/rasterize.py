"""Feature collections as images, unbounded and evaluated on whatever grid a request asks for.

Collection.reduceToImage burns a property of the features into an image, overlapping features reduced per pixel;
a pixel belongs to a feature when its centre lies inside (EE's rule for polygons; lines and points take the pixels
they touch). Collection.distance gives each pixel's distance in metres to the nearest feature."""

from __future__ import annotations

import math

import numpy as np
import shapely
from rasterio.features import rasterize
from rasterio.windows import Window, from_bounds

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_string_list
from ee_assets.local.algorithms.support.geodesy import local_metric_crs
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Feature
from ee_assets.local.values.geometry import Geometry, transformer
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, MapRecipe, Recipe
from ee_assets.local.values.projection import DEFAULT_PROJECTION
from ee_assets.local.values.reducer import Reducer

SUPPORTED = ("mean", "sum", "min", "max", "count", "stdDev", "variance")


class _Accumulator:
    """Per-pixel running count, sum, sum of squares, min and max."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.count = np.zeros(shape)
        self.s1 = np.zeros(shape)
        self.s2 = np.zeros(shape)
        self.vmin = np.full(shape, np.inf)
        self.vmax = np.full(shape, -np.inf)

    def add(self, where: np.ndarray, value: float, rows: slice, cols: slice) -> None:
        for arr, update in ((self.count, lambda a: a + 1), (self.s1, lambda a: a + value),
                            (self.s2, lambda a: a + value * value), (self.vmin, lambda a: np.minimum(a, value)),
                            (self.vmax, lambda a: np.maximum(a, value))):
            view = arr[rows, cols]
            view[where] = update(view[where])

    def result(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        n = self.count
        valid = n > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self.s1 / n
            var = np.maximum(self.s2 / n - mean * mean, 0.0)
        values = {"mean": mean, "sum": self.s1, "min": self.vmin, "max": self.vmax, "count": n,
                  "stdDev": np.sqrt(var), "variance": var}[kind]
        mask = np.ones(n.shape, np.float32) if kind == "count" else valid.astype(np.float32)
        return np.where(mask > 0, values, 0.0), mask


class _BurnRecipe(Recipe):
    """Accumulates every feature's value on the requested grid (shared by the output bands)."""

    def __init__(self, features: list[Feature], prop: str) -> None:
        self.features = features
        self.prop = prop

    def compute(self, grid: Grid):
        acc = _Accumulator(grid.shape)
        grid_box = shapely.box(*grid.bounds)
        for f in self.features:
            geom = f.geometry.to(grid.crs)
            if geom.is_empty or not geom.intersects(grid_box):
                continue
            win = _window(grid, geom)
            if win is None:
                continue
            sub = grid.window(win.col_off, win.row_off, win.width, win.height)
            touched = geom.geom_type not in ("Polygon", "MultiPolygon")
            burned = rasterize([(geom, 1)], out_shape=sub.shape, transform=sub.transform, fill=0, dtype="uint8",
                               all_touched=touched).astype(bool)
            rows = slice(win.row_off, win.row_off + win.height)
            cols = slice(win.col_off, win.col_off + win.width)
            acc.add(burned, float(f.properties[self.prop]), rows, cols)
        return acc, None


def _window(grid: Grid, geom) -> Window | None:
    """The grid window around the geometry's bounds (one pixel of margin), clipped to the grid."""
    w = from_bounds(*geom.bounds, transform=grid.transform)
    c0 = max(0, math.floor(min(w.col_off, w.col_off + w.width)) - 1)
    r0 = max(0, math.floor(min(w.row_off, w.row_off + w.height)) - 1)
    c1 = min(grid.width, math.ceil(max(w.col_off, w.col_off + w.width)) + 1)
    r1 = min(grid.height, math.ceil(max(w.row_off, w.row_off + w.height)) + 1)
    return Window(c0, r0, c1 - c0, r1 - r0) if c1 > c0 and r1 > r0 else None


@algorithm("Collection.reduceToImage", returns="Image<unknown bands>", collection="FeatureCollection",
           properties="List<String>", reducer="Reducer")
def reduce_to_image(collection, properties, reducer) -> Image:
    """One band per reducer output (named after it), reducing `properties[0]` of the features covering each pixel;
    pixels no feature covers are masked (count gives 0 there). Features without the property are skipped."""
    names = as_string_list(properties, "properties")
    if len(names) != 1:
        raise InvalidArgument(f"Collection.reduceToImage: the reducer takes 1 input but {len(names)} properties "
                              "were given.")
    if not isinstance(reducer, Reducer):
        raise InvalidArgument("Collection.reduceToImage: 'reducer' must be a Reducer.")
    leaves = reducer.leaves
    unsupported = [r.kind for r in leaves if r.kind not in SUPPORTED]
    if unsupported:
        raise InvalidArgument(f"Collection.reduceToImage: reducer '{unsupported[0]}' is not supported here; use one "
                              f"of {', '.join(SUPPORTED)}.")
    features = []
    for e in as_collection(collection).elements:
        if not isinstance(e, Feature) or e.geometry is None or e.properties.get(names[0]) is None:
            continue
        value = e.properties[names[0]]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidArgument(f"Collection.reduceToImage: property '{names[0]}' must be numeric; found "
                                  f"{value!r}.")
        features.append(e)
    burn = _BurnRecipe(features, names[0])
    bands = []
    for leaf in leaves:
        def channel(inputs, kind=leaf.kind):
            return inputs[0][0].result(kind)

        dtype = np.dtype(np.int64 if leaf.kind == "count" else np.float64)
        bands.append(Band(leaf.outputs[0], dtype, DEFAULT_PROJECTION, MapRecipe(channel, (burn,))))
    return Image(bands, {})


class _DistanceRecipe(Recipe):
    """Metres from each pixel centre to the nearest point, line or polygon boundary, within a search radius."""

    def __init__(self, geometries: list, radius: float) -> None:
        self.geometries = geometries
        self.radius = radius

    def compute(self, grid: Grid):
        cols, rows = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
        t = grid.transform
        xs, ys = t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f
        lon, lat = transformer(grid.crs, "EPSG:4326").transform(xs, ys)
        c_lon, c_lat = float(np.mean(lon)), float(np.mean(lat))
        local = local_metric_crs(c_lon, c_lat)
        px, py = transformer("EPSG:4326", local).transform(lon, lat)
        targets = [Geometry(g, "EPSG:4326").to(local, max_segment=0.001) for g in self.geometries]
        targets = [t.boundary if t.geom_type in ("Polygon", "MultiPolygon") else t for t in targets]
        if not targets:
            return np.zeros(grid.shape), np.zeros(grid.shape, np.float32)
        union = shapely.union_all(targets)
        distance = shapely.distance(shapely.points(px.ravel(), py.ravel()), union).reshape(grid.shape)
        inside = distance <= self.radius
        return np.where(inside, distance, 0.0), inside.astype(np.float32)


@algorithm("Collection.distance", returns="Image<unknown bands>", features="FeatureCollection",
           searchRadius="Float", maxError="Float")
def distance(features, searchRadius: float = 100000.0, maxError: float = 100.0) -> Image:
    """A 'distance' band: metres from each pixel centre to the nearest point, line or polygon boundary (inside
    polygons too), masked beyond `searchRadius`. Measured in an azimuthal-equidistant projection centred on the
    requested grid, exact at its centre and within EE's `maxError` over the grids scripts request."""
    geoms = [e.geometry.to_wgs84() for e in as_collection(features, "features").elements
             if isinstance(e, Feature) and e.geometry is not None]
    recipe = _DistanceRecipe(geoms, float(searchRadius))
    return Image([Band("distance", np.dtype(np.float64), DEFAULT_PROJECTION, recipe)], {})
