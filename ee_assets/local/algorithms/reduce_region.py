"""Image.reduceRegion and Image.reduceRegions with EE's pixel rules.

Weighted reducers (mean, sum) weight a pixel by min(mask, covered fraction) and
include it from 0.5 % coverage; the others use the pixel-centre rule. The image is
evaluated only on the window of the reduction grid that the regions cover.
"""

from __future__ import annotations

import math

import numpy as np
from affine import Affine

from ee_assets.limits import REDUCE_DEFAULT_MAX_PIXELS
from ee_assets.local.algorithms.coerce import as_collection, as_geometry, as_image, as_projection
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels.coverage import region_pixels
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Image
from ee_assets.local.values.projection import DEFAULT_PROJECTION, Projection
from ee_assets.local.values.reducer import Reducer

IMG = "Image<unknown bands>"


def reduction_projection(op: str, image: Image, scale=None, crs=None, crsTransform=None) -> Projection:
    """The projection a reduction runs in, following EE's scale / crs / crsTransform rules."""
    if scale is not None and crsTransform is not None:
        raise InvalidArgument(f"{op}: 'scale' and 'crsTransform' are mutually exclusive.")
    base = as_projection(crs) if crs is not None else image.projection()
    if crsTransform is not None:
        if len(crsTransform) != 6:
            raise InvalidArgument(f"{op}: crsTransform must have 6 numbers.")
        return base.with_transform(crsTransform)
    if scale is not None:
        if scale <= 0:
            raise InvalidArgument(f"{op}: scale must be positive, got {scale}.")
        scaled = base.at_scale(float(scale))
        if np.allclose(scaled.transform, base.transform, rtol=1e-9, atol=0):
            return base  # the native grid, not a rounding-off copy of it
        return scaled
    if crs is None and base == DEFAULT_PROJECTION:
        raise InvalidArgument("The default WGS84 projection is invalid for aggregations. "
                              "Specify a scale or crs & crs_transform.")
    return base


def window_grid(proj: Projection, shape) -> Grid | None:
    """The smallest window of the projection's pixel grid covering `shape` (in the projection's CRS)."""
    if shape.is_empty:
        return None
    inv = ~proj.affine
    minx, miny, maxx, maxy = shape.bounds
    cs, rs = [], []
    for x, y in ((minx, miny), (minx, maxy), (maxx, miny), (maxx, maxy)):
        c, r = inv @ (x, y)
        cs.append(c)
        rs.append(r)
    c0, c1 = math.floor(min(cs)), math.floor(max(cs)) + 1
    r0, r1 = math.floor(min(rs)), math.floor(max(rs)) + 1
    return Grid(proj.crs, proj.affine @ Affine.translation(c0, r0), c1 - c0, r1 - r0)


def _outputs(reducer: Reducer, band_names: list[str], single_band_uses_outputs: bool) -> list[list[str]]:
    """Property names per band and output, as EE names them."""
    outs = reducer.outputs
    if len(band_names) == 1 and single_band_uses_outputs:
        return [list(outs)]
    if len(outs) == 1:
        return [[b] for b in band_names]
    return [[f"{b}_{o}" for o in outs] for b in band_names]


def reduce_geometry(op: str, image: Image, reducer: Reducer, geom: Geometry, proj: Projection,
                    max_pixels: float | None, names: list[list[str]], cache: dict | None = None) -> dict:
    """Reduce every band of `image` over `geom`, returning {property name: value}."""
    shape = geom.to(proj.crs)
    grid = window_grid(proj, shape)
    result: dict = {}
    if grid is None:
        for band_names in names:
            for n in band_names:
                result[n] = None
        return result
    pixel_area = abs(proj.affine.determinant)
    if max_pixels is not None and shape.area / pixel_area > max_pixels:
        found = int(shape.area / pixel_area)
        raise InvalidArgument(f"{op}: Too many pixels in the region. Found {found}, but maxPixels allows only "
                              f"{int(max_pixels)}. Set a larger scale or maxPixels.")
    regions = {}
    for weighted in {leaf.weighted for leaf in reducer.leaves}:
        regions[weighted] = region_pixels(shape, grid.transform, grid.width, grid.height, weighted)
    for band, band_names in zip(image.bands, names, strict=True):
        values, mask = band.recipe.evaluate(grid)
        outputs: list = []
        for leaf in reducer.leaves:
            rows, cols, frac = regions[leaf.weighted]
            m = mask[rows, cols]
            w = np.minimum(m, frac) if leaf.weighted else np.where(m > 0, 1.0, 0.0)
            keep = w > 0
            outputs.extend(leaf.reduce(values[rows, cols][keep], w[keep]))
        for n, v in zip(band_names, outputs, strict=True):
            result[n] = v
    return result


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
    out = []
    for f in coll.elements:
        if not isinstance(f, Feature):
            raise InvalidArgument(f"{op}: the collection must contain Features.")
        if f.geometry is None:
            values = {n: None for band in names for n in band}
        else:
            values = reduce_geometry(op, img, reducer, f.geometry, proj, maxPixelsPerRegion, names)
        out.append(f.copy(**values))
    return coll.derive(out, "FeatureCollection")
