"""Object-based image algorithms: connected regions of equal values (connectedPixelCount, connectedComponents,
reduceConnectedComponents); the union-find runs in kernels/connected.py."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels.connected import component_roots, region_sizes
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe
from ee_assets.local.values.kernel import Kernel

IMG = "Image<unknown bands>"
MAX_SIZE_LIMIT = 1024  # EE's documented maximum for maxSize


@dataclass(eq=False)
class ConnectedCountRecipe(Recipe):
    """Counts are computed on the grid padded by maxSize pixels, so regions crossing the grid's edge are counted
    whole up to maxSize (as EE, which also stops counting at maxSize)."""

    input: Recipe
    max_size: int
    eight: bool

    def compute(self, grid: Grid) -> Pixels:
        pad = self.max_size
        padded = grid.window(-pad, -pad, grid.width + 2 * pad, grid.height + 2 * pad)
        values, mask = self.input.evaluate(padded)
        counts = region_sizes(values, mask > 0, self.eight)
        inner = (slice(pad, pad + grid.height), slice(pad, pad + grid.width))
        return np.minimum(counts[inner], self.max_size).astype(np.float64), mask[inner]


@algorithm("Image.connectedPixelCount", returns=IMG, input=IMG, maxSize="Integer", eightConnected="Boolean")
def connected_pixel_count(input: Image, maxSize: int = 100, eightConnected: bool = True) -> Image:
    """Per pixel, how many pixels (itself included, at most maxSize) its region of equal unmasked values has;
    neighbours are 8-connected unless eightConnected is false. Band names are kept; the type is int32."""
    size = int(maxSize)
    if not 1 <= size <= MAX_SIZE_LIMIT:
        raise InvalidArgument(f"Image.connectedPixelCount: maxSize must be between 1 and {MAX_SIZE_LIMIT}, "
                              f"got {size}.")
    img = as_image(input, "input")
    return img.with_bands([Band(b.name, np.dtype(np.int32), b.projection,
                                ConnectedCountRecipe(b.recipe, size, bool(eightConnected)), b.extent)
                           for b in img.bands])


# -- labelled objects ----------------------------------------------------------------------------------------------


def kernel_offsets(kernel) -> np.ndarray:
    """The (dr, dc) neighbour offsets a connectedness kernel covers (its non-zero cells but the centre)."""
    w, cx, cy = kernel.weights(1.0)
    cells = [(r - cy, c - cx) for r in range(w.shape[0]) for c in range(w.shape[1]) if w[r, c] != 0
             and (r, c) != (cy, cx)]
    return np.array(cells or [(0, 1)], dtype=np.int64).reshape(-1, 2)


EIGHT = np.array([(0, 1), (1, 0), (1, 1), (1, -1)], dtype=np.int64)


@dataclass(eq=False)
class ObjectsRecipe(Recipe):
    """Labels (or per-object statistics) of regions of equal `label` values no bigger than max_size pixels,
    computed on the grid padded by max_size so that every such region is seen whole from any tile."""

    label: Recipe
    max_size: int
    offsets: np.ndarray
    value: Recipe | None = None
    kind: str = "labels"

    def compute(self, grid: Grid) -> Pixels:
        pad = self.max_size
        padded = grid.window(-pad, -pad, grid.width + 2 * pad, grid.height + 2 * pad)
        labels, mask = self.label.evaluate(padded)
        roots = component_roots(labels, mask > 0, self.offsets)
        flat = roots.ravel()
        ok = flat >= 0
        sizes = np.bincount(flat[ok], minlength=flat.size)
        keep = ok.copy()
        keep[ok] = sizes[flat[ok]] <= self.max_size
        inner = (slice(pad, pad + grid.height), slice(pad, pad + grid.width))
        if self.kind == "labels":
            rows, cols = np.divmod(np.maximum(flat, 0), padded.width)
            # A globally unique id: the grid-aligned position of the region's first pixel.
            t = padded.transform
            gx = np.floor(t.c / t.a + 0.5).astype(np.int64) + cols if t.a else cols
            gy = np.floor(t.f / t.e + 0.5).astype(np.int64) + rows if t.e else rows
            ids = (gy * (1 << 26) + gx).astype(np.float64)
            out = np.where(keep, ids, 0.0).reshape(roots.shape)
            return out[inner], np.where(keep.reshape(roots.shape), mask, 0.0).astype(np.float32)[inner]
        values, vmask = self.value.evaluate(padded)
        use = keep & (vmask.ravel() > 0)
        stat = _object_statistic(self.kind, flat[use], values.ravel()[use], flat.size)
        out = np.where(keep, stat[np.maximum(flat, 0)], 0.0).reshape(roots.shape)
        has = np.bincount(flat[use], minlength=flat.size) > 0
        valid = keep & has[np.maximum(flat, 0)]
        return out[inner], valid.reshape(roots.shape).astype(np.float32)[inner]


def _object_statistic(kind: str, ids: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    count = np.bincount(ids, minlength=size).astype(np.float64)
    if kind == "count":
        return count
    total = np.bincount(ids, weights=values, minlength=size)
    if kind == "sum":
        return total
    with np.errstate(all="ignore"):
        mean = total / np.where(count > 0, count, 1)
        if kind == "mean":
            return mean
        if kind in ("stdDev", "variance"):
            var = np.bincount(ids, weights=values**2, minlength=size) / np.where(count > 0, count, 1) - mean**2
            var = np.maximum(var, 0.0)
            return var if kind == "variance" else np.sqrt(var)
    out = np.full(size, np.inf if kind == "min" else -np.inf)
    (np.minimum if kind == "min" else np.maximum).at(out, ids, values)
    return out


OBJECT_REDUCERS = ("mean", "sum", "count", "min", "max", "stdDev", "variance")


@algorithm("Image.connectedComponents", returns=IMG, image=IMG, connectedness="Kernel", maxSize="Integer")
def connected_components(image: Image, connectedness, maxSize: int) -> Image:
    """The input plus band 'labels': one id per region of equal first-band values (neighbours are the
    connectedness kernel's cells); regions over maxSize pixels are background (masked). Ids are unique and the
    same from any request, but are not EE's numbers."""
    op = "Image.connectedComponents"
    if not isinstance(connectedness, Kernel):
        raise InvalidArgument(f"{op}: 'connectedness' must be a Kernel (ee.Kernel.plus(1) or ee.Kernel.square(1)).")
    size = int(maxSize)
    if not 1 <= size <= MAX_SIZE_LIMIT:
        raise InvalidArgument(f"{op}: maxSize must be between 1 and {MAX_SIZE_LIMIT}, got {size}.")
    img = as_image(image)
    if not img.bands:
        raise InvalidArgument(f"{op}: the image has no bands.")
    first = img.bands[0]
    recipe = ObjectsRecipe(first.recipe, size, kernel_offsets(connectedness))
    return img.with_bands([*img.bands, Band("labels", np.dtype(np.int64), first.projection, recipe, first.extent)])


@algorithm("Image.reduceConnectedComponents", returns=IMG, image=IMG, reducer="Reducer", labelBand="String",
           maxSize="Integer")
def reduce_connected_components(image: Image, reducer, labelBand: str | None = None, maxSize: int = 256) -> Image:
    """Every other band reduced over each 8-connected object of equal `labelBand` values (default: the first
    band), the object's statistic in each of its pixels; objects over maxSize pixels are masked."""
    op = "Image.reduceConnectedComponents"
    img = as_image(image)
    names = img.band_names
    label = labelBand if labelBand is not None else (names[0] if names else None)
    if label not in names:
        raise InvalidArgument(f"{op}: label band '{label}' not found; the image has {names}.")
    if len(reducer.leaves) != 1 or reducer.leaves[0].kind not in OBJECT_REDUCERS:
        raise InvalidArgument(f"{op}: the reducer must be one of {', '.join(OBJECT_REDUCERS)}.")
    size = int(maxSize)
    if not 1 <= size <= MAX_SIZE_LIMIT:
        raise InvalidArgument(f"{op}: maxSize must be between 1 and {MAX_SIZE_LIMIT}, got {size}.")
    kind = reducer.leaves[0].kind
    label_band = img.bands[names.index(label)]
    out = []
    for b in img.bands:
        if b.name == label:
            continue
        dtype = b.dtype if kind in ("min", "max") else np.dtype(np.int64 if kind == "count" else np.float64)
        recipe = ObjectsRecipe(label_band.recipe, size, EIGHT, b.recipe, kind)
        out.append(Band(b.name, dtype, b.projection, recipe, b.extent))
    if not out:
        raise InvalidArgument(f"{op}: the image needs bands besides the label band '{label}'.")
    return img.with_bands(out)
