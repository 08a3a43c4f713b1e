"""Per-pixel composites of image collections: reduce.*, ImageCollection.mosaic and ImageCollection.reduce.

Composites have EE's default projection (EPSG:4326, 1°) and no footprint, so
requests must give a grid or scale. Bands are matched by name; a pixel's value
is the statistic of the unmasked inputs and it is masked where none is valid.
median, mean, sum, min, max, count and mosaic run compiled kernels (kernels/composite.py);
stdDev, variance and percentiles use numpy.
"""

from __future__ import annotations

import functools

import numpy as np

from ee_assets.local.algorithms.coerce import as_collection
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels import composite as kernels
from ee_assets.local.values.image import Band, Image, MapRecipe
from ee_assets.local.values.projection import DEFAULT_PROJECTION
from ee_assets.local.values.reducer import Reducer

IC = "ImageCollection"
IMG = "Image<unknown bands>"


def _stack(px: list) -> tuple[np.ndarray, np.ndarray]:
    values = np.stack([p[0] for p in px])
    valid = np.stack([p[1] > 0 for p in px])
    return values, valid


def _nan_reduce(fn):
    def reduce(px):
        values, valid = _stack(px)
        any_valid = valid.any(axis=0)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out = fn(np.where(valid, values, np.nan))
        return np.where(any_valid, out, 0.0), any_valid.astype(np.float32)
    return reduce


def _percentile(ps):
    return _nan_reduce(lambda a: np.nanpercentile(a, ps, axis=0))


def _streamed(stat: str):
    return functools.partial(kernels.reduce_stack, stat=stat)


STATS = {
    "median": (kernels.median, lambda d: np.dtype(np.float64)),
    "mean": (_streamed("mean"), lambda d: np.dtype(np.float64)),
    "min": (_streamed("min"), lambda d: d),
    "max": (_streamed("max"), lambda d: d),
    "sum": (_streamed("sum"), lambda d: np.dtype(np.int64) if d.kind in "iub" else np.dtype(np.float64)),
    "count": (_streamed("count"), lambda d: np.dtype(np.int32)),
    "stdDev": (_nan_reduce(lambda a: np.nanstd(a, axis=0)), lambda d: np.dtype(np.float64)),
    "variance": (_nan_reduce(lambda a: np.nanvar(a, axis=0)), lambda d: np.dtype(np.float64)),
    "mosaic": (kernels.mosaic, lambda d: d),
}


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
                outs = [(o, _percentile([p])) for o, p in zip(leaf.outputs, leaf.percentiles, strict=True)]
                dtype = np.dtype(np.float64)
                for out_name, fn in outs:
                    bands.append(Band(f"{name}_{out_name}", dtype, DEFAULT_PROJECTION,
                                      MapRecipe(_squeeze(fn), tuple(b.recipe for b in group)), None))
                continue
            if leaf.kind not in STATS:
                raise InvalidArgument(f"{op}: reducer '{leaf.kind}' is not supported for image collections.")
            fn, dtype_rule = STATS[leaf.kind]
            dtype = dtype_rule(np.dtype(np.result_type(*[b.dtype for b in group])))
            bands.append(Band(f"{name}_{leaf.outputs[0]}", dtype, DEFAULT_PROJECTION,
                              MapRecipe(fn, tuple(b.recipe for b in group)), None))
    return Image(bands, {})


def _squeeze(fn):
    def run(px):
        v, m = fn(px)
        return v.reshape(m.shape), m
    return run
