"""More Array algorithms: trigonometric and special functions, bit operations, casts, matrix decompositions,
and the structural pad / cut / mask / bitsToArray. Casts truncate toward zero and clamp to the type's range, like
the Number casts."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.arrays import _matrix, as_array, register_binary, register_unary
from ee_assets.local.algorithms.coerce import as_number
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.evaluator import budget

A = "Array"


def _special(name: str) -> Callable:
    def apply(*args):
        from scipy import special  # imported on first use: scipy is slow to import

        return getattr(special, name)(*args)

    return apply


_UNARY: dict[str, Callable] = {
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
        _UNARY[_name] = _cast(_dtype)
for _name in ("float", "toFloat", "double", "toDouble"):
    _UNARY[_name] = lambda a: a.astype("float64")


def _ints(fn: Callable) -> Callable:
    return lambda a, b: fn(a.astype("int64"), b.astype("int64"))


_BINARY: dict[str, Callable] = {
    "atan2": np.arctan2, "gammainc": _special("gammainc"),
    "bitwiseAnd": _ints(np.bitwise_and), "bitwise_and": _ints(np.bitwise_and),
    "bitwiseOr": _ints(np.bitwise_or), "bitwise_or": _ints(np.bitwise_or),
    "bitwiseXor": _ints(np.bitwise_xor), "bitwise_xor": _ints(np.bitwise_xor),
    "leftShift": _ints(np.left_shift), "left_shift": _ints(np.left_shift),
    "rightShift": _ints(np.right_shift), "right_shift": _ints(np.right_shift),
}


for _name, _fn in _UNARY.items():
    register_unary(_name, _fn)
for _name, _fn in _BINARY.items():
    register_binary(_name, _fn)


# -- decompositions ---------------------------------------------------------------------------------------------
def _decomposition(op: str, compute: Callable) -> Callable:
    def impl(array) -> dict:
        m = _matrix(array, op)
        try:
            return compute(m)
        except np.linalg.LinAlgError as e:
            raise InvalidArgument(f"{op}: {e}.") from e

    return impl


def _lu(m: np.ndarray) -> dict:
    from scipy.linalg import lu

    p, lower, upper = lu(m)
    return {"L": lower, "U": upper, "P": p.T}  # P·A = L·U


algorithm("Array.matrixCholeskyDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixCholeskyDecomposition", lambda m: {"L": np.linalg.cholesky(m)}))
algorithm("Array.matrixQRDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixQRDecomposition", lambda m: dict(zip("QR", np.linalg.qr(m), strict=True))))
algorithm("Array.matrixSingularValueDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixSingularValueDecomposition",
                   lambda m: (lambda u, s, vt: {"U": u, "S": np.diag(s), "V": vt.T})(
                       *np.linalg.svd(m, full_matrices=False))))
algorithm("Array.matrixLUDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixLUDecomposition", _lu))


# -- structure ---------------------------------------------------------------------------------------------------
@algorithm("Array.pad", returns=A, array=A, lengths="List<Integer>", pad="Number")
def pad(array, lengths: list, pad=0) -> np.ndarray:
    """Extend each axis to `lengths` (never shorter) by appending `pad`."""
    arr = as_array(array)
    if len(lengths) != arr.ndim:
        raise InvalidArgument(f"Array.pad: {len(lengths)} lengths for a {arr.ndim}-D array.")
    widths = [(0, max(0, int(n) - size)) for n, size in zip(lengths, arr.shape, strict=True)]
    budget.require(arr.itemsize * math.prod(s + w for s, (_, w) in zip(arr.shape, widths, strict=True)), "Array.pad")
    return np.pad(arr, widths, constant_values=as_number(pad, "pad"))


@algorithm("Array.cut", returns=A, array=A, position="List<Integer>")
def cut(array, position: list) -> np.ndarray:
    """Keep one position per axis (-1 keeps the whole axis); cut axes keep length 1."""
    arr = as_array(array)
    if len(position) != arr.ndim:
        raise InvalidArgument(f"Array.cut: {len(position)} positions for a {arr.ndim}-D array.")
    index = tuple(slice(None) if int(p) == -1 else slice(int(p), int(p) + 1) for p in position)
    out = arr[index]
    if out.size == 0:
        raise InvalidArgument(f"Array.cut: position {list(position)} is outside shape {list(arr.shape)}.")
    return out


@algorithm("Array.mask", returns=A, input=A, mask=A)
def mask(input, mask) -> np.ndarray:
    """The elements (rows, for a column mask on a 2-D array) where the mask is non-zero."""
    arr, m = as_array(input, "input"), as_array(mask, "mask")
    if m.shape == arr.shape[: m.ndim] and m.ndim == 1:
        return arr[m != 0]
    if m.ndim == 2 and m.shape[1] == 1 and m.shape[0] == arr.shape[0]:
        return arr[m[:, 0] != 0]
    raise InvalidArgument(f"Array.mask: a mask of shape {list(m.shape)} does not fit an array of shape "
                          f"{list(arr.shape)}.")


@algorithm("Array.bitsToArray", returns=A, input="Number")
def bits_to_array(input) -> np.ndarray:
    """The bits of an integer, least significant first, up to the highest set bit."""
    n = int(as_number(input, "input"))
    if n < 0:
        raise InvalidArgument("Array.bitsToArray: the input must not be negative.")
    return np.array([(n >> i) & 1 for i in range(n.bit_length())], dtype="int64")
