"""Per-pixel composites of a stack of masked images: median, mean, sum, min, max, count and mosaic.

Each input is (values, mask) on the same grid; a value counts where its mask is non-zero and it is
not NaN. The median sorts each pixel's values with a fixed sorting network applied to a block of
pixels at once (branch-free, so it vectorises), with masked values as +inf, then takes the middle
of the valid count; an even count averages the two middle values (numpy's and bottleneck's rule).
Rows are split into chunks run on the tile pool, so both cores work. The other statistics stream
through the images once, accumulating per pixel.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ee_assets.local.kernels.jit import jit
from ee_assets.local.kernels.tiles import WORKERS, ordered_map, row_chunks, spread

Pixels = tuple[np.ndarray, np.ndarray]
_BLOCK = 256  # pixels sorted together by the network
_CHUNK_BYTES = 1 << 23  # rows stacked per call: about 8 MiB of values


@lru_cache(maxsize=64)
def sorting_network(n: int) -> np.ndarray:
    """(k, 2) compare-exchange pairs sorting n values: Batcher's odd-even merge sort for the next power of
    two, dropping the pairs that touch padding (padding sorts as +inf, so those pairs never swap)."""
    size = 1
    while size < n:
        size *= 2
    pairs = []
    p = 1
    while p < size:
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                for i in range(min(k, size - j - k)):
                    a, b = i + j, i + j + k
                    if a // (2 * p) == b // (2 * p) and b < n:
                        pairs.append((a, b))
            k //= 2
        p *= 2
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def median(pixels: list[Pixels]) -> Pixels:
    """Per-pixel median of the valid inputs; (values float64, mask float32), 0 and masked where none is valid."""
    shape = pixels[0][0].shape
    out = np.zeros(shape)
    valid = np.zeros(shape, np.float32)
    if len(pixels) == 0 or out.size == 0:
        return out, valid
    net = sorting_network(len(pixels))
    height, width = shape
    rows_per_call = max(1, _CHUNK_BYTES // max(1, width * len(pixels) * 8))

    dtype = np.result_type(*[v.dtype for v, _ in pixels])
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)

    def run(span):  # rows [top, bottom), a few at a time: the images' rows, NaN where masked, then the sort
        top, bottom = span
        stack = np.empty((len(pixels), rows_per_call, width), dtype)
        for a in range(top, bottom, rows_per_call):
            b = min(a + rows_per_call, bottom)
            rows = stack if b - a == rows_per_call else np.empty((len(pixels), b - a, width), dtype)
            for k, (v, m) in enumerate(pixels):
                _masked_copy(rows[k], v[a:b], m[a:b])
            _median_rows(rows, net, out[a:b], valid[a:b])

    for _ in ordered_map(run, *spread(row_chunks(height, parts=4 * WORKERS, minimum=16))):
        pass
    return out, valid


@jit
def _masked_copy(dst, values, mask):
    """dst = values where mask > 0, else NaN."""
    h, w = values.shape
    for r in range(h):
        for c in range(w):
            dst[r, c] = values[r, c] if mask[r, c] > 0 else np.nan


@jit
def _median_rows(values, net, out, valid):
    n, h, w = values.shape
    buf = np.empty((n, _BLOCK), values.dtype)
    cnt = np.empty(_BLOCK, np.int64)
    inf = np.inf
    for r in range(h):
        for start in range(0, w, _BLOCK):
            size = min(_BLOCK, w - start)
            cnt[:size] = 0
            for k in range(n):
                for x in range(size):
                    v = values[k, r, start + x]
                    ok = v == v  # NaN: masked (or a NaN value, which counts as masked too)
                    buf[k, x] = v if ok else inf
                    cnt[x] += 1 if ok else 0
            for p in range(net.shape[0]):
                i = net[p, 0]
                j = net[p, 1]
                for x in range(size):
                    a = buf[i, x]
                    b = buf[j, x]
                    buf[i, x] = a if a < b else b
                    buf[j, x] = b if a < b else a
            for x in range(size):
                c = cnt[x]
                if c > 0:
                    lo = buf[(c - 1) // 2, x]
                    hi = buf[c // 2, x]
                    out[r, start + x] = (np.float64(lo) + np.float64(hi)) / 2.0
                    valid[r, start + x] = 1.0


def reduce_stack(pixels: list[Pixels], stat: str) -> Pixels:
    """Per-pixel mean, sum, min, max or count of the valid inputs, streaming through the images once.

    mean/sum/min/max: 0 and masked where no input is valid; count: every pixel valid (0 where none).
    """
    shape = pixels[0][0].shape
    count = np.zeros(shape, np.int64)
    total = np.zeros(shape)
    low = np.full(shape, np.inf)
    high = np.full(shape, -np.inf)
    for values, mask in pixels:
        _accumulate(values, mask, count, total, low, high)
    some = count > 0
    if stat == "count":
        return count.astype(np.float64), np.ones(shape, np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"mean": total / np.maximum(count, 1), "sum": total, "min": low, "max": high}[stat]
    return np.where(some, out, 0.0), some.astype(np.float32)


@jit
def _accumulate(values, mask, count, total, low, high):
    h, w = values.shape
    for r in range(h):
        for c in range(w):
            v = values[r, c]
            if mask[r, c] > 0 and not np.isnan(v):
                count[r, c] += 1
                total[r, c] += np.float64(v)
                if v < low[r, c]:
                    low[r, c] = v
                if v > high[r, c]:
                    high[r, c] = v


def mosaic(pixels: list[Pixels]) -> Pixels:
    """The last valid input on top: values and mask of the topmost image whose mask is non-zero."""
    values = np.zeros(pixels[0][0].shape)
    mask = np.zeros(pixels[0][0].shape, np.float32)
    for v, m in pixels:
        _overlay(v, m, values, mask)
    return values, mask


@jit
def _overlay(v, m, values, mask):
    h, w = v.shape
    for r in range(h):
        for c in range(w):
            if m[r, c] > 0:
                values[r, c] = v[r, c]
                mask[r, c] = m[r, c]


# These read their inputs a few rows at a time (or one image at a time) instead of stacking them: evaluating them
# needs no more than their inputs' own pixels (kernels/working_set.py sizes tiles by this).
for _kernel in (median, reduce_stack, mosaic):
    _kernel.streams_inputs = True
