"""Pixelwise image math beyond the basic operators: unary functions, more binary operators, clamp/unitScale, casts.

Masks pass through unary functions unchanged and combine as the minimum for binary ones (EE's rule).
Output types follow EE's broad rules: functions that leave the integers (sqrt, log, trig, pow…) give double
(float stays float), rounding and sign functions keep the input type, bitwise operators give integers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.coerce import as_image, as_number
from ee_assets.local.algorithms.image import IMG, _binary
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Band, Image, MapRecipe

FLOAT64 = np.dtype(np.float64)


def _same(dtype: np.dtype) -> np.dtype:
    return dtype


def _real(dtype: np.dtype) -> np.dtype:
    """Functions leaving the integers: float32 stays float32, anything else becomes double."""
    return dtype if dtype == np.float32 else FLOAT64


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


def _elementwise(fn: Callable[[float], float]) -> Callable[[np.ndarray], np.ndarray]:
    """A scalar math function over an array (for functions numpy lacks: erf, erfc, gamma); NaN where undefined."""
    def safe(v: float) -> float:
        try:
            return fn(v)
        except (ValueError, OverflowError):
            return float("nan")
    vectorized = np.vectorize(safe, otypes=[np.float64])
    return lambda x: vectorized(x) if x.size else x.astype(np.float64)


def _bit_count(x: np.ndarray) -> np.ndarray:
    """One-bits of the 64-bit two's complement value."""
    return np.bitwise_count(np.nan_to_num(x).astype(np.int64).view(np.uint64)).astype(np.float64)


def _round_half_away(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


UNARY: dict[str, tuple[Callable, Callable]] = {
    "abs": (np.abs, _same),
    "sqrt": (np.sqrt, _real),
    "cbrt": (np.cbrt, _real),
    "exp": (np.exp, _real),
    "log": (np.log, _real),
    "log10": (np.log10, _real),
    "sin": (np.sin, _real),
    "cos": (np.cos, _real),
    "tan": (np.tan, _real),
    "asin": (np.arcsin, _real),
    "acos": (np.arccos, _real),
    "atan": (np.arctan, _real),
    "sinh": (np.sinh, _real),
    "cosh": (np.cosh, _real),
    "tanh": (np.tanh, _real),
    "round": (_round_half_away, _same),
    "floor": (np.floor, _same),
    "ceil": (np.ceil, _same),
    "signum": (np.sign, _same),
    "bitwiseNot": (lambda x: (~x.astype(np.int64)).astype(np.float64),
                   lambda d: d if d.kind == "i" else np.dtype(np.int64)),
    "erf": (_elementwise(math.erf), _real),
    "erfc": (_elementwise(math.erfc), _real),
    "gamma": (_elementwise(math.gamma), _real),
    "bitCount": (_bit_count, lambda d: np.dtype(np.int32)),
}
UNARY["bitwise_not"] = UNARY["bitwiseNot"]  # the client still offers the snake_case names


def _register_unary(op: str, fn: Callable, rule: Callable) -> None:
    def impl(value) -> Image:
        return map_bands(as_image(value, "value"), fn, rule)

    impl.__doc__ = f"Image.{op} of every band; masks are kept."
    algorithm(f"Image.{op}", returns=IMG, value=IMG)(impl)


for _op, (_fn, _rule) in UNARY.items():
    _register_unary(_op, _fn, _rule)


# -- binary ----------------------------------------------------------------------------------------------------
def _int_rule(a: np.dtype, b: np.dtype) -> np.dtype:
    return np.dtype(np.int64) if max(a.itemsize, b.itemsize) >= 4 else np.dtype(np.int32)


def _real2(a: np.dtype, b: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if a == np.float32 and b == np.float32 else FLOAT64


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """min/max/mod: the common type of both inputs (ints stay ints)."""
    return np.dtype(np.result_type(a, b))


def _as_int(x: np.ndarray) -> np.ndarray:
    return np.nan_to_num(x).astype(np.int64)


def _mod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """EE's mod is the remainder with the sign of the dividend (like C's fmod); x mod 0 is 0."""
    with np.errstate(all="ignore"):
        return np.where(y == 0, 0.0, np.fmod(x, np.where(y == 0, 1.0, y)))


def _shift(x: np.ndarray, y: np.ndarray, left: bool) -> np.ndarray:
    xi, yi = _as_int(x), np.clip(_as_int(y), 0, 63)
    return (np.left_shift(xi, yi) if left else np.right_shift(xi, yi)).astype(np.float64)


BINARY: dict[str, tuple[Callable, Callable]] = {
    "pow": (np.power, lambda a, b: FLOAT64),
    "min": (np.fmin, _promote),
    "max": (np.fmax, _promote),
    "mod": (_mod, _promote),
    "hypot": (np.hypot, lambda a, b: FLOAT64),
    "atan2": (np.arctan2, lambda a, b: FLOAT64),
    "bitwiseOr": (lambda x, y: (_as_int(x) | _as_int(y)).astype(np.float64), _int_rule),
    "bitwiseXor": (lambda x, y: (_as_int(x) ^ _as_int(y)).astype(np.float64), _int_rule),
    "leftShift": (lambda x, y: _shift(x, y, True), lambda a, b: np.dtype(np.int64)),
    "rightShift": (lambda x, y: _shift(x, y, False), _int_rule),
}


def _register_binary(op: str, fn: Callable, rule: Callable) -> None:
    def impl(image1, image2) -> Image:
        def safe(x, y, f=fn):
            with np.errstate(all="ignore"):
                return f(x, y)
        return _binary(op, image1, image2, safe, rule)

    impl.__doc__ = f"Image.{op}, pixelwise over matched bands; masks combine as the minimum."
    algorithm(f"Image.{op}", returns=IMG, image1=IMG, image2=IMG)(impl)


BINARY["bitwise_or"] = BINARY["bitwiseOr"]
BINARY["bitwise_xor"] = BINARY["bitwiseXor"]
BINARY["left_shift"] = BINARY["leftShift"]
BINARY["right_shift"] = BINARY["rightShift"]

for _op, (_fn, _rule) in BINARY.items():
    _register_binary(_op, _fn, _rule)


def _bitwise_and_alias(image1, image2) -> Image:
    """Image.bitwise_and: the snake_case name of Image.bitwiseAnd."""
    from ee_assets.local.algorithms.registry import REGISTRY

    return REGISTRY["Image.bitwiseAnd"].fn(image1, image2)


algorithm("Image.bitwise_and", returns=IMG, image1=IMG, image2=IMG)(_bitwise_and_alias)


# -- clamp / unitScale -------------------------------------------------------------------------------------------
@algorithm("Image.clamp", returns=IMG, input=IMG, low="Float", high="Float")
def clamp(input: Image, low: float, high: float) -> Image:
    """Clamp every band to [low, high]; the type is kept (EE narrows the range, not the precision)."""
    lo, hi = as_number(low, "low"), as_number(high, "high")
    if lo > hi:
        raise InvalidArgument(f"Image.clamp: low ({lo}) must not be greater than high ({hi}).")
    return map_bands(as_image(input, "input"), lambda x: np.clip(x, lo, hi), _same)


@algorithm("Image.unitScale", returns=IMG, input=IMG, low="Float", high="Float")
def unit_scale(input: Image, low: float, high: float) -> Image:
    """(x - low) / (high - low), not clamped (EE: values outside [low, high] go outside [0, 1]); float output."""
    lo, hi = as_number(low, "low"), as_number(high, "high")
    if hi == lo:
        raise InvalidArgument("Image.unitScale: low and high must differ.")
    return map_bands(as_image(input, "input"), lambda x: (x - lo) / (hi - lo),
                     lambda d: np.dtype(np.float32) if d.itemsize <= 4 or d.kind != "f" else FLOAT64)


# -- casts --------------------------------------------------------------------------------------------------------
INT_TYPES = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
}
CAST_NAMES: dict[str, np.dtype] = {
    **{name: np.dtype(t) for name, t in INT_TYPES.items()},
    **{f"to{name[0].upper()}{name[1:]}": np.dtype(t) for name, t in INT_TYPES.items()},
    "byte": np.dtype(np.uint8), "toByte": np.dtype(np.uint8),
    "short": np.dtype(np.int16), "toShort": np.dtype(np.int16),
    "int": np.dtype(np.int32), "toInt": np.dtype(np.int32),
    "long": np.dtype(np.int64), "toLong": np.dtype(np.int64),
    "float": np.dtype(np.float32),  # toFloat lives in image.py
    "double": FLOAT64, "toDouble": FLOAT64,
}


def cast_values(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Values as `dtype` would hold them, still as float64: integers are rounded half away from zero and clamped
    to the type's range (EE's documented cast: `ee.Array([-0.1, 0.5, 255.9]).byte()` is [0, 1, 255])."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(_round_half_away(np.nan_to_num(x)), float(info.min), float(info.max))
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
