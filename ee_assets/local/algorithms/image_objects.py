"""Object-based image algorithms: Image.connectedPixelCount (sizes of connected same-valued regions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.coerce import as_image
from ee_assets.local.algorithms.image import IMG
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe

MAX_SIZE_LIMIT = 1024  # EE's documented maximum for maxSize


def _neighbour_offsets(eight: bool) -> list[tuple[int, int]]:
    four = [(0, 1), (1, 0), (0, -1), (-1, 0)]
    return four + ([(1, 1), (1, -1), (-1, 1), (-1, -1)] if eight else [])


def component_labels(values: np.ndarray, valid: np.ndarray, eight: bool) -> np.ndarray:
    """A label per pixel (-1 where invalid): pixels share a label when a path of valid, equal-valued neighbours
    joins them. Minimum-label propagation with pointer jumping, vectorized over the whole array."""
    h, w = values.shape
    labels = np.where(valid, np.arange(h * w).reshape(h, w), -1)
    big = h * w
    while True:
        current = np.where(valid, labels, big)
        best = current.copy()
        for dy, dx in _neighbour_offsets(eight):
            src = (slice(max(dy, 0), h + min(dy, 0)), slice(max(dx, 0), w + min(dx, 0)))
            dst = (slice(max(-dy, 0), h + min(-dy, 0)), slice(max(-dx, 0), w + min(-dx, 0)))
            same = valid[dst] & valid[src] & (values[dst] == values[src])
            best[dst] = np.where(same, np.minimum(best[dst], current[src]), best[dst])
        flat = np.where(valid, best, 0).ravel()
        flat = flat[flat]  # pointer jumping: adopt the label of the pixel whose index is our label
        flat = flat[flat]
        new = np.where(valid, flat.reshape(h, w), -1)
        if np.array_equal(new, labels):
            return labels
        labels = new


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
        valid = mask > 0
        labels = component_labels(values, valid, self.eight)
        sizes = np.bincount(labels[valid].ravel(), minlength=labels.size)
        counts = np.where(valid, sizes[np.maximum(labels, 0)], 0)
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
