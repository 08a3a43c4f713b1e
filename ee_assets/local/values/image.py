"""Lazy EE images: per-band recipes evaluated only on the pixel grid a request needs.

A recipe is a small object with `compute(grid) -> (values, mask)`: values float64,
mask float32 in [0, 1] (0 = masked), both shaped like the grid. Nothing is read
or computed until a request (computePixels, a reduction) asks for a grid, and a
per-request cache makes a recipe shared by several bands or images run once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely

from ee_assets.local.evaluator import budget
from ee_assets.local.kernels.resample import read_resampled
from ee_assets.local.values.geometry import Geometry, transformer
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.projection import DEFAULT_PROJECTION, Projection

Pixels = tuple[np.ndarray, np.ndarray]

_pixel_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar("pixel_cache", default=None)


def new_pixel_cache() -> contextvars.Token:
    """Start a per-request cache of evaluated recipes; reset with `_pixel_cache.reset(token)`."""
    return _pixel_cache.set({})


def reset_pixel_cache(token: contextvars.Token) -> None:
    _pixel_cache.reset(token)


class Recipe:
    """How to compute one band on any grid."""

    def compute(self, grid: Grid) -> Pixels:  # pragma: no cover - abstract
        raise NotImplementedError

    def evaluate(self, grid: Grid) -> Pixels:
        cache = _pixel_cache.get()
        if cache is None:
            budget.charge_pixels(grid.width * grid.height)
            return self.compute(grid)
        key = (id(self), grid)
        hit = cache.get(key)
        if hit is None:
            budget.charge_pixels(grid.width * grid.height)  # before computing: refused if over the request's budget
            hit = cache[key] = (self, self.compute(grid))  # keep self alive so id() stays unique
        return hit[1]


@dataclass(eq=False)
class SourceRecipe(Recipe):
    """One band of a file in the catalog, resampled (nearest) onto the requested grid."""

    path: str
    band_index: int  # 1-based
    grid: Grid
    nodata: float | None

    def compute(self, grid: Grid) -> Pixels:
        return read_resampled(self.path, self.band_index, self.grid, grid, self.nodata)


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
        from ee_assets.local.values.jsonify import to_json

        props = {k: v for k, v in self.properties.items() if k not in ("system:id", "system:version")}
        out: dict[str, Any] = {"type": "Image", "bands": [band_info(b) for b in self.bands]}
        if "system:id" in self.properties:
            out["id"] = self.properties["system:id"]
            out["version"] = self.properties.get("system:version", 1)
        if props:
            out["properties"] = to_json(props)
        return out


def pixel_type(dtype: np.dtype) -> dict:
    """EE's PixelType JSON for a numpy dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        info = np.iinfo(np.uint8 if dtype.kind == "b" else dtype)
        return {"type": "PixelType", "precision": "int", "min": int(info.min), "max": int(info.max)}
    return {"type": "PixelType", "precision": "float" if dtype.itemsize <= 4 else "double"}


def band_info(band: Band) -> dict:
    info: dict[str, Any] = {
        "id": band.name,
        "data_type": pixel_type(band.dtype),
        "crs": band.projection.crs,
        "crs_transform": band.projection.to_json()["transform"],
    }
    if band.extent is not None:
        info["dimensions"] = [band.extent.width, band.extent.height]
    if getattr(band, "shape", ()):  # array bands (algorithms/image_arrays.py): EE reports the array's rank
        info["data_type"]["dimensions"] = len(band.shape)
    return info


def constant_band(value: float, name: str = "constant") -> Band:
    v = float(value)
    if v.is_integer() and abs(v) < 2**31:
        dtype = np.min_scalar_type(int(v))
    else:
        dtype = np.dtype(np.float64)
    return Band(name, np.dtype(dtype), DEFAULT_PROJECTION, ConstantRecipe(v))
