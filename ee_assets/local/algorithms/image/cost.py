"""Image.cumulativeCost: the least cumulative cost from the nearest source over the 8-connected pixel grid.

Moving between neighbouring pixels a and b costs their distance in metres times the mean of their costs (a cost is
per metre, so a cost of 1 everywhere gives path lengths); masked cost pixels cannot be traversed. Distances are
along the sphere of radius 6378137 m for a geographic grid with geodeticDistance, else in the grid's planar units.
The grid is padded by maxDistance so that paths may leave it, and pixels farther than maxDistance from every source
(straight line) are masked, as are unreachable ones. Each cost band gives its own output band (EE's band-wise
tie-breaking between cost bands is not reproduced). Dijkstra's algorithm is SciPy's."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_number
from ee_assets.local.algorithms.support.optional import scipy_ndimage, scipy_sparse_graph
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid, crs_is_geographic
from ee_assets.local.values.image import Band, Image, Pixels, Recipe

IMG = "Image<unknown bands>"
SPHERE_RADIUS = 6378137.0
MAX_PAD = 1024
GRAPH_BYTES_PER_PIXEL = 800  # peak scratch per padded pixel (tracemalloc: ~690): 8 directed edges, the graph, distances


def _steps(grid: Grid, geodetic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Metres per pixel step east and north, per row (h, 1)."""
    t = grid.transform
    if crs_is_geographic(grid.crs):
        lat = np.radians(t.f + t.e * (np.arange(grid.height) + 0.5))[:, None]
        east = SPHERE_RADIUS * np.cos(lat) * math.radians(abs(t.a))
        if not geodetic:
            east = np.full_like(lat, abs(t.a))
        north = np.full_like(lat, SPHERE_RADIUS * math.radians(abs(t.e)) if geodetic else abs(t.e))
        return east, north
    return np.full((grid.height, 1), abs(t.a)), np.full((grid.height, 1), abs(t.e))


@dataclass(eq=False)
class CostRecipe(Recipe):
    cost: Recipe
    source: Recipe
    max_distance: float
    geodetic: bool
    scratch_bytes_per_pixel = GRAPH_BYTES_PER_PIXEL

    def _padded(self, grid: Grid) -> tuple[int, Grid]:
        size = max(abs(grid.transform.a), abs(grid.transform.e))
        metres = size * (SPHERE_RADIUS * math.pi / 180 if crs_is_geographic(grid.crs) else 1.0)
        pad = min(MAX_PAD, math.ceil(self.max_distance / metres)) if metres > 0 else 0
        return pad, grid.window(-pad, -pad, grid.width + 2 * pad, grid.height + 2 * pad)

    def scratch_bytes(self, grid: Grid) -> int:
        """The graph and Dijkstra's arrays over the padded grid."""
        _, padded = self._padded(grid)
        return GRAPH_BYTES_PER_PIXEL * padded.width * padded.height

    def compute(self, grid: Grid) -> Pixels:
        pad, padded = self._padded(grid)
        cost, cost_mask = self.cost.evaluate(padded)
        src, src_mask = self.source.evaluate(padded)
        passable = (cost_mask > 0) & np.isfinite(cost)
        sources = (src_mask > 0) & (src != 0) & passable
        h, w = padded.shape
        out = np.full((h, w), np.inf)
        if sources.any():
            east, north = _steps(padded, self.geodetic)
            out = _dijkstra(np.where(passable, cost, 0.0), passable, sources, east, north)
            reach = scipy_ndimage().distance_transform_edt(~sources, sampling=(float(north.mean()),
                                                                                float(east.mean())))
            out = np.where(reach <= self.max_distance, out, np.inf)
        inner = (slice(pad, pad + grid.height), slice(pad, pad + grid.width))
        result = out[inner]
        ok = np.isfinite(result)
        return np.where(ok, result, 0.0), ok.astype(np.float32)


def _dijkstra(cost: np.ndarray, passable: np.ndarray, sources: np.ndarray, east: np.ndarray,
              north: np.ndarray) -> np.ndarray:
    h, w = cost.shape
    index = np.arange(h * w).reshape(h, w)
    rows, cols, weights = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a = (slice(0, h - dr), slice(max(0, -dc), w - max(0, dc)))
        b = (slice(dr, h), slice(max(0, dc), w - max(0, -dc)))
        length = np.hypot(east[a[0]] * abs(dc), north[a[0]] * dr) * np.ones((1, a[1].stop - a[1].start))
        both = passable[a] & passable[b]
        weight = length * (cost[a] + cost[b]) / 2
        keep = both & (weight > 0)
        for x, y in ((index[a][keep], index[b][keep]), (index[b][keep], index[a][keep])):
            rows.append(x)
            cols.append(y)
            weights.append(weight[keep])
    graph = scipy_sparse_graph().csr_array((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
                                           shape=(h * w, h * w))
    distances = scipy_sparse_graph().dijkstra(graph, directed=True, indices=index[sources], min_only=True)
    return np.asarray(distances).reshape(h, w)


@algorithm("Image.cumulativeCost", returns=IMG, cost=IMG, source=IMG, maxDistance="Float",
           geodeticDistance="Boolean")
def cumulative_cost(cost: Image, source: Image, maxDistance: float, geodeticDistance: bool = True) -> Image:
    """Per cost band (names kept, float64): the least cumulative cost to reach each pixel from a source."""
    costs = as_image(cost, "cost")
    sources = as_image(source, "source")
    if len(sources.bands) != 1:
        raise InvalidArgument(f"Image.cumulativeCost: 'source' must have one band, got {sources.band_names}.")
    distance = float(as_number(maxDistance, "maxDistance"))
    if distance <= 0:
        raise InvalidArgument(f"Image.cumulativeCost: maxDistance must be positive, got {distance}.")
    src = sources.bands[0]
    return costs.with_bands([Band(b.name, np.dtype(np.float64), b.projection,
                                  CostRecipe(b.recipe, src.recipe, distance, bool(geodeticDistance)), b.extent)
                             for b in costs.bands])
