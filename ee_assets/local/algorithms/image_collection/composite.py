"""Per-pixel composites of image collections: reduce.*, ImageCollection.mosaic, reduce and qualityMosaic.

Composites have EE's default projection (EPSG:4326, 1°) and no footprint, so requests must give a grid or scale.
Bands are matched by name; a pixel's value is the statistic of the unmasked inputs and it is masked where none is
valid (support/pixel_stats.py)."""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection
from ee_assets.local.algorithms.support.pixel_records import leaf_stats, linear_fit
from ee_assets.local.algorithms.support.pixel_stats import STATS
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Band, Image, MapRecipe
from ee_assets.local.values.projection import DEFAULT_PROJECTION
from ee_assets.local.values.reducer import Reducer

IC = "ImageCollection"


IMG = "Image<unknown bands>"


def _bands_by_name(op: str, collection) -> dict[str, list[Band]]:
    coll = as_collection(collection)
    by_name: dict[str, list[Band]] = {}
    for img in coll.elements:
        if not isinstance(img, Image):
            raise InvalidArgument(f"{op}: the collection must contain images.")
        for b in img.bands:
            by_name.setdefault(b.name, []).append(b)
    return by_name


def composite(op: str, collection, stat: str, name_suffix: str = "") -> Image:
    fn, dtype_rule = STATS[stat]
    bands = []
    for name, group in _bands_by_name(op, collection).items():
        dtype = np.result_type(*[b.dtype for b in group])
        bands.append(Band(name + name_suffix, dtype_rule(np.dtype(dtype)), DEFAULT_PROJECTION,
                          MapRecipe(fn, tuple(b.recipe for b in group)), None))
    return Image(bands, {})


def _register(stat: str) -> None:
    def impl(collection) -> Image:
        return composite(f"reduce.{stat}", collection, stat)

    impl.__doc__ = f"Per-pixel {stat} of the unmasked pixels of each band."
    algorithm(f"reduce.{stat}", returns=IMG, collection=IC)(impl)


for _stat in ("median", "mean", "min", "max", "sum", "count"):
    _register(_stat)


def _named_after_bands(collection, reducer: Reducer) -> Image:
    image = reduce(collection, reducer)
    suffix = "_" + reducer.outputs[0]
    return image.with_bands([b.derive(b.recipe, name=b.name[:-len(suffix)]) for b in image.bands])


@algorithm("reduce.mode", returns=IMG, collection=IC)
def reduce_mode(collection) -> Image:
    """Per pixel, the most common unmasked value of each band (ties: the smallest)."""
    return _named_after_bands(collection, Reducer("mode", ("mode",), False))


@algorithm("reduce.product", returns=IMG, collection=IC)
def reduce_product(collection) -> Image:
    """Per pixel, the product of the unmasked values of each band."""
    return _named_after_bands(collection, Reducer("product", ("product",), False))


@algorithm("ImageCollection.mosaic", returns=IMG, collection=IC)
def mosaic(collection) -> Image:
    return composite("ImageCollection.mosaic", collection, "mosaic")


@algorithm("ImageCollection.reduce", returns=IMG, collection=IC, reducer="Reducer", parallelScale="Float")
def reduce(collection, reducer: Reducer, parallelScale: float = 1.0) -> Image:
    """Per pixel, over the images: a one-input reducer reduces each band's stack, bands named '<band>_<output>';
    a reducer of n inputs (linearFit: x then y) reads the n bands of each image in order, bands named after its
    outputs ("scale", "offset")."""
    op = "ImageCollection.reduce"
    if reducer.inputs > 1 and reducer.kind != "combined":
        return _multi_input(op, collection, reducer)
    by_name = _bands_by_name(op, collection)
    bands = []
    for name, group in by_name.items():
        dtype = np.dtype(np.result_type(*[b.dtype for b in group]))
        recipes = tuple(b.recipe for b in group)
        for leaf in reducer.leaves:
            stats = leaf_stats(leaf, dtype)
            if stats is None:
                raise InvalidArgument(f"{op}: reducer '{leaf.kind}' is not supported for image collections.")
            for out_name, fn, out_dtype in stats:
                bands.append(Band(f"{name}_{out_name}", out_dtype, DEFAULT_PROJECTION, MapRecipe(fn, recipes), None))
    return Image(bands, {})


def _multi_input(op: str, collection, reducer: Reducer) -> Image:
    images = [img for img in as_collection(collection).elements if isinstance(img, Image)]
    n = reducer.inputs
    if any(len(img.bands) != n for img in images):
        raise InvalidArgument(f"{op}: the reducer takes {n} inputs, so every image needs {n} bands; got "
                              f"{sorted({len(img.bands) for img in images})}.")
    if reducer.kind != "linearFit":
        raise InvalidArgument(f"{op}: the {n}-input reducer '{reducer.kind}' is not supported per pixel by the "
                              "local backend (linearFit is).")
    recipes = tuple(img.bands[j].recipe for j in range(n) for img in images)

    def both(px):
        scale, offset, mask = linear_fit(px)
        return np.stack([scale, offset]), mask

    fit = MapRecipe(both, recipes)  # computed once per grid, read by both bands
    return Image([Band(name, np.dtype(np.float64), DEFAULT_PROJECTION,
                       MapRecipe(lambda px, i=i: (px[0][0][i], px[0][1]), (fit,)), None)
                  for i, name in enumerate(reducer.outputs)], {})


@algorithm("ImageCollection.qualityMosaic", returns=IMG, collection="ImageCollection", qualityBand="String")
def quality_mosaic(collection, qualityBand: str) -> Image:
    """Per pixel, every band from the image whose `qualityBand` is highest among the unmasked ones. On ties the
    later image wins, as in `mosaic` where later images lie on top (EE does not document ties)."""
    op = "ImageCollection.qualityMosaic"
    by_name = _bands_by_name(op, collection)
    if qualityBand not in by_name:
        raise InvalidArgument(f"{op}: quality band '{qualityBand}' not found; bands are {sorted(by_name)}.")
    quality = by_name[qualityBand]
    n = len(quality)
    bands = []
    for name, group in by_name.items():
        if len(group) != n:
            raise InvalidArgument(f"{op}: band '{name}' is missing from some images; every image needs the same "
                                  "bands.")

        def pick(px, n=n):
            q = np.stack([p[0] for p in px[:n]])
            qv = np.stack([p[1] > 0 for p in px[:n]])
            q = np.where(qv, q, -np.inf)
            best = n - 1 - np.argmax(q[::-1], axis=0)  # the last of equal maxima
            values = np.stack([p[0] for p in px[n:]])
            masks = np.stack([p[1] for p in px[n:]])
            chosen_v = np.take_along_axis(values, best[None], 0)[0]
            chosen_m = np.take_along_axis(masks, best[None], 0)[0]
            any_valid = qv.any(axis=0)
            return np.where(any_valid, chosen_v, 0.0), np.where(any_valid, chosen_m, 0.0).astype(np.float32)

        recipes = tuple(b.recipe for b in quality) + tuple(b.recipe for b in group)
        bands.append(Band(name, np.result_type(*[b.dtype for b in group]), DEFAULT_PROJECTION,
                          MapRecipe(pick, recipes), None))
    return Image(bands, {})
