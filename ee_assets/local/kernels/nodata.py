"""A source window's pixels as the evaluator holds them — values as float64, the nodata mask as float32 — in one
pass over the data.

numpy takes four passes for this (astype, isnan or !=, invert, astype) and a boolean temporary; every pixel of
every reduction and computePixels read goes through it, so for a whole-raster reduceRegions it cost as much as the
zonal kernel. The comparison with the nodata value is the one numpy makes: in the data's own type (a Python float
is a weak scalar), which is exact when the nodata value is representable in that type; for one that is not,
`values_and_mask` answers None and the caller keeps numpy.
"""

from __future__ import annotations

import math

import numpy as np

from ee_assets.local.kernels.jit import jit

# (64-bit integers are left to numpy, which compares them with a float nodata as float64)
_TYPES = frozenset(np.dtype(t) for t in ("float32", "float64", "int8", "int16", "int32", "uint8", "uint16", "uint32"))


def values_and_mask(data: np.ndarray, nodata: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(float64 values, float32 mask: 0 where `data` is `nodata` (or NaN for a NaN nodata), 1 elsewhere) of a 2-D
    array, or None when the comparison could differ from numpy's `data != nodata`."""
    nodata = float(nodata)
    if data.ndim != 2 or data.dtype not in _TYPES:
        return None
    floating = data.dtype.kind == "f"
    if math.isnan(nodata):
        if not floating:
            return None
        values, mask = np.empty(data.shape, np.float64), np.empty(data.shape, np.float32)
        _nan_masked(data, values, mask)
        return values, mask
    if not floating and not (math.isfinite(nodata) and nodata.is_integer()):
        return None
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            same_type = data.dtype.type(nodata)
    except (OverflowError, ValueError):
        return None
    if float(same_type) != nodata:
        return None  # not representable in the data's type: numpy compares otherwise
    values, mask = np.empty(data.shape, np.float64), np.empty(data.shape, np.float32)
    _value_masked(data, same_type, values, mask)
    return values, mask


@jit
def _nan_masked(data, values, mask):
    for r in range(data.shape[0]):
        for c in range(data.shape[1]):
            v = data[r, c]
            values[r, c] = v
            mask[r, c] = np.float32(0.0) if np.isnan(v) else np.float32(1.0)


@jit
def _value_masked(data, nodata, values, mask):
    for r in range(data.shape[0]):
        for c in range(data.shape[1]):
            v = data[r, c]
            values[r, c] = v
            mask[r, c] = np.float32(0.0) if v == nodata else np.float32(1.0)
