"""List algorithms: construction, access, search, reordering, set operations, map/iterate/filter and reduce."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from ee_assets.local import budget
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_array, as_geometry, as_number
from ee_assets.local.algorithms.support.elements import sort_key
from ee_assets.local.algorithms.support.reduce_values import reduce_values
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import Geometry

L = "List<Object>"


_SEQUENCES = (list, tuple)


MAX_GENERATED = 10_000_000  # elements a single List.sequence / List.repeat may create (memory guard)


def _check_size(op: str, n: int) -> int:
    if n > MAX_GENERATED:
        raise InvalidArgument(f"{op}: {n} elements requested; at most {MAX_GENERATED} can be generated.")
    budget.require_items(n, op)
    return n


def _list(value: Any, name: str = "list") -> list:
    if not isinstance(value, (list, tuple)):
        raise InvalidArgument(f"Invalid argument for '{name}': expected a List, got {type(value).__name__}.")
    return list(value)


def _index(op: str, lst: list, index, allow_end: bool = False) -> int:
    """A list position; negative counts from the end, as in EE."""
    i = int(as_number(index, "index"))
    n = len(lst) + (1 if allow_end else 0)
    if i < 0:
        i += len(lst)
    if not 0 <= i < n:
        raise InvalidArgument(f"{op}: index {int(index)} is out of range for a list of {len(lst)} elements.")
    return i


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


@algorithm("List.sequence", returns=L, start="Number", end="Number", step="Number", count="Integer")
def sequence(start, end=None, step=1, count=None) -> list:
    """start..end inclusive by step; or `count` values from start by step; or `count` values spaced from start to
    end (EE's List.sequence docs)."""
    start, step = as_number(start, "start"), as_number(step, "step")
    if end is None and count is None:
        raise InvalidArgument("List.sequence: specify 'end' or 'count'.")
    if count is not None:
        n = _check_size("List.sequence", int(count))
        if end is not None:
            step = (end - start) / (n - 1) if n > 1 else 0
        values = [start + i * step for i in range(n)]
    else:
        if step == 0:
            raise InvalidArgument("List.sequence: 'step' must not be 0.")
        n = _check_size("List.sequence", int((end - start) / step + 1e-9) + 1)
        values = [start + i * step for i in range(max(n, 0))]
    ints = all(isinstance(v, int) for v in (start, step)) and (end is None or isinstance(end, int))
    return [int(v) for v in values] if ints and count is None else [_num(v) for v in values]


@algorithm("List.repeat", returns=L, value="Object", count="Integer")
def repeat(value, count: int) -> list:
    return [value] * _check_size("List.repeat", int(count))


@algorithm("List.size", returns="Integer", list=L)
def size(list) -> int:
    return len(_list(list))


algorithm("List.length", returns="Integer", list=L)(lambda list: len(_list(list)))


@algorithm("List.add", returns=L, list=L, element="Object")
def add(list, element) -> list:
    return [*_list(list), element]


@algorithm("List.cat", returns=L, list=L, other=L)
def cat(list, other) -> list:
    first, second = _list(list), _list(other, "other")
    budget.require_items(len(first) + len(second), "List.cat")
    return first + second


@algorithm("List.insert", returns=L, list=L, index="Integer", element="Object")
def insert(list, index, element) -> list:
    out = _list(list)
    out.insert(_index("List.insert", out, index, allow_end=True), element)
    return out


@algorithm("List.set", returns=L, list=L, index="Integer", element="Object")
def set_(list, index, element) -> list:
    out = _list(list)
    out[_index("List.set", out, index)] = element
    return out


@algorithm("List.slice", returns=L, list=L, start="Integer", end="Integer", step="Integer")
def slice_(list, start, end=None, step=None) -> list:
    return _list(list)[int(start): None if end is None else int(end): None if step is None else int(step)]


@algorithm("List.splice", returns=L, list=L, start="Integer", count="Integer", other=L)
def splice(list, start, count, other=None) -> list:
    out = _list(list)
    i = int(start) + (len(out) if int(start) < 0 else 0)
    return out[:i] + _list(other or [], "other") + out[i + int(count):]


@algorithm("List.get", returns="Object", list="List<Object>", index="Integer")
def list_get(list: list, index: int):
    i = int(index)
    if not -len(list) <= i < len(list):
        raise InvalidArgument(f"List.get: List index must be between {-len(list)} and {len(list) - 1}: {i}.")
    return list[i]


@algorithm("List.getArray", returns="Array", list="List<Object>", index="Integer")
def list_get_array(list, index: int) -> np.ndarray:
    i = int(index)
    if not -len(list) <= i < len(list):
        raise InvalidArgument(f"List.getArray: index {i} is out of range for a list of {len(list)} elements.")
    return as_array(list[i], "element")


@algorithm("List.getNumber", returns="Number", list=L, index="Integer")
def get_number(list, index):
    lst = _list(list)
    return as_number(lst[_index("List.getNumber", lst, index)], "element")


@algorithm("List.getString", returns="String", list=L, index="Integer")
def get_string(list, index) -> str:
    lst = _list(list)
    value = lst[_index("List.getString", lst, index)]
    if not isinstance(value, str):
        raise InvalidArgument(f"List.getString: element {int(index)} is not a String.")
    return value


@algorithm("List.getGeometry", returns="Geometry", list=L, index="Integer")
def get_geometry(list, index) -> Geometry:
    lst = _list(list)
    return as_geometry(lst[_index("List.getGeometry", lst, index)], "element")


@algorithm("List.contains", returns="Boolean", list=L, element="Object")
def contains(list, element) -> bool:
    return element in _list(list)


@algorithm("List.containsAll", returns="Boolean", list=L, other=L)
def contains_all(list, other) -> bool:
    lst = _list(list)
    return all(e in lst for e in _list(other, "other"))


@algorithm("List.equals", returns="Boolean", list=L, other=L)
def equals(list, other) -> bool:
    return _list(list) == _list(other, "other")


@algorithm("List.indexOf", returns="Integer", list=L, element="Object")
def index_of(list, element) -> int:
    lst = _list(list)
    return lst.index(element) if element in lst else -1


def _sublist_positions(lst: list, target: list) -> list[int]:
    n = len(target)
    return [i for i in range(len(lst) - n + 1) if lst[i:i + n] == target]


@algorithm("List.indexOfSublist", returns="Integer", list=L, target=L)
def index_of_sublist(list, target) -> int:
    found = _sublist_positions(_list(list), _list(target, "target"))
    return found[0] if found else -1


@algorithm("List.lastIndexOfSubList", returns="Integer", list=L, target=L)
def last_index_of_sublist(list, target) -> int:
    found = _sublist_positions(_list(list), _list(target, "target"))
    return found[-1] if found else -1


@algorithm("List.frequency", returns="Integer", list=L, element="Object")
def frequency(list, element) -> int:
    return _list(list).count(element)


@algorithm("List.reverse", returns=L, list=L)
def reverse(list) -> list:
    return _list(list)[::-1]


@algorithm("List.rotate", returns=L, list=L, distance="Integer")
def rotate(list, distance) -> list:
    """Java's Collections.rotate: the element at i moves to (i + distance) mod size."""
    lst = _list(list)
    if not lst:
        return lst
    d = int(distance) % len(lst)
    return lst[-d:] + lst[:-d] if d else lst


@algorithm("List.swap", returns=L, list=L, pos1="Integer", pos2="Integer")
def swap(list, pos1, pos2) -> list:
    out = _list(list)
    i, j = _index("List.swap", out, pos1), _index("List.swap", out, pos2)
    out[i], out[j] = out[j], out[i]
    return out


@algorithm("List.sort", returns=L, list=L, keys=L)
def sort(list, keys=None) -> list:
    """Ascending; with `keys`, the list ordered by the corresponding keys (stable)."""
    lst = _list(list)
    if keys is None:
        return sorted(lst, key=sort_key)
    ks = _list(keys, "keys")
    if len(ks) != len(lst):
        raise InvalidArgument(f"List.sort: keys has {len(ks)} elements but the list has {len(lst)}.")
    order = sorted(range(len(lst)), key=lambda i: sort_key(ks[i]))
    return [lst[i] for i in order]


@algorithm("List.shuffle", returns=L, list=L, seed="Object")
def shuffle(list, seed=None) -> list:
    """A deterministic permutation for a given seed (EE's own order for a seed is not reproducible offline)."""
    out = _list(list)
    random.Random(0 if seed is None else seed).shuffle(out)
    return out


@algorithm("List.distinct", returns=L, list=L)
def distinct(list) -> list:
    out: list = []
    for e in _list(list):
        if e not in out:
            out.append(e)
    return out


@algorithm("List.remove", returns=L, list=L, element="Object")
def remove(list, element) -> list:
    out = _list(list)
    if element in out:
        out.remove(element)
    return out


@algorithm("List.removeAll", returns=L, list=L, other=L)
def remove_all(list, other) -> list:
    drop = _list(other, "other")
    return [e for e in _list(list) if e not in drop]


@algorithm("List.replace", returns=L, list=L, oldval="Object", newval="Object")
def replace(list, oldval, newval) -> list:
    out = _list(list)
    if oldval in out:
        out[out.index(oldval)] = newval
    return out


@algorithm("List.replaceAll", returns=L, list=L, oldval="Object", newval="Object")
def replace_all(list, oldval, newval) -> list:
    return [newval if e == oldval else e for e in _list(list)]


@algorithm("List.flatten", returns=L, list=L)
def flatten(list) -> list:
    budget.require_items(flat_length(list), "List.flatten")
    out: list = []
    for e in _list(list):
        out.extend(flatten(e) if isinstance(e, _SEQUENCES) else [e])
    return out


def flat_length(value: Any) -> int:
    """How many elements flattening `value` gives, counted without building it (a list repeated by reference
    is counted once per reference, as flattening would copy it)."""
    counts: dict[int, int] = {}
    stack = [(value, False)]
    while stack:
        item, done = stack.pop()
        if not isinstance(item, _SEQUENCES) or id(item) in counts:
            continue
        if done:
            counts[id(item)] = sum(counts.get(id(e), 0 if isinstance(e, _SEQUENCES) else 1) for e in item)
        else:
            stack.append((item, True))
            stack.extend((e, False) for e in item if isinstance(e, _SEQUENCES) and id(e) not in counts)
    return counts.get(id(value), 1)


@algorithm("List.zip", returns="List<List<Object>>", list=L, other=L)
def zip_(list, other) -> list:
    budget.require_items(3 * min(len(_list(list)), len(_list(other, "other"))), "List.zip")
    return [[a, b] for a, b in zip(_list(list), _list(other, "other"), strict=False)]


@algorithm("List.unzip", returns="List<List<Object>>", list=L)
def unzip(list) -> list:
    rows = [_list(r, "element") for r in _list(list)]
    return [[r[i] for r in rows] for i in range(min(map(len, rows)))] if rows else []


@algorithm("List.join", returns="String", list=L, separator="String")
def join(list, separator: str = "") -> str:
    def text(v) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return v if isinstance(v, str) else str(v)

    return separator.join(text(v) for v in _list(list))


@algorithm("List.map", returns=L, list=L, baseAlgorithm="Algorithm", dropNulls="Boolean")
def map_(list, baseAlgorithm, dropNulls: bool = False) -> list:
    out = [baseAlgorithm(e) for e in _list(list)]
    return [v for v in out if v is not None] if dropNulls else out


@algorithm("List.iterate", returns="Object", list=L, function="Algorithm", first="Object")
def iterate(list, function, first):
    acc = first
    for e in _list(list):
        acc = function(e, acc)
    return acc


@algorithm("List.filter", returns=L, list=L, filter="Filter")
def filter_(list, filter) -> list:
    """Keep the elements the filter accepts; the filter sees each element as the property 'item'."""
    if not callable(filter):
        raise InvalidArgument("List.filter: 'filter' must be a Filter.")
    return [e for e in _list(list) if filter(e)]


@algorithm("List.reduce", returns="Object", list=L, reducer="Reducer")
def reduce(list, reducer):
    """The reducer's single output value, or a dictionary of its outputs when it has several."""
    out = reduce_values("List.reduce", reducer, _list(list))
    return next(iter(out.values())) if len(out) == 1 else out
