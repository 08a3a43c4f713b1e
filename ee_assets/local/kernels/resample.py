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
    """Source (row, col) for every target pixel, as offsets into the source window to read."""

    window: Window | None  # None: no target pixel falls on the source
    rows: np.ndarray  # (h, w) or (h, 1) int64, relative to window; -1 where outside
    cols: np.ndarray  # (h, w) or (1, w)
    separable: bool


@lru_cache(maxsize=64)
def pixel_mapping(src: Grid, dst: Grid) -> PixelMapping:
    """Map every pixel centre of `dst` to the `src` pixel containing it (nearest neighbour)."""
    inv = ~src.transform
    dt = dst.transform
    axis_aligned = dt.b == 0 and dt.d == 0 and src.transform.b == 0 and src.transform.d == 0
    if crs_equal(src.crs, dst.crs) and axis_aligned:
        xs = dt.c + dt.a * (np.arange(dst.width) + 0.5)
        ys = dt.f + dt.e * (np.arange(dst.height) + 0.5)
        cols = np.floor(inv.a * xs + inv.c).astype(np.int64)[None, :]
        rows = np.floor(inv.e * ys + inv.f).astype(np.int64)[:, None]
        separable = True
    else:
        c, r = np.meshgrid(np.arange(dst.width) + 0.5, np.arange(dst.height) + 0.5)
        x = dt.a * c + dt.b * r + dt.c
        y = dt.d * c + dt.e * r + dt.f
        if not crs_equal(src.crs, dst.crs):
            x, y = transformer(dst.crs, src.crs).transform(x, y)
        with np.errstate(invalid="ignore"):
            fc = inv.a * x + inv.b * y + inv.c
            fr = inv.d * x + inv.e * y + inv.f
        bad = ~(np.isfinite(fc) & np.isfinite(fr))
        cols = np.where(bad, -1, np.floor(np.where(bad, -1, fc))).astype(np.int64)
        rows = np.where(bad, -1, np.floor(np.where(bad, -1, fr))).astype(np.int64)
        separable = False
    inside_c = (cols >= 0) & (cols < src.width)
    inside_r = (rows >= 0) & (rows < src.height)
    if separable:
        if not inside_c.any() or not inside_r.any():
            return PixelMapping(None, rows, cols, True)
        c0, c1 = cols[inside_c].min(), cols[inside_c].max() + 1
        r0, r1 = rows[inside_r].min(), rows[inside_r].max() + 1
    else:
        inside = inside_c & inside_r
        if not inside.any():
            return PixelMapping(None, rows, cols, False)
        c0, c1 = cols[inside].min(), cols[inside].max() + 1
        r0, r1 = rows[inside].min(), rows[inside].max() + 1
        cols = np.where(inside, cols, -1)
        rows = np.where(inside, rows, -1)
    rel_c = np.where(inside_c if separable else cols >= 0, cols - c0, -1)
    rel_r = np.where(inside_r if separable else rows >= 0, rows - r0, -1)
    window = Window(int(c0), int(r0), int(c1 - c0), int(r1 - r0))
    return PixelMapping(window, rel_r, rel_c, separable)


def read_resampled(path: str, band: int, src: Grid, dst: Grid, nodata) -> tuple[np.ndarray, np.ndarray]:
    """(values float64, mask float32) of source band `band` (1-based) on `dst`; outside the source → masked."""
    m = pixel_mapping(src, dst)
    values = np.zeros(dst.shape, dtype=np.float64)
    mask = np.zeros(dst.shape, dtype=np.float32)
    if m.window is None:
        return values, mask
    with rasterio.open(path) as ds:
        data = ds.read(band, window=m.window)
        if nodata is not None:
            valid = data != nodata
            if isinstance(nodata, float) and np.isnan(nodata):
                valid = ~np.isnan(data)
        elif MaskFlags.all_valid in ds.mask_flag_enums[band - 1]:
            valid = None
        else:
            valid = ds.read_masks(band, window=m.window) > 0
    rows, cols = np.broadcast_arrays(m.rows, m.cols)
    ok = (rows >= 0) & (cols >= 0)
    r, c = rows[ok], cols[ok]
    values[ok] = data[r, c]
    mask[ok] = 1.0 if valid is None else valid[r, c]
    return values, mask
