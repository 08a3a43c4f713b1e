"""Tile-by-tile evaluation on a thread pool: bounded memory for large requests, and every core working.

Images are evaluated per band on a grid (values float64, mask float32). A large grid is cut into
tiles; each tile is evaluated on a pool thread with its own pixel cache (so a request never holds
more than a few tiles of intermediate pixels), and results are consumed in tile order (so results
are deterministic). Work started from inside a pool thread runs inline, which rules out deadlocks
when tiled work nests (a composite kernel splitting rows inside a computePixels tile).

Tiles are sized to the request's memory budget (budget.py) from the bands' working set per
pixel (kernels/working_set.py); tiles are made as they are needed, and each one checks the request's
deadline and cancellation before it starts.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ee_assets.local import budget
from ee_assets.local.errors import UserMemoryLimitExceeded
from ee_assets.local.kernels.working_set import bytes_per_pixel
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import new_pixel_cache, reset_pixel_cache

TILE_PIXELS = 1 << 21  # pixels per tile: 2 Mpx is 24 MiB of float64 values plus float32 mask per band
MIN_TILE_PIXELS = 64 * 64  # smaller tiles than this cost more in overhead than they save
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
    """fn over items on the pool, yielding results in order with at most `ahead` extra items in flight.

    Items are taken as they are needed; each runs under the caller's request budget and checks it first, and
    items still queued when the consumer stops are cancelled."""
    items = iter(items)
    first = list(itertools.islice(items, 2))
    if len(first) <= 1 or in_worker():
        for item in itertools.chain(first, items):
            budget.check()
            yield fn(item)
        return
    run = budget.bound(fn)
    pool = _executor()
    pending: deque = deque()
    try:
        for item in itertools.chain(first, items):
            budget.check()
            pending.append(pool.submit(run, item))
            if len(pending) > ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def spread(chunks: list) -> tuple[list, int]:
    """(chunks, ahead) for ordered_map when the chunks are compute-only: all in flight at once, so that a thread
    slowed by other work on the machine leaves the remaining chunks to the others."""
    return chunks, len(chunks)


def row_chunks(height: int, parts: int = WORKERS, minimum: int = 64) -> list[tuple[int, int]]:
    """[top, bottom) row ranges splitting `height` rows into at most `parts` chunks of at least `minimum` rows."""
    parts = max(1, min(parts, height // max(minimum, 1)))
    edges = np.linspace(0, height, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


@dataclass(frozen=True)
class Blocks:
    """(top, left, height, width) tiles covering a grid in row-major order, made as they are iterated (a huge
    grid has millions of them)."""

    width: int
    height: int
    tile_w: int
    tile_h: int

    def __len__(self) -> int:
        return math.ceil(self.height / self.tile_h) * math.ceil(self.width / self.tile_w)

    def __iter__(self) -> Iterator[tuple[int, int, int, int]]:
        for top in range(0, self.height, self.tile_h):
            for left in range(0, self.width, self.tile_w):
                yield top, left, min(self.tile_h, self.height - top), min(self.tile_w, self.width - left)


def blocks(grid: Grid, tile_pixels: int = TILE_PIXELS) -> Blocks:
    """Tiles covering the grid: full-width strips when rows are short enough, else square-ish blocks."""
    side = max(1, int(tile_pixels ** 0.5))
    tile_w = grid.width if grid.width <= 2 * side else side
    tile_h = max(1, tile_pixels // tile_w)
    return Blocks(grid.width, grid.height, tile_w, tile_h)


def tile_pixels_for(bands: Sequence[Any], grid_pixels: int) -> int:
    """Pixels per tile for evaluating `bands` on a grid of `grid_pixels` within what is left of the current
    request's memory budget (TILE_PIXELS without one); refuses if even a small tile would not fit."""
    limit = budget.current()
    if limit is None:
        return TILE_PIXELS
    per_pixel = max(bytes_per_pixel(bands), 1)
    available = limit.memory_bytes - limit.used
    if min(grid_pixels, TILE_PIXELS) * per_pixel <= available // WORKERS:
        return TILE_PIXELS  # the usual tiles fit
    if grid_pixels * per_pixel <= available:
        return max(grid_pixels, 1)  # all at once fits better than tiles side by side
    pixels = available // WORKERS // per_pixel  # tiles evaluated at once (a queued one holds nothing yet)
    if pixels < min(MIN_TILE_PIXELS, grid_pixels):
        raise UserMemoryLimitExceeded(
            f"evaluating these {len(bands)} band(s) takes about {per_pixel:,} bytes per pixel, so even a "
            f"{MIN_TILE_PIXELS:,}-pixel tile does not fit in the request's {budget.mib(limit.memory_bytes)} (serve "
            "--max-request-memory); use fewer images or bands")
    return int(min(TILE_PIXELS, pixels))


def evaluate_tile(bands: Sequence[Any], grid: Grid, native: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every band's (values, mask) on `grid`, with a pixel cache of its own (shared by the bands) whose charges to
    the request's memory budget are released with it; with `native`, in the cheaper form a recipe may have for
    reductions (Recipe.evaluate_native)."""
    token = new_pixel_cache()
    try:
        with budget.pixel_scope():
            return [band.recipe.evaluate_native(grid) if native else band.recipe.evaluate(grid) for band in bands]
    finally:
        reset_pixel_cache(token)


def evaluate_bands(bands: Sequence[Any], grid: Grid, tile_pixels: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(values (bands, h, w) float64, masks float32) of image bands on `grid`, tile by tile when it is large.

    Small grids are evaluated directly (with the request's pixel cache); large ones in tiles on the pool, each
    written into the output as it completes, so intermediates stay bounded. The output is charged to the request's
    budget; tiles are sized to what remains of it.
    """
    pixels = grid.width * grid.height
    budget.charge_pixels(len(bands) * pixels, "the requested pixels")
    values = np.empty((len(bands), grid.height, grid.width))
    masks = np.empty((len(bands), grid.height, grid.width), np.float32)
    if tile_pixels is None:
        tile_pixels = TILE_PIXELS if in_worker() else tile_pixels_for(bands, pixels)
    if pixels <= tile_pixels or in_worker():
        for i, band in enumerate(bands):
            values[i], masks[i] = band.recipe.evaluate(grid)
        return values, masks
    tiles = blocks(grid, tile_pixels)

    def run(tile):
        top, left, h, w = tile
        return tile, evaluate_tile(bands, grid.window(left, top, w, h))

    for (top, left, h, w), pixels_ in ordered_map(run, tiles):
        for i, (v, m) in enumerate(pixels_):
            values[i, top:top + h, left:left + w] = v
            masks[i, top:top + h, left:left + w] = m
    return values, masks
