"""Neighbourhood operations: Image.convolve, reduceNeighborhood, the focal filters, entropy, distance and derivatives
(the kernels come from Kernel.*, algorithms/kernels.py).

A neighbourhood is computed on the requested grid (EE computes neighbourhoods in the output projection, which is
why scripts reproject first): the input is evaluated on the grid padded by the kernel's reach, and each output
pixel combines the unmasked neighbours the kernel covers. Pixels beyond the input are masked neighbours. With
skipMasked (the default) a pixel whose own input is masked stays masked. The kernel is applied as a correlation:
weight (row cy + dy, col cx + dx) multiplies the neighbour dy rows below and dx columns right of the pixel.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.kernels import SHAPES, distance_kernel
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels import composite as composite_kernels
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe
from ee_assets.local.values.kernel import Kernel
from ee_assets.local.values.projection import Projection
from ee_assets.local.values.reducer import Reducer


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


IMG = "Image<unknown bands>"
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
    k = kernel if kernel is not None else distance_kernel("euclidean", 1.5)
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
