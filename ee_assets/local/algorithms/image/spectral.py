"""Spectral Image algorithms: normalizedDifference, unmix, spectralDistance and the RGB/HSV conversions."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import hsv_to_rgb as h2r
from matplotlib.colors import rgb_to_hsv as r2h

from ee_assets.local.algorithms.image.core import select
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Band, Image, MapRecipe

IMG = "Image<unknown bands>"
FLOAT64 = np.dtype(np.float64)


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


@algorithm("Image.unmix", returns=IMG, image=IMG, endmembers="List<List<Float>>", sumToOne="Boolean",
           nonNegative="Boolean")
def unmix(image: Image, endmembers: list, sumToOne: bool = False, nonNegative: bool = False) -> Image:
    """Least-squares fractions of the endmembers (each a list with one value per band) in every pixel; bands
    'band_0', 'band_1', …. sumToOne adds the equality constraint Σ fractions = 1 exactly (Lagrange multiplier)."""
    img = as_image(image)
    e = np.asarray(endmembers, dtype=float)
    if e.ndim != 2 or e.shape[1] != len(img.bands):
        raise InvalidArgument(f"Image.unmix: each endmember needs one value per band ({len(img.bands)}), "
                              f"got shape {list(e.shape)}.")
    if nonNegative:
        raise InvalidArgument("Image.unmix: nonNegative is not supported by the local backend; unmix without it "
                              "and clamp, or use Earth Engine.")
    k = len(e)
    design = e.T  # (bands, k)
    if sumToOne:
        kkt = np.block([[design.T @ design, np.ones((k, 1))], [np.ones((1, k)), np.zeros((1, 1))]])
        solve = np.linalg.pinv(kkt)
    else:
        solve = np.linalg.pinv(design)
    inputs = tuple(b.recipe for b in img.bands)

    def run_all(px):
        y = np.stack([p[0] for p in px], axis=-1)  # (h, w, bands)
        mask = np.min(np.stack([p[1] for p in px]), axis=0)
        if sumToOne:
            rhs = np.concatenate([y @ design, np.ones(y.shape[:-1] + (1,))], axis=-1)
            fractions = (rhs @ solve.T)[..., :k]
        else:
            fractions = y @ solve.T
        return fractions, mask

    first = img.bands[0]
    shared = MapRecipe(run_all, inputs)
    bands = [Band(f"band_{i}", FLOAT64, first.projection, MapRecipe(lambda px, i=i: (px[0][0][..., i], px[0][1]),
                                                                     (shared,)), first.extent)
             for i in range(k)]
    return img.with_bands(bands)


def _spectral(metric: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances between per-pixel spectra a, b shaped (bands, h, w)."""
    with np.errstate(all="ignore"):
        if metric == "sed":
            return ((a - b) ** 2).sum(axis=0)
        if metric == "sam":
            cos = (a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
            return np.arccos(np.clip(cos, -1.0, 1.0))
        p, q = a / a.sum(axis=0), b / b.sum(axis=0)
        if metric == "sid":
            return (p * np.log(p / q) + q * np.log(q / p)).sum(axis=0)
        return np.abs(np.cumsum(p, axis=0) - np.cumsum(q, axis=0)).sum(axis=0)  # emd of 1-D distributions


@algorithm("Image.spectralDistance", returns=IMG, image1=IMG, image2=IMG, metric="String")
def spectral_distance(image1: Image, image2: Image, metric: str = "sam") -> Image:
    """Per pixel, the distance between the two images' spectra: 'sam' (spectral angle, radians), 'sid' (spectral
    information divergence), 'sed' (squared Euclidean distance) or 'emd' (earth mover's distance of the normalized
    spectra). One band named 'distance' (EE does not document the name)."""
    a, b = as_image(image1, "image1"), as_image(image2, "image2")
    if metric not in ("sam", "sid", "sed", "emd"):
        raise InvalidArgument(f"Image.spectralDistance: metric must be sam, sid, sed or emd, got {metric!r}.")
    if len(a.bands) != len(b.bands) or not a.bands:
        raise InvalidArgument(f"Image.spectralDistance: the images need the same number of bands, got "
                              f"{len(a.bands)} and {len(b.bands)}.")
    n = len(a.bands)

    def run(px):
        va, vb = np.stack([p[0] for p in px[:n]]), np.stack([p[0] for p in px[n:]])
        mask = np.min(np.stack([p[1] for p in px]), axis=0)
        d = _spectral(metric, va, vb)
        ok = np.isfinite(d)
        return np.where(ok, d, 0.0), np.where(ok, mask, 0.0).astype(np.float32)

    first = a.bands[0]
    recipe = MapRecipe(run, tuple(x.recipe for x in a.bands) + tuple(x.recipe for x in b.bands))
    return a.with_bands([Band("distance", FLOAT64, first.projection, recipe, first.extent)])


@algorithm("Image.rgbToHsv", returns=IMG, image=IMG)
def rgb_to_hsv(image: Image) -> Image:
    """Three bands (red, green, blue in [0, 1]) to hue, saturation, value in [0, 1] (matplotlib's conversion)."""
    return _colour("rgbToHsv", image, ("hue", "saturation", "value"), to_hsv=True)


@algorithm("Image.hsvToRgb", returns=IMG, image=IMG)
def hsv_to_rgb(image: Image) -> Image:
    """Three bands (hue, saturation, value in [0, 1]) to red, green, blue in [0, 1]."""
    return _colour("hsvToRgb", image, ("red", "green", "blue"), to_hsv=False)


def _colour(op: str, image: Image, names: tuple[str, str, str], to_hsv: bool) -> Image:
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
