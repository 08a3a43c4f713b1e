"""Per-pixel reductions beyond the classic statistics (pixel_stats.py): the reducers of records.py applied to the
stack of values each pixel has across the images of a collection (ImageCollection.reduce, reduce.mode,
reduce.product) or across the bands of an image (Image.reduce). Masked values are left out, as everywhere.

Each function takes the stacked `values` (n, h, w) and `valid` (n, h, w) and returns (values, mask) of one output
band; they are vectorized over pixels (loops run over the n inputs, never over pixels)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.support.pixel_stats import STATS, percentile, squeeze, stack
from ee_assets.local.values.reducer import Reducer

Stat = Callable[[list], tuple[np.ndarray, np.ndarray]]
FLOAT64 = np.dtype(np.float64)


def _masked(fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]) -> Stat:
    def run(px: list):
        values, valid = stack(px)
        with np.errstate(all="ignore"):
            out, ok = fn(values, valid)
        return np.where(ok, out, 0.0), ok.astype(np.float32)
    return run


def _first(last: bool) -> Stat:
    def fn(values, valid):
        order = valid[::-1] if last else valid
        idx = np.argmax(order, axis=0)
        if last:
            idx = len(valid) - 1 - idx
        return np.take_along_axis(values, idx[None], 0)[0], valid.any(axis=0)
    return _masked(fn)


def _sorted(values, valid) -> np.ndarray:
    return np.sort(np.where(valid, values, np.nan), axis=0)  # NaN (masked) last


def _mode(values, valid):
    """The most frequent value; ties go to the smallest (runs over the sorted stack)."""
    s = _sorted(values, valid)
    best, best_len = s[0].copy(), np.where(np.isnan(s[0]), 0, 1)
    run_len = best_len.copy()
    for k in range(1, len(s)):
        same = s[k] == s[k - 1]
        run_len = np.where(np.isnan(s[k]), 0, np.where(same, run_len + 1, 1))
        better = run_len > best_len
        best = np.where(better, s[k], best)
        best_len = np.maximum(best_len, run_len)
    return best, best_len > 0


def _product(values, valid):
    return np.prod(np.where(valid, values, 1.0), axis=0), valid.any(axis=0)


def _count_distinct(values, valid):
    s = _sorted(values, valid)
    distinct = np.where(np.isnan(s[0]), 0, 1) + np.sum((s[1:] != s[:-1]) & ~np.isnan(s[1:]), axis=0)
    return distinct.astype(np.float64), np.ones(values.shape[1:], bool)


def _count_every(values, valid):
    return np.full(values.shape[1:], float(len(values))), np.ones(values.shape[1:], bool)


def _any_all(want_all: bool):
    def fn(values, valid):
        nonzero = valid & (values != 0)
        out = (nonzero.sum(axis=0) == valid.sum(axis=0)) if want_all else nonzero.any(axis=0)
        return out.astype(np.float64), valid.any(axis=0)
    return fn


def _moments(kind: str):
    def fn(values, valid):
        n = valid.sum(axis=0).astype(np.float64)
        v = np.where(valid, values, np.nan)
        mean = np.nanmean(v, axis=0)
        d = np.where(valid, values - mean, 0.0)
        m2 = (d**2).sum(axis=0)
        var = m2 / (n - 1)
        if kind in ("sampleVariance", "sampleStdDev"):
            return (var if kind == "sampleVariance" else np.sqrt(var)), n >= 2
        z = d / np.sqrt(var)
        if kind == "skew":
            return n / ((n - 1) * (n - 2)) * (z**3).sum(axis=0), (n >= 3) & (var > 0)
        k = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * (z**4).sum(axis=0) - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        return k, (n >= 4) & (var > 0)
    return fn


def _bitwise(want_and: bool):
    def fn(values, valid):
        ints = values.astype(np.int64)
        out = np.full(values.shape[1:], -1 if want_and else 0, np.int64)
        for k in range(len(values)):
            part = np.where(valid[k], ints[k], -1 if want_and else 0)
            out = (out & part) if want_and else (out | part)
        return out.astype(np.float64), valid.any(axis=0)
    return fn


def leaf_stats(leaf: Reducer, dtype: np.dtype) -> list[tuple[str, Stat, np.dtype]] | None:
    """(output name, per-pixel function, band type) for each output of a one-input reducer, or None when it has no
    per-pixel form here."""
    if leaf.inputs != 1:
        return None
    if leaf.kind == "percentile":
        return [(o, squeeze(percentile([p])), FLOAT64) for o, p in zip(leaf.outputs, leaf.percentiles, strict=True)]
    if leaf.kind in STATS:
        fn, dtype_rule = STATS[leaf.kind]
        return [(leaf.outputs[0], fn, dtype_rule(dtype))]
    same = dtype
    table: dict[str, tuple[Stat, np.dtype]] = {
        "mode": (_masked(_mode), same), "product": (_masked(_product), FLOAT64),
        "countDistinct": (_masked(_count_distinct), np.dtype(np.int32)),
        "countEvery": (_masked(_count_every), np.dtype(np.int32)),
        "anyAll": (_masked(_any_all(bool(leaf.option("all")))), np.dtype(np.uint8)),
        "bitwise": (_masked(_bitwise(bool(leaf.option("and")))), np.dtype(np.int64)),
        "sampleStdDev": (_masked(_moments("sampleStdDev")), FLOAT64),
        "sampleVariance": (_masked(_moments("sampleVariance")), FLOAT64),
        "skew": (_masked(_moments("skew")), FLOAT64), "kurtosis": (_masked(_moments("kurtosis")), FLOAT64),
    }
    if leaf.kind == "first":
        return [(leaf.outputs[0], _first(bool(leaf.option("last"))), same)]
    if leaf.kind in table:
        fn, out_dtype = table[leaf.kind]
        return [(leaf.outputs[0], fn, out_dtype)]
    return None


def linear_fit(px: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel least squares y = scale * x + offset over the records valid in both inputs: px holds the n x
    values, then the n y values. Returns (scale, offset, mask)."""
    n = len(px) // 2
    x, vx = stack(px[:n])
    y, vy = stack(px[n:])
    ok = vx & vy
    count = ok.sum(axis=0)
    with np.errstate(all="ignore"):
        mx = np.where(ok, x, 0).sum(axis=0) / count
        my = np.where(ok, y, 0).sum(axis=0) / count
        dx, dy = np.where(ok, x - mx, 0), np.where(ok, y - my, 0)
        sxx = (dx * dx).sum(axis=0)
        scale = (dx * dy).sum(axis=0) / sxx
        offset = my - scale * mx
    mask = (count >= 2) & (sxx > 0)
    return np.where(mask, scale, 0.0), np.where(mask, offset, 0.0), mask.astype(np.float32)
