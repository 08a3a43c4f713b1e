"""Where a computation runs: EE's crs / crsTransform / scale arguments as a projection, and the windows of a
projection's pixel grid that cover a shape."""

from __future__ import annotations

import math

import numpy as np
import shapely
from affine import Affine

from ee_assets.local.algorithms.support.coerce import as_projection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import Grid, crs_equal
from ee_assets.local.values.image import Image
from ee_assets.local.values.projection import DEFAULT_PROJECTION, Projection


def projection_from(op: str, base: Projection, crsTransform=None, scale=None) -> Projection:
    """`base` with EE's `crsTransform` (its 6 affine numbers) or `scale` (metres) argument applied, at most one."""
    if crsTransform is not None and scale is not None:
        raise InvalidArgument(f"{op}: 'scale' and 'crsTransform' are mutually exclusive.")
    if crsTransform is not None:
        if len(crsTransform) != 6:
            raise InvalidArgument(f"{op}: crsTransform must have 6 numbers, got {len(crsTransform)}.")
        return base.with_transform(crsTransform)
    if scale is not None:
        if scale <= 0:
            raise InvalidArgument(f"{op}: scale must be positive, got {scale}.")
        return base.at_scale(float(scale))
    return base


def target_projection(op: str, crs, crsTransform=None, scale=None) -> Projection:
    """EE's crs / crsTransform / scale arguments as one projection (reproject, setDefaultProjection)."""
    return projection_from(op, as_projection(crs, "crs"), crsTransform, scale)


def reduction_projection(op: str, image: Image, scale=None, crs=None, crsTransform=None) -> Projection:
    """The projection a reduction runs in, following EE's scale / crs / crsTransform rules."""
    base = as_projection(crs) if crs is not None else image.projection()
    proj = projection_from(op, base, crsTransform, scale)
    if scale is not None and np.allclose(proj.transform, base.transform, rtol=1e-9, atol=0):
        return base  # the native grid, not a rounding-off copy of it
    if crs is None and scale is None and crsTransform is None and base == DEFAULT_PROJECTION:
        raise InvalidArgument("The default WGS84 projection is invalid for aggregations. "
                              "Specify a scale or crs & crs_transform.")
    return proj


def sample_projection(op: str, image: Image, projection=None, scale=None) -> Projection:
    """The projection sampling runs in: `projection` (default: the image's) at `scale` metres if given."""
    proj = as_projection(projection, "projection") if projection is not None else image.projection()
    if scale is None and proj == DEFAULT_PROJECTION and projection is None:
        raise InvalidArgument(f"{op}: the image has no fixed projection (it is a composite or a constant); "
                              "give 'scale' or 'projection'.")
    return projection_from(op, proj, None, scale)


def pixel_window(proj: Projection, shape: shapely.Geometry) -> Grid | None:
    """The smallest window of the projection's pixel grid covering `shape` (in the projection's CRS)."""
    if shape.is_empty:
        return None
    inv = ~proj.affine
    minx, miny, maxx, maxy = shape.bounds
    cs, rs = zip(*(inv @ (x, y) for x in (minx, maxx) for y in (miny, maxy)), strict=True)
    c0, r0 = math.floor(min(cs)), math.floor(min(rs))
    c1, r1 = math.floor(max(cs)) + 1, math.floor(max(rs)) + 1
    return Grid(proj.crs, proj.affine @ Affine.translation(c0, r0), c1 - c0, r1 - r0)


def grid_outline(grid: Grid, crs: str) -> shapely.Geometry:
    """The grid's rectangle in `crs`, densified so that curved images of its edges are covered."""
    minx, miny, maxx, maxy = grid.bounds
    box = shapely.box(minx, miny, maxx, maxy)
    if crs_equal(grid.crs, crs):
        return box
    return Geometry(box, grid.crs).to(crs, max_segment=max(maxx - minx, maxy - miny) / 32)


def covering_window(proj: Projection, outline: shapely.Geometry) -> Grid | None:
    """The smallest window of the projection's pixel grid covering `outline` (in the projection's CRS); edges that
    fall on pixel boundaries (within 1e-9 pixel) do not pull in the neighbouring pixel."""
    if outline.is_empty:
        return None
    inv = ~proj.affine
    minx, miny, maxx, maxy = outline.bounds
    cs, rs = zip(*(inv @ (x, y) for x in (minx, maxx) for y in (miny, maxy)), strict=True)
    c0, c1 = math.floor(min(cs) + 1e-9), math.ceil(max(cs) - 1e-9)
    r0, r1 = math.floor(min(rs) + 1e-9), math.ceil(max(rs) - 1e-9)
    return Grid(proj.crs, proj.affine @ Affine.translation(c0, r0), max(c1 - c0, 1), max(r1 - r0, 1))
