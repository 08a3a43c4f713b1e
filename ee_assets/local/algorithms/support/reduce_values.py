"""Reducing plain values (lists, table columns) with a Reducer, outside any image."""

from __future__ import annotations

import numpy as np

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.reducer import Reducer


def reduce_values(op: str, reducer: Reducer, values: list, weights: list | None = None) -> dict:
    """{output name: value} of `reducer` over the non-null numbers in `values` (weights default to 1)."""
    if not isinstance(reducer, Reducer):
        raise InvalidArgument(f"{op}: 'reducer' must be a Reducer, got {type(reducer).__name__}.")
    pairs = [(v, 1.0 if weights is None else weights[i]) for i, v in enumerate(values) if v is not None]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v, _ in pairs):
        raise InvalidArgument(f"{op}: the reducer's input must be numbers; got {pairs[0][0]!r}.")
    arr = np.array([v for v, _ in pairs], dtype="float64")
    w = np.array([float(x) for _, x in pairs], dtype="float64")
    if not reducer.weighted:
        w = np.ones_like(arr)
    out: dict = {}
    for leaf in reducer.leaves:
        try:
            results = leaf.reduce(arr, w)
        except ValueError as e:
            raise InvalidArgument(f"{op}: the reducer '{leaf.kind}' is not supported here ({e}).") from e
        if leaf.kind in ("min", "max") and pairs and all(isinstance(v, int) for v, _ in pairs):
            results = [int(r) for r in results]
        out.update(zip(leaf.outputs, results, strict=True))
    return out
