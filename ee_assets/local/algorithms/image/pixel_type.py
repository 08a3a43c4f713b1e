"""PixelType constructors and accessors, and Image.cast (per-band casts named by PixelType or type name)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.coerce import as_image, as_string_list
from ee_assets.local.algorithms.image import IMG
from ee_assets.local.algorithms.image_math import CAST_NAMES, cast_image
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Band, ConstantRecipe, Image
from ee_assets.local.values.projection import DEFAULT_PROJECTION

_INT_DTYPES = [np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.int64)]


@dataclass(frozen=True)
class PixelType:
    """EE's PixelType: a precision ('int', 'float', 'double') with an optional value range."""

    precision: str
    min: float | None = None
    max: float | None = None
    dimensions: int = 0

    @classmethod
    def of(cls, dtype: np.dtype) -> PixelType:
        dtype = np.dtype(dtype)
        if dtype.kind in "iub":
            info = np.iinfo(np.uint8 if dtype.kind == "b" else dtype)
            return cls("int", int(info.min), int(info.max))
        return cls("float" if dtype.itemsize <= 4 else "double")

    @property
    def dtype(self) -> np.dtype:
        """The smallest numpy type holding this type's values."""
        if self.precision == "float":
            return np.dtype(np.float32)
        if self.precision == "double":
            return np.dtype(np.float64)
        lo = -(2**63) if self.min is None else self.min
        hi = 2**63 - 1 if self.max is None else self.max
        for dt in _INT_DTYPES:
            info = np.iinfo(dt)
            if info.min <= lo and hi <= info.max:
                return dt
        return np.dtype(np.int64)

    def to_json(self) -> dict:
        out: dict = {"type": "PixelType", "precision": self.precision}
        if self.precision == "int" and self.min is not None and self.max is not None:
            out.update(min=_num(self.min), max=_num(self.max))
        if self.dimensions:
            out["dimensions"] = self.dimensions
        return out


def _num(v: float):
    return int(v) if float(v).is_integer() else float(v)


@algorithm("PixelType", returns="PixelType", precision="Object", minValue="Number", maxValue="Number",
           dimensions="Integer")
def pixel_type(precision, minValue: float | None = None, maxValue: float | None = None,
               dimensions: int = 0) -> PixelType:
    """A PixelType from a precision name ('int', 'float', 'double') and, for 'int', an optional range."""
    if isinstance(precision, PixelType):  # the client wraps ee.PixelType.int8() as PixelType(precision=...)
        return precision
    p = str(precision).lower()
    if p not in ("int", "float", "double"):
        raise InvalidArgument(f"PixelType: precision must be 'int', 'float' or 'double', got {precision!r}.")
    if p == "int" and (minValue is None) != (maxValue is None):
        raise InvalidArgument("PixelType: give both minValue and maxValue, or neither.")
    return PixelType(p, minValue, maxValue, int(dimensions or 0))


def _register_constructor(name: str, dtype: np.dtype) -> None:
    def impl() -> PixelType:
        return PixelType.of(dtype)

    impl.__doc__ = f"The PixelType of {dtype.name}."
    algorithm(f"PixelType.{name}", returns="PixelType")(impl)


for _name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "float", "double"):
    _register_constructor(_name, CAST_NAMES[_name])


@algorithm("PixelType.precision", returns="String", pixelType="PixelType")
def precision(pixelType: PixelType) -> str:
    return _as_pixel_type(pixelType, "pixelType").precision


@algorithm("PixelType.minValue", returns="Number", pixelType="PixelType")
def min_value(pixelType: PixelType):
    return _as_pixel_type(pixelType, "pixelType").min


@algorithm("PixelType.maxValue", returns="Number", pixelType="PixelType")
def max_value(pixelType: PixelType):
    return _as_pixel_type(pixelType, "pixelType").max


@algorithm("PixelType.dimensions", returns="Integer", pixelType="PixelType")
def dimensions(pixelType: PixelType) -> int:
    return _as_pixel_type(pixelType, "pixelType").dimensions


def _as_pixel_type(value, name: str) -> PixelType:
    if isinstance(value, PixelType):
        return value
    if isinstance(value, str) and value in CAST_NAMES:
        return PixelType.of(CAST_NAMES[value])
    valid = ", ".join(sorted(n for n in CAST_NAMES if not n.startswith("to")))
    raise InvalidArgument(f"Invalid argument for '{name}': expected a PixelType or one of {valid}; got {value!r}.")


@algorithm("Image.cast", returns=IMG, image=IMG, bandTypes="Dictionary<Object>", bandOrder="List<String>")
def cast(image: Image, bandTypes: dict, bandOrder: list | None = None) -> Image:
    """Cast the named bands; bands named in bandTypes but missing from the image are added fully masked (EE)."""
    img = as_image(image)
    if not isinstance(bandTypes, dict):
        raise InvalidArgument("Image.cast: bandTypes must be a dictionary from band name to PixelType.")
    types = {k: _as_pixel_type(v, f"bandTypes.{k}").dtype for k, v in bandTypes.items()}
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
