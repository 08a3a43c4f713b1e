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


EARLIER_FOUR = np.array([(0, -1), (-1, 0)], dtype=np.int64)  # the neighbours already visited in row-major order
EARLIER_EIGHT = np.array([(0, -1), (-1, 0), (-1, -1), (-1, 1)], dtype=np.int64)


def region_sizes(values: np.ndarray, valid: np.ndarray, eight: bool) -> np.ndarray:
    """Per pixel, the size of its region of equal, valid, 4- or 8-connected pixels (0 where invalid)."""
    roots = component_roots(values, valid, EARLIER_EIGHT if eight else EARLIER_FOUR)
    flat = roots.ravel()
    counts = np.bincount(flat[flat >= 0], minlength=flat.size)
    return np.where(roots >= 0, counts[np.maximum(roots, 0)], 0)
