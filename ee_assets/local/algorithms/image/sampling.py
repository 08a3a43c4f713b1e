"""Image.sample and Image.sampleRegions: pixel values at pixel centres inside regions, as features.

A pixel is sampled when its centre lies in the region (points sample the pixel that contains them), in the image's
projection or the one given by `projection`/`scale`. Random subsampling (`factor`, `numPixels`) keeps each pixel
with the same probability using numpy's generator seeded by `seed`: reproducible here, but not EE's sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from rasterio.features import geometry_mask

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_geometry, as_image, as_string_list
from ee_assets.local.algorithms.support.projection import pixel_window, sample_projection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image
from ee_assets.local.values.projection import Projection

IMG = "Image<unknown bands>"
MAX_SAMPLE_PIXELS = 10_000_000


@dataclass
class PixelTable:
    """The pixels of a region, column-wise: each band's values ((n,) or (n, *array shape) for array bands) and
    validity, in row-major order, and where they are (`rows`, `cols` on `grid`). Centres and Python values are made
    only for the rows asked for."""

    grid: Grid | None
    rows: np.ndarray
    cols: np.ndarray
    bands: list[Band]
    values: list[np.ndarray]
    valid: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.rows)

    def all_valid(self) -> np.ndarray:
        return np.logical_and.reduce(self.valid) if self.valid else np.ones(len(self), bool)

    def records(self, indices: np.ndarray | None = None) -> list[tuple[float, float, list]]:
        """(x, y, [value or None per band]) for the rows `indices` (default: all)."""
        idx = np.arange(len(self)) if indices is None else np.asarray(indices, dtype=np.int64)
        if idx.size == 0:
            return []
        columns = [_python_values(b, v[idx], m[idx]) for b, v, m in zip(self.bands, self.values, self.valid,
                                                                           strict=True)]
        xs, ys = self.grid.transform @ (self.cols[idx] + 0.5, self.rows[idx] + 0.5)
        xs, ys = np.asarray(xs, float).tolist(), np.asarray(ys, float).tolist()
        return [(xs[i], ys[i], [c[i] for c in columns]) for i in range(len(idx))]


def _python_values(band: Band, values: np.ndarray, valid: np.ndarray) -> list:
    """A band's values as JSON-ready Python values: int for integer bands, float otherwise, nested lists for array
    pixels, None where masked."""
    as_int = band.dtype.kind in "iub"
    if as_int:
        values = np.where(valid.reshape(valid.shape + (1,) * (values.ndim - 1)), values, 0).astype(np.int64)
    out = values.astype(np.float64).tolist() if not as_int else values.tolist()
    return [v if ok else None for v, ok in zip(out, valid.tolist(), strict=True)]


def region_pixels(op: str, image: Image, geom: Geometry, proj: Projection) -> PixelTable:
    """Every pixel of `image` whose centre lies in `geom` (points: the pixel containing them) on `proj`'s grid."""
    shape = geom.to(proj.crs)
    grid = pixel_window(proj, shape)
    empty = PixelTable(grid, np.zeros(0, np.int64), np.zeros(0, np.int64), list(image.bands),
                       [np.zeros(0) for _ in image.bands], [np.zeros(0, bool) for _ in image.bands])
    if grid is None:
        return empty
    if grid.width * grid.height > MAX_SAMPLE_PIXELS:
        raise InvalidArgument(f"{op}: the region covers {grid.width * grid.height} pixels at this scale (at most "
                              f"{MAX_SAMPLE_PIXELS}); use a coarser scale or a smaller region.")
    if shape.geom_type in ("Point", "MultiPoint"):
        inv = ~grid.transform
        cells = {(int(math.floor(r)), int(math.floor(c))) for c, r in (inv @ (p.x, p.y) for p in shapely.get_parts(
            shape))}
        cells = {(r, c) for r, c in cells if 0 <= r < grid.height and 0 <= c < grid.width}
        if not cells:
            return empty
        rows, cols = (np.array(v, dtype=np.int64) for v in zip(*sorted(cells), strict=True))
        flat = rows * grid.width + cols
    else:
        inside = ~geometry_mask([shape], out_shape=grid.shape, transform=grid.transform, all_touched=False)
        flat = None if inside.all() else np.flatnonzero(inside)
        if flat is not None and flat.size == 0:
            return empty
        index = np.arange(grid.width * grid.height) if flat is None else flat
        rows, cols = np.divmod(index, grid.width)
    values, valid = [], []
    for band in image.bands:
        v, m = band.recipe.evaluate(grid)
        v = v.reshape((grid.width * grid.height,) + v.shape[2:])
        m = m.reshape(-1)
        values.append(v if flat is None else v[flat])
        valid.append(m > 0 if flat is None else m[flat] > 0)
    return PixelTable(grid, rows, cols, list(image.bands), values, valid)


def region_samples(op: str, image: Image, geom: Geometry, proj: Projection) -> list[tuple[float, float, list]]:
    """(x, y, [value or None per band]) for every sampled pixel of `geom`, in row-major order."""
    return region_pixels(op, image, geom, proj).records()


def _point(x: float, y: float, crs: str) -> Geometry:
    return Geometry(shapely.Point(x, y), crs, False)


def _sampled_pixels(op: str, img: Image, region, projection, scale: float | None, drop_nulls: bool
                    ) -> tuple[Any, PixelTable, np.ndarray]:
    """The sampling projection, the pixels of `region` (default: the image's footprint) and the indices of the
    rows to keep (without those with a masked band when `drop_nulls`)."""
    geom = as_geometry(region, "region") if region is not None else img.footprint()
    if geom is None:
        raise InvalidArgument(f"{op}: the image is unbounded; give a 'region'.")
    proj = sample_projection(op, img, projection, scale)
    table = region_pixels(op, img, geom, proj)
    keep = np.flatnonzero(table.all_valid()) if drop_nulls else np.arange(len(table))
    return proj, table, keep


@algorithm("Image.sample", returns="FeatureCollection", image=IMG, region="Geometry", scale="Float",
           projection="Projection", factor="Float", numPixels="Long", seed="Integer", dropNulls="Boolean",
           tileScale="Float", geometries="Boolean")
def sample(image: Image, region=None, scale: float | None = None, projection=None, factor: float | None = None,
           numPixels: int | None = None, seed: int = 0, dropNulls: bool = True, tileScale: float = 1.0,
           geometries: bool = False) -> Collection:
    """One feature per sampled pixel, with a property per band (null where masked unless dropped)."""
    op = "Image.sample"
    img = as_image(image)
    if factor is not None and numPixels is not None:
        raise InvalidArgument(f"{op}: 'factor' and 'numPixels' are mutually exclusive.")
    proj, table, keep = _sampled_pixels(op, img, region, projection, scale, dropNulls)
    if factor is not None or numPixels is not None:
        p = float(factor) if factor is not None else min(1.0, float(numPixels) / max(len(keep), 1))
        keep = keep[np.random.default_rng(int(seed)).random(len(keep)) < p]
    names = img.band_names
    features = [Feature(_point(x, y, proj.crs) if geometries else None,
                        {**dict(zip(names, vals, strict=True)), "system:index": str(i)})
                for i, (x, y, vals) in enumerate(table.records(keep))]
    return Collection(features, {"band_order": names}, "FeatureCollection")


@algorithm("Image.sampleRegions", returns="FeatureCollection", image=IMG, collection="FeatureCollection",
           properties="List<String>", scale="Float", projection="Projection", tileScale="Float",
           geometries="Boolean")
def sample_regions(image: Image, collection: Collection, properties: list | None = None, scale: float | None = None,
                   projection=None, tileScale: float = 1.0, geometries: bool = False) -> Collection:
    """Every unmasked pixel of every feature's geometry, with the feature's properties (all, or `properties`)."""
    op = "Image.sampleRegions"
    img = as_image(image)
    coll = as_collection(collection)
    proj = sample_projection(op, img, projection, scale)
    keep = as_string_list(properties, "properties") if properties is not None else None
    names = img.band_names
    out = []
    for f in coll.elements:
        if not isinstance(f, Feature) or f.geometry is None:
            continue
        props = f.public_properties() if keep is None else {k: f.properties.get(k) for k in keep}
        for i, (x, y, vals) in enumerate(region_samples(op, img, f.geometry, proj)):
            if any(v is None for v in vals):
                continue
            index = f"{f.properties.get('system:index', len(out))}_{i}"
            out.append(Feature(_point(x, y, proj.crs) if geometries else None,
                               {**props, **dict(zip(names, vals, strict=True)), "system:index": index}))
    return Collection(out, {"band_order": names}, "FeatureCollection")


@algorithm("Image.stratifiedSample", returns="FeatureCollection", image=IMG, numPoints="Integer", classBand="String",
           region="Geometry", scale="Float", projection="Projection", seed="Integer", classValues="List<Object>",
           classPoints="List<Object>", dropNulls="Boolean", tileScale="Float", geometries="Boolean")
def stratified_sample(image: Image, numPoints: int, classBand: str | None = None, region=None,
                      scale: float | None = None, projection=None, seed: int = 0, classValues: list | None = None,
                      classPoints: list | None = None, dropNulls: bool = True, tileScale: float = 1.0,
                      geometries: bool = False) -> Collection:
    """Up to `numPoints` random pixels of each value of `classBand` (the first band by default), or
    `classPoints[i]` for `classValues[i]`; classes with fewer pixels give all of them. Features are ordered by
    class, then row-major; the choice uses numpy's generator seeded by `seed`."""
    op = "Image.stratifiedSample"
    img = as_image(image)
    names = img.band_names
    if not names:
        raise InvalidArgument(f"{op}: the image has no bands.")
    band = classBand if classBand is not None else names[0]
    if band not in names:
        raise InvalidArgument(f"{op}: class band '{band}' not found; the image has {names}.")
    if (classValues is None) != (classPoints is None) or (classValues is not None and
                                                          len(classValues) != len(classPoints)):
        raise InvalidArgument(f"{op}: classValues and classPoints must be given together, with equal lengths.")
    per_class = {float(v): int(n) for v, n in zip(classValues or [], classPoints or [], strict=True)}
    proj, table, keep = _sampled_pixels(op, img, region, projection, scale, dropNulls)
    column = names.index(band)
    keep = keep[table.valid[column][keep]]
    class_of = table.values[column][keep].astype(np.float64)
    rng = np.random.default_rng(int(seed))
    chosen = []
    for value in np.unique(class_of):  # sorted
        members = keep[class_of == value]
        wanted = per_class.get(float(value), int(numPoints))
        if wanted < len(members):
            members = members[np.sort(rng.choice(len(members), size=wanted, replace=False))]
        chosen.append(members)
    rows = table.records(np.concatenate(chosen) if chosen else np.zeros(0, np.int64))
    features = [Feature(_point(x, y, proj.crs) if geometries else None,
                        {**dict(zip(names, vals, strict=True)), "system:index": str(i)})
                for i, (x, y, vals) in enumerate(rows)]
    return Collection(features, {"band_order": names}, "FeatureCollection")
