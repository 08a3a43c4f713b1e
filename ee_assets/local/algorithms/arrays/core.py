"""Array algorithms (ee.Array) on n-dimensional numeric arrays held as numpy arrays: construction, access, shape,
ordering, structure (pad, cut, mask, bitsToArray) and reductions. Reductions keep the reduced axes with length 1,
as EE's Array.reduce does."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ee_assets.local import budget
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_array, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.reducer import Reducer

A = "Array"


def _axis(arr: np.ndarray, axis, name: str = "axis") -> int:
    a = int(as_number(axis, name))
    if not -arr.ndim <= a < arr.ndim:
        raise InvalidArgument(f"Array: {name} {a} is out of range for a {arr.ndim}-D array.")
    return a % arr.ndim


@algorithm("Array", returns=A, values="Object", pixelType="PixelType")
def array(values, pixelType=None) -> np.ndarray:
    return as_array(values, "values").copy()


@algorithm("Array.toList", returns="List<Object>", array=A)
def to_list(array) -> list:
    return as_array(array).tolist()


@algorithm("Array.get", returns="Number", array=A, position="List<Integer>")
def get(array, position: list):
    arr = as_array(array)
    if len(position) != arr.ndim:
        raise InvalidArgument(f"Array.get: position has {len(position)} coordinates for a {arr.ndim}-D array.")
    try:
        return arr[tuple(int(p) for p in position)].item()
    except IndexError as e:
        raise InvalidArgument(f"Array.get: position {list(position)} is outside shape {list(arr.shape)}.") from e


@algorithm("Array.length", returns=A, array=A)
def length(array) -> np.ndarray:
    """The length of each axis."""
    return np.array(as_array(array).shape, dtype="int64")


@algorithm("Array.slice", returns=A, array=A, axis="Integer", start="Integer", end="Integer", step="Integer")
def slice_(array, axis: int = 0, start: int = 0, end=None, step: int = 1) -> np.ndarray:
    arr = as_array(array)
    index = [slice(None)] * arr.ndim
    index[_axis(arr, axis)] = slice(int(start), None if end is None else int(end), int(step))
    return arr[tuple(index)]


def _transpose(array, axis1: int = 0, axis2: int = 1) -> np.ndarray:
    arr = as_array(array)
    return np.swapaxes(arr, _axis(arr, axis1, "axis1"), _axis(arr, axis2, "axis2"))


algorithm("Array.transpose", returns=A, array=A, axis1="Integer", axis2="Integer")(_transpose)


algorithm("Array.matrixTranspose", returns=A, array=A, axis1="Integer", axis2="Integer")(
    lambda array, axis1=0, axis2=1: _transpose(array, axis1, axis2))


@algorithm("Array.cat", returns=A, arrays="List<Array>", axis="Integer")
def cat(arrays: list, axis: int = 0) -> np.ndarray:
    parts = [as_array(a, "arrays") for a in arrays]
    try:
        return np.concatenate(parts, axis=int(axis))
    except ValueError as e:
        raise InvalidArgument(f"Array.cat: {e}.") from e


@algorithm("Array.identity", returns=A, size="Integer")
def identity(size: int) -> np.ndarray:
    budget.require(8 * int(size) ** 2, "Array.identity")
    return np.eye(int(size))


@algorithm("Array.repeat", returns=A, array=A, axis="Integer", copies="Integer")
def repeat(array, axis: int = 0, copies: int = 2) -> np.ndarray:
    arr = as_array(array)
    reps = [1] * max(arr.ndim, int(axis) + 1)
    reps[int(axis)] = int(copies)
    budget.require(arr.nbytes * int(copies), "Array.repeat")
    return np.tile(arr.reshape(arr.shape + (1,) * (len(reps) - arr.ndim)), reps)


@algorithm("Array.reshape", returns=A, array=A, shape=A)
def reshape(array, shape) -> np.ndarray:
    arr = as_array(array)
    try:
        return arr.reshape([int(s) for s in as_array(shape, "shape").ravel()])
    except ValueError as e:
        raise InvalidArgument(f"Array.reshape: cannot reshape {list(arr.shape)} into "
                              f"{as_array(shape, 'shape').tolist()}.") from e


@algorithm("Array.project", returns=A, array=A, axes="List<Integer>")
def project(array, axes: list) -> np.ndarray:
    """Keep `axes` (in that order); every dropped axis must have length 1."""
    arr = as_array(array)
    keep = [_axis(arr, a, "axes") for a in axes]
    dropped = [i for i in range(arr.ndim) if i not in keep]
    if any(arr.shape[i] != 1 for i in dropped):
        raise InvalidArgument(f"Array.project: dropped axes must have length 1; shape is {list(arr.shape)}.")
    return np.transpose(arr, keep + dropped).reshape([arr.shape[i] for i in keep])


@algorithm("Array.sort", returns=A, array=A, keys=A)
def sort(array, keys=None) -> np.ndarray:
    """Sort a 1-D array (by `keys` when given)."""
    arr = as_array(array)
    if arr.ndim != 1:
        raise InvalidArgument("Array.sort: only 1-D arrays can be sorted.")
    order = np.argsort(as_array(keys, "keys") if keys is not None else arr, kind="stable")
    return arr[order]


@algorithm("Array.argmax", returns="List<Integer>", array=A)
def argmax(array) -> list[int]:
    arr = as_array(array)
    return [int(i) for i in np.unravel_index(int(np.argmax(arr)), arr.shape)] if arr.size else []


@algorithm("Array.dotProduct", returns="Number", array1=A, array2=A)
def dot_product(array1, array2) -> float:
    a, b = as_array(array1, "array1"), as_array(array2, "array2")
    if a.ndim != 1 or a.shape != b.shape:
        raise InvalidArgument("Array.dotProduct: expected two 1-D arrays of the same length.")
    return np.dot(a, b).item()


_REDUCE: dict[str, Callable] = {"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max, "count": np.size,
                                "stdDev": np.std, "variance": np.var, "median": np.median}


_ACCUMULATE: dict[str, Callable] = {"sum": np.cumsum, "min": np.minimum.accumulate, "max": np.maximum.accumulate}


def _reducer_kind(reducer, op: str, table: dict) -> str:
    if not isinstance(reducer, Reducer) or reducer.kind not in table:
        kinds = ", ".join(table)
        raise InvalidArgument(f"{op}: the reducer must be one of {kinds} (got "
                              f"{getattr(reducer, 'kind', type(reducer).__name__)}).")
    return reducer.kind


@algorithm("Array.reduce", returns=A, array=A, reducer="Reducer", axes="List<Integer>", fieldAxis="Integer")
def reduce(array, reducer, axes: list, fieldAxis=None) -> np.ndarray:
    arr = as_array(array)
    kind = _reducer_kind(reducer, "Array.reduce", _REDUCE)
    ax = tuple(_axis(arr, a, "axes") for a in axes)
    if kind == "count":
        shape = [1 if i in ax else n for i, n in enumerate(arr.shape)]
        return np.full(shape, int(np.prod([arr.shape[i] for i in ax])), dtype="int64")
    return _REDUCE[kind](arr, axis=ax, keepdims=True)


@algorithm("Array.accum", returns=A, array=A, axis="Integer", reducer="Reducer")
def accum(array, axis: int, reducer=None) -> np.ndarray:
    """Running reduction along `axis` (sum by default; min and max too)."""
    arr = as_array(array)
    kind = "sum" if reducer is None else _reducer_kind(reducer, "Array.accum", _ACCUMULATE)
    return _ACCUMULATE[kind](arr, axis=_axis(arr, axis))


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
