"""Image.reduceToVectors: one feature per connected region of equal values in the first band, with a reducer over
the other bands' pixels in it (regions traced by GDAL's polygonizer, pixels assigned by the centre rule)."""

from __future__ import annotations

import numpy as np
import shapely
from rasterio.features import geometry_mask, rasterize, shapes
from shapely.geometry import shape as to_shape

from ee_assets.local.algorithms.coerce import as_geometry, as_image
from ee_assets.local.algorithms.image import IMG
from ee_assets.local.algorithms.reduce_region import reduction_projection
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.sampling import _window
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.reducer import Reducer


def _output_names(reducer: Reducer, bands: list[str]) -> list[list[str]]:
    """EE's naming: the reducer's outputs for one band, '<band>_<output>' for several."""
    if len(bands) == 1:
        return [list(reducer.outputs)]
    return [[f"{b}_{o}" for o in reducer.outputs] for b in bands]


@algorithm("Image.reduceToVectors", returns="FeatureCollection", image=IMG, reducer="Reducer", geometry="Geometry",
           scale="Float", geometryType="String", eightConnected="Boolean", labelProperty="String",
           crs="Projection", crsTransform="List<Float>", bestEffort="Boolean", maxPixels="Long", tileScale="Float",
           geometryInNativeProjection="Boolean")
def reduce_to_vectors(image, reducer: Reducer | None = None, geometry=None, scale: float | None = None,
                      geometryType: str = "polygon", eightConnected: bool = True, labelProperty: str = "label",
                      crs=None, crsTransform: list | None = None, bestEffort: bool = False,
                      maxPixels: float = 1e7, tileScale: float = 1.0,
                      geometryInNativeProjection: bool = False) -> Collection:
    """Features with `labelProperty` (the region's value) and the reducer's outputs over the remaining bands
    (without a reducer: 'count', the region's pixel count); geometryType 'polygon' (the region's outline), 'bb'
    (its bounding box) or 'centroid'."""
    op = "Image.reduceToVectors"
    reducer = reducer if reducer is not None else Reducer.simple("count")
    img = as_image(image)
    if not img.bands:
        raise InvalidArgument(f"{op}: the image has no bands.")
    if geometryType not in ("polygon", "bb", "centroid"):
        raise InvalidArgument(f"{op}: geometryType must be polygon, bb or centroid, got {geometryType!r}.")
    region = as_geometry(geometry) if geometry is not None else img.footprint()
    if region is None:
        raise InvalidArgument(f"{op}: the image is unbounded; give a 'geometry'.")
    proj = reduction_projection(op, img, scale, crs, crsTransform)
    outline = region.to(proj.crs)
    grid = _window(proj, outline)
    if grid is None:
        return Collection([], {}, "FeatureCollection")
    if grid.width * grid.height > maxPixels and not bestEffort:
        raise InvalidArgument(f"{op}: Too many pixels in the region. Found {grid.width * grid.height}, but maxPixels "
                              f"allows only {int(maxPixels)}. Set a larger scale or maxPixels.")
    labels, label_mask = img.bands[0].recipe.evaluate(grid)
    inside = ~geometry_mask([outline], out_shape=grid.shape, transform=grid.transform, all_touched=False)
    valid = (label_mask > 0) & inside
    regions = [(to_shape(g), v) for g, v in shapes(labels.astype(np.float32), mask=valid,
                                                    connectivity=8 if eightConnected else 4,
                                                    transform=grid.transform)]
    if not regions:
        return Collection([], {}, "FeatureCollection")
    ids = rasterize([(g, i + 1) for i, (g, _) in enumerate(regions)], out_shape=grid.shape,
                    transform=grid.transform, fill=0, dtype="int32")
    ids = np.where(valid, ids, 0)
    others = img.bands[1:]
    names = _output_names(reducer, [b.name for b in others]) if others else [list(reducer.outputs)]
    columns = [b.recipe.evaluate(grid) for b in others] or [(labels, label_mask)]
    features = []
    for i, (geom, value) in enumerate(regions):
        member = ids == i + 1
        props: dict = {labelProperty: int(value) if float(value).is_integer() else float(value)}
        for (values, mask), band_names in zip(columns, names, strict=True):
            ok = member & (mask > 0)
            outputs = []
            for leaf in reducer.leaves:
                outputs.extend(leaf.reduce(values[ok], np.ones(int(ok.sum()))))
            props.update(zip(band_names, outputs, strict=True))
        if geometryType == "bb":
            geom = shapely.box(*geom.bounds)
        elif geometryType == "centroid":
            geom = geom.centroid
        props["system:index"] = str(i)
        features.append(Feature(Geometry(geom, proj.crs, False), props))
    return Collection(features, {}, "FeatureCollection")
