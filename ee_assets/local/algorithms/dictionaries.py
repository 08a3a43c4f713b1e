"""Dictionary algorithms. EE dictionaries are ordered by key: keys() and values() come back sorted by key."""

from __future__ import annotations

from typing import Any

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import (
    as_array,
    as_geometry,
    as_number,
    as_string_list,
    stack_arrays,
)
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.image import Image, constant_band

D = "Dictionary<Object>"


def _dict(value: Any, name: str = "dictionary") -> dict:
    if not isinstance(value, dict):
        raise InvalidArgument(f"Invalid argument for '{name}': expected a Dictionary, got {type(value).__name__}.")
    return value


def _sorted(d: dict) -> dict:
    return {k: d[k] for k in sorted(d)}


def _require(op: str, d: dict, key: str):
    if key not in d:
        raise InvalidArgument(f"{op}: Dictionary does not contain key: '{key}'.")
    return d[key]


@algorithm("Dictionary", returns=D, input="Object")
def dictionary(input=None) -> dict:
    """A dictionary from a dictionary, an element's properties, or a flat [key1, value1, key2, value2…] list."""
    if input is None:
        return {}
    if isinstance(input, dict):
        return _sorted(input)
    if isinstance(input, (Feature, Image, Collection)):
        return _sorted(dict(input.properties))
    if isinstance(input, (list, tuple)) and len(input) % 2 == 0:
        return _sorted({str(input[i]): input[i + 1] for i in range(0, len(input), 2)})
    raise InvalidArgument("Dictionary: 'input' must be a dictionary, an element or a list of alternating keys "
                          "and values.")


@algorithm("Dictionary.fromLists", returns=D, keys="List<String>", values="List<Object>")
def from_lists(keys: list, values: list) -> dict:
    names = as_string_list(keys, "keys")
    if len(names) != len(values):
        raise InvalidArgument(f"Dictionary.fromLists: {len(names)} keys but {len(values)} values; give one value "
                              "per key.")
    return _sorted(dict(zip(names, values, strict=True)))


@algorithm("Dictionary.keys", returns="List<String>", dictionary=D)
def keys(dictionary) -> list[str]:
    return sorted(_dict(dictionary))


@algorithm("Dictionary.values", returns="List<Object>", dictionary=D, keys="List<String>")
def values(dictionary, keys=None) -> list:
    d = _dict(dictionary)
    return [_require("Dictionary.values", d, k) for k in (as_string_list(keys, "keys") if keys else sorted(d))]


@algorithm("Dictionary.size", returns="Integer", dictionary=D)
def size(dictionary) -> int:
    return len(_dict(dictionary))


@algorithm("Dictionary.contains", returns="Boolean", dictionary=D, key="String")
def contains(dictionary, key: str) -> bool:
    return key in _dict(dictionary)


@algorithm("Dictionary.get", returns="Object", dictionary="Dictionary<Object>", key="String", defaultValue="Object")
def dictionary_get(dictionary: dict, key: str, defaultValue=None):
    if key not in dictionary:
        if defaultValue is not None:
            return defaultValue
        raise InvalidArgument(f"Dictionary.get: Dictionary does not contain key: '{key}'.")
    return dictionary[key]


@algorithm("Dictionary.combine", returns=D, first=D, second=D, overwrite="Boolean")
def combine(first, second, overwrite: bool = True) -> dict:
    a, b = _dict(first, "first"), _dict(second, "second")
    return _sorted({**a, **b} if overwrite else {**b, **a})


@algorithm("Dictionary.set", returns=D, dictionary=D, key="String", value="Object")
def set_(dictionary, key: str, value) -> dict:
    return _sorted({**_dict(dictionary), key: value})


def _keyed(op: str, dictionary, selectors, ignore_missing: bool, keep: bool) -> dict:
    """The sorted dictionary with only (keep) or without (not keep) the selected keys, which must exist unless
    `ignore_missing`."""
    d = _dict(dictionary)
    chosen = as_string_list(selectors, "selectors")
    if not ignore_missing:
        for k in chosen:
            _require(op, d, k)
    return {k: v for k, v in _sorted(d).items() if (k in chosen) == keep}


@algorithm("Dictionary.remove", returns=D, dictionary=D, selectors="List<String>", ignoreMissing="Boolean")
def remove(dictionary, selectors, ignoreMissing: bool = False) -> dict:
    return _keyed("Dictionary.remove", dictionary, selectors, ignoreMissing, keep=False)


@algorithm("Dictionary.select", returns=D, dictionary=D, selectors="List<String>", ignoreMissing="Boolean")
def select(dictionary, selectors, ignoreMissing: bool = False) -> dict:
    return _keyed("Dictionary.select", dictionary, selectors, ignoreMissing, keep=True)


@algorithm("Dictionary.rename", returns=D, dictionary=D, overwrite="Boolean", **{"from": "List<String>",
                                                                                  "to": "List<String>"})
def rename(dictionary, overwrite: bool = False, **names) -> dict:
    d = dict(_dict(dictionary))
    old, new = as_string_list(names.get("from"), "from"), as_string_list(names.get("to"), "to")
    if len(old) != len(new):
        raise InvalidArgument("Dictionary.rename: 'from' and 'to' must have the same length.")
    for a, b in zip(old, new, strict=True):
        value = _require("Dictionary.rename", d, a)
        if b in d and not overwrite:
            raise InvalidArgument(f"Dictionary.rename: key '{b}' already exists; pass overwrite=true to replace it.")
        del d[a]
        d[b] = value
    return _sorted(d)


@algorithm("Dictionary.getNumber", returns="Number", dictionary=D, key="String")
def get_number(dictionary, key: str):
    return as_number(_require("Dictionary.getNumber", _dict(dictionary), key), key)


@algorithm("Dictionary.getString", returns="String", dictionary=D, key="String")
def get_string(dictionary, key: str) -> str:
    value = _require("Dictionary.getString", _dict(dictionary), key)
    if not isinstance(value, str):
        raise InvalidArgument(f"Dictionary.getString: the value of '{key}' is not a String.")
    return value


@algorithm("Dictionary.getGeometry", returns="Geometry", dictionary=D, key="String")
def get_geometry(dictionary, key: str) -> Geometry:
    return as_geometry(_require("Dictionary.getGeometry", _dict(dictionary), key), key)


@algorithm("Dictionary.map", returns=D, dictionary=D, baseAlgorithm="Algorithm")
def map_(dictionary, baseAlgorithm) -> dict:
    """Each value replaced by baseAlgorithm(key, value)."""
    return {k: baseAlgorithm(k, v) for k, v in _sorted(_dict(dictionary)).items()}


@algorithm("Dictionary.toArray", returns="Array", dictionary="Dictionary<Object>", keys="List<String>", axis="Integer")
def dictionary_to_array(dictionary: dict, keys=None, axis: int = 0) -> np.ndarray:
    """The values of `keys` (all keys in sorted order by default) stacked along `axis`."""
    names = list(keys) if keys is not None else sorted(dictionary)
    missing = [k for k in names if k not in dictionary]
    if missing:
        raise InvalidArgument(f"Dictionary.toArray: Dictionary does not contain key: '{missing[0]}'.")
    return stack_arrays([dictionary[k] for k in names], axis, "Dictionary.toArray")


@algorithm("Dictionary.getArray", returns="Array", dictionary="Dictionary<Object>", key="String")
def dictionary_get_array(dictionary: dict, key: str) -> np.ndarray:
    if key not in dictionary:
        raise InvalidArgument(f"Dictionary.getArray: Dictionary does not contain key: '{key}'.")
    return as_array(dictionary[key], key)


@algorithm("Dictionary.toImage", returns="Image<unknown bands>", dictionary="Dictionary<Object>",
           names="List<String>")
def dictionary_to_image(dictionary: dict, names=None) -> Image:
    """A constant image with one band per (numeric) value, named by its key (sorted keys by default)."""
    keys = as_string_list(names, "names") if names is not None else sorted(dictionary)
    bands = []
    for k in keys:
        if k not in dictionary:
            raise InvalidArgument(f"Dictionary.toImage: Dictionary does not contain key: '{k}'.")
        bands.append(constant_band(as_number(dictionary[k], k), k))
    return Image(bands, {})
