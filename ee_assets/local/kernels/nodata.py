"""A source window's pixels as the evaluator holds them — values as float64, the nodata mask as float32 — in one
pass over the data.

numpy takes four passes for this (astype, isnan or !=, invert, astype) and a boolean temporary; every pixel of
every reduction and computePixels read goes through it, so for a whole-raster reduceRegions it cost as much as the
zonal kernel. The comparison with the nodata value is the one numpy makes: in the data's own type (a Python float
is a weak scalar), which is exact when the nodata value is representable in that type; for one that is not,
these functions answer None and the caller keeps numpy.

Reductions take less still (`float32_values_and_mask`): the zonal kernels convert each pixel as they add it, so a
band whose type float32 holds exactly can stay float32 (no copy at all for float32 data) with a one-byte mask.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ee_assets.local.kernels.jit import jit

FLOAT32_EXACT = frozenset(np.dtype(t) for t in ("float32", "int8", "uint8", "int16", "uint16"))
"""The types whose every value float32 holds exactly."""
# (64-bit integers are left to numpy, which compares them with a float nodata as float64)
_TYPES = frozenset(np.dtype(t) for t in ("float32", "float64", "int8", "int16", "int32", "uint8", "uint16", "uint32"))


def values_and_mask(data: np.ndarray, nodata: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(float64 values, float32 mask: 0 where `data` is `nodata` (or NaN for a NaN nodata), 1 elsewhere) of a 2-D
    array, or None when the comparison could differ from numpy's `data != nodata`."""
    same_type = _nodata_in_type(data, nodata, _TYPES)
    if same_type is None:
        return None
    values, mask = np.empty(data.shape, np.float64), np.empty(data.shape, np.float32)
    if math.isnan(same_type):
        _nan_masked(data, values, mask)
    else:
        _value_masked(data, same_type, values, mask)
    return values, mask


def float32_values_and_mask(data: np.ndarray, nodata: float | None) -> tuple[np.ndarray, np.ndarray] | None:
    """For reductions, which convert as they go: (float32 values — `data` itself when it is float32 —, uint8 mask)
    of a 2-D array whose type float32 holds exactly; the mask as in values_and_mask (all 1 without a nodata).
    None for other types, or when the comparison could differ from numpy's."""
    if data.ndim != 2 or data.dtype not in FLOAT32_EXACT:
        return None
    values = data if data.dtype == np.float32 else data.astype(np.float32)
    if nodata is None:
        return values, np.ones(data.shape, np.uint8)
    same_type = _nodata_in_type(data, nodata, FLOAT32_EXACT)
    if same_type is None:
        return None
    mask = np.empty(data.shape, np.uint8)
    if math.isnan(same_type):
        _nan_mask(data, mask)
    else:
        _value_mask(data, same_type, mask)
    return values, mask


def float32_masker(nodata: float | None) -> Callable[[np.ndarray, np.ndarray], None] | None:
    """For float32 data read a block at a time: `mask_of(block, mask_block)` writing the block's uint8 mask (as
    float32_values_and_mask makes it) while the block is still in the CPU's cache; None when comparing with `nodata`
    in float32 could differ from numpy's. One numpy comparison per block: blocks are strided views of the tile,
    which numpy's loops take at full speed (a compiled per-pixel loop over a strided view is ~8x slower)."""
    if nodata is None:
        return lambda block, mask: mask.fill(1)
    same_type = nodata_in_type(np.dtype(np.float32), nodata)
    if same_type is None:
        return None
    if math.isnan(same_type):
        return lambda block, mask: np.equal(block, block, out=mask.view(np.bool_))  # False only for NaN
    return lambda block, mask: np.not_equal(block, same_type, out=mask.view(np.bool_))


def nodata_in_type(dtype: np.dtype, nodata: float) -> Any:
    """`nodata` as a scalar of `dtype` (one of FLOAT32_EXACT), or None when comparing with it in that type could
    differ from numpy's `data != nodata` (see _nodata_in_type)."""
    return _nodata_in_type(np.empty((1, 1), dtype), nodata, FLOAT32_EXACT)


def _nodata_in_type(data: np.ndarray, nodata: float, types: frozenset) -> Any:
    """`nodata` as a scalar of the data's type (NaN stays NaN), or None when comparing with it in that type could
    differ from numpy's `data != nodata`: a value the type cannot hold, or a type the kernels do not take."""
    nodata = float(nodata)
    if data.ndim != 2 or data.dtype not in types:
        return None
    floating = data.dtype.kind == "f"
    if math.isnan(nodata):
        return data.dtype.type(nodata) if floating else None
    if not floating and not (math.isfinite(nodata) and nodata.is_integer()):
        return None
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            same_type = data.dtype.type(nodata)
    except (OverflowError, ValueError):
        return None
    return same_type if float(same_type) == nodata else None


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


@jit
def _nan_mask(data, mask):
    for r in range(data.shape[0]):
        for c in range(data.shape[1]):
            mask[r, c] = 0 if np.isnan(data[r, c]) else 1


@jit
def _value_mask(data, nodata, mask):
    for r in range(data.shape[0]):
        for c in range(data.shape[1]):
            mask[r, c] = 0 if data[r, c] == nodata else 1
