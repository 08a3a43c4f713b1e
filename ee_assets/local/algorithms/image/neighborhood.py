"""Kernels and neighbourhood operations: Kernel.*, Image.convolve, Image.reduceNeighborhood and the focal filters.

A neighbourhood is computed on the requested grid (EE computes neighbourhoods in the output projection, which is
why scripts reproject first): the input is evaluated on the grid padded by the kernel's reach, and each output
pixel combines the unmasked neighbours the kernel covers. Pixels beyond the input are masked neighbours. With
skipMasked (the default) a pixel whose own input is masked stays masked. The kernel is applied as a correlation:
weight (row cy + dy, col cx + dx) multiplies the neighbour dy rows below and dx columns right of the pixel.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.coerce import as_image, as_number
from ee_assets.local.algorithms.image import IMG
from ee_assets.local.algorithms.registry import REGISTRY, algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels import composite as composite_kernels
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe
from ee_assets.local.values.projection import Projection
from ee_assets.local.values.reducer import Reducer

Weights = tuple[np.ndarray, int, int]  # (weights (h, w), centre column, centre row)


@dataclass(frozen=True)
class Kernel:
    """A kernel whose weights may depend on the pixel size (kernels given in metres)."""

    make: Callable[[float], Weights]
    units: str = "pixels"

    def weights(self, metres_per_pixel: float = 1.0) -> Weights:
        return self.make(metres_per_pixel)

    def to_json(self) -> dict:
        w, x, y = self.make(1.0)
        out = {"type": "Kernel", "width": int(w.shape[1]), "height": int(w.shape[0]), "x": x, "y": y,
               "weights": w.tolist()}
        if self.units != "pixels":
            out["units"] = self.units
        return out


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


def _register_distance(name: str, metric) -> None:
    build = _shaped(lambda dx, dy, r, m=metric: m(dx, dy) <= r + 1e-9, weight=metric)

    def impl(radius: float, units: str = "pixels", normalize: bool = False, magnitude: float = 1.0) -> Kernel:
        kernel = build(radius, units, normalize, magnitude)
        if units != "meters" or normalize:
            return kernel

        def in_metres(mpp: float) -> Weights:  # distances in the kernel's units
            w, cx, cy = kernel.make(mpp)
            return w * mpp, cx, cy
        return Kernel(in_metres, units)

    impl.__doc__ = f"A distance kernel: each cell within `radius` weighs its {name} distance from the centre."
    algorithm(f"Kernel.{name}", returns="Kernel", radius="Float", units="String", normalize="Boolean",
              magnitude="Float")(impl)


for _name, _metric in DISTANCES.items():
    _register_distance(_name, _metric)


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


# -- applying kernels -------------------------------------------------------------------------------------------
def _stack_stat(kind: str, values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A statistic over axis 0 of the valid entries: (result, any valid)."""
    any_valid = valid.any(axis=0)
    if kind == "entropy":  # -Σ p log2 p over the distinct values of the window
        out = np.zeros(values.shape[1:])
        n = valid.sum(axis=0)
        for v in np.unique(values[valid]):
            count = ((values == v) & valid).sum(axis=0)
            with np.errstate(all="ignore"):
                p = np.where(n > 0, count / np.where(n > 0, n, 1), 0.0)
                out -= np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0.0)
        return out, any_valid
    if kind == "mode":
        out = np.zeros(values.shape[1:])
        best = np.zeros(values.shape[1:])
        for v in np.unique(values[valid]):  # ties: the smallest value
            count = ((values == v) & valid).sum(axis=0)
            better = count > best
            out, best = np.where(better, v, out), np.where(better, count, best)
        return out, any_valid
    nan = np.where(valid, values, np.nan)
    fn = {"median": np.nanmedian, "stdDev": np.nanstd, "variance": np.nanvar}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.where(any_valid, fn(nan, axis=0), 0.0), any_valid


STACKED = {"median", "mode", "stdDev", "variance", "entropy"}
SUPPORTED = {"sum", "mean", "min", "max", "count", "distance"} | STACKED


@dataclass(eq=False)
class NeighborhoodRecipe(Recipe):
    input: Recipe
    kernel: Kernel
    kind: str
    skip_masked: bool = True
    weighted: bool = True  # inputWeight 'kernel' (False: 'mask', every covered neighbour weighs its mask)

    def compute(self, grid: Grid) -> Pixels:
        mpp = Projection(grid.crs, tuple(grid.transform)[:6]).nominal_scale()
        w, cx, cy = self.kernel.weights(mpp)
        kh, kw = w.shape
        padded = grid.window(-cx, -cy, grid.width + kw - 1, grid.height + kh - 1)
        values, mask = self.input.evaluate(padded)
        h, wd = grid.shape
        taps = [(i, j, w[i, j]) for i in range(kh) for j in range(kw)
                if w[i, j] != 0 or (self.kind == "distance" and (i, j) == (cy, cx))]
        shifted = [(values[i:i + h, j:j + wd], mask[i:i + h, j:j + wd], k) for i, j, k in taps]
        centre_mask = mask[cy:cy + h, cx:cx + wd]
        out, valid = self._reduce(shifted, (h, wd))
        out_mask = valid.astype(np.float32)
        if self.skip_masked:
            out_mask = np.where(centre_mask > 0, out_mask, 0.0).astype(np.float32)
        return np.where(out_mask > 0, out, 0.0), out_mask

    def _reduce(self, shifted, shape) -> tuple[np.ndarray, np.ndarray]:
        kind = self.kind
        if not shifted:
            return np.zeros(shape), np.zeros(shape, bool)
        if kind == "median":  # the compiled per-pixel median of the composites, over the shifted neighbours
            out, valid = composite_kernels.median([(np.ascontiguousarray(v), np.ascontiguousarray(m))
                                                   for v, m, _ in shifted])
            return out, valid > 0
        if kind in STACKED:
            values = np.stack([v for v, _, _ in shifted])
            valid = np.stack([m > 0 for _, m, _ in shifted])
            return _stack_stat(kind, values, valid)
        if kind == "distance":  # the smallest kernel weight (a distance) among the non-zero neighbours
            best = np.full(shape, np.inf)
            for v, m, k in shifted:
                best = np.where((m > 0) & (v != 0), np.minimum(best, k), best)
            found = np.isfinite(best)
            return np.where(found, best, 0.0), found
        total, weight, count = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        best = np.full(shape, np.inf if kind == "min" else -np.inf)
        for v, m, k in shifted:
            ok = m > 0
            wk = (k if self.weighted else 1.0) * np.where(ok, m, 0.0)
            total += wk * np.where(ok, v, 0.0)
            weight += wk
            count += ok
            if kind == "min":
                best = np.where(ok, np.minimum(best, v), best)
            elif kind == "max":
                best = np.where(ok, np.maximum(best, v), best)
        any_valid = count > 0
        if kind == "sum":
            return total, any_valid
        if kind == "count":
            return count, np.ones(shape, bool)
        if kind == "mean":
            with np.errstate(all="ignore"):
                return np.where(weight != 0, total / np.where(weight != 0, weight, 1), 0.0), any_valid
        return np.where(any_valid, best, 0.0), any_valid


def _neighborhood(image: Image, kernel: Kernel, kind: str, suffix: str | None, skip_masked: bool = True,
                  weighted: bool = True, op: str = "Image.reduceNeighborhood") -> Image:
    if not isinstance(kernel, Kernel):
        raise InvalidArgument(f"{op}: 'kernel' must be a Kernel (ee.Kernel.square(1), …).")
    if kind not in SUPPORTED:
        raise InvalidArgument(f"{op}: reducer '{kind}' is not supported; use one of {sorted(SUPPORTED)}.")
    bands = []
    for b in image.bands:
        recipe = NeighborhoodRecipe(b.recipe, kernel, kind, skip_masked, weighted)
        dtype = b.dtype if kind in ("min", "max", "mode") else np.dtype(np.float64)
        if kind == "count":
            dtype = np.dtype(np.int64)
        name = f"{b.name}_{suffix}" if suffix else b.name
        bands.append(Band(name, dtype, b.projection, recipe, b.extent))
    return image.with_bands(bands)


@algorithm("Image.convolve", returns=IMG, image=IMG, kernel="Kernel")
def convolve(image: Image, kernel: Kernel) -> Image:
    """Σ weight × neighbour over the unmasked neighbours (a correlation, see the module docstring); names kept."""
    return _neighborhood(as_image(image), kernel, "sum", None, op="Image.convolve")


@algorithm("Image.reduceNeighborhood", returns=IMG, image=IMG, reducer="Reducer", kernel="Kernel",
           inputWeight="String", skipMasked="Boolean", optimization="String")
def reduce_neighborhood(image: Image, reducer: Reducer, kernel: Kernel, inputWeight: str = "kernel",
                        skipMasked: bool = True, optimization: str | None = None) -> Image:
    """`reducer` over each pixel's neighbourhood; bands are named '<band>_<output>' as in EE."""
    if inputWeight not in ("kernel", "mask"):
        raise InvalidArgument(f"Image.reduceNeighborhood: inputWeight must be 'kernel' or 'mask', got "
                              f"{inputWeight!r}.")
    if len(reducer.leaves) != 1:
        raise InvalidArgument("Image.reduceNeighborhood: combined reducers are not supported; call it per reducer.")
    leaf = reducer.leaves[0]
    return _neighborhood(as_image(image), kernel, leaf.kind, leaf.outputs[0], bool(skipMasked),
                         inputWeight == "kernel")


FOCAL_SHAPES = {"circle", "square", "cross", "plus", "diamond"}


def _register_focal(kind: str) -> None:
    def impl(image: Image, radius: float = 1.5, kernelType: str = "circle", units: str = "pixels",
             iterations: int = 1, kernel: Kernel | None = None) -> Image:
        op = f"Image.focal{kind[0].upper()}{kind[1:]}"
        if kernel is None:
            if kernelType not in FOCAL_SHAPES:
                raise InvalidArgument(f"{op}: kernelType must be one of {sorted(FOCAL_SHAPES)}, got {kernelType!r}.")
            kernel = SHAPES[kernelType](radius, units, False, 1.0)
        out = as_image(image)
        for _ in range(max(1, int(iterations))):
            out = _neighborhood(out, kernel, kind, None, op=op)
        return out

    impl.__doc__ = f"The {kind} of each pixel's neighbourhood (a circle of radius 1.5 pixels by default)."
    for name in (f"focal{kind[0].upper()}{kind[1:]}", f"focal_{kind}"):
        algorithm(f"Image.{name}", returns=IMG, image=IMG, radius="Float", kernelType="String", units="String",
                  iterations="Integer", kernel="Kernel")(impl)


for _kind in ("mean", "max", "min", "median", "mode"):
    _register_focal(_kind)


@algorithm("Image.entropy", returns=IMG, image=IMG, kernel="Kernel")
def entropy(image: Image, kernel: Kernel) -> Image:
    """-Σ p log2 p of the values in each pixel's window (p: each distinct value's share of the unmasked cells)."""
    return _neighborhood(as_image(image), kernel, "entropy", None, op="Image.entropy")


@algorithm("Image.distance", returns=IMG, image=IMG, kernel="Kernel", skipMasked="Boolean")
def distance(image: Image, kernel: Kernel | None = None, skipMasked: bool = True) -> Image:
    """The distance to the nearest non-zero pixel, read from a distance kernel's weights (default
    Kernel.euclidean(1.5, 'pixels')); masked where no non-zero pixel is within the kernel."""
    k = kernel if kernel is not None else REGISTRY["Kernel.euclidean"].fn(1.5)
    return _neighborhood(as_image(image), k, "distance", None, bool(skipMasked), op="Image.distance")


# -- derivatives ------------------------------------------------------------------------------------------------------
@dataclass(eq=False)
class DifferenceRecipe(Recipe):
    """Central differences (f[+1] - f[-1]) / 2 along x (columns) or y (rows) on the grid padded by one pixel,
    divided by `per` (the pixel size in metres, for gradients); masked where either neighbour is masked."""

    input: Recipe
    axis: str
    per_metre: bool
    north_up: bool

    def compute(self, grid: Grid) -> Pixels:
        padded = grid.window(-1, -1, grid.width + 2, grid.height + 2)
        values, mask = self.input.evaluate(padded)
        h, w = grid.shape
        if self.axis == "x":
            before, after = (slice(1, h + 1), slice(0, w)), (slice(1, h + 1), slice(2, w + 2))
        else:
            before, after = (slice(0, h), slice(1, w + 1)), (slice(2, h + 2), slice(1, w + 1))
        diff = (values[after] - values[before]) / 2
        if self.axis == "y" and self.north_up:
            diff = -diff  # rows run south; report the change northwards
        if self.per_metre:
            t = grid.transform
            size = Projection(grid.crs, tuple(t)[:6]).nominal_scale() if self.axis == "x" else \
                Projection(grid.crs, (abs(t.e), 0.0, 0.0, 0.0, abs(t.e), 0.0)).nominal_scale()
            diff = diff / size
        ok = (mask[before] > 0) & (mask[after] > 0)
        return np.where(ok, diff, 0.0), ok.astype(np.float32)


@algorithm("Image.derivative", returns=IMG, image=IMG)
def derivative(image: Image) -> Image:
    """Bands '<band>_x' and '<band>_y': central differences in pixel units, x along columns (east) and y along
    rows (down), as 'in pixel coordinates' reads (EE does not document the stencil)."""
    img = as_image(image)
    bands = []
    for b in img.bands:
        for axis in ("x", "y"):
            bands.append(Band(f"{b.name}_{axis}", np.dtype(np.float64), b.projection,
                              DifferenceRecipe(b.recipe, axis, False, False), b.extent))
    return img.with_bands(bands)


@algorithm("Image.gradient", returns=IMG, input=IMG)
def gradient(input: Image) -> Image:
    """Bands 'x' and 'y' of the first band: the change per metre eastwards and northwards (central differences
    over the pixel size; EE documents only 'the x and y gradient', and its guide shows per-metre magnitudes)."""
    img = as_image(input, "input")
    if not img.bands:
        raise InvalidArgument("Image.gradient: the image has no bands.")
    b = img.bands[0]
    return img.with_bands([Band(axis, np.dtype(np.float64), b.projection, DifferenceRecipe(b.recipe, axis, True, True),
                                b.extent) for axis in ("x", "y")])
