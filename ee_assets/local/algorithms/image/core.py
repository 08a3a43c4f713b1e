"""Image algorithms: loading, band selection and naming, pixel math, masks and clipping."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from rasterio.features import geometry_mask

from ee_assets.local.algorithms.coerce import as_geometry, as_image, as_string_list
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.evaluator.context import EvalContext
from ee_assets.local.values.elements import Date
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, GridRecipe, Image, MapRecipe
from ee_assets.local.values.projection import Projection

IMG = "Image<unknown bands>"


@algorithm("Image.load", returns=IMG, needs_context=True, id="String", version="Long")
def load(ctx: EvalContext, id: str, version: int = -1) -> Image:
    return ctx.catalog.load_image(id)


@algorithm("Image.constant", returns=IMG, value="Object")
def constant(value) -> Image:
    if isinstance(value, np.ndarray):  # ee.Image(ee.Array(...)): an array image
        from ee_assets.local.algorithms.image_arrays import constant_array_image

        return constant_array_image(value)
    return as_image(value, "value")


@algorithm("Image.select", returns=IMG, input=IMG, bandSelectors="List<Object>", newNames="List<String>")
def select(input: Image, bandSelectors: list, newNames: list | None = None) -> Image:
    image = as_image(input, "input")
    selectors = bandSelectors if isinstance(bandSelectors, list) else [bandSelectors]
    chosen: list[Band] = []
    for sel in selectors:
        if isinstance(sel, bool) or not isinstance(sel, (str, int, float)):
            raise InvalidArgument(f"Image.select: Invalid band selector {sel!r}.")
        if isinstance(sel, (int, float)):
            idx = int(sel)
            if not 0 <= idx < len(image.bands):
                raise InvalidArgument(f"Image.select: Band index {idx} out of bounds "
                                      f"(image has {len(image.bands)} bands).")
            chosen.append(image.bands[idx])
            continue
        try:
            pattern = re.compile(sel)
        except re.error:
            pattern = re.compile(re.escape(sel))
        matched = [b for b in image.bands if pattern.fullmatch(b.name)]
        if not matched:
            raise InvalidArgument(f"Image.select: Pattern '{sel}' did not match any bands.")
        chosen.extend(matched)
    if newNames is not None:
        names = as_string_list(newNames, "newNames")
        if len(names) != len(chosen):
            raise InvalidArgument(f"Image.select: Selected {len(chosen)} bands but got {len(names)} new names.")
        chosen = [b.derive(b.recipe, name=n) for b, n in zip(chosen, names, strict=True)]
    return image.with_bands(chosen)


@algorithm("Image.rename", returns=IMG, input=IMG, names="List<String>")
def rename(input: Image, names: list) -> Image:
    image = as_image(input, "input")
    names = as_string_list(names, "names")
    if len(names) != len(image.bands):
        raise InvalidArgument(f"Image.rename: Can't rename {len(image.bands)} bands with {len(names)} names.")
    return image.with_bands([b.derive(b.recipe, name=n) for b, n in zip(image.bands, names, strict=True)])


@algorithm("Image.addBands", returns=IMG, dstImg=IMG, srcImg=IMG, names="List<String>", overwrite="Boolean")
def add_bands(dstImg: Image, srcImg: Image, names: list | None = None, overwrite: bool = False) -> Image:
    dst, src = as_image(dstImg, "dstImg"), as_image(srcImg, "srcImg")
    if names is not None:
        src = select(src, as_string_list(names, "names"))
    bands = list(dst.bands)
    for b in src.bands:
        existing = [i for i, d in enumerate(bands) if d.name == b.name]
        if existing and overwrite:
            bands[existing[0]] = b
            continue
        if existing:  # without overwrite EE renames the new band: foo -> foo_1, or foo_2 if foo_1 exists, ...
            taken, n = {d.name for d in bands} | {s.name for s in src.bands}, 1
            while f"{b.name}_{n}" in taken:
                n += 1
            b = b.derive(b.recipe, name=f"{b.name}_{n}")
        bands.append(b)
    return dst.with_bands(bands)


@algorithm("Image.bandNames", returns="List<String>", image=IMG)
def band_names(image: Image) -> list[str]:
    return as_image(image).band_names


@algorithm("Image.projection", returns="Projection", image=IMG)
def projection(image: Image) -> Projection:
    return as_image(image).projection()


@algorithm("Image.date", returns="Date", image=IMG)
def date(image: Image) -> Date:
    image = as_image(image)
    start = image.properties.get("system:time_start")
    if start is None:
        raise InvalidArgument("Image.date: Image has no 'system:time_start' property.")
    return Date(float(start))


# -- pixel math ---------------------------------------------------------------------------------------------
def _pairs(op: str, a: Image, b: Image) -> list[tuple[Band, Band, str]]:
    """EE's band matching: a 1-band side is used against every band of the other; otherwise pairwise."""
    na, nb = len(a.bands), len(b.bands)
    if na == 0 or nb == 0:
        raise InvalidArgument(f"Image.{op}: Images must have at least one band.")
    if na == 1 and nb > 1:
        return [(a.bands[0], bb, bb.name) for bb in b.bands]
    if nb == 1:
        return [(ba, b.bands[0], ba.name) for ba in a.bands]
    if na != nb:
        raise InvalidArgument(f"Image.{op}: Images must contain the same number of bands or only 1 band. "
                              f"Got {na} and {nb}.")
    return [(ba, bb, ba.name) for ba, bb in zip(a.bands, b.bands, strict=True)]


def _binary(op: str, image1, image2, fn: Callable, dtype_rule: Callable) -> Image:
    a, b = as_image(image1, "image1"), as_image(image2, "image2")
    bands = []
    for ba, bb, name in _pairs(op, a, b):
        recipe = MapRecipe(lambda px, f=fn: (f(px[0][0], px[1][0]), np.minimum(px[0][1], px[1][1])),
                           (ba.recipe, bb.recipe))
        native = ba if ba.extent is not None or bb.extent is None else bb
        bands.append(Band(name, np.dtype(dtype_rule(ba.dtype, bb.dtype)), native.projection, recipe, native.extent))
    return a.with_bands(bands)


def _widen(a: np.dtype, b: np.dtype) -> np.dtype:
    if a.kind in "iub" and b.kind in "iub":
        return np.dtype(np.int64) if max(a.itemsize, b.itemsize) >= 4 else np.dtype(np.int32)
    return np.dtype(np.float64) if np.float64 in (a, b) or a.kind in "iu" or b.kind in "iu" else np.dtype(np.float32)


def _float(a: np.dtype, b: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if np.dtype(np.float64) not in (a, b) and a.itemsize <= 2 and b.itemsize <= 2 \
        else np.dtype(np.float64)


def _byte(a, b) -> np.dtype:
    return np.dtype(np.uint8)


def _safe_divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y))


_MATH = {
    "add": (np.add, _widen),
    "subtract": (np.subtract, _widen),
    "multiply": (np.multiply, _widen),
    "divide": (_safe_divide, _float),
    "gt": (lambda x, y: (x > y).astype(float), _byte),
    "gte": (lambda x, y: (x >= y).astype(float), _byte),
    "lt": (lambda x, y: (x < y).astype(float), _byte),
    "lte": (lambda x, y: (x <= y).astype(float), _byte),
    "eq": (lambda x, y: (x == y).astype(float), _byte),
    "neq": (lambda x, y: (x != y).astype(float), _byte),
    "and": (lambda x, y: ((x != 0) & (y != 0)).astype(float), _byte),
    "or": (lambda x, y: ((x != 0) | (y != 0)).astype(float), _byte),
    "bitwiseAnd": (lambda x, y: (x.astype(np.int64) & y.astype(np.int64)).astype(float),
                   lambda a, b: np.dtype(np.int64) if max(a.itemsize, b.itemsize) >= 4 else np.dtype(np.int32)),
}


def _register_math(op: str, fn: Callable, rule: Callable) -> None:
    def impl(image1, image2) -> Image:
        return _binary(op, image1, image2, fn, rule)

    impl.__doc__ = f"Image.{op}, pixelwise over matched bands; masks combine as the minimum."
    algorithm(f"Image.{op}", returns=IMG, image1=IMG, image2=IMG)(impl)


for _op, (_fn, _rule) in _MATH.items():
    _register_math(_op, _fn, _rule)


def _unary(image, fn: Callable, dtype) -> Image:
    img = as_image(image, "value")
    return img.with_bands([b.derive(MapRecipe(lambda px, f=fn: (f(px[0][0]), px[0][1]), (b.recipe,)),
                                    dtype=dtype or b.dtype) for b in img.bands])


@algorithm("Image.not", returns=IMG, value=IMG)
def not_(value: Image) -> Image:
    return _unary(value, lambda x: (x == 0).astype(float), np.uint8)


@algorithm("Image.toFloat", returns=IMG, value=IMG)
def to_float(value: Image) -> Image:
    return _unary(value, lambda x: x.astype(np.float32).astype(np.float64), np.float32)


@algorithm("Image.normalizedDifference", returns=IMG, input=IMG, bandNames="List<String>")
def normalized_difference(input: Image, bandNames: list | None = None) -> Image:
    image = as_image(input, "input")
    pair = select(image, as_string_list(bandNames, "bandNames")) if bandNames else image
    if len(pair.bands) < 2:
        raise InvalidArgument(f"Image.normalizedDifference: Need 2 bands, image has {len(pair.bands)}.")
    a, b = pair.bands[0], pair.bands[1]

    def nd(px):
        (x, mx), (y, my) = px
        with np.errstate(divide="ignore", invalid="ignore"):
            s = x + y
            v = np.where(s == 0, 0.0, (x - y) / np.where(s == 0, 1.0, s))
        # EE: "a negative pixel value in either input band will cause the output pixel to be masked".
        m = np.where((x < 0) | (y < 0), 0.0, np.minimum(mx, my)).astype(np.float32)
        return v.astype(np.float32).astype(np.float64), m

    # EE: "the input image properties are not retained in the output image" (the footprint is kept).
    props = {k: v for k, v in image.properties.items() if k == "system:footprint"}
    return Image([Band("nd", np.dtype(np.float32), a.projection, MapRecipe(nd, (a.recipe, b.recipe)), a.extent)],
                 props)


# -- masks ------------------------------------------------------------------------------------------------
@algorithm("Image.updateMask", returns=IMG, image=IMG, mask=IMG)
def update_mask(image: Image, mask: Image) -> Image:
    img, m = as_image(image), as_image(mask, "mask")
    pairs = _pairs("updateMask", img, m)
    out = []
    for bi, bm, _ in pairs:
        def combine(px):
            (v, mi), (mv, mm) = px
            new = np.where(mm > 0, np.clip(mv, 0, 1), 0.0).astype(np.float32)
            return v, np.minimum(mi, new)
        out.append(bi.derive(MapRecipe(combine, (bi.recipe, bm.recipe))))
    if len(img.bands) == 1 and len(m.bands) > 1:
        raise InvalidArgument("Image.updateMask: the mask has more bands than the image.")
    return img.with_bands(out)


@algorithm("Image.mask", returns=IMG, image=IMG, mask=IMG)
def mask(image: Image, mask: Image | None = None) -> Image:
    img = as_image(image)
    if mask is not None:
        return update_mask(img, mask)
    bands = [b.derive(MapRecipe(lambda px: (px[0][1].astype(np.float64), np.ones_like(px[0][1])), (b.recipe,)),
                      dtype=np.float32) for b in img.bands]
    return img.with_bands(bands)


@algorithm("Image.unmask", returns=IMG, input=IMG, value=IMG, sameFootprint="Boolean")
def unmask(input: Image, value=None, sameFootprint: bool = True) -> Image:
    img = as_image(input, "input")
    fill = as_image(0 if value is None else value, "value")
    out = []
    for bi, bf, _ in _pairs("unmask", img, fill):
        def fill_fn(grid: Grid, px, extent=bi.extent, same=sameFootprint):
            (v, m), (fv, fm) = px
            valid = m > 0
            values = np.where(valid, v, fv)
            new_mask = np.where(valid, m, fm)
            if same and extent is not None:
                new_mask = new_mask * _inside_extent(grid, extent)
            return values, new_mask.astype(np.float32)
        out.append(bi.derive(GridRecipe(fill_fn, (bi.recipe, bf.recipe))))
    return img.with_bands(out)


def _inside_extent(grid: Grid, extent: Grid) -> np.ndarray:
    from ee_assets.local.kernels.resample import pixel_mapping

    return pixel_mapping(extent, grid).inside.astype(np.float32)


@algorithm("Image.clip", returns=IMG, input=IMG, geometry="Object")
def clip(input: Image, geometry) -> Image:
    img = as_image(input, "input")
    geom = as_geometry(geometry)

    def clip_fn(grid: Grid, px):
        v, m = px[0]
        shape = geom.to(grid.crs)
        if shape.is_empty:
            return v, np.zeros_like(m)
        outside = geometry_mask([shape], out_shape=grid.shape, transform=grid.transform, all_touched=False)
        return v, np.where(outside, 0.0, m).astype(np.float32)

    return img.with_bands([b.derive(GridRecipe(clip_fn, (b.recipe,))) for b in img.bands],
                          **{"system:footprint": geom})

