"""Nearest-neighbour resampling of a source raster onto a requested grid, reading only the window it needs.

EE resamples with nearest neighbour by default. The mapping from target pixels to
source pixels depends only on the two grids, so it is computed once and cached:
a composite of many images on one source grid pays for it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import rasterio
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from ee_assets.local.values.geometry import transformer
from ee_assets.local.values.grid import Grid, crs_equal


@dataclass(frozen=True)
class PixelMapping:
    """Where each target pixel reads from: a flat index into the source window, and which pixels fall inside it."""

    window: Window | None  # None: no target pixel falls on the source
    flat_index: np.ndarray  # (h, w) int64 index into the raveled window (0 where outside)
    inside: np.ndarray  # (h, w) bool


@lru_cache(maxsize=64)
def pixel_mapping(src: Grid, dst: Grid) -> PixelMapping:
    """Map every pixel centre of `dst` to the `src` pixel containing it (nearest neighbour)."""
    inv = ~src.transform
    dt = dst.transform
    axis_aligned = dt.b == 0 and dt.d == 0 and src.transform.b == 0 and src.transform.d == 0
    if crs_equal(src.crs, dst.crs) and axis_aligned:
        xs = dt.c + dt.a * (np.arange(dst.width) + 0.5)
        ys = dt.f + dt.e * (np.arange(dst.height) + 0.5)
        cols = np.broadcast_to(np.floor(inv.a * xs + inv.c).astype(np.int64)[None, :], dst.shape)
        rows = np.broadcast_to(np.floor(inv.e * ys + inv.f).astype(np.int64)[:, None], dst.shape)
    else:
        c, r = np.meshgrid(np.arange(dst.width) + 0.5, np.arange(dst.height) + 0.5)
        x = dt.a * c + dt.b * r + dt.c
        y = dt.d * c + dt.e * r + dt.f
        if not crs_equal(src.crs, dst.crs):
            x, y = transformer(dst.crs, src.crs).transform(x, y)
        with np.errstate(invalid="ignore"):
            fc = np.floor(inv.a * x + inv.b * y + inv.c)
            fr = np.floor(inv.d * x + inv.e * y + inv.f)
        finite = np.isfinite(fc) & np.isfinite(fr)
        cols = np.where(finite, fc, -1).astype(np.int64)
        rows = np.where(finite, fr, -1).astype(np.int64)
    inside = (cols >= 0) & (cols < src.width) & (rows >= 0) & (rows < src.height)
    if not inside.any():
        return PixelMapping(None, np.zeros(dst.shape, np.int64), inside)
    c0, c1 = cols[inside].min(), cols[inside].max() + 1
    r0, r1 = rows[inside].min(), rows[inside].max() + 1
    flat = np.where(inside, (rows - r0) * (c1 - c0) + (cols - c0), 0)
    return PixelMapping(Window(int(c0), int(r0), int(c1 - c0), int(r1 - r0)), flat, inside)


def read_resampled(path: str, band: int, src: Grid, dst: Grid, nodata) -> tuple[np.ndarray, np.ndarray]:
    """(values float64, mask float32) of source band `band` (1-based) on `dst`; outside the source → masked."""
    m = pixel_mapping(src, dst)
    if m.window is None:
        return np.zeros(dst.shape), np.zeros(dst.shape, np.float32)
    with rasterio.open(path) as ds:
        data = ds.read(band, window=m.window)
        if nodata is not None:
            valid = ~np.isnan(data) if isinstance(nodata, float) and np.isnan(nodata) else data != nodata
        elif MaskFlags.all_valid in ds.mask_flag_enums[band - 1]:
            valid = None
        else:
            valid = ds.read_masks(band, window=m.window) > 0
    values = np.take(data, m.flat_index).astype(np.float64)
    mask = m.inside if valid is None else m.inside & np.take(valid, m.flat_index)
    return values, mask.astype(np.float32)
