"""EE reducers: which statistics, what their outputs are called, and which pixel rule they use."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

WEIGHTED_KINDS = {"mean", "sum"}


@dataclass(frozen=True)
class Reducer:
    """A single-input reducer. `parts` holds the pieces of a combined reducer (then `kind` is 'combined')."""

    kind: str
    outputs: tuple[str, ...]
    weighted: bool
    percentiles: tuple[float, ...] = ()
    parts: tuple[Reducer, ...] = ()

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

    def to_json(self) -> dict:
        return {"type": "Reducer", "kind": self.kind, "outputs": list(self.outputs)}


def _num(v):
    v = v.item() if hasattr(v, "item") else v
    return int(v) if float(v).is_integer() else float(v)
