"""Pixelwise Image math: arithmetic, comparisons, logic and bit operators, unary functions, clamp/unitScale, remap,
polynomial, interpolate and first/firstNonZero.

Masks pass through unary functions unchanged and combine as the minimum for binary ones (EE's rule).
Output types follow EE's broad rules: functions that leave the integers (sqrt, log, trig, pow…) give double
(float stays float), rounding and sign functions keep the input type, bitwise operators give integers."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.bands import combine_bands, map_bands, matched_bands, round_half_away
from ee_assets.local.algorithms.support.coerce import as_image, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Image, MapRecipe

IMG = "Image<unknown bands>"


FLOAT64 = np.dtype(np.float64)


def _widen(a: np.dtype, b: np.dtype) -> np.dtype:
    if a.kind in "iub" and b.kind in "iub":
        return np.dtype(np.int64) if max(a.itemsize, b.itemsize) >= 4 else np.dtype(np.int32)
    return np.dtype(np.float64) if np.float64 in (a, b) or a.kind in "iu" or b.kind in "iu" else np.dtype(np.float32)


def _float(a: np.dtype, b: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if np.dtype(np.float64) not in (a, b) and a.itemsize <= 2 and b.itemsize <= 2 \
        else np.dtype(np.float64)


def _byte(a, b) -> np.dtype:
    return np.dtype(np.uint8)


def _safe_divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y))


_MATH = {
    "add": (np.add, _widen),
    "subtract": (np.subtract, _widen),
    "multiply": (np.multiply, _widen),
    "divide": (_safe_divide, _float),
    "gt": (lambda x, y: (x > y).astype(float), _byte),
    "gte": (lambda x, y: (x >= y).astype(float), _byte),
    "lt": (lambda x, y: (x < y).astype(float), _byte),
    "lte": (lambda x, y: (x <= y).astype(float), _byte),
    "eq": (lambda x, y: (x == y).astype(float), _byte),
    "neq": (lambda x, y: (x != y).astype(float), _byte),
    "and": (lambda x, y: ((x != 0) & (y != 0)).astype(float), _byte),
    "or": (lambda x, y: ((x != 0) | (y != 0)).astype(float), _byte),
    "bitwiseAnd": (lambda x, y: (x.astype(np.int64) & y.astype(np.int64)).astype(float),
                   lambda a, b: np.dtype(np.int64) if max(a.itemsize, b.itemsize) >= 4 else np.dtype(np.int32)),
}


UNARY_ALGORITHMS: dict[str, Callable[[Image], Image]] = {}  # Image.<name>(value), for Image.expression's functions
BINARY_ALGORITHMS: dict[str, Callable[[Image, Image], Image]] = {}  # Image.<name>(image1, image2), for its operators


def _register_math(op: str, fn: Callable, rule: Callable) -> None:
    def impl(image1, image2) -> Image:
        return combine_bands(op, image1, image2, fn, rule)

    impl.__doc__ = f"Image.{op}, pixelwise over matched bands; masks combine as the minimum."
    BINARY_ALGORITHMS[op] = algorithm(f"Image.{op}", returns=IMG, image1=IMG, image2=IMG)(impl)


for _op, (_fn, _rule) in _MATH.items():
    _register_math(_op, _fn, _rule)


algorithm("Image.bitwise_and", returns=IMG, image1=IMG, image2=IMG)(BINARY_ALGORITHMS["bitwiseAnd"])  # snake_case name


def _unary(image, fn: Callable, dtype) -> Image:
    img = as_image(image, "value")
    return img.with_bands([b.derive(MapRecipe(lambda px, f=fn: (f(px[0][0]), px[0][1]), (b.recipe,)),
                                    dtype=dtype or b.dtype) for b in img.bands])


@algorithm("Image.not", returns=IMG, value=IMG)
def not_(value: Image) -> Image:
    return _unary(value, lambda x: (x == 0).astype(float), np.uint8)


UNARY_ALGORITHMS["not"] = not_


def _same(dtype: np.dtype) -> np.dtype:
    return dtype


def _real(dtype: np.dtype) -> np.dtype:
    """Functions leaving the integers: float32 stays float32, anything else becomes double."""
    return dtype if dtype == np.float32 else FLOAT64


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
    "round": (round_half_away, _same),
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
    UNARY_ALGORITHMS[op] = algorithm(f"Image.{op}", returns=IMG, value=IMG)(impl)


for _op, (_fn, _rule) in UNARY.items():
    _register_unary(_op, _fn, _rule)


def _int_rule(a: np.dtype, b: np.dtype) -> np.dtype:
    return np.dtype(np.int64) if max(a.itemsize, b.itemsize) >= 4 else np.dtype(np.int32)


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


BINARY["bitwise_or"] = BINARY["bitwiseOr"]


BINARY["bitwise_xor"] = BINARY["bitwiseXor"]


BINARY["left_shift"] = BINARY["leftShift"]


BINARY["right_shift"] = BINARY["rightShift"]


def _register_binary(op: str, fn: Callable, rule: Callable) -> None:
    def impl(image1, image2) -> Image:
        def safe(x, y, f=fn):
            with np.errstate(all="ignore"):
                return f(x, y)
        return combine_bands(op, image1, image2, safe, rule)

    impl.__doc__ = f"Image.{op}, pixelwise over matched bands; masks combine as the minimum."
    BINARY_ALGORITHMS[op] = algorithm(f"Image.{op}", returns=IMG, image1=IMG, image2=IMG)(impl)


for _op, (_fn, _rule) in BINARY.items():
    _register_binary(_op, _fn, _rule)


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


@algorithm("Image.remap", returns=IMG, image=IMG, **{"from": "List<Object>", "to": "List<Object>"},
           defaultValue="Object", bandName="String")
def remap(image: Image, defaultValue=None, bandName: str | None = None, **lists) -> Image:
    """Map values in `from` to the parallel values in `to`; others become `defaultValue`, or masked without one.
    The result is one band named 'remapped' (EE)."""
    img = as_image(image)
    src, dst = lists.get("from"), lists.get("to")
    if src is None or dst is None:
        raise InvalidArgument("Image.remap: Parameters 'from' and 'to' are required.")
    if len(src) != len(dst):
        raise InvalidArgument(f"Image.remap: 'from' and 'to' must have the same length ({len(src)} != {len(dst)}).")
    band = img.bands[img.band_names.index(bandName)] if bandName in img.band_names else None
    if bandName is not None and band is None:
        raise InvalidArgument(f"Image.remap: Band '{bandName}' not found; the image has {img.band_names}.")
    band = band or img.bands[0]
    keys, targets = np.asarray(src, float), np.asarray(dst, float)

    def run(px):
        v, m = px[0]
        out = np.full(v.shape, float(defaultValue) if defaultValue is not None else 0.0)
        hit = np.zeros(v.shape, bool)
        for k, t in zip(keys, targets, strict=True):
            eq = v == k
            out = np.where(eq, t, out)
            hit |= eq
        mask = m if defaultValue is not None else np.where(hit, m, 0.0).astype(np.float32)
        return out, mask

    numbers = list(dst) + ([defaultValue] if defaultValue is not None else [])
    ints = all(float(x).is_integer() for x in numbers)
    dtype = np.min_scalar_type(int(max(numbers, key=abs))) if ints and numbers else FLOAT64
    if ints and min(numbers, default=0) < 0:
        dtype = np.result_type(dtype, np.min_scalar_type(int(min(numbers))))
    return Image([band.derive(MapRecipe(run, (band.recipe,)), dtype=dtype, name="remapped")], img.properties)


@algorithm("Image.polynomial", returns=IMG, image=IMG, coefficients="List<Float>")
def polynomial(image: Image, coefficients: list) -> Image:
    """Σ coefficients[i] · x^i for every band, from the constant term up; double output."""
    c = [float(v) for v in coefficients]
    if not c:
        raise InvalidArgument("Image.polynomial: 'coefficients' must not be empty.")
    img = as_image(image)

    def run(px):
        x, m = px[0]
        return np.polynomial.polynomial.polyval(x, c), m

    return img.with_bands([b.derive(MapRecipe(run, (b.recipe,)), dtype=FLOAT64) for b in img.bands])


@algorithm("Image.interpolate", returns=IMG, image=IMG, x="List<Float>", y="List<Float>", behavior="String")
def interpolate(image: Image, x: list, y: list, behavior: str = "extrapolate") -> Image:
    """The first band through the piecewise-linear function through (x, y); outside [x0, xn]: 'extrapolate'
    (from the two nearest points), 'clamp' (the nearest point's y), 'input' (the value unchanged) or 'mask'."""
    op = "Image.interpolate"
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    if xs.ndim != 1 or xs.shape != ys.shape or len(xs) < 2:
        raise InvalidArgument(f"{op}: x and y must be lists of equal length, at least 2.")
    if np.any(np.diff(xs) <= 0):
        raise InvalidArgument(f"{op}: the x values must be strictly increasing.")
    if behavior not in ("extrapolate", "clamp", "input", "mask"):
        raise InvalidArgument(f"{op}: behavior must be extrapolate, clamp, input or mask, got {behavior!r}.")
    img = as_image(image)
    band = img.bands[0]

    def run(px):
        v, m = px[0]
        out = np.interp(v, xs, ys)
        low, high = v < xs[0], v > xs[-1]
        if behavior == "extrapolate":
            out = np.where(low, ys[0] + (v - xs[0]) * (ys[1] - ys[0]) / (xs[1] - xs[0]), out)
            out = np.where(high, ys[-1] + (v - xs[-1]) * (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]), out)
        elif behavior == "input":
            out = np.where(low | high, v, out)
        mask = np.where(low | high, 0.0, m).astype(np.float32) if behavior == "mask" else m
        return out, mask

    return Image([band.derive(MapRecipe(run, (band.recipe,)), dtype=FLOAT64)], img.properties)


def _first(nonzero: bool):
    def fn(image1, image2) -> Image:
        op = "firstNonZero" if nonzero else "first"
        a, b = as_image(image1, "image1"), as_image(image2, "image2")
        out = combine_bands(op, a, b, lambda x, y: x, lambda p, q: np.result_type(p, q))
        bands = []
        for ob, (ba, bb) in zip(out.bands, _matched(a, b), strict=True):
            def pick(px):
                (x, mx), (y, my) = px
                take = (mx > 0) & ((x != 0) if nonzero else True)
                return np.where(take, x, y), np.where(take, mx, my).astype(np.float32)
            bands.append(ob.derive(MapRecipe(pick, (ba.recipe, bb.recipe))))
        return out.with_bands(bands)
    return fn


def _matched(a: Image, b: Image):
    return [(x, y) for x, y, _ in matched_bands("first", a, b)]


_FIRST_DOC = ("The first image's value where it is unmasked{}, else the second's; the mask follows the value taken.")


for _name, _nonzero in (("first", False), ("firstNonZero", True), ("first_nonzero", True)):
    _impl = _first(_nonzero)
    _impl.__doc__ = _FIRST_DOC.format(" and non-zero" if _nonzero else "")
    algorithm(f"Image.{_name}", returns=IMG, image1=IMG, image2=IMG)(_impl)
