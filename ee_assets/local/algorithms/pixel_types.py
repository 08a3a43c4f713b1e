"""PixelType constructors and accessors (the value type is values/pixel_type.py)."""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_pixel_type
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.pixel_type import CAST_NAMES, PixelType


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
    return as_pixel_type(pixelType, "pixelType").precision


@algorithm("PixelType.minValue", returns="Number", pixelType="PixelType")
def min_value(pixelType: PixelType):
    return as_pixel_type(pixelType, "pixelType").min


@algorithm("PixelType.maxValue", returns="Number", pixelType="PixelType")
def max_value(pixelType: PixelType):
    return as_pixel_type(pixelType, "pixelType").max


@algorithm("PixelType.dimensions", returns="Integer", pixelType="PixelType")
def dimensions(pixelType: PixelType) -> int:
    return as_pixel_type(pixelType, "pixelType").dimensions
