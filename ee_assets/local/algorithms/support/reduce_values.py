"""Reducing plain values (lists, table columns) with a Reducer, outside any image."""

from __future__ import annotations

from ee_assets.local.algorithms.support.records import output_dict
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.reducer import Reducer


def reduce_values(op: str, reducer: Reducer, values: list, weights: list | None = None) -> dict:
    """{output name: value} of a one-input `reducer` over `values` (nulls are skipped by the reducers that skip
    them; weights default to 1)."""
    return reduce_columns(op, reducer, [values], weights)


def reduce_columns(op: str, reducer: Reducer, columns: list[list], weights: list | None = None,
                   what: str = "inputs") -> dict:
    """{output name: value} of `reducer` over records whose inputs are `columns` (one list per input)."""
    if not isinstance(reducer, Reducer):
        raise InvalidArgument(f"{op}: 'reducer' must be a Reducer, got {type(reducer).__name__}.")
    if reducer.inputs != len(columns) and not (reducer.kind == "combined" and reducer.option("shared", True)
                                               and len(columns) == 1):
        plural = "" if reducer.inputs == 1 else "s"
        raise InvalidArgument(f"{op}: this reducer takes {reducer.inputs} input{plural} but {len(columns)} {what} "
                              "were given.")
    return output_dict(op, reducer, columns, weights)
