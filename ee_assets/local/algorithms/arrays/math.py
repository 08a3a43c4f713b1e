"""Element-wise Array algorithms: arithmetic, comparisons and logic (0/1), math and special functions, bit operations
and casts. Binary operations broadcast like numpy; division by zero gives 0 as in Number.divide; `round` rounds
halves up (Java's Math.round); casts truncate toward zero and clamp to the type's range, like the Number casts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_array
from ee_assets.local.algorithms.support.optional import scipy_special
from ee_assets.local.errors import InvalidArgument

A = "Array"


def _divide(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(a, b)
    return np.where(np.asarray(b) == 0, 0, out)


def _mod(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.fmod(a, b)
    return np.where(np.asarray(b) == 0, 0, out)


_BINARY: dict[str, Callable] = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": _divide, "max": np.maximum,
    "min": np.minimum, "mod": _mod, "pow": np.power, "hypot": np.hypot,
    "and": lambda a, b: ((a != 0) & (b != 0)).astype("int64"), "or": lambda a, b: ((a != 0) | (b != 0)).astype("int64"),
    "lt": lambda a, b: (a < b).astype("int64"), "lte": lambda a, b: (a <= b).astype("int64"),
    "gt": lambda a, b: (a > b).astype("int64"), "gte": lambda a, b: (a >= b).astype("int64"),
    "eq": lambda a, b: (a == b).astype("int64"), "neq": lambda a, b: (a != b).astype("int64"),
    "first": lambda a, b: np.broadcast_arrays(a, b)[0].copy(),
    "firstNonZero": lambda a, b: np.where(a != 0, a, b), "first_nonzero": lambda a, b: np.where(a != 0, a, b),
}


def register_binary(name: str, fn: Callable) -> None:
    """Register `Array.<name>`: `fn` applied element-wise to two arrays (broadcast; mismatched shapes refused)."""
    def impl(left, right) -> np.ndarray:
        a, b = as_array(left, "left"), as_array(right, "right")
        try:
            with np.errstate(all="ignore"):
                return np.asarray(fn(a, b))
        except ValueError as e:
            raise InvalidArgument(f"Array.{name}: shapes {list(a.shape)} and {list(b.shape)} do not match.") from e

    algorithm(f"Array.{name}", returns=A, left=A, right=A)(impl)


for _name, _fn in _BINARY.items():
    register_binary(_name, _fn)


_UNARY: dict[str, Callable] = {
    "sqrt": np.sqrt, "log": np.log, "log10": np.log10, "exp": np.exp, "abs": np.abs, "floor": np.floor,
    "ceil": np.ceil, "round": lambda a: np.floor(a + 0.5), "cbrt": np.cbrt, "signum": np.sign,
    "not": lambda a: (a == 0).astype("int64"),
}


def register_unary(name: str, fn: Callable) -> None:
    """Register `Array.<name>`: `fn` applied element-wise to one array."""
    def impl(input) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(fn(as_array(input, "input")))

    algorithm(f"Array.{name}", returns=A, input=A)(impl)


for _name, _fn in _UNARY.items():
    register_unary(_name, _fn)


def _special(name: str) -> Callable:
    def apply(*args):
        return getattr(scipy_special(), name)(*args)

    return apply


_MORE_UNARY: dict[str, Callable] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "gamma": _special("gamma"), "digamma": _special("digamma"),
    "trigamma": lambda a: _special("polygamma")(1, a), "erf": _special("erf"), "erfc": _special("erfc"),
    "erfInv": _special("erfinv"), "erfcInv": _special("erfcinv"),
    "bitwiseNot": lambda a: ~a.astype("int64"), "bitwise_not": lambda a: ~a.astype("int64"),
    "bitCount": lambda a: np.vectorize(lambda v: (int(v) & 0xFFFFFFFFFFFFFFFF).bit_count(), otypes=["int64"])(a),
}


_INT_TYPES = {
    ("uint8", "toUint8", "byte", "toByte"): np.uint8, ("int8", "toInt8"): np.int8,
    ("uint16", "toUint16"): np.uint16, ("int16", "toInt16", "short", "toShort"): np.int16,
    ("uint32", "toUint32"): np.uint32, ("int32", "toInt32", "int", "toInt"): np.int32,
    ("int64", "toInt64", "long", "toLong"): np.int64,
}


def _cast(dtype) -> Callable:
    info = np.iinfo(dtype)

    def apply(a: np.ndarray) -> np.ndarray:
        t = np.trunc(np.nan_to_num(a.astype("float64"), nan=0.0))
        return np.clip(t, float(info.min), float(info.max)).astype("int64" if dtype != np.uint64 else dtype)

    return apply


for _names, _dtype in _INT_TYPES.items():
    for _name in _names:
        _MORE_UNARY[_name] = _cast(_dtype)


for _name in ("float", "toFloat", "double", "toDouble"):
    _MORE_UNARY[_name] = lambda a: a.astype("float64")


def _ints(fn: Callable) -> Callable:
    return lambda a, b: fn(a.astype("int64"), b.astype("int64"))


_MORE_BINARY: dict[str, Callable] = {
    "atan2": np.arctan2, "gammainc": _special("gammainc"),
    "bitwiseAnd": _ints(np.bitwise_and), "bitwise_and": _ints(np.bitwise_and),
    "bitwiseOr": _ints(np.bitwise_or), "bitwise_or": _ints(np.bitwise_or),
    "bitwiseXor": _ints(np.bitwise_xor), "bitwise_xor": _ints(np.bitwise_xor),
    "leftShift": _ints(np.left_shift), "left_shift": _ints(np.left_shift),
    "rightShift": _ints(np.right_shift), "right_shift": _ints(np.right_shift),
}


for _name, _fn in _MORE_UNARY.items():
    register_unary(_name, _fn)


for _name, _fn in _MORE_BINARY.items():
    register_binary(_name, _fn)
