"""Image.random: pseudo-random numbers per pixel, a deterministic function of the pixel's location and the seed."""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, GridRecipe, Image
from ee_assets.local.values.projection import DEFAULT_PROJECTION

IMG = "Image<unknown bands>"
FLOAT64 = np.dtype(np.float64)


_MIX1, _MIX2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def splitmix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer: a well-mixed 64-bit hash of each input (uint64 arithmetic wraps)."""
    with np.errstate(over="ignore"):
        z = z + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))


def pixel_uniforms(grid: Grid, seed: int, stream: int = 0) -> np.ndarray:
    """Uniform [0, 1) numbers that depend only on each pixel centre's coordinates (to a micro-unit), the seed and
    the stream: the same pixel gets the same number whichever request or tile asks for it."""
    c, r = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    t = grid.transform
    x = np.rint((t.a * c + t.b * r + t.c) * 1e6).astype(np.int64).view(np.uint64)
    y = np.rint((t.d * c + t.e * r + t.f) * 1e6).astype(np.int64).view(np.uint64)
    key = np.uint64((int(seed) * 4 + stream) & 0xFFFFFFFFFFFFFFFF)
    h = splitmix(splitmix(splitmix(x ^ key) ^ y) ^ key)
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


@algorithm("Image.random", returns=IMG, seed="Long", distribution="String")
def random(seed: int = 0, distribution: str = "uniform") -> Image:
    """Band 'random': uniform in [0, 1) or standard normal (Box-Muller), a deterministic function of the pixel's
    location and the seed (not EE's sequence, which is unpublished)."""
    if distribution not in ("uniform", "normal"):
        raise InvalidArgument(f"Image.random: distribution must be 'uniform' or 'normal', got {distribution!r}.")

    def run(grid: Grid, px):
        u = pixel_uniforms(grid, seed, 0)
        if distribution == "normal":
            v = pixel_uniforms(grid, seed, 1)
            u = np.sqrt(-2 * np.log1p(-u)) * np.cos(2 * np.pi * v)
        return u, np.ones(grid.shape, np.float32)

    return Image([Band("random", FLOAT64, DEFAULT_PROJECTION, GridRecipe(run), None)])
