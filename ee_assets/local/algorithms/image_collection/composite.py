"""Per-pixel composites of image collections: reduce.*, ImageCollection.mosaic, reduce and qualityMosaic.

Composites have EE's default projection (EPSG:4326, 1°) and no footprint, so requests must give a grid or scale.
Bands are matched by name; a pixel's value is the statistic of the unmasked inputs and it is masked where none is
valid (support/pixel_stats.py)."""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection
from ee_assets.local.algorithms.support.pixel_stats import STATS, percentile, squeeze
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


@algorithm("ImageCollection.mosaic", returns=IMG, collection=IC)
def mosaic(collection) -> Image:
    return composite("ImageCollection.mosaic", collection, "mosaic")


@algorithm("ImageCollection.reduce", returns=IMG, collection=IC, reducer="Reducer", parallelScale="Float")
def reduce(collection, reducer: Reducer, parallelScale: float = 1.0) -> Image:
    op = "ImageCollection.reduce"
    by_name = _bands_by_name(op, collection)
    bands = []
    for name, group in by_name.items():
        for leaf in reducer.leaves:
            if leaf.kind == "percentile":
                outs = [(o, percentile([p])) for o, p in zip(leaf.outputs, leaf.percentiles, strict=True)]
                dtype = np.dtype(np.float64)
                for out_name, fn in outs:
                    bands.append(Band(f"{name}_{out_name}", dtype, DEFAULT_PROJECTION,
                                      MapRecipe(squeeze(fn), tuple(b.recipe for b in group)), None))
                continue
            if leaf.kind not in STATS:
                raise InvalidArgument(f"{op}: reducer '{leaf.kind}' is not supported for image collections.")
            fn, dtype_rule = STATS[leaf.kind]
            dtype = dtype_rule(np.dtype(np.result_type(*[b.dtype for b in group])))
            bands.append(Band(f"{name}_{leaf.outputs[0]}", dtype, DEFAULT_PROJECTION,
                              MapRecipe(fn, tuple(b.recipe for b in group)), None))
    return Image(bands, {})


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
