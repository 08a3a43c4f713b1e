"""Reducing records with any Reducer: the rows of one or more inputs that reduceColumns, List.reduce and the
general paths of reduceRegion(s) feed a reducer (a record is one feature's selected properties, or one pixel's band
values).

`reduce_records(op, reducer, columns, weights)` returns the reducer's outputs in order; `columns[i][k]` is input i of
record k (None for a missing value; pixels arrive with masked ones already left out). The numeric statistics follow
EE's definitions as its reference documents them (algorithms.json descriptions; sample statistics use n - 1); the
regression and correlation reducers are the textbook least-squares, Pearson and Spearman formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ee_assets.local import budget
from ee_assets.local.algorithms.support.optional import scipy_stats
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.reducer import CLASSIC_KINDS, Reducer


def reduce_records(op: str, reducer: Reducer, columns: Sequence[Sequence], weights: Sequence | None = None
                   ) -> list:
    """The outputs of `reducer` (in `reducer.outputs` order) over the records."""
    n = len(columns[0]) if columns else 0
    w = np.ones(n) if weights is None else np.asarray([0.0 if x is None else float(x) for x in weights])
    if reducer.kind == "combined":
        out, start = [], 0
        for part in reducer.parts:
            cols = columns if reducer.option("shared", True) else columns[start:start + part.inputs]
            start += part.inputs
            out.extend(reduce_records(op, part, cols, w))
        return out
    if len(columns) != reducer.inputs:
        raise InvalidArgument(f"{op}: the reducer takes {reducer.inputs} input(s) but {len(columns)} were given.")
    fn = _KINDS.get(reducer.kind)
    if fn is None:
        raise InvalidArgument(f"{op}: reducer '{reducer.kind}' is not supported by the local backend.")
    return fn(op, reducer, [list(c) for c in columns], w)


def output_dict(op: str, reducer: Reducer, columns: Sequence[Sequence], weights: Sequence | None = None) -> dict:
    return dict(zip(reducer.outputs, reduce_records(op, reducer, columns, weights), strict=True))


# -- helpers -----------------------------------------------------------------------------------------------------------
def _num(v):
    """A JSON-ready number: int when integral and exact, else float; None stays None."""
    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _numbers(op: str, kind: str, values: list) -> np.ndarray:
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float, np.number))]
    if bad:
        raise InvalidArgument(f"{op}: the '{kind}' reducer needs numbers; got {bad[0]!r}.")
    return np.asarray(values, dtype=np.float64)


def _present(columns: list[list], w: np.ndarray, optional: int = 0) -> tuple[list[list], np.ndarray]:
    """The records whose required inputs (all but the last `optional`) are not None."""
    required = columns[:len(columns) - optional] if optional else columns
    keep = [k for k in range(len(w)) if all(c[k] is not None for c in required)]
    return [[c[k] for k in keep] for c in columns], w[keep]


def _single(fn: Callable[[str, Reducer, np.ndarray, np.ndarray], list]):
    """A one-input numeric reducer over the non-null values."""
    def run(op, r, columns, w):
        (values,), w = _present(columns, w)
        return fn(op, r, _numbers(op, r.kind, values), w if r.weighted else np.ones(len(values)))
    return run


def _classic(op, r, columns, w):
    if r.inputs > 1:  # min/max(numInputs)
        return _min_max_with_others(op, r, columns, w)
    (values,), w = _present(columns, w)
    arr = _numbers(op, r.kind, values)
    out = r.reduce(arr, w if r.weighted else np.ones(arr.size))
    if r.kind in ("min", "max") and all(isinstance(v, (int, np.integer)) for v in values):
        out = [None if o is None else int(o) for o in out]
    return [_num(o) for o in out]


def _min_max_with_others(op, r, columns, w):
    """min/max(numInputs): the extreme of the first input and the other inputs of the same record."""
    columns, w = _present(columns, w)
    if not columns[0]:
        return [None] * len(r.outputs)
    first = _numbers(op, r.kind, columns[0])
    k = int(np.argmin(first) if r.kind == "min" else np.argmax(first))
    return [_num(c[k]) for c in columns]


# -- order and counting --------------------------------------------------------------------------------------------
def _first(op, r, columns, w):
    values = columns[0]
    if r.option("non_null"):
        values = [v for v in values if v is not None]
    if not values:
        return [None]
    return [_num(values[-1] if r.option("last") else values[0])]


def _count_every(op, r, columns, w):
    return [len(columns[0])]


def _count_distinct(op, r, columns, w):
    values = columns[0] if not r.option("non_null") else [v for v in columns[0] if v is not None]
    return [len({repr(_num(v)) for v in values})]


def _count_runs(op, r, columns, w):
    runs, previous = 0, object()
    for v in columns[0]:
        if v is not None and v != previous:
            runs += 1
        previous = v
    return [runs]


def _to_list(op, r, columns, w):
    optional = int(r.option("num_optional", 0))
    columns, _ = _present(columns, w, optional)
    if r.option("tuple_size") is None:
        return [[_num(v) for v in columns[0]]]
    return [[[_num(c[k]) for c in columns] for k in range(len(columns[0]))]]


def _frequency_histogram(op, r, columns, w):
    (values,), w = _present(columns, w)
    counts: dict[str, float] = {}
    for v, x in zip(values, w, strict=True):
        key = _key(v)
        counts[key] = counts.get(key, 0) + (x if r.weighted else 1)
    return [{k: _num(v) for k, v in sorted(counts.items(), key=lambda kv: _sort_key(kv[0]))}]


def _key(v) -> str:
    """How EE names a histogram bucket or a group: numbers as integers when integral, else their decimal form."""
    v = _num(v)
    return str(v)


def _sort_key(key: str):
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


# -- numeric statistics --------------------------------------------------------------------------------------------
def _mode(op, r, v, w):
    if v.size == 0:
        return [None]
    values, inverse = np.unique(v, return_inverse=True)
    counts = np.bincount(inverse, weights=w)
    return [_num(float(values[int(np.argmax(counts))]))]  # ties: the smallest value


def _product(op, r, v, w):
    return [_num(float(np.prod(v))) if v.size else None]


def _any_all(op, r, v, w):
    if v.size == 0:
        return [None]
    return [int(bool(np.all(v != 0)) if r.option("all") else bool(np.any(v != 0)))]


def _bitwise(op, r, v, w):
    if v.size == 0:
        return [None]
    ints = v.astype(np.int64)
    return [int(np.bitwise_and.reduce(ints) if r.option("and") else np.bitwise_or.reduce(ints))]


def _sample_moments(op, r, v, w):
    n = v.size
    if n < 2:
        return [None]
    var = float(np.var(v, ddof=1))
    return [math.sqrt(var) if r.kind == "sampleStdDev" else var]


def _shape_moment(op, r, v, w):
    """Skewness and excess kurtosis, the sample-adjusted estimators of Apache Commons Math (which EE's Java uses)."""
    n = v.size
    if n < (3 if r.kind == "skew" else 4):
        return [None]
    mean, sd = float(np.mean(v)), float(np.std(v, ddof=1))
    if sd == 0:
        return [None]
    z = (v - mean) / sd
    if r.kind == "skew":
        return [float(n / ((n - 1) * (n - 2)) * np.sum(z**3))]
    k = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(z**4) - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
    return [float(k)]


def _circular(op, r, v, w):
    if v.size == 0:
        return [None]
    c, s = np.sum(w * np.cos(v)) / np.sum(w), np.sum(w * np.sin(v)) / np.sum(w)
    length = math.hypot(c, s)
    if r.kind == "circularMean":
        return [math.atan2(s, c)]
    if r.kind == "circularVariance":
        return [1.0 - length]
    return [math.sqrt(-2.0 * math.log(length)) if length > 0 else None]


def _interval_mean(op, r, v, w):
    if v.size == 0:
        return [None]
    lo, hi = np.percentile(v, [float(r.option("min_percentile")), float(r.option("max_percentile"))])
    inside = v[(v >= lo) & (v <= hi)]
    return [float(np.mean(inside)) if inside.size else None]


def _fixed_histogram(op, r, v, w):
    """An N x 2 array: bucket lower edges and counts (or cumulative counts); values outside [min, max) ignored."""
    lo, hi, steps = float(r.option("min")), float(r.option("max")), int(r.option("steps"))
    budget.require_items(3 * steps, f"{op}: a fixed histogram of {steps:,} buckets")  # edges, counts, their rows
    edges = lo + (hi - lo) * np.arange(steps) / steps
    inside = (v >= lo) & (v < hi)
    index = np.minimum(((v[inside] - lo) / (hi - lo) * steps).astype(np.int64), steps - 1)
    counts = np.bincount(index, weights=w[inside] if r.weighted else None, minlength=steps)
    if r.option("cumulative"):
        counts = np.cumsum(counts)
    return [np.column_stack([edges, counts])]


def _auto_histogram(op, r, v, w):
    """Reducer.histogram: {bucketMin, bucketWidth, bucketMeans, histogram} over at most maxBuckets buckets of a
    "nice" width (a power of 2 of the range, at least minBucketWidth), as EE's histogram dictionaries read."""
    if v.size == 0:
        return [None]
    max_buckets = int(r.option("max_buckets") or 255)
    lo, hi = float(v.min()), float(v.max())
    width = r.option("min_bucket_width")
    span = hi - lo
    if span == 0:
        width = width or 1.0
    else:
        nice = 2.0 ** math.ceil(math.log2(span / max_buckets))
        width = max(nice, float(width)) if width else nice
    start = math.floor(lo / width) * width
    n_buckets = max(1, min(max_buckets, int(math.floor((hi - start) / width)) + 1))
    index = np.minimum(((v - start) / width).astype(np.int64), n_buckets - 1)
    counts = np.bincount(index, weights=w if r.weighted else None, minlength=n_buckets)
    sums = np.bincount(index, weights=v, minlength=n_buckets)
    raw = np.bincount(index, minlength=n_buckets)
    means = np.where(raw > 0, sums / np.maximum(raw, 1), start + width * (np.arange(n_buckets) + 0.5))
    if r.option("cumulative"):  # autoHistogram: an N x 2 array, cumulative counts if asked
        if r.option("cumulative") is True:
            counts = np.cumsum(counts)
        return [np.column_stack([start + width * np.arange(n_buckets), counts])]
    return [{"bucketMin": _num(start), "bucketWidth": _num(width), "bucketMeans": [float(m) for m in means],
             "histogram": [_num(float(c)) for c in counts]}]


# -- two or more inputs ------------------------------------------------------------------------------------------------
def _xy(op, r, columns, w) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (xs, ys), w = _present(columns, w)
    return _numbers(op, r.kind, xs), _numbers(op, r.kind, ys), (w if r.weighted else np.ones(len(xs)))


def _linear_fit(op, r, columns, w):
    """Weighted least squares y = scale * x + offset."""
    x, y, w = _xy(op, r, columns, w)
    if x.size < 2:
        return [None, None]
    sw = w.sum()
    mx, my = (w * x).sum() / sw, (w * y).sum() / sw
    sxx = (w * (x - mx) ** 2).sum()
    if sxx == 0:
        return [None, None]
    scale = (w * (x - mx) * (y - my)).sum() / sxx
    return [float(scale), float(my - scale * mx)]


def _sens_slope(op, r, columns, w):
    """The median of the pairwise slopes, and the median of y - slope * x as the offset."""
    x, y, _ = _xy(op, r, columns, w)
    i, j = np.triu_indices(x.size, 1)
    keep = x[j] != x[i]
    if not keep.any():
        return [None, None]
    slope = float(np.median((y[j] - y[i])[keep] / (x[j] - x[i])[keep]))
    return [slope, float(np.median(y - slope * x))]


def _pearson(op, r, columns, w):
    x, y, _ = _xy(op, r, columns, w)
    if x.size < 3:
        return [None, None]
    result = scipy_stats().pearsonr(x, y)
    return [float(result.statistic), float(result.pvalue)]


def _spearman(op, r, columns, w):
    x, y, _ = _xy(op, r, columns, w)
    if x.size < 2:
        return [None]
    return [float(scipy_stats().spearmanr(x, y).statistic)]


def _regression(op, r, columns, w):
    """linearRegression / ridgeRegression: coefficients (numX x numY) and per-y RMS residuals; null when the system
    is underdetermined (n <= numX). Ridge regression adds a constant term (the last coefficient), not penalized."""
    num_x, num_y = int(r.option("num_x")), int(r.option("num_y"))
    columns, w = _present(columns, w)
    data = np.column_stack([_numbers(op, r.kind, c) for c in columns]) if columns[0] else np.zeros((0, num_x + num_y))
    X, Y = data[:, :num_x], data[:, num_x:]
    if r.kind == "ridgeRegression":  # the intercept is the last coefficient
        X = np.column_stack([X, np.ones(len(X))])
    if len(X) < X.shape[1] + (0 if r.kind == "ridgeRegression" else 1):
        return [None] * len(r.outputs)
    sw = np.sqrt(w)[:, None]
    if r.kind == "ridgeRegression":
        lam = float(r.option("lambda"))
        penalty = lam * np.eye(X.shape[1])
        penalty[-1, -1] = 0.0
        beta = np.linalg.solve((X * sw).T @ (X * sw) + penalty, (X * sw).T @ (Y * sw))
    else:
        beta = np.linalg.lstsq(X * sw, Y * sw, rcond=None)[0]
    residuals = np.sqrt(np.mean((Y - X @ beta) ** 2, axis=0))
    out = [beta, residuals]
    if r.kind == "ridgeRegression":
        out.append(None)  # pValues: not computed by the local backend
    return out[:len(r.outputs)]


def _covariance(op, r, columns, w):
    """The N x N covariance matrix of 1-D array inputs of length N; centeredCovariance takes the data as already
    centred (sum of products / (n - 1)), covariance centres it first."""
    (values,), _ = _present(columns, w)
    rows = [np.asarray(v, dtype=np.float64).ravel() for v in values]
    if len(rows) < 2:
        return [None]
    data = np.stack(rows)
    if r.kind == "covariance":
        data = data - data.mean(axis=0)
    return [data.T @ data / (len(rows) - 1)]


# -- reducers of reducers -------------------------------------------------------------------------------------------
def _group(op, r, columns, w):
    """Records grouped by the value of input `groupField`; each group reduced by the inner reducer; groups sorted
    by value, as [{groupName: value, <outputs>…}]."""
    field, name, inner = int(r.option("group_field")), r.option("group_name"), r.inner
    keys = columns[field]
    rest = columns[:field] + columns[field + 1:]
    groups: dict[str, list[int]] = {}
    values: dict[str, Any] = {}
    for k, key in enumerate(keys):
        if key is None:
            continue
        groups.setdefault(_key(key), []).append(k)
        values[_key(key)] = _num(key)
    out = []
    for key in sorted(groups, key=_sort_key):
        idx = groups[key]
        result = reduce_records(op, inner, [[c[k] for k in idx] for c in rest], w[idx])
        out.append({name: values[key], **dict(zip(inner.outputs, result, strict=True))})
    return [out]


def _repeat(op, r, columns, w):
    """`count` copies of the inner reducer, copy i on inputs i*k … i*k + k - 1; each output a list over copies."""
    k = r.inner.inputs
    results = [reduce_records(op, r.inner, columns[i * k:(i + 1) * k], w) for i in range(int(r.option("count")))]
    return [[res[j] for res in results] for j in range(len(r.inner.outputs))]


def _for_each(op, r, columns, w):
    """One copy of the inner reducer per output name, copy i on input i (forEach, forEachBand)."""
    out = []
    for i in range(int(r.option("count"))):
        out.extend(reduce_records(op, r.inner, columns[i:i + 1], w))
    return out


def _split_weights(op, r, columns, w):
    """Each weighted input replaced by a value input and a weight input."""
    values, weights = columns[0::2], columns[1::2]
    weight = [0.0 if x is None else float(x) for x in weights[0]] if weights else None
    return reduce_records(op, r.inner, values, weight)


_KINDS: dict[str, Callable] = {kind: _classic for kind in CLASSIC_KINDS}
_KINDS.update({
    "first": _first, "countEvery": _count_every, "countDistinct": _count_distinct,
    "countRuns": _count_runs, "toList": _to_list, "frequencyHistogram": _frequency_histogram,
    "mode": _single(_mode), "product": _single(_product), "anyAll": _single(_any_all),
    "bitwise": _single(_bitwise), "sampleStdDev": _single(_sample_moments),
    "sampleVariance": _single(_sample_moments), "skew": _single(_shape_moment), "kurtosis": _single(_shape_moment),
    "circularMean": _single(_circular), "circularVariance": _single(_circular),
    "circularStddev": _single(_circular), "intervalMean": _single(_interval_mean),
    "fixedHistogram": _single(_fixed_histogram), "histogram": _single(_auto_histogram),
    "linearFit": _linear_fit, "sensSlope": _sens_slope, "pearsonsCorrelation": _pearson,
    "spearmansCorrelation": _spearman,
    "linearRegression": _regression, "ridgeRegression": _regression, "centeredCovariance": _covariance,
    "covariance": _covariance, "group": _group, "repeat": _repeat, "forEach": _for_each,
    "splitWeights": _split_weights,
})


def is_supported(reducer: Reducer) -> bool:
    return all(leaf.kind in _KINDS for leaf in reducer.leaves)
