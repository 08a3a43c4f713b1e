"""The exact-area reference for coverage fractions: one shapely intersection per grid cell, nothing from ee_assets.

The coverage and zonal kernel tests check their fractions against this independent (and slow) computation.
"""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine


def brute_force_fractions(geometry, transform: Affine, width: int, height: int,
                          min_fraction: float = 0.0) -> dict[tuple[int, int], float]:
    """{(row, col): area(cell ∩ geometry) / area(cell)} for every cell of the grid covered by more than
    `min_fraction` of its area.

    Works relative to the grid origin (an exact shift for coordinates near it), so that large coordinates such as
    MODIS metres keep their precision. The transform must be north-up or south-up (no shear).
    """
    geometry = shapely.transform(geometry, lambda xy: xy - [transform.c, transform.f])
    transform = Affine(transform.a, 0, 0, 0, transform.e, 0)
    rows, cols = np.mgrid[:height, :width]
    rows, cols = rows.ravel(), cols.ravel()
    x0, y0 = transform @ (cols, rows)
    x1, y1 = transform @ (cols + 1, rows + 1)
    cells = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))
    frac = shapely.area(shapely.intersection(cells, geometry)) / abs(transform.a * transform.e)
    return {(int(r), int(c)): float(f) for r, c, f in zip(rows, cols, frac, strict=True) if f > min_fraction}
