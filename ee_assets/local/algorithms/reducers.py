"""Reducer constructors (Reducer.mean, .percentile, .setOutputs, .combine …)."""

from __future__ import annotations

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.reducer import Reducer

for _kind in ("mean", "sum", "count", "stdDev", "variance"):
    algorithm(f"Reducer.{_kind}", returns="Reducer")(lambda k=_kind: Reducer.simple(k))


@algorithm("Reducer.min", returns="Reducer", numInputs="Integer")
def min_(numInputs: int = 1) -> Reducer:
    return Reducer.simple("min")


@algorithm("Reducer.max", returns="Reducer", numInputs="Integer")
def max_(numInputs: int = 1) -> Reducer:
    return Reducer.simple("max")


@algorithm("Reducer.median", returns="Reducer")
def median(maxBuckets: int | None = None, minBucketWidth: float | None = None, maxRaw: int | None = None) -> Reducer:
    return Reducer.simple("median")


@algorithm("Reducer.percentile", returns="Reducer", percentiles="List<Number>", outputNames="List<String>")
def percentile(percentiles: list, outputNames: list | None = None, maxBuckets=None, minBucketWidth=None,
               maxRaw=None) -> Reducer:
    ps = tuple(float(p) for p in percentiles)
    if any(not 0 <= p <= 100 for p in ps):
        raise InvalidArgument("Reducer.percentile: percentiles must lie in [0, 100].")
    names = as_string_list(outputNames, "outputNames") if outputNames else [f"p{p:g}" for p in ps]
    if len(names) != len(ps):
        raise InvalidArgument("Reducer.percentile: outputNames must match percentiles in length.")
    return Reducer("percentile", tuple(names), False, ps)


@algorithm("Reducer.setOutputs", returns="Reducer", reducer="Reducer", outputs="List<String>")
def set_outputs(reducer: Reducer, outputs: list) -> Reducer:
    try:
        return reducer.with_outputs(as_string_list(outputs, "outputs"))
    except ValueError as e:
        raise InvalidArgument(f"Reducer.setOutputs: {e}.") from e


@algorithm("Reducer.unweighted", returns="Reducer", reducer="Reducer")
def unweighted(reducer: Reducer) -> Reducer:
    return reducer.unweighted()


@algorithm("Reducer.combine", returns="Reducer", reducer1="Reducer", reducer2="Reducer")
def combine(reducer1: Reducer, reducer2: Reducer, outputPrefix: str = "", sharedInputs: bool = False) -> Reducer:
    second = [r.with_outputs([outputPrefix + o for o in r.outputs]) for r in reducer2.leaves]
    parts = tuple(reducer1.leaves) + tuple(second)
    return Reducer("combined", tuple(o for p in parts for o in p.outputs), False, (), parts)
