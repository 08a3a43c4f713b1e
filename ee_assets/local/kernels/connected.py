"""Connected regions of equal pixel values, by union-find (compiled): region sizes and region roots per pixel."""

from __future__ import annotations

import numpy as np

from ee_assets.local.kernels.jit import jit


@jit
def find_root(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return root


@jit
def region_sizes(values: np.ndarray, valid: np.ndarray, eight: bool) -> np.ndarray:
    """Per pixel, the size of its region of equal, valid, 4- or 8-connected pixels (0 where invalid):
    one union-find pass over the earlier neighbours of each pixel, then a count per root."""
    h, w = values.shape
    parent = np.arange(h * w)
    for r in range(h):
        for c in range(w):
            if not valid[r, c]:
                continue
            p = r * w + c
            for dr, dc in ((0, -1), (-1, 0), (-1, -1), (-1, 1)):
                if not eight and dr != 0 and dc != 0:
                    continue
                rr, cc = r + dr, c + dc
                if 0 <= rr and 0 <= cc < w and valid[rr, cc] and values[rr, cc] == values[r, c]:
                    a, b = find_root(parent, p), find_root(parent, rr * w + cc)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    counts = np.zeros(h * w, np.int64)
    for p in range(h * w):
        if valid[p // w, p % w]:
            counts[find_root(parent, p)] += 1
    sizes = np.zeros((h, w), np.int64)
    for p in range(h * w):
        if valid[p // w, p % w]:
            sizes[p // w, p % w] = counts[find_root(parent, p)]
    return sizes


@jit
def component_roots(values: np.ndarray, valid: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per pixel, the row-major index of the first pixel of its region (-1 where invalid); regions join valid,
    equal-valued pixels at the given (dr, dc) neighbour offsets (both directions)."""
    h, w = values.shape
    parent = np.arange(h * w)
    for r in range(h):
        for c in range(w):
            if not valid[r, c]:
                continue
            for k in range(offsets.shape[0]):
                rr, cc = r + offsets[k, 0], c + offsets[k, 1]
                if 0 <= rr < h and 0 <= cc < w and valid[rr, cc] and values[rr, cc] == values[r, c]:
                    a, b = find_root(parent, r * w + c), find_root(parent, rr * w + cc)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    roots = np.full((h, w), -1, np.int64)
    for p in range(h * w):
        if valid[p // w, p % w]:
            roots[p // w, p % w] = find_root(parent, p)
    return roots
