"""AggregateFeatureCollection.*: statistics of one property over a collection's elements.

Null and missing values are skipped (EE aggregates over the values present); numeric statistics need numbers."""

from __future__ import annotations

import math

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection
from ee_assets.local.errors import InvalidArgument

FC = "FeatureCollection"


A = "AggregateFeatureCollection"


def _values(op: str, collection, property: str) -> list:
    return [e.properties[property] for e in as_collection(collection).elements
            if e.properties.get(property) is not None]


def _numbers(op: str, collection, property: str) -> np.ndarray:
    values = _values(op, collection, property)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float))]
    if bad:
        raise InvalidArgument(f"{A}.{op}: property '{property}' must be numeric; found {bad[0]!r}.")
    return np.array(values, dtype="float64")


def _num(x: float):
    x = float(x)
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _register(op: str, returns: str = "Number"):
    return algorithm(f"{A}.{op}", returns=returns, collection=FC, property="String")


@_register("count")
def count(collection, property: str) -> int:
    return len(_values("count", collection, property))


@_register("count_distinct")
def count_distinct(collection, property: str) -> int:
    return len({repr(v) for v in _values("count_distinct", collection, property)})


@_register("first", returns="<any>")
def first(collection, property: str):
    """The first element's value (the first non-null one: nulls are skipped like in every aggregate)."""
    values = _values("first", collection, property)
    return values[0] if values else None


@_register("min", returns="<any>")
def min_(collection, property: str):
    values = _values("min", collection, property)
    return min(values) if values else None


@_register("max", returns="<any>")
def max_(collection, property: str):
    values = _values("max", collection, property)
    return max(values) if values else None


@_register("sum")
def sum_(collection, property: str):
    return _num(_numbers("sum", collection, property).sum())


@_register("product")
def product(collection, property: str):
    return _num(np.prod(_numbers("product", collection, property)))


@_register("mean")
def mean(collection, property: str):
    v = _numbers("mean", collection, property)
    return float(v.mean()) if v.size else None


def _spread(op: str, collection, property: str, ddof: int, root: bool):
    v = _numbers(op, collection, property)
    if v.size <= ddof:
        return None
    var = float(v.var(ddof=ddof))
    return math.sqrt(var) if root else var


def _register_spread(op: str, ddof: int, root: bool) -> None:
    def impl(collection, property: str):
        return _spread(op, collection, property, ddof, root)

    impl.__doc__ = f"The {'sample' if ddof else 'population'} {'standard deviation' if root else 'variance'}."
    _register(op)(impl)


for _op, (_ddof, _root) in {"sample_var": (1, False), "sample_sd": (1, True), "total_var": (0, False),
                            "total_sd": (0, True)}.items():
    _register_spread(_op, _ddof, _root)


@_register("stats", returns="Dictionary<Object>")
def stats(collection, property: str) -> dict:
    """EE's aggregate_stats dictionary: count, sums, extremes, mean, sample and total spread."""
    v = _numbers("stats", collection, property)
    n = int(v.size)
    out = {
        "max": _num(v.max()) if n else None, "mean": float(v.mean()) if n else None,
        "min": _num(v.min()) if n else None, "sample_sd": math.sqrt(v.var(ddof=1)) if n > 1 else None,
        "sample_var": float(v.var(ddof=1)) if n > 1 else None, "sum": _num(v.sum()),
        "sum_sq": _num((v * v).sum()), "total_count": len(as_collection(collection).elements),
        "total_sd": math.sqrt(v.var()) if n else None, "total_var": float(v.var()) if n else None,
        "valid_count": n, "weight_sum": n, "weighted_sum": _num(v.sum()),
    }
    return out


@_register("histogram", returns="Dictionary<Object>")
def histogram(collection, property: str) -> dict:
    """{value as text: how many elements have it}, keys sorted like every EE dictionary."""
    counts: dict[str, int] = {}
    for v in _values("histogram", collection, property):
        key = str(_num(v)) if isinstance(v, float) else str(v)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


@_register("array", returns="List<Object>")
def array(collection, property: str) -> list:
    """The non-null values, in collection order."""
    return _values("array", collection, property)
