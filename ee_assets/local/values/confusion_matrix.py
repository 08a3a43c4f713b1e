"""EE confusion (error) matrices: counts of actual (rows) by predicted (columns) classes, in a class order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ConfusionMatrix:
    matrix: np.ndarray  # actual x predicted counts
    order: tuple[int, ...]

    def to_json(self) -> list:
        return self.matrix.tolist()
