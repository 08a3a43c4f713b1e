"""Band-level building blocks of the Image algorithms: EE's band matching of two images, per-band maps, rounding
and the native-extent mask."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from affine import Affine

from ee_assets.local.algorithms.support.coerce import as_image
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels.resample import pixel_mapping
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import (
    Band,
    ConstantArrayRecipe,
    ConstantRecipe,
    Image,
    MapRecipe,
    Recipe,
    is_array,
)

# A one-pixel grid, enough to read the value of a band built from constants alone.
ONE_PIXEL = Grid("EPSG:4326", Affine(1.0, 0.0, 0.0, 0.0, -1.0, 0.0), 1, 1)


def matched_bands(op: str, a: Image, b: Image) -> list[tuple[Band, Band, str]]:
    """EE's band matching: a 1-band side is used against every band of the other; otherwise pairwise."""
    na, nb = len(a.bands), len(b.bands)
    if na == 0 or nb == 0:
        raise InvalidArgument(f"Image.{op}: Images must have at least one band.")
    if na == 1 and nb > 1:
        return [(a.bands[0], bb, bb.name) for bb in b.bands]
    if nb == 1:
        return [(ba, b.bands[0], ba.name) for ba in a.bands]
    if na != nb:
        raise InvalidArgument(f"Image.{op}: Images must contain the same number of bands or only 1 band. "
                              f"Got {na} and {nb}.")
    return [(ba, bb, ba.name) for ba, bb in zip(a.bands, b.bands, strict=True)]


def combine_bands(op: str, image1, image2, fn: Callable, dtype_rule: Callable) -> Image:
    a, b = as_image(image1, "image1"), as_image(image2, "image2")
    bands = []
    for ba, bb, name in matched_bands(op, a, b):
        recipe = MapRecipe(lambda px, f=fn: (f(px[0][0], px[1][0]), np.minimum(px[0][1], px[1][1])),
                           (ba.recipe, bb.recipe))
        native = ba if ba.extent is not None or bb.extent is None else bb
        bands.append(Band(name, np.dtype(dtype_rule(ba.dtype, bb.dtype)), native.projection, recipe, native.extent))
    return a.with_bands(bands)


def map_bands(image: Image, fn: Callable[[np.ndarray], np.ndarray], dtype_rule: Callable) -> Image:
    """Apply `fn` to every band's values, keeping masks; `dtype_rule(band dtype) -> output dtype`."""
    def band(b: Band) -> Band:
        dtype = np.dtype(dtype_rule(b.dtype))
        cast = np.float32 if dtype == np.float32 else None

        def run(px, f=fn):
            with np.errstate(all="ignore"):
                v = f(px[0][0])
            return (v.astype(cast).astype(np.float64) if cast else v), px[0][1]

        return b.derive(MapRecipe(run, (b.recipe,)), dtype=dtype)

    return image.with_bands([band(b) for b in image.bands])


def round_half_away(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def inside_extent(grid: Grid, extent: Grid) -> np.ndarray:
    return pixel_mapping(extent, grid).inside.astype(np.float32)


def is_constant(recipe: Recipe) -> bool:
    """Whether a recipe is built from constants alone (the same value in every pixel of any grid)."""
    if isinstance(recipe, (ConstantRecipe, ConstantArrayRecipe)):
        return True
    return type(recipe) is MapRecipe and all(is_constant(r) for r in recipe.inputs)


def first_elements(image: Image) -> Image:
    """Array bands replaced by the first element of each pixel's array: how EE draws an array image ("Per-pixel,
    the first element in the array is shown", samples/python/apidocs/ee_image_toarray.py)."""
    def scalar(b: Band) -> Band:
        if not is_array(b):
            return b
        recipe = MapRecipe(lambda px: (px[0][0].reshape(px[0][0].shape[:2] + (-1,))[..., 0], px[0][1]), (b.recipe,))
        return Band(b.name, b.dtype, b.projection, recipe, b.extent)

    return image.with_bands([scalar(b) for b in image.bands])
