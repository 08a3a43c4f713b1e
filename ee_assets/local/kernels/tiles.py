"""Tile-by-tile evaluation on a thread pool: bounded memory for large requests, and every core working.

Images are evaluated per band on a grid (values float64, mask float32). A large grid is cut into
tiles; each tile is evaluated on a pool thread with its own pixel cache (so a request never holds
more than a few tiles of intermediate pixels), and results are consumed in tile order (so results
are deterministic). Work started from inside a pool thread runs inline, which rules out deadlocks
when tiled work nests (a composite kernel splitting rows inside a computePixels tile).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import new_pixel_cache, reset_pixel_cache

TILE_PIXELS = 1 << 21  # pixels per tile: 2 Mpx is 24 MiB of float64 values plus float32 mask per band
WORKERS = max(2, os.cpu_count() or 2)

T = TypeVar("T")
R = TypeVar("R")

_local = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="ee-tile", initializer=_mark_worker)
        return _pool


def _mark_worker() -> None:
    _local.worker = True


def in_worker() -> bool:
    """True on a pool thread (nested tiled work then runs inline)."""
    return getattr(_local, "worker", False)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], ahead: int = WORKERS) -> Iterator[R]:
    """fn over items on the pool, yielding results in order with at most `ahead` extra items in flight."""
    items = list(items)
    if len(items) <= 1 or in_worker():
        yield from map(fn, items)
        return
    pool = _executor()
    pending: deque = deque()
    it = iter(items)
    for item in it:
        pending.append(pool.submit(fn, item))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def spread(chunks: list) -> tuple[list, int]:
    """(chunks, ahead) for ordered_map when the chunks are compute-only: all in flight at once, so that a thread
    slowed by other work on the machine leaves the remaining chunks to the others."""
    return chunks, len(chunks)


def row_chunks(height: int, parts: int = WORKERS, minimum: int = 64) -> list[tuple[int, int]]:
    """[top, bottom) row ranges splitting `height` rows into at most `parts` chunks of at least `minimum` rows."""
    parts = max(1, min(parts, height // max(minimum, 1)))
    edges = np.linspace(0, height, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def blocks(grid: Grid, tile_pixels: int = TILE_PIXELS) -> list[tuple[int, int, int, int]]:
    """(top, left, height, width) tiles covering the grid: full-width strips when rows are short enough,
    else square-ish blocks."""
    side = max(1, int(tile_pixels ** 0.5))
    tile_w = grid.width if grid.width <= 2 * side else side
    tile_h = max(1, tile_pixels // tile_w)
    return [(top, left, min(tile_h, grid.height - top), min(tile_w, grid.width - left))
            for top in range(0, grid.height, tile_h) for left in range(0, grid.width, tile_w)]


def evaluate_tile(bands: Sequence[Any], grid: Grid, native: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every band's (values, mask) on `grid`, with a pixel cache of its own (shared by the bands); with `native`,
    in the cheaper form a recipe may have for reductions (Recipe.evaluate_native)."""
    token = new_pixel_cache()
    try:
        return [band.recipe.evaluate_native(grid) if native else band.recipe.evaluate(grid) for band in bands]
    finally:
        reset_pixel_cache(token)


def evaluate_bands(bands: Sequence[Any], grid: Grid, tile_pixels: int = TILE_PIXELS) -> tuple[np.ndarray, np.ndarray]:
    """(values (bands, h, w) float64, masks float32) of image bands on `grid`, tile by tile when it is large.

    Small grids are evaluated directly (with the request's pixel cache); large ones in row strips on
    the pool, each written into the output as it completes, so intermediates stay bounded.
    """
    values = np.empty((len(bands), grid.height, grid.width))
    masks = np.empty((len(bands), grid.height, grid.width), np.float32)
    if grid.width * grid.height <= tile_pixels or in_worker():
        for i, band in enumerate(bands):
            values[i], masks[i] = band.recipe.evaluate(grid)
        return values, masks
    tiles = blocks(grid, tile_pixels)

    def run(tile):
        top, left, h, w = tile
        return tile, evaluate_tile(bands, grid.window(left, top, w, h))

    for (top, left, h, w), pixels in ordered_map(run, tiles):
        for i, (v, m) in enumerate(pixels):
            values[i, top:top + h, left:left + w] = v
            masks[i, top:top + h, left:left + w] = m
    return values, masks
