"""Edge detection: CannyEdgeDetector and Image.zeroCrossing, computed on the requested grid padded by their reach
(like every neighbourhood operation here).

CannyEdgeDetector follows Canny's steps as EE's signature describes them: a Gaussian of `sigma` pixels (none for
0), the gradient (Sobel, scaled to value units per pixel: a step of height d between two columns gives d / 2 on each
side), non-maximum suppression across the edge (of two equal neighbours the first along the gradient keeps the edge)
and the threshold on the magnitude; output values are the gradient magnitude on edges and 0 elsewhere. There is no
hysteresis step: EE's only threshold is "the pixel is only considered … if the gradient magnitude is higher". A pixel
whose 3 x 3 gradient stencil reaches a masked pixel (or beyond the image) is masked.
zeroCrossing marks (1) a pixel whose value and a 4-connected neighbour's have opposite signs, else 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe

IMG = "Image<unknown bands>"


def _padded(recipe: Recipe, grid: Grid, pad: int) -> tuple[np.ndarray, np.ndarray]:
    values, mask = recipe.evaluate(grid.window(-pad, -pad, grid.width + 2 * pad, grid.height + 2 * pad))
    return values, mask > 0


def _gaussian(values: np.ndarray, valid: np.ndarray, sigma: float) -> np.ndarray:
    """Normalized Gaussian smoothing over the valid pixels (separable, truncated at 3 sigma)."""
    if sigma <= 0:
        return np.where(valid, values, 0.0)
    r = max(1, math.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    weights = valid.astype(np.float64)
    num, den = np.where(valid, values, 0.0), weights
    for axis in (0, 1):
        num = _convolve1d(num, taps, axis)
        den = _convolve1d(den, taps, axis)
    with np.errstate(all="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def _convolve1d(a: np.ndarray, taps: np.ndarray, axis: int) -> np.ndarray:
    r = len(taps) // 2
    padded = np.pad(a, [(r, r) if ax == axis else (0, 0) for ax in range(2)])
    out = np.zeros_like(a)
    for k, t in enumerate(taps):
        out += t * np.take(padded, range(k, k + a.shape[axis]), axis=axis)
    return out


def _sobel(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(d/dcolumn, d/drow) over the interior of `s` (one pixel smaller on each side), in value units per pixel."""
    gx = ((s[:-2, 2:] + 2 * s[1:-1, 2:] + s[2:, 2:]) - (s[:-2, :-2] + 2 * s[1:-1, :-2] + s[2:, :-2])) / 8
    gy = ((s[2:, :-2] + 2 * s[2:, 1:-1] + s[2:, 2:]) - (s[:-2, :-2] + 2 * s[:-2, 1:-1] + s[:-2, 2:])) / 8
    return gx, gy


@dataclass(eq=False)
class CannyRecipe(Recipe):
    input: Recipe
    threshold: float
    sigma: float

    def compute(self, grid: Grid) -> Pixels:
        smooth_r = max(1, math.ceil(3 * self.sigma)) if self.sigma > 0 else 0
        pad = smooth_r + 2
        values, valid = _padded(self.input, grid, pad)
        smooth = _gaussian(values, valid, self.sigma)
        gx, gy = _sobel(smooth)  # pad - 1 left around the grid
        mag = np.hypot(gx, gy)
        h, w = grid.shape
        e = pad - 1  # mag's margin around the grid
        inner = (slice(e, e + h), slice(e, e + w))
        angle = (np.degrees(np.arctan2(gy, gx)) + 180.0) % 180.0
        m = mag[inner]
        keep = np.zeros((h, w), bool)
        for lo, hi, (dr, dc) in ((0, 22.5, (0, 1)), (157.5, 180.0, (0, 1)), (22.5, 67.5, (1, 1)),
                                 (67.5, 112.5, (1, 0)), (112.5, 157.5, (1, -1))):
            sector = (angle[inner] >= lo) & (angle[inner] < hi)
            before = mag[e - dr:e - dr + h, e - dc:e - dc + w]
            after = mag[e + dr:e + dr + h, e + dc:e + dc + w]
            keep |= sector & (m > before) & (m >= after)
        edges = keep & (m > self.threshold)
        # a pixel is known when it and its 3 x 3 gradient stencil are valid (masked around the image's edges)
        ok = np.ones((h, w), bool)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                ok &= valid[pad + dr:pad + dr + h, pad + dc:pad + dc + w]
        return np.where(edges & ok, m, 0.0), ok.astype(np.float32)


@algorithm("CannyEdgeDetector", returns=IMG, image=IMG, threshold="Float", sigma="Float")
def canny_edge_detector(image: Image, threshold: float, sigma: float = 1.0) -> Image:
    """Per band (names kept, float64): the gradient magnitude on Canny edges above `threshold`, 0 elsewhere."""
    img = as_image(image)
    t, s = float(as_number(threshold, "threshold")), float(as_number(sigma, "sigma"))
    if s < 0:
        raise InvalidArgument(f"CannyEdgeDetector: sigma must not be negative, got {s}.")
    return img.with_bands([Band(b.name, np.dtype(np.float64), b.projection, CannyRecipe(b.recipe, t, s), b.extent)
                           for b in img.bands])


@dataclass(eq=False)
class ZeroCrossingRecipe(Recipe):
    input: Recipe

    def compute(self, grid: Grid) -> Pixels:
        values, valid = _padded(self.input, grid, 1)
        h, w = grid.shape
        centre = values[1:h + 1, 1:w + 1]
        ok = valid[1:h + 1, 1:w + 1]
        crossing = np.zeros((h, w), bool)
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            other = values[1 + dr:1 + dr + h, 1 + dc:1 + dc + w]
            other_ok = valid[1 + dr:1 + dr + h, 1 + dc:1 + dc + w]
            crossing |= other_ok & (np.sign(centre) * np.sign(other) < 0)
        return np.where(ok, crossing, 0).astype(np.float64), ok.astype(np.float32)


@algorithm("Image.zeroCrossing", returns=IMG, image=IMG)
def zero_crossing(image: Image) -> Image:
    """Per band (names kept, uint8): 1 where the value and a 4-connected neighbour's have opposite signs."""
    img = as_image(image)
    return img.with_bands([Band(b.name, np.dtype(np.uint8), b.projection, ZeroCrossingRecipe(b.recipe), b.extent)
                           for b in img.bands])
