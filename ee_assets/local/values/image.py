"""Lazy EE images: per-band recipes evaluated only on the pixel grid a request needs.

A recipe is a small object with `compute(grid) -> (values, mask)`: values float64,
mask float32 in [0, 1] (0 = masked), both shaped like the grid. Nothing is read
or computed until a request (computePixels, a reduction) asks for a grid, and a
per-request cache makes a recipe shared by several bands or images run once.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ee_assets.local import budget
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import Geometry, transformer
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.jsonify import to_json
from ee_assets.local.values.pixel_type import PixelType
from ee_assets.local.values.projection import DEFAULT_PROJECTION, Projection

if TYPE_CHECKING:  # the kernels' input type, named here only
    from ee_assets.local.kernels.pixel_blocks import PixelBlocks

Pixels = tuple[np.ndarray, np.ndarray]

_pixel_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar("pixel_cache", default=None)


def new_pixel_cache() -> contextvars.Token:
    """Start a per-request cache of evaluated recipes; reset with `_pixel_cache.reset(token)`."""
    return _pixel_cache.set({})


def reset_pixel_cache(token: contextvars.Token) -> None:
    _pixel_cache.reset(token)


class Recipe:
    """How to compute one band on any grid."""

    # Bytes per output pixel that `compute` allocates besides its output and its inputs' pixels (a neighbourhood
    # stacked per pixel, a graph): tiles are sized by it (kernels/working_set.py) and it is held in the request's
    # budget while `compute` runs.
    scratch_bytes_per_pixel: int = 0

    def compute(self, grid: Grid) -> Pixels:  # pragma: no cover - abstract
        raise NotImplementedError

    def scratch_bytes(self, grid: Grid) -> int:
        """The scratch memory computing on `grid` takes (scratch_bytes_per_pixel per pixel unless overridden)."""
        return self.scratch_bytes_per_pixel * grid.width * grid.height

    def evaluate(self, grid: Grid) -> Pixels:
        cache = _pixel_cache.get()
        if cache is None:
            budget.charge_pixels(grid.width * grid.height)
            return self._compute_held(grid)
        key = (id(self), grid)
        hit = cache.get(key)
        if hit is None:
            budget.charge_pixels(grid.width * grid.height)  # before computing: refused if over the request's budget
            hit = cache[key] = (self, self._compute_held(grid))  # keep self alive so id() stays unique
        return hit[1]

    def _compute_held(self, grid: Grid) -> Pixels:
        scratch = self.scratch_bytes(grid)
        if not scratch:
            return self.compute(grid)
        with budget.holding(scratch, f"{type(self).__name__} on {grid.width:,} x {grid.height:,} pixels"):
            return self.compute(grid)

    def evaluate_native(self, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
        """For reductions, whose kernels take any real values and any 0/1 mask: the pixels in a cheaper form
        when the recipe has one (a file band read on its own grid: float32 values, uint8 mask), else `evaluate`."""
        return self.evaluate(grid)

    def pixel_blocks(self, grid: Grid) -> PixelBlocks | None:
        """For weighted zonal sums: the band's pixels on `grid` where they already lie (a file band on its own
        grid, memory-mapped), read without a copy; None when the recipe has no such form (then evaluate)."""
        return None


@dataclass(eq=False)
class ConstantRecipe(Recipe):
    value: float

    def compute(self, grid: Grid) -> Pixels:
        return np.full(grid.shape, float(self.value)), np.ones(grid.shape, np.float32)


@dataclass(eq=False)
class MapRecipe(Recipe):
    """A pixelwise function of other recipes: fn(list of (values, mask)) -> (values, mask)."""

    fn: Callable[[list[Pixels]], Pixels]
    inputs: tuple[Recipe, ...]

    def compute(self, grid: Grid) -> Pixels:
        return self.fn([r.evaluate(grid) for r in self.inputs])


@dataclass(eq=False)
class GridRecipe(Recipe):
    """A recipe that needs the grid itself (pixel coordinates, areas, clipping)."""

    fn: Callable[[Grid, list[Pixels]], Pixels]
    inputs: tuple[Recipe, ...] = ()

    def compute(self, grid: Grid) -> Pixels:
        return self.fn(grid, [r.evaluate(grid) for r in self.inputs])


@dataclass(eq=False)
class Band:
    name: str
    dtype: np.dtype
    projection: Projection
    recipe: Recipe
    extent: Grid | None = None  # the native pixel grid; None for unbounded bands (constants, composites)

    def derive(self, recipe: Recipe, dtype=None, name: str | None = None) -> Band:
        return replace(self, recipe=recipe, dtype=np.dtype(dtype or self.dtype), name=name or self.name)


@dataclass(eq=False)
class Image:
    bands: list[Band]
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def band_names(self) -> list[str]:
        return [b.name for b in self.bands]

    def with_bands(self, bands: Sequence[Band], **props) -> Image:
        return Image(list(bands), {**self.properties, **props})

    def select(self, selectors: Sequence, new_names: Sequence[str] | None = None) -> Image:
        """EE's Image.select: bands by index or by regular expression (a name that is not a valid pattern matches
        itself), in selector order, optionally renamed."""
        chosen: list[Band] = []
        if selectors and not self.bands:  # EE's message for this case
            raise InvalidArgument(f"Image.select: Band pattern '{selectors[0]}' was applied to an Image with no "
                                  "bands.")
        for sel in selectors:
            if isinstance(sel, bool) or not isinstance(sel, (str, int, float)):
                raise InvalidArgument(f"Image.select: Invalid band selector {sel!r}.")
            if isinstance(sel, (int, float)):
                idx = int(sel)
                if not 0 <= idx < len(self.bands):
                    raise InvalidArgument(f"Image.select: Band index {idx} out of bounds "
                                          f"(image has {len(self.bands)} bands).")
                chosen.append(self.bands[idx])
                continue
            try:
                pattern = re.compile(sel)
            except re.error:
                pattern = re.compile(re.escape(sel))
            matched = [b for b in self.bands if pattern.fullmatch(b.name)]
            if not matched:
                raise InvalidArgument(f"Image.select: Pattern '{sel}' did not match any bands.")
            chosen.extend(matched)
        if new_names is not None:
            if len(new_names) != len(chosen):
                raise InvalidArgument(f"Image.select: Selected {len(chosen)} bands but got {len(new_names)} new "
                                      "names.")
            chosen = [b.derive(b.recipe, name=n) for b, n in zip(chosen, new_names, strict=True)]
        return self.with_bands(chosen)

    def projection(self) -> Projection:
        """The projection of the first band, EE's `Image.projection` (the default 1° WGS84 when bandless)."""
        return self.bands[0].projection if self.bands else DEFAULT_PROJECTION

    def native_grid(self) -> Grid | None:
        return self.bands[0].extent if self.bands else None

    def footprint(self) -> Geometry | None:
        """The image footprint in EPSG:4326, or None when unbounded."""
        fp = self.properties.get("system:footprint")
        if isinstance(fp, Geometry):
            return fp
        grid = self.native_grid()
        if grid is None:
            return None
        minx, miny, maxx, maxy = grid.bounds
        box = shapely.segmentize(shapely.box(minx, miny, maxx, maxy), max(maxx - minx, maxy - miny) / 16)
        t = transformer(grid.crs, "EPSG:4326")
        ring = np.asarray(box.exterior.coords)
        lon, lat = t.transform(ring[:, 0], ring[:, 1])
        return Geometry(shapely.Polygon(np.column_stack([lon, lat])), "EPSG:4326", False)

    def to_json(self) -> dict:
        props = {k: v for k, v in self.properties.items() if k not in ("system:id", "system:version")}
        out: dict[str, Any] = {"type": "Image", "bands": [band_info(b) for b in self.bands]}
        if "system:id" in self.properties:
            out["id"] = self.properties["system:id"]
            out["version"] = self.properties.get("system:version", 1)
        if props:
            out["properties"] = to_json(props)
        return out


def band_info(band: Band) -> dict:
    info: dict[str, Any] = {
        "id": band.name,
        "data_type": PixelType.of(band.dtype).to_json(),
        "crs": band.projection.crs,
        "crs_transform": band.projection.to_json()["transform"],
    }
    if band.extent is not None:
        info["dimensions"] = [band.extent.width, band.extent.height]
    if isinstance(band, ArrayBand) and band.shape:  # EE reports the array's rank
        info["data_type"]["dimensions"] = len(band.shape)
    return info


def constant_band(value: float, name: str = "constant") -> Band:
    v = float(value)
    if v.is_integer() and abs(v) < 2**31:
        dtype = np.min_scalar_type(int(v))
    else:
        dtype = np.dtype(np.float64)
    return Band(name, np.dtype(dtype), DEFAULT_PROJECTION, ConstantRecipe(v))


# -- array bands: every pixel holds an array of one fixed shape ------------------------------------------------
@dataclass(eq=False)
class ArrayBand(Band):
    """A band of array pixels; `shape` is the array shape of every pixel."""

    shape: tuple[int, ...] = ()

    @property
    def dimensions(self) -> int:
        return len(self.shape)


def is_array(band: Band) -> bool:
    return isinstance(band, ArrayBand)


@dataclass(eq=False)
class ConstantArrayRecipe(Recipe):
    value: np.ndarray

    def compute(self, grid: Grid) -> Pixels:
        values = np.broadcast_to(self.value.astype(np.float64), grid.shape + self.value.shape)
        return values, np.ones(grid.shape, np.float32)


def constant_array_image(value: np.ndarray) -> Image:
    """Image.constant of an ee.Array: one band 'constant' holding the array in every pixel."""
    arr = np.asarray(value, dtype=np.float64)
    dtype = np.dtype(np.int64) if np.all(np.asarray(value) == np.round(arr)) and np.asarray(value).dtype.kind in \
        "iu" else np.dtype(np.float64)
    return Image([ArrayBand("constant", dtype, DEFAULT_PROJECTION, ConstantArrayRecipe(arr), None, arr.shape)])
