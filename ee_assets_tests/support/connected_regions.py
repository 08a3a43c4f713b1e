"""The reference for the connected-region algorithms (connectedPixelCount, connectedComponents, reduceToVectors):
a flood fill over a numpy array, nothing from ee_assets."""

from __future__ import annotations

import numpy as np

FOUR = [(0, 1), (1, 0), (0, -1), (-1, 0)]
DIAGONALS = [(1, 1), (1, -1), (-1, 1), (-1, -1)]


def connected_regions(labels: np.ndarray, eight: bool, valid: np.ndarray | None = None) -> list[list[tuple[int, int]]]:
    """The regions of equal, neighbouring labels, each a list of (row, col), over the `valid` pixels (default: all).

    A mask's True regions: `connected_regions(mask, eight, valid=mask)`.
    """
    steps = FOUR + (DIAGONALS if eight else [])
    height, width = labels.shape
    inside = np.ones(labels.shape, bool) if valid is None else valid
    seen = np.zeros(labels.shape, bool)
    regions = []
    for start in zip(*np.nonzero(inside), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        region, queue = [start], [start]
        while queue:
            r, c = queue.pop()
            for dr, dc in steps:
                n = (r + dr, c + dc)
                if 0 <= n[0] < height and 0 <= n[1] < width and inside[n] and not seen[n] \
                        and labels[n] == labels[r, c]:
                    seen[n] = True
                    region.append(n)
                    queue.append(n)
        regions.append(region)
    return regions
