"""EE reducers: which statistics, what their outputs are called, and which pixel rule they use."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

WEIGHTED_KINDS = {"mean", "sum"}
# Kinds the zonal accumulators compute without keeping the pixel values (see kernels/zonal.py).
ACCUMULATED_KINDS = {"mean", "sum", "count", "min", "max", "stdDev", "variance"}
# Single-input numeric kinds every reduction path (zonal, per-pixel, lists) computes directly; the others go through
# algorithms/support/records.py.
CLASSIC_KINDS = ACCUMULATED_KINDS | {"median", "percentile"}


@dataclass(frozen=True)
class Reducer:
    """A reducer. `parts` holds the pieces of a combined reducer (then `kind` is 'combined'); `inputs` is the number
    of inputs of one record, `options` the kind's parameters (name, value) and `inner` the reducer a group, repeat
    or forEach applies."""

    kind: str
    outputs: tuple[str, ...]
    weighted: bool
    percentiles: tuple[float, ...] = ()
    parts: tuple[Reducer, ...] = ()
    inputs: int = 1
    options: tuple[tuple[str, Any], ...] = ()
    inner: Reducer | None = None

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.options).get(name, default)

    @property
    def is_classic(self) -> bool:
        """Whether every part is a classic single-input numeric reducer (the fast zonal and per-pixel paths)."""
        return all(leaf.kind in CLASSIC_KINDS and leaf.inputs == 1 for leaf in self.leaves)

    @classmethod
    def simple(cls, kind: str, output: str | None = None) -> Reducer:
        return cls(kind, (output or kind,), kind in WEIGHTED_KINDS)

    @property
    def leaves(self) -> tuple[Reducer, ...]:
        return self.parts if self.kind == "combined" else (self,)

    def with_outputs(self, outputs: list[str]) -> Reducer:
        if len(outputs) != len(self.outputs):
            raise ValueError(f"setOutputs: expected {len(self.outputs)} output names, got {len(outputs)}")
        if self.kind != "combined":
            return replace(self, outputs=tuple(outputs))
        parts, i = [], 0
        for p in self.parts:
            parts.append(replace(p, outputs=tuple(outputs[i:i + len(p.outputs)])))
            i += len(p.outputs)
        return replace(self, outputs=tuple(outputs), parts=tuple(parts))

    def unweighted(self) -> Reducer:
        return replace(self, weighted=False, parts=tuple(p.unweighted() for p in self.parts))

    def reduce(self, values: np.ndarray, weights: np.ndarray) -> list:
        """Outputs (in `outputs` order) over 1-D values with weights (0 < w <= 1); None when empty."""
        if self.kind == "combined":
            raise ValueError("reduce a combined reducer part by part")
        n = values.size
        if self.kind == "count":
            return [int(n)]
        if n == 0:
            return [None] * len(self.outputs)
        if self.kind == "mean":
            return [float(np.sum(values * weights) / np.sum(weights))]
        if self.kind == "sum":
            return [float(np.sum(values * weights))]
        if self.kind == "min":
            return [_num(values.min())]
        if self.kind == "max":
            return [_num(values.max())]
        if self.kind == "median":
            return [float(np.median(values))]
        if self.kind == "stdDev":
            return [float(np.std(values))]
        if self.kind == "variance":
            return [float(np.var(values))]
        if self.kind == "percentile":
            return [float(v) for v in np.percentile(values, list(self.percentiles))]
        raise ValueError(f"unknown reducer {self.kind}")

    def needs_values(self) -> bool:
        """Whether `finish` needs every centre value of a region (median, percentile, kinds added elsewhere)."""
        return self.kind not in ACCUMULATED_KINDS

    def finish(self, acc, i: int) -> list:
        """Outputs for region i from zonal accumulators (kernels.zonal.ZonalAccumulator); same rules as `reduce`."""
        if self.weighted and self.kind in WEIGHTED_KINDS:
            if acc.w_count[i] == 0:
                return [None]
            return [float(acc.w_value[i] / acc.w_sum[i]) if self.kind == "mean" else float(acc.w_value[i])]
        n = int(acc.count[i])
        if self.kind == "count":
            return [n]
        if n == 0:
            return [None] * len(self.outputs)
        if self.kind == "mean":
            return [float(acc.total[i] / n)]
        if self.kind == "sum":
            return [float(acc.total[i])]
        if self.kind == "min":
            return [_num(acc.vmin[i])]
        if self.kind == "max":
            return [_num(acc.vmax[i])]
        if self.kind in ("stdDev", "variance"):
            s1, s2 = acc.s1[i], acc.s2[i]
            var = max((s2 - s1 * s1 / n) / n, 0.0)
            return [float(np.sqrt(var)) if self.kind == "stdDev" else float(var)]
        values = acc.centre_values(i)
        return self.reduce(values, np.ones(values.size))

    def to_json(self) -> dict:
        return {"type": "Reducer", "kind": self.kind, "outputs": list(self.outputs)}


def _num(v):
    v = v.item() if hasattr(v, "item") else v
    return int(v) if float(v).is_integer() else float(v)
