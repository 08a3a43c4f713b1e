"""Image.visualize: an 8-bit RGB (or grey) rendering as an image, with the same rules computePixels uses for
visualizationOptions (ranges, gamma, palette, opacity), so a thumbnail and a computePixels PNG agree; Image.sldStyle
and Image.randomVisualizer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.image.core import select
from ee_assets.local.algorithms.image.random import splitmix
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.bands import first_elements
from ee_assets.local.algorithms.support.coerce import as_image
from ee_assets.local.encoding.pixels import parse_color, visualize_values
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, MapRecipe, Pixels, Recipe

IMG = "Image<unknown bands>"
UINT8 = np.dtype(np.uint8)


@dataclass(eq=False)
class RenderRecipe(Recipe):
    """All channels at once: values shaped (channels, h, w) and the alpha mask (h, w); used by one band each."""

    inputs: tuple[Recipe, ...]
    dtypes: tuple[np.dtype, ...]
    options: dict
    channels: int

    def compute(self, grid: Grid) -> Pixels:
        px = [r.evaluate(grid) for r in self.inputs]
        values = np.stack([p[0] for p in px])
        masks = np.stack([p[1] for p in px])
        valid = masks > 0
        rendered, opacity = visualize_values(values, valid, list(self.dtypes), self.options)
        if len(rendered) == 1 and self.channels == 3:
            rendered = np.repeat(rendered, 3, axis=0)
        alpha = (np.clip(masks.min(axis=0), 0, 1) * opacity).astype(np.float32)
        return np.where(valid.all(axis=0), rendered, 0).astype(np.float64), alpha


def _numbers(value, name: str) -> list[float] | None:
    """A number, a list of numbers or a comma-separated string of them (all three reach the server)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else [value]
    try:
        return [float(v) for v in items]
    except (TypeError, ValueError):
        message = f"Image.visualize: '{name}' must be a number or a list of numbers, got {value!r}."
        raise InvalidArgument(message) from None


def _per_band(values: list[float] | None, n: int, name: str) -> list[float] | None:
    if values is None:
        return None
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise InvalidArgument(f"Image.visualize: '{name}' must have 1 or {n} values, got {len(values)}.")
    return values


@algorithm("Image.visualize", returns=IMG, image=IMG, bands="Object", gain="Object", bias="Object", min="Object",
           max="Object", gamma="Object", opacity="Number", palette="Object", forceRgbOutput="Boolean")
def visualize(image: Image, bands=None, gain=None, bias=None, min=None, max=None, gamma=None,
              opacity: float | None = None, palette=None, forceRgbOutput: bool = False) -> Image:
    """Bands 'vis-red', 'vis-green', 'vis-blue' (uint8), or 'vis-gray' for one band without palette; the mask is
    the inputs' minimum mask times `opacity`. gain/bias map values as value * gain + bias. Without `bands`, the
    first three bands are drawn ("If empty, the first 3 are used", EE's signature), or the only band; an image
    with no bands (a composite of an empty collection) stays empty: there is nothing to draw."""
    img = first_elements(as_image(image))
    names = (bands.split(",") if isinstance(bands, str) else bands) if bands else []
    if names:
        img = select(img, [n.strip() if isinstance(n, str) else n for n in names])
    elif len(img.bands) > 3:
        img = img.with_bands(img.bands[:3])
    elif not img.bands:
        return img
    n = len(img.bands)
    if n not in (1, 3):
        raise InvalidArgument(f"Image.visualize: Must specify 1 or 3 bands, got {n} ({img.band_names}); "
                              "use 'bands' to choose them.")
    colours = palette.split(",") if isinstance(palette, str) else palette
    if colours is not None and n != 1:
        raise InvalidArgument("Image.visualize: a palette can only be used with one band.")
    levels = (len(colours) - 1) if colours else 255
    ranges = _ranges(n, gain, bias, min, max, levels)
    options: dict = {}
    if ranges:
        options["ranges"] = ranges
    if gamma is not None:
        options["gamma"] = _per_band(_numbers(gamma, "gamma"), n, "gamma")
    if colours:
        options["paletteColors"] = [str(c).strip() for c in colours]
    if opacity is not None:
        options["opacity"] = float(opacity)
    rgb = n == 3 or bool(colours) or bool(forceRgbOutput)
    render = RenderRecipe(tuple(b.recipe for b in img.bands), tuple(b.dtype for b in img.bands), options,
                          3 if rgb else 1)
    first = img.bands[0]
    names = ["vis-red", "vis-green", "vis-blue"] if rgb else ["vis-gray"]
    out = [Band(name, UINT8, first.projection, MapRecipe(lambda px, i=i: (px[0][0][i], px[0][1]), (render,)),
                first.extent) for i, name in enumerate(names)]
    return img.with_bands(out)


def _ranges(n: int, gain, bias, vmin, vmax, levels: int) -> list[dict] | None:
    if gain is not None or bias is not None:
        if vmin is not None or vmax is not None:
            raise InvalidArgument("Image.visualize: gain and bias cannot be used together with min and max.")
        gains = _per_band(_numbers(gain, "gain") or [1.0], n, "gain")
        biases = _per_band(_numbers(bias, "bias") or [0.0], n, "bias")
        # value * gain + bias = levels * (value - lo) / (hi - lo)  =>  lo = -bias / gain, hi = lo + levels / gain
        return [{"min": -b / g, "max": -b / g + levels / g} for g, b in zip(gains, biases, strict=True)]
    if vmin is None and vmax is None:
        return None
    mins = _per_band(_numbers(vmin, "min") or [0.0], n, "min")
    maxes = _per_band(_numbers(vmax, "max") or [1.0], n, "max")
    return [{"min": lo, "max": hi} for lo, hi in zip(mins, maxes, strict=True)]


# -- SLD styles -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColorMap:
    """An SLD RasterSymbolizer ColorMap: entries (quantity, (r, g, b), opacity) sorted by quantity."""

    kind: str
    entries: tuple[tuple[float, tuple[int, int, int], float], ...]

    def render(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rgb (3, h, w), opacity (h, w)) for values `v`."""
        qs = np.array([e[0] for e in self.entries])
        colours = np.array([e[1] for e in self.entries], float)
        alphas = np.array([e[2] for e in self.entries])
        if self.kind == "ramp":  # linear between entries; beyond the ends, the end colours
            rgb = np.stack([np.interp(v, qs, colours[:, c]) for c in range(3)])
            return rgb, np.interp(v, qs, alphas)
        if self.kind == "intervals":  # entry i colours [q[i-1], q[i]); values from the last quantity up are clear
            idx = np.searchsorted(qs, v, side="right")
            inside = idx < len(qs)
            idx = np.minimum(idx, len(qs) - 1)
        else:  # "values": exact matches only
            idx = np.clip(np.searchsorted(qs, v), 0, len(qs) - 1)
            inside = qs[idx] == v
        return np.where(inside, colours[idx].transpose(2, 0, 1), 0.0), np.where(inside, alphas[idx], 0.0)


def parse_sld(xml: str) -> ColorMap:
    """The ColorMap of an SLD RasterSymbolizer (namespaces ignored); errors say what is missing."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise InvalidArgument(f"Image.sldStyle: the SLD is not valid XML: {e}.") from None
    maps = [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "ColorMap"]
    if not maps:
        raise InvalidArgument("Image.sldStyle: the SLD has no <ColorMap> (only RasterSymbolizer colour maps are "
                              "supported by the local backend).")
    cmap = maps[0]
    kind = cmap.get("type", "ramp")
    if kind not in ("ramp", "intervals", "values"):
        raise InvalidArgument(f"Image.sldStyle: ColorMap type must be ramp, intervals or values, got {kind!r}.")
    entries = []
    for el in cmap:
        if el.tag.rsplit("}", 1)[-1] != "ColorMapEntry":
            continue
        if el.get("quantity") is None or el.get("color") is None:
            raise InvalidArgument("Image.sldStyle: every ColorMapEntry needs 'color' and 'quantity'.")
        entries.append((float(el.get("quantity")), parse_color(el.get("color")), float(el.get("opacity", 1.0))))
    if not entries:
        raise InvalidArgument("Image.sldStyle: the ColorMap has no ColorMapEntry.")
    return ColorMap(kind, tuple(sorted(entries, key=lambda e: e[0])))


@dataclass(eq=False)
class SldRecipe(Recipe):
    input: Recipe
    cmap: ColorMap

    def compute(self, grid: Grid) -> Pixels:
        v, m = self.input.evaluate(grid)
        rgb, alpha = self.cmap.render(v)
        mask = (np.where(m > 0, np.minimum(m, alpha), 0.0)).astype(np.float32)
        return np.rint(np.where(mask > 0, rgb, 0.0)), mask


@algorithm("Image.sldStyle", returns=IMG, input=IMG, sldXml="String")
def sld_style(input: Image, sldXml: str) -> Image:
    """Style the first band with an SLD ColorMap: 'ramp' interpolates colours (ends extend), 'intervals' gives
    entry i to values in [q(i-1), q(i)) (values from the last quantity up are transparent), 'values' only exact
    matches; the result is vis-red/green/blue with the entries' opacity as mask."""
    img = as_image(input, "input")
    if not img.bands:
        raise InvalidArgument("Image.sldStyle: the image has no bands.")
    first = img.bands[0]
    render = SldRecipe(first.recipe, parse_sld(sldXml))
    names = ["vis-red", "vis-green", "vis-blue"]
    return img.with_bands([Band(n, UINT8, first.projection, MapRecipe(lambda px, i=i: (px[0][0][i], px[0][1]),
                                                                      (render,)), first.extent)
                           for i, n in enumerate(names)])


@algorithm("Image.randomVisualizer", returns=IMG, image=IMG)
def random_visualizer(image: Image) -> Image:
    """Bands 'vis-red', 'vis-green', 'vis-blue' (a colour per distinct first-band value, from a hash of the
    value, so equal values share a colour in every request), followed by the input bands."""
    img = as_image(image)
    if not img.bands:
        raise InvalidArgument("Image.randomVisualizer: the image has no bands.")
    first = img.bands[0]

    def colour(channel: int):
        def run(px):
            v, m = px[0]
            h = splitmix(np.ascontiguousarray(v, dtype=np.float64).view(np.uint64))
            return ((h >> np.uint64(8 * channel)) & np.uint64(255)).astype(np.float64), m
        return MapRecipe(run, (first.recipe,))

    vis = [Band(name, np.dtype(np.uint8), first.projection, colour(i), first.extent)
           for i, name in enumerate(("vis-red", "vis-green", "vis-blue"))]
    return img.with_bands(vis + list(img.bands))
