"""Per-pixel statistics over stacks of bands, masked pixels left out: the composites across the images of a
collection (ImageCollection.reduce, mosaic, reduce.*) and Image.reduce across the bands of an image.

median, mean, sum, min, max, count and mosaic run compiled kernels (kernels/composite.py); stdDev, variance and
percentiles use numpy."""

from __future__ import annotations

import functools
import warnings

import numpy as np

from ee_assets.local.kernels import composite as composite_kernels


def stack(px: list) -> tuple[np.ndarray, np.ndarray]:
    values = np.stack([p[0] for p in px])
    valid = np.stack([p[1] > 0 for p in px])
    return values, valid


def nan_reduce(fn):
    def reduce(px):
        values, valid = stack(px)
        any_valid = valid.any(axis=0)
        with np.errstate(all="ignore"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out = fn(np.where(valid, values, np.nan))
        return np.where(any_valid, out, 0.0), any_valid.astype(np.float32)
    return reduce


def percentile(ps):
    return nan_reduce(lambda a: np.nanpercentile(a, ps, axis=0))


def streamed(stat: str):
    return functools.partial(composite_kernels.reduce_stack, stat=stat)


STATS = {
    "median": (composite_kernels.median, lambda d: np.dtype(np.float64)),
    "mean": (streamed("mean"), lambda d: np.dtype(np.float64)),
    "min": (streamed("min"), lambda d: d),
    "max": (streamed("max"), lambda d: d),
    "sum": (streamed("sum"), lambda d: np.dtype(np.int64) if d.kind in "iub" else np.dtype(np.float64)),
    "count": (streamed("count"), lambda d: np.dtype(np.int32)),
    "stdDev": (nan_reduce(lambda a: np.nanstd(a, axis=0)), lambda d: np.dtype(np.float64)),
    "variance": (nan_reduce(lambda a: np.nanvar(a, axis=0)), lambda d: np.dtype(np.float64)),
    "mosaic": (composite_kernels.mosaic, lambda d: d),
}


def squeeze(fn):
    def run(px):
        v, m = fn(px)
        return v.reshape(m.shape), m
    return run
