"""Array algorithms (ee.Array): n-dimensional numeric arrays held as numpy arrays.

Element-wise operations broadcast like numpy; comparisons and logic give 0/1; division by zero gives 0 as in
Number.divide; `round` rounds halves up (Java's Math.round). Reductions keep the reduced axes with length 1, as
EE's Array.reduce does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.coerce import as_number
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.evaluator import budget
from ee_assets.local.values.reducer import Reducer

A = "Array"


def as_array(value, name: str = "array") -> np.ndarray:
    """An ndarray from an Array, a (nested) list of numbers or a number."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, bool) or value is None:
        raise InvalidArgument(f"Invalid argument for '{name}': expected an Array, got {type(value).__name__}.")
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise InvalidArgument(f"Invalid argument for '{name}': array rows must all have the same length.") from e
    if arr.dtype.kind not in "iuf" or arr.dtype == object:
        raise InvalidArgument(f"Invalid argument for '{name}': an Array holds numbers only.")
    return arr


def _axis(arr: np.ndarray, axis, name: str = "axis") -> int:
    a = int(as_number(axis, name))
    if not -arr.ndim <= a < arr.ndim:
        raise InvalidArgument(f"Array: {name} {a} is out of range for a {arr.ndim}-D array.")
    return a % arr.ndim


def _matrix(value, op: str, square: bool = False) -> np.ndarray:
    arr = as_array(value).astype("float64")
    if arr.ndim != 2 or (square and arr.shape[0] != arr.shape[1]):
        raise InvalidArgument(f"{op}: expected a {'square ' if square else ''}2-D array, got shape "
                              f"{list(arr.shape)}.")
    return arr


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


# -- reductions ------------------------------------------------------------------------------------------------
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


# -- linear algebra -----------------------------------------------------------------------------------------------
@algorithm("Array.matrixMultiply", returns=A, left=A, right=A)
def matrix_multiply(left, right) -> np.ndarray:
    a, b = as_array(left, "left"), as_array(right, "right")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise InvalidArgument(f"Array.matrixMultiply: shapes {list(a.shape)} and {list(b.shape)} do not multiply.")
    return a @ b


@algorithm("Array.matrixInverse", returns=A, input=A)
def matrix_inverse(input) -> np.ndarray:
    m = _matrix(input, "Array.matrixInverse", square=True)
    try:
        return np.linalg.inv(m)
    except np.linalg.LinAlgError as e:
        raise InvalidArgument("Array.matrixInverse: the matrix is singular.") from e


@algorithm("Array.matrixPseudoInverse", returns=A, input=A)
def matrix_pseudo_inverse(input) -> np.ndarray:
    return np.linalg.pinv(_matrix(input, "Array.matrixPseudoInverse"))


@algorithm("Array.matrixSolve", returns=A, left=A, right=A)
def matrix_solve(left, right) -> np.ndarray:
    """The least-squares solution x of left · x = right."""
    a, b = _matrix(left, "Array.matrixSolve"), as_array(right, "right").astype("float64")
    return np.linalg.lstsq(a, b, rcond=None)[0]


@algorithm("Array.matrixDeterminant", returns="Number", input=A)
def matrix_determinant(input) -> float:
    return float(np.linalg.det(_matrix(input, "Array.matrixDeterminant", square=True)))


@algorithm("Array.matrixTrace", returns="Number", input=A)
def matrix_trace(input) -> float:
    return np.trace(as_array(input)).item()


@algorithm("Array.matrixFnorm", returns="Number", input=A)
def matrix_fnorm(input) -> float:
    return float(np.linalg.norm(_matrix(input, "Array.matrixFnorm")))


@algorithm("Array.matrixDiagonal", returns=A, input=A)
def matrix_diagonal(input) -> np.ndarray:
    """The diagonal as a column (n x 1), as EE returns it."""
    return np.diagonal(as_array(input)).reshape(-1, 1)


@algorithm("Array.matrixToDiag", returns=A, input=A)
def matrix_to_diag(input) -> np.ndarray:
    return np.diag(as_array(input).ravel())


@algorithm("Array.eigen", returns=A, input=A)
def eigen(input) -> np.ndarray:
    """Rows [eigenvalue, eigenvector...], sorted by eigenvalue, largest first (EE's layout); real parts."""
    m = _matrix(input, "Array.eigen", square=True)
    values, vectors = np.linalg.eig(m)
    order = np.argsort(-values.real, kind="stable")
    return np.column_stack([values.real[order], vectors.real[:, order].T])


# -- element-wise ------------------------------------------------------------------------------------------------
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


# -- conversions from other values ------------------------------------------------------------------------------
def _stack(values: list, axis: int, op: str) -> np.ndarray:
    arrays = [as_array(v, op) for v in values]
    try:
        return np.stack(arrays, axis=int(axis)) if arrays else np.zeros((0,))
    except ValueError as e:
        raise InvalidArgument(f"{op}: the values must all have the same shape ({e}).") from e


@algorithm("Dictionary.toArray", returns=A, dictionary="Dictionary<Object>", keys="List<String>", axis="Integer")
def dictionary_to_array(dictionary: dict, keys=None, axis: int = 0) -> np.ndarray:
    """The values of `keys` (all keys in sorted order by default) stacked along `axis`."""
    names = list(keys) if keys is not None else sorted(dictionary)
    missing = [k for k in names if k not in dictionary]
    if missing:
        raise InvalidArgument(f"Dictionary.toArray: Dictionary does not contain key: '{missing[0]}'.")
    return _stack([dictionary[k] for k in names], axis, "Dictionary.toArray")


@algorithm("Feature.toArray", returns=A, feature="Feature", properties="List<String>")
def feature_to_array(feature, properties: list) -> np.ndarray:
    props = getattr(feature, "properties", None)
    if not isinstance(props, dict):
        raise InvalidArgument("Feature.toArray: expected a Feature.")
    missing = [p for p in properties if props.get(p) is None]
    if missing:
        raise InvalidArgument(f"Feature.toArray: Property '{missing[0]}' is missing or null.")
    return _stack([props[p] for p in properties], 0, "Feature.toArray")


@algorithm("Element.getArray", returns=A, object="Element", property="String")
def element_get_array(object, property: str) -> np.ndarray:
    props = getattr(object, "properties", None)
    if not isinstance(props, dict) or props.get(property) is None:
        raise InvalidArgument(f"Element.getArray: Property '{property}' is missing or null.")
    return as_array(props[property], property)


@algorithm("List.getArray", returns=A, list="List<Object>", index="Integer")
def list_get_array(list, index: int) -> np.ndarray:
    i = int(index)
    if not -len(list) <= i < len(list):
        raise InvalidArgument(f"List.getArray: index {i} is out of range for a list of {len(list)} elements.")
    return as_array(list[i], "element")


@algorithm("Dictionary.getArray", returns=A, dictionary="Dictionary<Object>", key="String")
def dictionary_get_array(dictionary: dict, key: str) -> np.ndarray:
    if key not in dictionary:
        raise InvalidArgument(f"Dictionary.getArray: Dictionary does not contain key: '{key}'.")
    return as_array(dictionary[key], key)
