"""Object-based image algorithms: Image.connectedPixelCount (sizes of connected same-valued regions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.coerce import as_image
from ee_assets.local.algorithms.image import IMG
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels.jit import jit
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe

MAX_SIZE_LIMIT = 1024  # EE's documented maximum for maxSize


@jit
def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return root


@jit
def _region_sizes(values: np.ndarray, valid: np.ndarray, eight: bool) -> np.ndarray:
    """Per pixel, the size of its region of equal, valid, 4- or 8-connected pixels (0 where invalid):
    one union-find pass over the earlier neighbours of each pixel, then a count per root."""
    h, w = values.shape
    parent = np.arange(h * w)
    for r in range(h):
        for c in range(w):
            if not valid[r, c]:
                continue
            p = r * w + c
            for dr, dc in ((0, -1), (-1, 0), (-1, -1), (-1, 1)):
                if not eight and dr != 0 and dc != 0:
                    continue
                rr, cc = r + dr, c + dc
                if 0 <= rr and 0 <= cc < w and valid[rr, cc] and values[rr, cc] == values[r, c]:
                    a, b = _find(parent, p), _find(parent, rr * w + cc)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    counts = np.zeros(h * w, np.int64)
    for p in range(h * w):
        if valid[p // w, p % w]:
            counts[_find(parent, p)] += 1
    sizes = np.zeros((h, w), np.int64)
    for p in range(h * w):
        if valid[p // w, p % w]:
            sizes[p // w, p % w] = counts[_find(parent, p)]
    return sizes


@dataclass(eq=False)
class ConnectedCountRecipe(Recipe):
    """Counts are computed on the grid padded by maxSize pixels, so regions crossing the grid's edge are counted
    whole up to maxSize (as EE, which also stops counting at maxSize)."""

    input: Recipe
    max_size: int
    eight: bool

    def compute(self, grid: Grid) -> Pixels:
        pad = self.max_size
        padded = grid.window(-pad, -pad, grid.width + 2 * pad, grid.height + 2 * pad)
        values, mask = self.input.evaluate(padded)
        counts = _region_sizes(values, mask > 0, self.eight)
        inner = (slice(pad, pad + grid.height), slice(pad, pad + grid.width))
        return np.minimum(counts[inner], self.max_size).astype(np.float64), mask[inner]


@algorithm("Image.connectedPixelCount", returns=IMG, input=IMG, maxSize="Integer", eightConnected="Boolean")
def connected_pixel_count(input: Image, maxSize: int = 100, eightConnected: bool = True) -> Image:
    """Per pixel, how many pixels (itself included, at most maxSize) its region of equal unmasked values has;
    neighbours are 8-connected unless eightConnected is false. Band names are kept; the type is int32."""
    size = int(maxSize)
    if not 1 <= size <= MAX_SIZE_LIMIT:
        raise InvalidArgument(f"Image.connectedPixelCount: maxSize must be between 1 and {MAX_SIZE_LIMIT}, "
                              f"got {size}.")
    img = as_image(input, "input")
    return img.with_bands([Band(b.name, np.dtype(np.int32), b.projection,
                                ConnectedCountRecipe(b.recipe, size, bool(eightConnected)), b.extent)
                           for b in img.bands])
