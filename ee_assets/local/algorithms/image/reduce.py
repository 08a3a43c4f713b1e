"""Image.reduceRegion and Image.reduceRegions with EE's pixel rules, and Image.reduce across bands.

Weighted reducers (mean, sum) weight a pixel by min(mask, covered fraction) and
include it from 0.5 % coverage; the others use the pixel-centre rule. The image is
evaluated only on the tiles of the reduction grid that the regions touch, all
regions of a reduceRegions in one pass; weighted sums over polygons read the bands
of uncompressed GeoTIFFs on their own grid where they lie in the file's memory map.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np
import shapely

from ee_assets.limits import REDUCE_DEFAULT_MAX_PIXELS
from ee_assets.local import budget
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_geometry, as_image
from ee_assets.local.algorithms.support.pixel_records import leaf_stats
from ee_assets.local.algorithms.support.projection import pixel_window, reduction_projection
from ee_assets.local.algorithms.support.records import reduce_records
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels.pixel_blocks import PixelBlocks
from ee_assets.local.kernels.tiles import blocks, evaluate_tile, ordered_map, tile_pixels_for
from ee_assets.local.kernels.zonal import (
    Runs,
    WeightedRegions,
    ZonalAccumulator,
    box_pixels,
    region_runs,
    runs_bytes,
    split_by_kind,
    weighted_block_sums,
    weighted_regions,
    weighted_window_sums,
)
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, MapRecipe, is_array
from ee_assets.local.values.projection import Projection
from ee_assets.local.values.reducer import Reducer

IMG = "Image<unknown bands>"
FLOAT64 = np.dtype(np.float64)
T = TypeVar("T")


def _outputs(reducer: Reducer, band_names: list[str], single_band_uses_outputs: bool) -> list[list[str]]:
    """Property names per band and output, as EE names them."""
    outs = reducer.outputs
    if len(band_names) == 1 and single_band_uses_outputs:
        return [list(outs)]
    if len(outs) == 1:
        return [[b] for b in band_names]
    return [[f"{b}_{o}" for o in outs] for b in band_names]


RECORD_POSITION_BYTES = 24  # a gathered centre pixel's region, row and column (int64 each)


def reduce_geometry(op: str, image: Image, reducer: Reducer, geom: Geometry, proj: Projection,
                    max_pixels: float | None, names: list[list[str]], cache: dict | None = None) -> dict:
    """Reduce every band of `image` over `geom`, returning {property name: value}."""
    return reduce_geometries(op, image, reducer, [geom], proj, max_pixels, names)[0]


def reduce_geometries(op: str, image: Image, reducer: Reducer, geoms: list[Geometry | None], proj: Projection,
                      max_pixels: float | None, names: list[list[str]]) -> list[dict]:
    """Reduce every band of `image` over each geometry at once: one pass over the pixels of the union window.

    On the window of the projection's grid that covers them all, the image is evaluated tile by tile
    (only tiles some region touches, on the tile pool) and each tile's pixels are added to per-region
    statistics: coverage-weighted sums straight from the polygon edges, centre-rule statistics from pixel
    runs (kernels.zonal). The weighted sums of a tile are taken on the pool task that read it, so reading
    and summing overlap, and added in tile order; the polygons' edges are prepared by the first task that
    needs them, while the others read.
    """
    shapes = [None if g is None else g.to(proj.crs) for g in geoms]
    pixel_area = abs(proj.affine.determinant)
    for shape in shapes:
        if max_pixels is not None and shape is not None and shape.area / pixel_area > max_pixels:
            found = int(shape.area / pixel_area)
            raise InvalidArgument(f"{op}: Too many pixels in the region. Found {found}, but maxPixels allows only "
                                  f"{int(max_pixels)}. Set a larger scale or maxPixels.")
    present = [s for s in shapes if s is not None and not s.is_empty]
    grid = pixel_window(proj, shapely.box(*shapely.total_bounds(present))) if present else None
    leaves = reducer.leaves
    if grid is None:
        return [{n: None for band_names in names for n in band_names} for _ in shapes]
    budget.require_pixel_time(box_pixels(shapes, grid.transform, grid.width, grid.height), op)
    records = not reducer.is_classic or any(is_array(b) for b in image.bands)
    need = runs_bytes(shapes, grid.transform, grid.width, grid.height,
                      records or any(not x.weighted for x in leaves))
    centre_pixels = int(sum(s.area for s in present) / pixel_area)
    if records:  # every centre pixel is gathered with its position, then made a Python list per band
        need += centre_pixels * (2 * RECORD_POSITION_BYTES + len(image.bands) * (2 * 9 + budget.ITEM_BYTES))
    elif any(leaf.needs_values() for leaf in leaves):  # median, percentiles, …: every centre value is kept
        need += 8 * len(image.bands) * centre_pixels
    with budget.holding(need, f"{op} over {grid.width:,} x {grid.height:,} pixels"):
        if records:
            return _reduce_records(op, image, reducer, shapes, grid, names)
        return _reduce_on_grid(op, image, leaves, shapes, grid, names)


def _reduce_on_grid(op: str, image: Image, leaves: list, shapes: list, grid: Grid, names: list[list[str]]
                    ) -> list[dict]:
    outputs: list[dict] = [{} for _ in shapes]
    weighted = _Once(lambda: weighted_regions(shapes, grid.transform, grid.width, grid.height)) if any(
        x.weighted for x in leaves) else None
    centre = region_runs(shapes, grid.transform, grid.width, grid.height, False) if any(
        not x.weighted for x in leaves) else None
    collect_sizes = None
    if any(leaf.needs_values() for leaf in leaves):
        collect_sizes = np.bincount(centre.feature, centre.c1 - centre.c0, len(shapes)).astype(np.int64)
    moments = any(leaf.kind in ("stdDev", "variance") for leaf in leaves)
    accs = [ZonalAccumulator(len(shapes), collect_sizes) for _ in image.bands]
    in_place = _in_place(image, grid, shapes) if weighted is not None and centre is None else None
    for (top, left, _, _), tile_centre, pixels, sums in _tiles(image, grid, shapes, centre, weighted,
                                                               in_place=in_place):
        for k, acc in enumerate(accs):
            if weighted is not None:
                acc.add_weighted_sums(sums[k])
                if pixels is not None:
                    acc.add_weighted_others(*pixels[k], weighted.get(), top, left)
            if tile_centre is not None:
                acc.add_centre(*pixels[k], tile_centre, top, left, moments)
    for i, out in enumerate(outputs):
        if shapes[i] is None or shapes[i].is_empty:
            out.update({n: None for band_names in names for n in band_names})
            continue
        for acc, band_names in zip(accs, names, strict=True):
            values = [v for leaf in leaves for v in leaf.finish(acc, i)]
            out.update(zip(band_names, values, strict=True))
    return outputs


def _in_place(image: Image, grid: Grid, shapes: list) -> list[PixelBlocks] | None:
    """Every band's pixels on `grid` where they lie (memory-mapped file bands on their own grid), when only
    polygons are summed: the weighted sums then read them without a copy or a mask (kernels/pixel_blocks.py)."""
    if split_by_kind(shapes)[1]:
        return None  # points and lines are added from runs over evaluated tiles
    found = []
    for band in image.bands:
        pixels = band.recipe.pixel_blocks(grid)
        if pixels is None:
            return None
        found.append(pixels)
    return found


class _Once(Generic[T]):
    """A value made by the first thread that asks for it; the others wait for it."""

    def __init__(self, make: Callable[[], T]):
        self._make, self._lock, self._done, self._value = make, threading.Lock(), False, None

    def get(self) -> T:
        with self._lock:
            if not self._done:
                self._value, self._done = self._make(), True
            return self._value


def _reduce_records(op: str, image: Image, reducer: Reducer, shapes: list, grid: Grid,
                    names: list[list[str]]) -> list[dict]:
    """Any reducer (records.py) over each region's pixels by the centre rule, unweighted: a one-input reducer per
    band over its unmasked pixels, a reducer of n inputs over the pixels where all n bands are unmasked."""
    centre = region_runs(shapes, grid.transform, grid.width, grid.height, False)
    pixels = _region_pixels(image, grid, shapes, centre)
    per_band = reducer.inputs == 1 or (reducer.kind == "combined" and reducer.option("shared", True))
    if not per_band and reducer.inputs != len(image.bands):
        raise InvalidArgument(f"{op}: the reducer takes {reducer.inputs} inputs but the image has "
                              f"{len(image.bands)} bands ({image.band_names}).")
    outputs = []
    for values, valid in pixels:
        if values is None:
            outputs.append({n: None for band_names in names for n in band_names})
            continue
        out: dict = {}
        if per_band:
            for v, m, band_names in zip(values, valid, names, strict=True):
                out.update(zip(band_names, reduce_records(op, reducer, [list(v[m])]), strict=True))
        else:
            joint = np.logical_and.reduce(valid)
            columns = [list(v[joint]) for v in values]
            out.update(zip(reducer.outputs, reduce_records(op, reducer, columns), strict=True))
        outputs.append(out)
    return outputs


def _region_pixels(image: Image, grid: Grid, shapes: list, centre: Runs) -> list[tuple]:
    """Per region: (each band's values, each band's validity) of its centre pixels in row-major order from the
    north-west corner, or (None, None) for an empty region."""
    chunks: list[tuple] = []
    for (top, left, _, _), runs, px, _ in _tiles(image, grid, shapes, centre, None, native=False):
        lengths = runs.c1 - runs.c0
        total = int(lengths.sum())
        if total == 0:
            continue
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        rows = np.repeat(runs.row, lengths) - top
        cols = np.repeat(runs.c0, lengths) + (np.arange(total) - starts) - left
        # north first: grid rows run southwards when the transform's y scale is negative
        north = rows + top if grid.transform.e < 0 else -(rows + top)
        chunks.append((np.repeat(runs.feature, lengths), north, cols + left, [v[rows, cols] for v, _ in px],
                       [m[rows, cols] > 0 for _, m in px]))
    out = []
    for i, shape in enumerate(shapes):
        if shape is None or shape.is_empty:
            out.append((None, None))
            continue
        picks = [c[0] == i for c in chunks]

        def gather(k: int, band: int, picks=picks) -> np.ndarray:
            return np.concatenate([c[k][band][p] if band >= 0 else c[k][p] for c, p in zip(chunks, picks,
                                                                                             strict=True)])

        if not chunks:
            out.append(([np.zeros(0)] * len(image.bands), [np.zeros(0, bool)] * len(image.bands)))
            continue
        order = np.lexsort((gather(2, -1), gather(1, -1)))  # row-major from the north-west corner
        out.append(([gather(3, b)[order] for b in range(len(image.bands))],
                    [gather(4, b)[order] for b in range(len(image.bands))]))
    return out


def _tiles(image: Image, grid: Grid, shapes: list, centre: Runs | None, weighted: _Once[WeightedRegions] | None,
           native: bool = True, in_place: list[PixelBlocks] | None = None):
    """(tile, its centre runs, every band's pixels, every band's weighted sums or None) for the tiles of `grid`
    that some region's bounds touch, in order, evaluated on the tile pool; `native` as in evaluate_tile (the
    zonal kernels convert, the records path wants float64). With `in_place` (every band's pixels where they lie),
    tiles are not evaluated: their sums are read from there and their pixels are None."""
    tiles = blocks(grid, tile_pixels_for(image.bands, grid.width * grid.height))
    present = [s for s in shapes if s is not None and not s.is_empty]
    bounds = shapely.bounds(np.array(present, dtype=object))
    inv = ~grid.transform
    cols = np.stack([inv.a * bounds[:, 0] + inv.c, inv.a * bounds[:, 2] + inv.c])
    rows = np.stack([inv.e * bounds[:, 1] + inv.f, inv.e * bounds[:, 3] + inv.f])
    c0, c1 = np.floor(cols.min(axis=0)) - 1, np.ceil(cols.max(axis=0)) + 1  # a pixel of slack for rounding
    r0, r1 = np.floor(rows.min(axis=0)) - 1, np.ceil(rows.max(axis=0)) + 1
    if len(tiles) > 1 and centre is not None:
        centre = centre.by_row(grid.height)

    def wanted():  # made as the tiles are consumed: a huge window has millions of tiles
        for top, left, h, w in tiles:
            if not np.any((c0 < left + w) & (c1 > left) & (r0 < top + h) & (r1 > top)):
                continue
            tile_centre = centre if centre is None or len(tiles) == 1 else centre.rows(top, top + h).columns(
                left, left + w)
            yield (top, left, h, w), tile_centre

    def run(item):
        (top, left, h, w), tile_centre = item
        if in_place is not None:
            return (top, left, h, w), tile_centre, None, [weighted_block_sums(px, weighted.get(), top, left, h, w)
                                                          for px in in_place]
        pixels = evaluate_tile(image.bands, grid.window(left, top, w, h), native=native)
        sums = None if weighted is None else [weighted_window_sums(values, mask, weighted.get(), top, left)
                                              for values, mask in pixels]
        return (top, left, h, w), tile_centre, pixels, sums

    return ordered_map(run, wanted())


@algorithm("Image.reduceRegion", returns="Dictionary<Object>", image=IMG, reducer="Reducer", geometry="Geometry",
           scale="Float", crs="Projection", crsTransform="List<Float>", bestEffort="Boolean", maxPixels="Long",
           tileScale="Float")
def reduce_region(image: Image, reducer: Reducer, geometry=None, scale: float | None = None, crs=None,
                  crsTransform: list | None = None, bestEffort: bool = False,
                  maxPixels: float = REDUCE_DEFAULT_MAX_PIXELS,
                  tileScale: float = 1.0) -> dict:
    op = "Image.reduceRegion"
    img = as_image(image)
    if geometry is None:
        geom = img.footprint()
        if geom is None:
            raise InvalidArgument(f"{op}: Provide 'geometry' parameter when aggregating over an unbounded image.")
    else:
        geom = as_geometry(geometry)
    proj = reduction_projection(op, img, scale, crs, crsTransform)
    if bestEffort:
        shape = geom.to(proj.crs)
        count = shape.area / abs(proj.affine.determinant)
        if count > maxPixels:
            proj = proj.at_scale(proj.nominal_scale() * math.sqrt(count / maxPixels) * 1.01)
    names = _outputs(reducer, img.band_names, single_band_uses_outputs=False)
    return reduce_geometry(op, img, reducer, geom, proj, maxPixels, names)


@algorithm("Image.reduceRegions", returns="FeatureCollection", image=IMG, collection="FeatureCollection",
           reducer="Reducer", scale="Float", crs="Projection", crsTransform="List<Float>", tileScale="Float",
           maxPixelsPerRegion="Long")
def reduce_regions(image: Image, collection: Collection, reducer: Reducer, scale: float | None = None, crs=None,
                   crsTransform: list | None = None, tileScale: float = 1.0,
                   maxPixelsPerRegion: float | None = None) -> Collection:
    op = "Image.reduceRegions"
    img = as_image(image)
    coll = as_collection(collection)
    proj = reduction_projection(op, img, scale, crs, crsTransform)
    names = _outputs(reducer, img.band_names, single_band_uses_outputs=True)
    for f in coll.elements:
        if not isinstance(f, Feature):
            raise InvalidArgument(f"{op}: the collection must contain Features.")
    results = reduce_geometries(op, img, reducer, [f.geometry for f in coll.elements], proj, maxPixelsPerRegion,
                                names)
    out = [f.copy(**values) for f, values in zip(coll.elements, results, strict=True)]
    return coll.derive(out, "FeatureCollection")


@algorithm("Image.reduce", returns=IMG, image=IMG, reducer="Reducer")
def reduce_bands(image: Image, reducer: Reducer) -> Image:
    """Reduce across the bands of each pixel (masked bands are skipped); one band per reducer output."""
    img = as_image(image)
    if not img.bands:
        raise InvalidArgument("Image.reduce: the image has no bands.")
    first = img.bands[0]
    inputs = tuple(b.recipe for b in img.bands)
    dtype = np.dtype(np.result_type(*[b.dtype for b in img.bands]))
    out = []
    for leaf in reducer.leaves:
        stats = leaf_stats(leaf, dtype)
        if stats is None:
            raise InvalidArgument(f"Image.reduce: reducer '{leaf.kind}' is not supported.")
        out.extend(Band(name, out_dtype, first.projection, MapRecipe(fn, inputs), first.extent)
                   for name, fn, out_dtype in stats)
    return img.with_bands(out)
