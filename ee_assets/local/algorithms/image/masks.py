"""Image operations that are pixelwise but not arithmetic: where, remap, selfMask, blend, band-wise reduce,
geometry and band types, per-pixel coordinates and areas; ImageCollection.qualityMosaic and toBands."""

from __future__ import annotations

import numpy as np
import shapely

from ee_assets.local.algorithms.coerce import as_collection, as_image
from ee_assets.local.algorithms.composite import STATS, _bands_by_name
from ee_assets.local.algorithms.image import IMG, _pairs, update_mask
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import Geometry, transformer
from ee_assets.local.values.grid import Grid, crs_is_geographic
from ee_assets.local.values.image import Band, GridRecipe, Image, MapRecipe, pixel_type
from ee_assets.local.values.projection import DEFAULT_PROJECTION
from ee_assets.local.values.reducer import Reducer

FLOAT64 = np.dtype(np.float64)


@algorithm("Image.where", returns=IMG, input=IMG, test=IMG, value=IMG)
def where(input: Image, test: Image, value: Image) -> Image:
    """EE: where `test` is unmasked and nonzero and `value` is unmasked, output `value`; elsewhere the input.
    The input's mask is kept."""
    img, tst, val = as_image(input, "input"), as_image(test, "test"), as_image(value, "value")
    out = []
    for bi, bt, _ in _pairs("where", img, tst):
        bv = val.bands[0] if len(val.bands) == 1 else val.bands[img.bands.index(bi)]

        def pick(px):
            (v, m), (t, tm), (x, xm) = px
            use = (tm > 0) & (t != 0) & (xm > 0)
            return np.where(use, x, v), m

        dtype = np.result_type(bi.dtype, bv.dtype)
        out.append(bi.derive(MapRecipe(pick, (bi.recipe, bt.recipe, bv.recipe)), dtype=dtype))
    if len(val.bands) not in (1, len(img.bands)):
        raise InvalidArgument(f"Image.where: 'value' must have 1 or {len(img.bands)} bands, got {len(val.bands)}.")
    return img.with_bands(out)


@algorithm("Image.remap", returns=IMG, image=IMG, **{"from": "List<Object>", "to": "List<Object>"},
           defaultValue="Object", bandName="String")
def remap(image: Image, defaultValue=None, bandName: str | None = None, **lists) -> Image:
    """Map values in `from` to the parallel values in `to`; others become `defaultValue`, or masked without one.
    The result is one band named 'remapped' (EE)."""
    img = as_image(image)
    src, dst = lists.get("from"), lists.get("to")
    if src is None or dst is None:
        raise InvalidArgument("Image.remap: Parameters 'from' and 'to' are required.")
    if len(src) != len(dst):
        raise InvalidArgument(f"Image.remap: 'from' and 'to' must have the same length ({len(src)} != {len(dst)}).")
    band = img.bands[img.band_names.index(bandName)] if bandName in img.band_names else None
    if bandName is not None and band is None:
        raise InvalidArgument(f"Image.remap: Band '{bandName}' not found; the image has {img.band_names}.")
    band = band or img.bands[0]
    keys, targets = np.asarray(src, float), np.asarray(dst, float)

    def run(px):
        v, m = px[0]
        out = np.full(v.shape, float(defaultValue) if defaultValue is not None else 0.0)
        hit = np.zeros(v.shape, bool)
        for k, t in zip(keys, targets, strict=True):
            eq = v == k
            out = np.where(eq, t, out)
            hit |= eq
        mask = m if defaultValue is not None else np.where(hit, m, 0.0).astype(np.float32)
        return out, mask

    numbers = list(dst) + ([defaultValue] if defaultValue is not None else [])
    ints = all(float(x).is_integer() for x in numbers)
    dtype = np.min_scalar_type(int(max(numbers, key=abs))) if ints and numbers else FLOAT64
    if ints and min(numbers, default=0) < 0:
        dtype = np.result_type(dtype, np.min_scalar_type(int(min(numbers))))
    return Image([band.derive(MapRecipe(run, (band.recipe,)), dtype=dtype, name="remapped")], img.properties)


@algorithm("Image.selfMask", returns=IMG, image=IMG)
def self_mask(image: Image) -> Image:
    """updateMask(image): pixels whose value is 0 become masked (EE)."""
    img = as_image(image)
    return img.with_bands([update_mask(Image([b]), Image([b])).bands[0] for b in img.bands])


@algorithm("Image.blend", returns=IMG, bottom=IMG, top=IMG)
def blend(bottom: Image, top: Image) -> Image:
    """Alpha-composite `top` over `bottom` using the masks as opacity (the 'over' operator):
    mask = mt + mb(1 - mt), value = (vt mt + vb mb (1 - mt)) / mask. Band names come from `bottom` (from `top`
    when a one-band bottom is replicated over a multi-band top)."""
    b_img, t_img = as_image(bottom, "bottom"), as_image(top, "top")
    out = []
    for bb, bt, name in _pairs("blend", b_img, t_img):
        def over(px):
            (vb, mb), (vt, mt) = px
            mb, mt = mb.astype(np.float64), mt.astype(np.float64)
            mask = mt + mb * (1 - mt)
            with np.errstate(all="ignore"):
                value = np.where(mask > 0, (vt * mt + vb * mb * (1 - mt)) / np.where(mask > 0, mask, 1), 0.0)
            return value, mask.astype(np.float32)

        dtype = np.result_type(bb.dtype, bt.dtype)
        out.append(Band(name, dtype, bb.projection, MapRecipe(over, (bb.recipe, bt.recipe)), bb.extent or bt.extent))
    return b_img.with_bands(out)


@algorithm("Image.reduce", returns=IMG, image=IMG, reducer="Reducer")
def reduce_bands(image: Image, reducer: Reducer) -> Image:
    """Reduce across the bands of each pixel (masked bands are skipped); one band per reducer output."""
    img = as_image(image)
    if not img.bands:
        raise InvalidArgument("Image.reduce: the image has no bands.")
    first = img.bands[0]
    inputs = tuple(b.recipe for b in img.bands)
    out = []
    for leaf in reducer.leaves:
        if leaf.kind == "percentile":
            from ee_assets.local.algorithms.composite import _percentile, _squeeze

            for name, p in zip(leaf.outputs, leaf.percentiles, strict=True):
                out.append(Band(name, FLOAT64, first.projection, MapRecipe(_squeeze(_percentile([p])), inputs),
                                first.extent))
            continue
        if leaf.kind not in STATS:
            raise InvalidArgument(f"Image.reduce: reducer '{leaf.kind}' is not supported.")
        fn, dtype_rule = STATS[leaf.kind]
        dtype = dtype_rule(np.dtype(np.result_type(*[b.dtype for b in img.bands])))
        out.append(Band(leaf.outputs[0], dtype, first.projection, MapRecipe(fn, inputs), first.extent))
    return img.with_bands(out)


WORLD = Geometry(shapely.box(-180, -90, 180, 90), "EPSG:4326", False)


@algorithm("Image.geometry", returns="Geometry", feature="Element", maxError="ErrorMargin", proj="Projection",
           geodesics="Boolean")
def geometry(feature: Image, maxError=None, proj=None, geodesics=None) -> Geometry:
    """The image footprint; an unbounded image (a constant, a composite) covers the whole world, as in EE."""
    img = as_image(feature, "feature")
    return img.footprint() or WORLD


@algorithm("Image.bandTypes", returns="Dictionary<PixelType>", image=IMG)
def band_types(image: Image) -> dict:
    return {b.name: pixel_type(b.dtype) for b in as_image(image).bands}


@algorithm("Image.slice", returns=IMG, image=IMG, start="Integer", end="Integer")
def slice_bands(image: Image, start: int, end: int | None = None) -> Image:
    """Bands start..end (exclusive), negative indices counting from the end (Python's slicing, as EE's)."""
    img = as_image(image)
    return img.with_bands(img.bands[int(start):None if end is None else int(end)])


@algorithm("Image.regexpRename", returns=IMG, input=IMG, regex="String", replacement="String", all="Boolean")
def regexp_rename(input: Image, regex: str, replacement: str, all: bool = True) -> Image:
    """Rename bands by a regular expression; `$1`-style groups in the replacement, as Java's replaceAll."""
    import re

    img = as_image(input, "input")
    pattern = re.compile(regex)
    repl = re.sub(r"\$(\d+)", r"\\\1", replacement)
    names = [pattern.sub(repl, b.name, count=0 if all else 1) for b in img.bands]
    return img.with_bands([b.derive(b.recipe, name=n) for b, n in zip(img.bands, names, strict=True)])


# -- coordinates and areas ----------------------------------------------------------------------------------
def _centres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    c, r = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    t = grid.transform
    return t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f


def _lon_lat(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    x, y = _centres(grid)
    if grid.crs == "EPSG:4326":
        return x, y
    return transformer(grid.crs, "EPSG:4326").transform(x, y)


@algorithm("Image.pixelLonLat", returns=IMG)
def pixel_lon_lat() -> Image:
    """Bands 'longitude' and 'latitude': the WGS84 coordinates of each pixel's centre."""
    ones = np.float32(1)

    def band(i: int, name: str) -> Band:
        recipe = GridRecipe(lambda grid, px: (_lon_lat(grid)[i], np.full(grid.shape, ones)))
        return Band(name, FLOAT64, DEFAULT_PROJECTION, recipe, None)

    return Image([band(0, "longitude"), band(1, "latitude")])


_WGS84_A = 6378137.0
_WGS84_F = 1 / 298.257223563
_E2 = _WGS84_F * (2 - _WGS84_F)
_E = np.sqrt(_E2)


def _authalic(lat_deg: np.ndarray) -> np.ndarray:
    """Ellipsoidal area from the equator to `lat` per radian of longitude (WGS84)."""
    s = np.sin(np.radians(lat_deg))
    b2 = (_WGS84_A * (1 - _WGS84_F)) ** 2
    return b2 / 2 * (s / (1 - _E2 * s * s) + np.log((1 + _E * s) / (1 - _E * s)) / (2 * _E))


def pixel_areas(grid: Grid) -> np.ndarray:
    """Each pixel's area in m² on the WGS84 ellipsoid: exact for north-up lon/lat grids; otherwise the pixel's
    corners in lon/lat (shoelace area in radians²) times the ellipsoid's local area element M·N·cos(lat)."""
    t = grid.transform
    if crs_is_geographic(grid.crs) and t.b == 0 and t.d == 0:
        rows = np.arange(grid.height + 1)
        lat = np.clip(t.f + t.e * rows, -90, 90)
        band = np.abs(np.diff(_authalic(lat)))
        return np.broadcast_to((band * np.radians(abs(t.a)))[:, None], grid.shape).copy()
    c, r = np.meshgrid(np.arange(grid.width + 1), np.arange(grid.height + 1))
    x, y = t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f
    lon, lat = transformer(grid.crs, "EPSG:4326").transform(x, y)
    lon, lat = np.radians(np.unwrap(np.asarray(lon), period=360, axis=1)), np.radians(np.asarray(lat))
    # corners: 1 = top-left, 2 = top-right, 3 = bottom-right, 4 = bottom-left; area = |d13 x d24| / 2
    dx13, dy13 = lon[1:, 1:] - lon[:-1, :-1], lat[1:, 1:] - lat[:-1, :-1]
    dx24, dy24 = lon[1:, :-1] - lon[:-1, 1:], lat[1:, :-1] - lat[:-1, 1:]
    flat = 0.5 * np.abs(dx13 * dy24 - dx24 * dy13)
    phi = (lat[1:, 1:] + lat[:-1, :-1] + lat[1:, :-1] + lat[:-1, 1:]) / 4
    w = 1 - _E2 * np.sin(phi) ** 2
    m, n = _WGS84_A * (1 - _E2) / w**1.5, _WGS84_A / np.sqrt(w)
    return flat * m * n * np.cos(phi)


@algorithm("Image.pixelArea", returns=IMG)
def pixel_area() -> Image:
    """Band 'area': each pixel's area in square metres on the grid it is computed on."""
    recipe = GridRecipe(lambda grid, px: (pixel_areas(grid), np.ones(grid.shape, np.float32)))
    return Image([Band("area", FLOAT64, DEFAULT_PROJECTION, recipe, None)])


# -- collections -----------------------------------------------------------------------------------------------
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


@algorithm("ImageCollection.toBands", returns=IMG, collection="ImageCollection")
def to_bands(collection) -> Image:
    """Every band of every image, named '<image id>_<band>' (the id is system:index), in collection order."""
    coll = as_collection(collection)
    bands = []
    for i, img in enumerate(coll.elements):
        if not isinstance(img, Image):
            raise InvalidArgument("ImageCollection.toBands: the collection must contain images.")
        prefix = str(img.properties.get("system:index", i))
        bands.extend(b.derive(b.recipe, name=f"{prefix}_{b.name}") for b in img.bands)
    return Image(bands, {})


@algorithm("Image.rgbToHsv", returns=IMG, image=IMG)
def rgb_to_hsv(image: Image) -> Image:
    """Three bands (red, green, blue in [0, 1]) to hue, saturation, value in [0, 1] (matplotlib's conversion)."""
    return _colour("rgbToHsv", image, ("hue", "saturation", "value"), to_hsv=True)


@algorithm("Image.hsvToRgb", returns=IMG, image=IMG)
def hsv_to_rgb(image: Image) -> Image:
    """Three bands (hue, saturation, value in [0, 1]) to red, green, blue in [0, 1]."""
    return _colour("hsvToRgb", image, ("red", "green", "blue"), to_hsv=False)


def _colour(op: str, image: Image, names: tuple[str, str, str], to_hsv: bool) -> Image:
    from matplotlib.colors import hsv_to_rgb as h2r
    from matplotlib.colors import rgb_to_hsv as r2h

    img = as_image(image)
    if len(img.bands) != 3:
        raise InvalidArgument(f"Image.{op}: the image must have exactly 3 bands, got {len(img.bands)}.")
    inputs = tuple(b.recipe for b in img.bands)

    def convert(px):
        rgb = np.stack([p[0] for p in px], axis=-1)
        mask = np.minimum(np.minimum(px[0][1], px[1][1]), px[2][1])
        return (r2h(np.clip(rgb, 0, 1)) if to_hsv else h2r(np.clip(rgb, 0, 1))), mask

    first = img.bands[0]
    bands = []
    for i, name in enumerate(names):
        recipe = MapRecipe(lambda px, i=i, run=convert: _channel(run(px), i), inputs)
        bands.append(Band(name, FLOAT64, first.projection, recipe, first.extent))
    return img.with_bands(bands)


def _channel(result, i: int):
    values, mask = result
    return values[..., i], mask
