"""Nearest-neighbour resampling of a source raster onto a requested grid: which source pixel each target pixel
shows, and the smallest source window that holds them (catalog/rasters.py reads just that window).

EE resamples with nearest neighbour by default. The mapping from target pixels to source pixels
depends only on the two grids, so it is computed once and cached (a composite of many images on
one source grid pays for it once). When both grids share a CRS and neither is rotated, target rows
read whole source rows and target columns whole source columns, so the mapping is two 1-D index
vectors and the read is a slice (same resolution and alignment) or an outer-product gather;
otherwise every target pixel centre is transformed and looked up through a flat index. The cache
is bounded in bytes, so tiled requests over large grids do not pile up index arrays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from rasterio.windows import Window

from ee_assets.local.values.geometry import transformer
from ee_assets.local.values.grid import Grid, crs_equal

_CACHE_BYTES = 256 << 20


@dataclass(frozen=True)
class PixelMapping:
    """Where each target pixel reads from, inside the source window `window` (None: nothing falls on the source).

    Separable mappings have `rows`/`cols` (index into the window per target row/column, -1 outside);
    general ones a (h, w) `flat_index` into the raveled window and an `inside_flat` mask.
    """

    window: Window | None
    shape: tuple[int, int]
    rows: np.ndarray | None = None
    cols: np.ndarray | None = None
    flat_index: np.ndarray | None = None
    inside_flat: np.ndarray | None = None

    @property
    def inside(self) -> np.ndarray:
        """(h, w) bool: the target pixels that fall on the source (made on demand for separable mappings, so
        cached mappings stay small)."""
        if self.window is None:
            return np.zeros(self.shape, bool)
        if self.rows is not None:
            return (self.rows >= 0)[:, None] & (self.cols >= 0)[None, :]
        return self.inside_flat

    @property
    def nbytes(self) -> int:
        arrays = (self.rows, self.cols, self.flat_index, self.inside_flat)
        return sum(a.nbytes for a in arrays if a is not None) + 64

    @property
    def block(self) -> tuple[int, int, int, int] | None:
        """(i0, i1, j0, j1) when the target shows the source window unchanged as one block — target rows i0:i1 are
        the window's rows in order, target columns j0:j1 its columns — and every other target pixel falls off the
        source (a grid-aligned tile at the raster's edge); None otherwise."""
        if self.window is None or self.rows is None:
            return None
        rows, cols = _run(self.rows, int(self.window.height)), _run(self.cols, int(self.window.width))
        return None if rows is None or cols is None else (*rows, *cols)

    @property
    def is_window(self) -> bool:
        """The target grid is the source window itself: reading the window is all there is to do."""
        return self.block == (0, self.shape[0], 0, self.shape[1])

    def gather(self, data: np.ndarray) -> np.ndarray:
        """The target-grid array of a source-window array (arbitrary values where outside)."""
        if self.rows is not None:
            block = self.block
            if block == (0, self.shape[0], 0, self.shape[1]):
                return data
            rows, cols = np.maximum(self.rows, 0), np.maximum(self.cols, 0)
            if block is not None:  # slices, not a fancy index: the same values (row and column 0 off the source)
                i0, i1, j0, j1 = block
                out = np.empty(self.shape, data.dtype)
                out[i0:i1, j0:j1] = data
                out[i0:i1, :j0] = data[:, :1]
                out[i0:i1, j1:] = data[:, :1]
                out[:i0] = data[0, cols]
                out[i1:] = data[0, cols]
                return out
            return data[rows[:, None], cols[None, :]]
        return np.take(data, self.flat_index)


def _run(index: np.ndarray, length: int) -> tuple[int, int] | None:
    """(start, end) when `index` is -1 except for 0, 1, ..., length - 1 at positions start..end - 1."""
    inside = np.flatnonzero(index >= 0)
    if length == 0 or len(inside) != length or inside[-1] - inside[0] != length - 1:
        return None
    start = int(inside[0])
    return (start, start + length) if _is_range(index[start:start + length], length) else None


def _is_range(index: np.ndarray, length: int) -> bool:
    return len(index) == length and index[0] == 0 and index[-1] == length - 1 and bool(np.all(np.diff(index) == 1))


class _MappingCache:
    """Least-recently-used mappings, evicted beyond a byte budget; thread-safe."""

    def __init__(self, budget: int):
        self.budget, self.used = budget, 0
        self.items: OrderedDict[tuple[Grid, Grid], PixelMapping] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key, mapping: PixelMapping) -> None:
        with self.lock:
            if key in self.items or mapping.nbytes > self.budget:
                return
            self.items[key] = mapping
            self.used += mapping.nbytes
            while self.used > self.budget:
                _, old = self.items.popitem(last=False)
                self.used -= old.nbytes


_cache = _MappingCache(_CACHE_BYTES)


def clear_mapping_cache() -> None:
    """Forget every cached mapping (benchmarks use it to time cold requests)."""
    with _cache.lock:
        _cache.items.clear()
        _cache.used = 0


def pixel_mapping(src: Grid, dst: Grid) -> PixelMapping:
    """Map every pixel centre of `dst` to the `src` pixel containing it (nearest neighbour)."""
    key = (src, dst)
    hit = _cache.get(key)
    if hit is None:
        hit = _compute_mapping(src, dst)
        _cache.put(key, hit)
    return hit


def _compute_mapping(src: Grid, dst: Grid) -> PixelMapping:
    inv = ~src.transform
    dt = dst.transform
    axis_aligned = dt.b == 0 and dt.d == 0 and src.transform.b == 0 and src.transform.d == 0
    if crs_equal(src.crs, dst.crs) and axis_aligned:
        xs = dt.c + dt.a * (np.arange(dst.width) + 0.5)
        ys = dt.f + dt.e * (np.arange(dst.height) + 0.5)
        cols = np.floor(inv.a * xs + inv.c).astype(np.int64)
        rows = np.floor(inv.e * ys + inv.f).astype(np.int64)
        col_in = (cols >= 0) & (cols < src.width)
        row_in = (rows >= 0) & (rows < src.height)
        if not col_in.any() or not row_in.any():
            return PixelMapping(None, dst.shape)
        c0, c1 = cols[col_in].min(), cols[col_in].max() + 1
        r0, r1 = rows[row_in].min(), rows[row_in].max() + 1
        return PixelMapping(Window(int(c0), int(r0), int(c1 - c0), int(r1 - r0)), dst.shape,
                            rows=np.where(row_in, rows - r0, -1), cols=np.where(col_in, cols - c0, -1))
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
        return PixelMapping(None, dst.shape)
    c0, c1 = cols[inside].min(), cols[inside].max() + 1
    r0, r1 = rows[inside].min(), rows[inside].max() + 1
    flat = np.where(inside, (rows - r0) * (c1 - c0) + (cols - c0), 0)
    return PixelMapping(Window(int(c0), int(r0), int(c1 - c0), int(r1 - r0)), dst.shape, flat_index=flat,
                        inside_flat=inside)
