"""Collection.style and Collection.draw: a feature collection rendered as an RGB image (what geemap's
Map.addLayer sends for vectors).

The picture is drawn on whatever grid a request asks for, so widths and point sizes are in output pixels, as in
EE. Polygons are filled first (pixel-centre rule), then outlined; lines are drawn `width` pixels wide; points are
discs of diameter `pointSize` pixels. Colours composite in collection order with their opacity ("over"), and the
accumulated opacity becomes the mask, so undrawn pixels are masked. Bands are EE's `vis-red`, `vis-green`,
`vis-blue` (uint8), unbounded like EE's rendered layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from matplotlib.colors import to_rgba
from rasterio.features import rasterize

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Feature
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, MapRecipe, Recipe
from ee_assets.local.values.projection import DEFAULT_PROJECTION

IMG = "Image<unknown bands>"


BANDS = ("vis-red", "vis-green", "vis-blue")


FILL_OPACITY = 0.66  # EE: fillColor defaults to the line colour at 0.66 opacity


def parse_color(value: str, name: str = "color") -> tuple[float, float, float, float]:
    """An EE colour ('FF0000', 'FF000088' with opacity, '#ff0000', or a CSS name like 'red') as RGBA in [0, 1]."""
    text = str(value).strip()
    if len(text) in (3, 6, 8) and all(c in "0123456789abcdefABCDEF" for c in text):
        text = "#" + text
    try:
        return to_rgba(text)
    except ValueError as e:
        raise InvalidArgument(f"Invalid {name} '{value}': use a CSS colour name or hex like 'FF0000' or "
                              "'FF000088'.") from e


@dataclass(frozen=True)
class Style:
    color: tuple[float, float, float, float]
    fill: tuple[float, float, float, float]
    width: float
    point_size: float


@dataclass(eq=False)
class CanvasRecipe(Recipe):
    """Renders the features onto a grid: values are an (h, w, 4) RGBA array (premultiplied by nothing)."""

    features: list
    styles: list[Style] = field(default_factory=list)

    def compute(self, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
        rgb = np.zeros((*grid.shape, 3))
        alpha = np.zeros(grid.shape)
        pixel = math.sqrt(abs(grid.transform.determinant))
        window = shapely.box(*grid.bounds)
        for feature, style in zip(self.features, self.styles, strict=True):
            geom = feature.geometry.to(grid.crs)
            if geom.is_empty or not geom.intersects(window.buffer(pixel * (style.width + style.point_size))):
                continue
            for part in getattr(geom, "geoms", [geom]):
                for shape, colour in _paint(part, style, pixel):
                    _over(rgb, alpha, self._burn(shape, grid), colour)
        return np.dstack([rgb, alpha]), alpha.astype(np.float32)

    @staticmethod
    def _burn(shape, grid: Grid) -> np.ndarray:
        if shape.is_empty:
            return np.zeros(grid.shape, bool)
        return rasterize([(shape, 1)], out_shape=grid.shape, transform=grid.transform, fill=0,
                         dtype="uint8").astype(bool)


def _paint(part, style: Style, pixel: float) -> list:
    """(shape to burn, RGBA) pairs for one simple geometry, in drawing order."""
    kind = part.geom_type
    if kind == "Point":
        return [(part.buffer(style.point_size / 2 * pixel), style.color)]
    if kind in ("LineString", "LinearRing"):
        return [(part.buffer(style.width / 2 * pixel), style.color)] if style.width > 0 else []
    if kind == "Polygon":
        out = [(part, style.fill)]
        if style.width > 0:
            out.append((part.boundary.buffer(style.width / 2 * pixel), style.color))
        return out
    return [p for g in getattr(part, "geoms", []) for p in _paint(g, style, pixel)]


def _over(rgb: np.ndarray, alpha: np.ndarray, where: np.ndarray, colour) -> None:
    """Composite `colour` over the canvas where `where` is set (Porter-Duff "over")."""
    r, g, b, a = colour
    if a <= 0 or not where.any():
        return
    dst_a = alpha[where]
    out_a = a + dst_a * (1 - a)
    src = np.array([r, g, b])
    rgb[where] = (src * a + rgb[where] * (dst_a * (1 - a))[:, None]) / out_a[:, None]
    alpha[where] = out_a


def _rendered_image(features: list, styles: list[Style]) -> Image:
    canvas = CanvasRecipe(features, styles)
    bands = []
    for i, name in enumerate(BANDS):
        def channel(inputs, i=i):
            rgba, mask = inputs[0]
            return np.round(rgba[..., i] * 255.0), mask

        bands.append(Band(name, np.dtype(np.uint8), DEFAULT_PROJECTION, MapRecipe(channel, (canvas,))))
    return Image(bands, {})


def _drawable(collection) -> list[Feature]:
    return [e for e in as_collection(collection).elements if isinstance(e, Feature) and e.geometry is not None]


@algorithm("Collection.style", returns=IMG, collection="FeatureCollection", color="String", pointSize="Integer",
           pointShape="String", width="Float", fillColor="String", styleProperty="String", neighborhood="Integer",
           lineType="String")
def style(collection, color: str = "black", pointSize: int = 3, pointShape: str = "circle", width: float = 2.0,
          fillColor: str | None = None, styleProperty: str | None = None, neighborhood: int = 5,
          lineType: str = "solid") -> Image:
    """Features drawn with one style, or per feature with the overrides in the dictionary property
    `styleProperty` (keys color, pointSize, width, fillColor). Only circle points and solid lines are drawn."""
    if pointShape != "circle" or lineType != "solid":
        raise InvalidArgument(f"Collection.style: pointShape '{pointShape}' / lineType '{lineType}' are not "
                              "supported by the local backend; use 'circle' and 'solid'.")

    def make(overrides: dict) -> Style:
        line = parse_color(overrides.get("color", color))
        fill = overrides.get("fillColor", fillColor)
        fill_rgba = parse_color(fill, "fillColor") if fill is not None else (*line[:3], line[3] * FILL_OPACITY)
        return Style(line, fill_rgba, float(as_number(overrides.get("width", width), "width")),
                     float(as_number(overrides.get("pointSize", pointSize), "pointSize")))

    features = _drawable(collection)
    default = make({})
    styles = []
    for f in features:
        overrides = f.properties.get(styleProperty) if styleProperty else None
        styles.append(make(overrides) if isinstance(overrides, dict) else default)
    return _rendered_image(features, styles)


@algorithm("Collection.draw", returns=IMG, collection="FeatureCollection", color="String", pointRadius="Integer",
           strokeWidth="Integer")
def draw(collection, color: str, pointRadius: int = 3, strokeWidth: int = 2) -> Image:
    """Features painted opaque in one colour: polygons filled, lines `strokeWidth` pixels wide, points as discs of
    radius `pointRadius` pixels."""
    rgba = parse_color(color)
    solid = Style(rgba, rgba, float(strokeWidth), 2.0 * float(pointRadius))
    features = _drawable(collection)
    return _rendered_image(features, [solid] * len(features))
