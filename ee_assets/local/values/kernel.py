"""EE kernels: weights around a centre cell, possibly depending on the pixel size (kernels given in metres)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Weights = tuple[np.ndarray, int, int]  # (weights (h, w), centre column, centre row)


@dataclass(frozen=True)
class Kernel:
    """A kernel whose weights may depend on the pixel size (kernels given in metres)."""

    make: Callable[[float], Weights]
    units: str = "pixels"

    def weights(self, metres_per_pixel: float = 1.0) -> Weights:
        return self.make(metres_per_pixel)

    def to_json(self) -> dict:
        w, x, y = self.make(1.0)
        out = {"type": "Kernel", "width": int(w.shape[1]), "height": int(w.shape[0]), "x": x, "y": y,
               "weights": w.tolist()}
        if self.units != "pixels":
            out["units"] = self.units
        return out
