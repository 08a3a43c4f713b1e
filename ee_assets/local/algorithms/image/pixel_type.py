"""Image casts: toInt16, byte, toFloat, … and Image.cast (per-band casts named by PixelType or type name).

Integer casts round halves away from zero and clamp to the type's range (EE's `ee.Array([-0.1, 0.5, 255.9]).byte()`
is [0, 1, 255]); float casts keep float32 precision."""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.bands import map_bands, round_half_away
from ee_assets.local.algorithms.support.coerce import as_image, as_pixel_type, as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Band, ConstantRecipe, Image
from ee_assets.local.values.pixel_type import CAST_NAMES
from ee_assets.local.values.projection import DEFAULT_PROJECTION

IMG = "Image<unknown bands>"


def cast_values(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Values as `dtype` would hold them, still as float64: integers are rounded half away from zero and clamped
    to the type's range (EE's documented cast: `ee.Array([-0.1, 0.5, 255.9]).byte()` is [0, 1, 255])."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(round_half_away(np.nan_to_num(x)), float(info.min), float(info.max))
    if dtype == np.float32:
        return x.astype(np.float32).astype(np.float64)
    return x


def cast_image(image: Image, dtype: np.dtype) -> Image:
    return map_bands(image, lambda x: cast_values(x, dtype), lambda d: dtype)


def _register_cast(op: str, dtype: np.dtype) -> None:
    def impl(value) -> Image:
        return cast_image(as_image(value, "value"), dtype)

    impl.__doc__ = f"Cast every band to {dtype.name} (rounded half away from zero and clamped for integers)."
    algorithm(f"Image.{op}", returns=IMG, value=IMG)(impl)


for _op, _dtype in CAST_NAMES.items():
    _register_cast(_op, _dtype)


@algorithm("Image.toFloat", returns=IMG, value=IMG)
def to_float(value: Image) -> Image:
    return map_bands(as_image(value, "value"), lambda x: x.astype(np.float32).astype(np.float64),
                     lambda d: np.dtype(np.float32))


@algorithm("Image.cast", returns=IMG, image=IMG, bandTypes="Dictionary<Object>", bandOrder="List<String>")
def cast(image: Image, bandTypes: dict, bandOrder: list | None = None) -> Image:
    """Cast the named bands; bands named in bandTypes but missing from the image are added fully masked (EE)."""
    img = as_image(image)
    if not isinstance(bandTypes, dict):
        raise InvalidArgument("Image.cast: bandTypes must be a dictionary from band name to PixelType.")
    types = {k: as_pixel_type(v, f"bandTypes.{k}").dtype for k, v in bandTypes.items()}
    bands: list[Band] = []
    for b in img.bands:
        bands.append(cast_image(Image([b]), types[b.name]).bands[0] if b.name in types else b)
    for name, dtype in types.items():
        if name not in img.band_names:
            bands.append(Band(name, dtype, DEFAULT_PROJECTION, _MaskedRecipe(), None))
    if bandOrder is not None:
        order = as_string_list(bandOrder, "bandOrder")
        by_name = {b.name: b for b in bands}
        if sorted(order) != sorted(by_name):
            raise InvalidArgument(f"Image.cast: bandOrder {order} must list exactly the result's bands "
                                  f"{sorted(by_name)}.")
        bands = [by_name[n] for n in order]
    return img.with_bands(bands)


class _MaskedRecipe(ConstantRecipe):
    """A fully masked band of zeros."""

    def __init__(self) -> None:
        super().__init__(0.0)

    def compute(self, grid):
        values, mask = super().compute(grid)
        return values, mask * 0
