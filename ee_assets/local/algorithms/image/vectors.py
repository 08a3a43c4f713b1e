"""Images and features: Image.paint burns features into an image, Image.reduceToVectors traces its regions out.

Image.reduceToVectors: one feature per connected region of equal values in the first band, with a reducer over
the other bands' pixels in it (regions traced by GDAL's polygonizer, pixels assigned by the centre rule)."""

from __future__ import annotations

import numpy as np
import shapely
from rasterio.features import geometry_mask, rasterize, shapes
from shapely.geometry import shape as to_shape

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_geometry, as_image
from ee_assets.local.algorithms.support.projection import pixel_window, reduction_projection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import GridRecipe, Image
from ee_assets.local.values.reducer import Reducer

IMG = "Image<unknown bands>"


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
    grid = pixel_window(proj, outline)
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


# -- paint ---------------------------------------------------------------------------------------------------------
def _feature_value(feature: Feature, spec, name: str) -> float | None:
    """A number, or the value of the feature property named by a string."""
    if isinstance(spec, str):
        value = feature.properties.get(spec)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidArgument(f"Image.paint: property '{spec}' ({name}) must be numeric, got {value!r}.") \
                from None
    return float(spec)


def _painted(grid: Grid, features: list[Feature], color, width) -> tuple[np.ndarray, np.ndarray]:
    """(value, painted?) on `grid`: interiors by the pixel-centre rule, or outlines `width` pixels wide (lines
    narrower than 2 pixels burn every pixel the boundary passes through). Later features paint over earlier ones."""
    pixel = abs(grid.transform.a) or abs(grid.transform.b)
    shapes = []
    for f in features:
        if f.geometry is None:
            continue
        value = _feature_value(f, color, "color")
        if value is None:
            continue
        geom = f.geometry.to(grid.crs)
        if width is not None:
            w = _feature_value(f, width, "width")
            if w is None or w <= 0:
                continue
            boundary = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
            geom = boundary if w < 2 else boundary.buffer(w / 2 * pixel)
        if not geom.is_empty:
            shapes.append((shapely.geometry.mapping(geom), value))
    if not shapes:
        return np.zeros(grid.shape), np.zeros(grid.shape, bool)
    marks = rasterize([(g, i + 1) for i, (g, _) in enumerate(shapes)], out_shape=grid.shape,
                      transform=grid.transform, fill=0, dtype="int32")
    values = np.concatenate([[0.0], [v for _, v in shapes]])
    return values[marks], marks > 0


@algorithm("Image.paint", returns=IMG, image=IMG, featureCollection="FeatureCollection", color="Object",
           width="Object")
def paint(image: Image, featureCollection: Collection, color=0, width=None) -> Image:
    """Replace every band's value with `color` (a number or a property name) where the features are painted;
    painted pixels become unmasked. `width` (pixels, or a property name) paints outlines instead of interiors."""
    img = as_image(image)
    coll = featureCollection if isinstance(featureCollection, Collection) else None
    if coll is None:
        if isinstance(featureCollection, Feature):
            coll = Collection([featureCollection])
        else:
            coll = as_collection(featureCollection, "featureCollection")
    features = [f for f in coll.elements if isinstance(f, Feature)]

    def run(grid: Grid, px):
        v, m = px[0]
        paint_values, painted = _painted(grid, features, color, width)
        return np.where(painted, paint_values, v), np.where(painted, 1.0, m).astype(np.float32)

    return img.with_bands([b.derive(GridRecipe(run, (b.recipe,))) for b in img.bands])
