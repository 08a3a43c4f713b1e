"""HoughTransform: straight lines found among a band's active pixels (value >= inputThreshold).

The requested grid is cut into blocks of gridSize x gridSize pixels (EE computes the transform "over a grid" of that
size); in each block every active pixel votes for the lines through it, ρ = x·cos θ + y·sin θ for θ = 0°…179° in 1°
steps and ρ rounded to whole pixels (x, y from the block's corner). With `smooth` the vote counts are smoothed by a
[1, 2, 1] ⊗ [1, 2, 1] / 16 kernel first. Every (ρ, θ) with at least `lineThreshold` votes is a detected line, and
the output band '<band>_lines' (uint8) is 1 on the pixels those lines cross in the block (within half a pixel),
else 0 — a picture of the lines, as EE's guide draws them over Canny edges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe

IMG = "Image<unknown bands>"
THETAS = np.radians(np.arange(180))


def _smoothed(acc: np.ndarray) -> np.ndarray:
    k = np.array([1.0, 2.0, 1.0])
    out = acc.copy()
    for axis in (0, 1):
        padded = np.pad(out, [(1, 1) if a == axis else (0, 0) for a in range(2)])
        out = sum(w * np.take(padded, range(i, i + out.shape[axis]), axis=axis) for i, w in enumerate(k))
    return out / 16.0


def hough_lines(active: np.ndarray, line_threshold: float, smooth: bool) -> np.ndarray:
    """1 on the pixels of the lines detected in one block of active pixels, else 0."""
    h, w = active.shape
    reach = int(np.ceil(np.hypot(h, w)))
    ys, xs = np.nonzero(active)
    cos, sin = np.cos(THETAS), np.sin(THETAS)
    acc = np.zeros((2 * reach + 1, len(THETAS)))
    if xs.size:
        rho = np.rint(xs[:, None] * cos[None, :] + ys[:, None] * sin[None, :]).astype(np.int64) + reach
        np.add.at(acc, (rho.ravel(), np.tile(np.arange(len(THETAS)), xs.size)), 1.0)
    if smooth:
        acc = _smoothed(acc)
    out = np.zeros((h, w), np.uint8)
    gy, gx = np.mgrid[0:h, 0:w]
    for r, t in zip(*np.nonzero(acc >= line_threshold), strict=True):
        out[np.abs(gx * cos[t] + gy * sin[t] - (r - reach)) <= 0.5] = 1
    return out


@dataclass(eq=False)
class HoughRecipe(Recipe):
    input: Recipe
    grid_size: int
    input_threshold: float
    line_threshold: float
    smooth: bool

    def compute(self, grid: Grid) -> Pixels:
        values, mask = self.input.evaluate(grid)
        active = (mask > 0) & (values >= self.input_threshold)
        out = np.zeros(grid.shape)
        n = self.grid_size
        for top in range(0, grid.height, n):
            for left in range(0, grid.width, n):
                block = (slice(top, top + n), slice(left, left + n))
                out[block] = hough_lines(active[block], self.line_threshold, self.smooth)
        return out, np.ones(grid.shape, np.float32)


@algorithm("HoughTransform", returns=IMG, image=IMG, gridSize="Integer", inputThreshold="Float",
           lineThreshold="Float", smooth="Boolean")
def hough_transform(image: Image, gridSize: int = 256, inputThreshold: float = 64.0, lineThreshold: float = 72.0,
                    smooth: bool = True) -> Image:
    """Per band, '<band>_lines': 1 on the detected lines, 0 elsewhere."""
    size = int(as_number(gridSize, "gridSize"))
    if size < 2:
        raise InvalidArgument(f"HoughTransform: gridSize must be at least 2, got {size}.")
    img = as_image(image)
    return img.with_bands([Band(f"{b.name}_lines", np.dtype(np.uint8), b.projection,
                                HoughRecipe(b.recipe, size, float(inputThreshold), float(lineThreshold), bool(smooth)),
                                b.extent) for b in img.bands])
