"""Kernel.* (ee.Kernel): the neighbourhood weights Image.convolve, reduceNeighborhood and the focal filters use.

(Not to be confused with ee_assets/local/kernels/, the compiled hot paths.) Shapes are squares of radius
floor(r) whose cells the shape picks; kernels given in metres are sized on the grid they are applied to."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ee_assets.local import budget
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.kernel import Kernel, Weights


def _radius_px(radius: float, units: str, mpp: float) -> float:
    if units == "pixels":
        return float(radius)
    if units == "meters":
        return float(radius) / mpp
    raise InvalidArgument(f"Kernel: units must be 'pixels' or 'meters', got {units!r}.")


def _finish(w: np.ndarray, normalize: bool, magnitude: float) -> np.ndarray:
    total = w.sum()
    if normalize and total != 0:
        w = w / total
    return w * magnitude


def _shaped(inside: Callable[[np.ndarray, np.ndarray, float], np.ndarray], weight=None):
    """A constructor for kernels on a square of radius floor(r): `inside(dx, dy, r)` picks the cells."""
    def build(radius, units="pixels", normalize=True, magnitude=1.0) -> Kernel:
        r0 = as_number(radius, "radius")
        if r0 < 0:
            raise InvalidArgument(f"Kernel: radius must not be negative, got {r0}.")

        def make(mpp: float) -> Weights:
            r = _radius_px(r0, units, mpp)
            n = int(math.floor(r + 1e-9))
            budget.require(8 * (2 * n + 1) ** 2, f"a kernel of radius {n} pixels")  # before the grids are made
            dy, dx = np.mgrid[-n:n + 1, -n:n + 1].astype(float)
            cells = inside(dx, dy, r)
            w = np.where(cells, 1.0 if weight is None else weight(dx, dy), 0.0)
            return _finish(w, normalize, magnitude), n, n

        return Kernel(make, units)
    return build


SHAPES = {
    "square": _shaped(lambda dx, dy, r: np.ones_like(dx, bool)),
    "circle": _shaped(lambda dx, dy, r: dx**2 + dy**2 <= r * r + 1e-9),
    "diamond": _shaped(lambda dx, dy, r: np.abs(dx) + np.abs(dy) <= r + 1e-9),
    "plus": _shaped(lambda dx, dy, r: (dx == 0) | (dy == 0)),
    "cross": _shaped(lambda dx, dy, r: np.abs(dx) == np.abs(dy)),
}


DISTANCES = {
    "euclidean": (lambda dx, dy: np.hypot(dx, dy)),
    "manhattan": (lambda dx, dy: np.abs(dx) + np.abs(dy)),
    "chebyshev": (lambda dx, dy: np.maximum(np.abs(dx), np.abs(dy))),
}


def _register_shape(name: str, build) -> None:
    def impl(radius: float, units: str = "pixels", normalize: bool = True, magnitude: float = 1.0) -> Kernel:
        return build(radius, units, normalize, magnitude)

    impl.__doc__ = f"A {name}-shaped kernel of radius `radius` (cells within it weigh 1 before normalizing)."
    algorithm(f"Kernel.{name}", returns="Kernel", radius="Float", units="String", normalize="Boolean",
              magnitude="Float")(impl)


for _name, _build in SHAPES.items():
    _register_shape(_name, _build)


def distance_kernel(metric: str, radius: float, units: str = "pixels", normalize: bool = False,
                    magnitude: float = 1.0) -> Kernel:
    """Each cell within `radius` weighs its `metric` distance from the centre (in metres for a kernel in metres
    that is not normalized)."""
    distance = DISTANCES[metric]
    kernel = _shaped(lambda dx, dy, r: distance(dx, dy) <= r + 1e-9, weight=distance)(radius, units, normalize,
                                                                                      magnitude)
    if units != "meters" or normalize:
        return kernel

    def in_metres(mpp: float) -> Weights:  # distances in the kernel's units
        w, cx, cy = kernel.make(mpp)
        return w * mpp, cx, cy
    return Kernel(in_metres, units)


def _register_distance(name: str) -> None:
    def impl(radius: float, units: str = "pixels", normalize: bool = False, magnitude: float = 1.0) -> Kernel:
        return distance_kernel(name, radius, units, normalize, magnitude)

    impl.__doc__ = f"A distance kernel: each cell within `radius` weighs its {name} distance from the centre."
    algorithm(f"Kernel.{name}", returns="Kernel", radius="Float", units="String", normalize="Boolean",
              magnitude="Float")(impl)


for _name in DISTANCES:
    _register_distance(_name)


@algorithm("Kernel.rectangle", returns="Kernel", xRadius="Float", yRadius="Float", units="String",
           normalize="Boolean", magnitude="Float")
def rectangle(xRadius: float, yRadius: float, units: str = "pixels", normalize: bool = True,
              magnitude: float = 1.0) -> Kernel:
    """A rectangle of 2 floor(xRadius) + 1 by 2 floor(yRadius) + 1 cells."""
    def make(mpp: float) -> Weights:
        nx = int(math.floor(_radius_px(as_number(xRadius, "xRadius"), units, mpp) + 1e-9))
        ny = int(math.floor(_radius_px(as_number(yRadius, "yRadius"), units, mpp) + 1e-9))
        return _finish(np.ones((2 * ny + 1, 2 * nx + 1)), normalize, magnitude), nx, ny
    return Kernel(make, units)


@algorithm("Kernel.gaussian", returns="Kernel", radius="Float", sigma="Float", units="String", normalize="Boolean",
           magnitude="Float")
def gaussian(radius: float, sigma: float = 1.0, units: str = "pixels", normalize: bool = True,
             magnitude: float = 1.0) -> Kernel:
    """exp(-(dx² + dy²) / (2 sigma²)) on a square of radius floor(radius); sigma in the same units."""
    def make(mpp: float) -> Weights:
        r = _radius_px(as_number(radius, "radius"), units, mpp)
        s = _radius_px(as_number(sigma, "sigma"), units, mpp)
        n = int(math.floor(r + 1e-9))
        dy, dx = np.mgrid[-n:n + 1, -n:n + 1].astype(float)
        return _finish(np.exp(-(dx**2 + dy**2) / (2 * s * s)), normalize, magnitude), n, n
    return Kernel(make, units)


@algorithm("Kernel.fixed", returns="Kernel", width="Integer", height="Integer", weights="List<List<Object>>",
           x="Integer", y="Integer", normalize="Boolean")
def fixed(weights: list, width: int = -1, height: int = -1, x: int = -1, y: int = -1,
          normalize: bool = False) -> Kernel:
    """Given weights (rows top to bottom); the centre defaults to (width // 2, height // 2)."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise InvalidArgument("Kernel.fixed: weights must be a list of equally long rows.")
    if (width not in (-1, None) and width != w.shape[1]) or (height not in (-1, None) and height != w.shape[0]):
        raise InvalidArgument(f"Kernel.fixed: weights are {w.shape[1]}x{w.shape[0]}, not {width}x{height}.")
    cx = w.shape[1] // 2 if x in (-1, None) else int(x)
    cy = w.shape[0] // 2 if y in (-1, None) else int(y)
    out = _finish(w, normalize, 1.0)
    return Kernel(lambda mpp: (out, cx, cy))


_NAMED = {
    "laplacian4": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "laplacian8": [[1, 1, 1], [1, -8, 1], [1, 1, 1]],
    "sobel": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "prewitt": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "kirsch": [[5, 5, 5], [-3, 0, -3], [-3, -3, -3]],
    "compass": [[1, 1, -1], [1, -2, -1], [1, 1, -1]],
    "roberts": [[1, 0], [0, -1]],
}


def _register_named(name: str, rows: list) -> None:
    def impl(magnitude: float = 1.0, normalize: bool = False) -> Kernel:
        w = _finish(np.asarray(rows, float), normalize, magnitude)
        c = (w.shape[1] - 1) // 2
        return Kernel(lambda mpp: (w, c, c))

    impl.__doc__ = f"The {name} kernel {rows}."
    algorithm(f"Kernel.{name}", returns="Kernel", magnitude="Float", normalize="Boolean")(impl)


for _name, _rows in _NAMED.items():
    _register_named(_name, _rows)


@algorithm("Kernel.rotate", returns="Kernel", kernel="Kernel", rotations="Integer")
def rotate(kernel: Kernel, rotations: int) -> Kernel:
    """Rotate by 90° steps, clockwise for positive `rotations` (EE: negative numbers rotate counterclockwise)."""
    def make(mpp: float) -> Weights:
        w, cx, cy = kernel.weights(mpp)
        h, wd = w.shape
        k = int(rotations) % 4
        for _ in range(k):  # clockwise: (row, col) -> (col, h - 1 - row)
            w, (cx, cy), (h, wd) = np.rot90(w, -1), (h - 1 - cy, cx), (wd, h)
        return w, cx, cy
    return Kernel(make, kernel.units)


@algorithm("Kernel.add", returns="Kernel", kernel1="Kernel", kernel2="Kernel", normalize="Boolean")
def add(kernel1: Kernel, kernel2: Kernel, normalize: bool = False) -> Kernel:
    """The sum of two kernels aligned at their centres."""
    def make(mpp: float) -> Weights:
        (w1, x1, y1), (w2, x2, y2) = kernel1.weights(mpp), kernel2.weights(mpp)
        left, top = max(x1, x2), max(y1, y2)
        right = max(w1.shape[1] - x1, w2.shape[1] - x2)
        bottom = max(w1.shape[0] - y1, w2.shape[0] - y2)
        out = np.zeros((top + bottom, left + right))
        out[top - y1:top - y1 + w1.shape[0], left - x1:left - x1 + w1.shape[1]] += w1
        out[top - y2:top - y2 + w2.shape[0], left - x2:left - x2 + w2.shape[1]] += w2
        return _finish(out, normalize, 1.0), left, top
    return Kernel(make, kernel1.units)


@algorithm("Kernel.inverse", returns="Kernel", kernel="Kernel")
def inverse(kernel: Kernel) -> Kernel:
    """All weights negated."""
    def make(mpp: float) -> Weights:
        w, cx, cy = kernel.weights(mpp)
        return -w, cx, cy
    return Kernel(make, kernel.units)
