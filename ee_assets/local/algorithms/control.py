"""Numbers, strings, lists, dictionaries and control flow."""

from __future__ import annotations

import math

from ee_assets.local.algorithms.coerce import as_number
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument


def _register(op: str, fn) -> None:
    def impl(left, right):
        return fn(as_number(left, "left"), as_number(right, "right"))

    algorithm(f"Number.{op}", returns="Number", left="Number", right="Number")(impl)


_register("add", lambda a, b: a + b)
_register("subtract", lambda a, b: a - b)
_register("multiply", lambda a, b: a * b)
_register("divide", lambda a, b: 0 if b == 0 else a / b)


def truthy(value) -> bool:
    """EE's reading of a non-boolean condition: null, 0, NaN and empty strings, lists and dictionaries are false;
    everything else is true."""
    if value is None:
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value) and not math.isnan(value)
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


@algorithm("If", returns="Object", condition="Object", trueCase="Object", falseCase="Object")
def if_(condition=None, trueCase=None, falseCase=None):
    return trueCase if truthy(condition) else falseCase


@algorithm("String", returns="String", input="Object")
def string(input) -> str:
    return input if isinstance(input, str) else str(input)


@algorithm("List.get", returns="Object", list="List<Object>", index="Integer")
def list_get(list: list, index: int):
    i = int(index)
    if not -len(list) <= i < len(list):
        raise InvalidArgument(f"List.get: List index must be between {-len(list)} and {len(list) - 1}: {i}.")
    return list[i]


@algorithm("Dictionary.get", returns="Object", dictionary="Dictionary<Object>", key="String", defaultValue="Object")
def dictionary_get(dictionary: dict, key: str, defaultValue=None):
    if key not in dictionary:
        if defaultValue is not None:
            return defaultValue
        raise InvalidArgument(f"Dictionary.get: Dictionary does not contain key: '{key}'.")
    return dictionary[key]
