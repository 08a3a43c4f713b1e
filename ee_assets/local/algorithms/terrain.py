"""Terrain.*: slope, aspect, hillshade and Terrain.products from an elevation image.

As EE documents (Terrain.slope): "The local gradient is computed using the 4-connected neighbors of each pixel, so
missing values will occur around the edges of an image": dz/dx and dz/dy are central differences over the east and
north neighbours, a pixel is masked unless all four neighbours and itself are valid. Distances are metres: along
the axes of a projected grid in its units, on the WGS84 ellipsoid (meridian and prime-vertical radii at the pixel's
latitude) for a geographic one. Like the other neighbourhood algorithms this runs on the requested grid.
Slope is in degrees [0, 90), aspect in degrees clockwise from north of the downslope direction (0 = N, 90 = E,
180 = S, 270 = W, as the Terrain apidocs sample states), hillshade the usual Lambertian shading
255 · max(0, cos z cos s + sin z sin s cos(azimuth − aspect)) for the sun at zenith angle z = 90° − elevation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid, crs_is_geographic
from ee_assets.local.values.image import Band, Image, MapRecipe, Pixels, Recipe

IMG = "Image<unknown bands>"
FLOAT32 = np.dtype(np.float32)
WGS84_A = 6378137.0
WGS84_E2 = 6.69437999014e-3


def _pixel_metres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Ground size (metres) of a pixel step east and north, per row of `grid` (shape (h, 1))."""
    t = grid.transform
    if not crs_is_geographic(grid.crs):
        return np.full((grid.height, 1), abs(t.a)), np.full((grid.height, 1), abs(t.e))
    rows = np.arange(grid.height) + 0.5
    lat = np.radians(t.f + t.e * rows)[:, None]
    sin2 = np.sin(lat) ** 2
    meridian = WGS84_A * (1 - WGS84_E2) / (1 - WGS84_E2 * sin2) ** 1.5
    prime = WGS84_A / np.sqrt(1 - WGS84_E2 * sin2)
    return prime * np.cos(lat) * math.radians(abs(t.a)), meridian * math.radians(abs(t.e))


@dataclass(eq=False)
class GradientRecipe(Recipe):
    """(dz/d east, dz/d north) in metres per metre, stacked as values (2, h, w), from the 4-connected
    neighbours."""

    input: Recipe

    def compute(self, grid: Grid) -> Pixels:
        if abs(grid.transform.b) > 1e-12 or abs(grid.transform.d) > 1e-12:
            raise InvalidArgument("Terrain: the grid must not be rotated.")
        values, mask = self.input.evaluate(grid.window(-1, -1, grid.width + 2, grid.height + 2))
        h, w = grid.shape
        centre = (slice(1, h + 1), slice(1, w + 1))
        left, right = (slice(1, h + 1), slice(0, w)), (slice(1, h + 1), slice(2, w + 2))
        up, down = (slice(0, h), slice(1, w + 1)), (slice(2, h + 2), slice(1, w + 1))
        dx_m, dy_m = _pixel_metres(grid)
        east = (values[right] - values[left]) / (2 * dx_m) * np.sign(grid.transform.a)
        north = (values[up] - values[down]) / (2 * dy_m) * -np.sign(grid.transform.e)
        ok = (mask[centre] > 0) & (mask[left] > 0) & (mask[right] > 0) & (mask[up] > 0) & (mask[down] > 0)
        return np.where(ok, np.stack([east, north]), 0.0), ok.astype(np.float32)


def _slope(g: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan(np.hypot(g[0], g[1])))


def _aspect(g: np.ndarray) -> np.ndarray:
    """Compass direction of the steepest descent, clockwise from north."""
    return np.mod(np.degrees(np.arctan2(-g[0], -g[1])), 360.0)


def _hillshade(g: np.ndarray, azimuth: float, elevation: float) -> np.ndarray:
    zenith = math.radians(90.0 - elevation)
    slope, aspect = np.radians(_slope(g)), np.radians(_aspect(g))
    shade = math.cos(zenith) * np.cos(slope) + math.sin(zenith) * np.sin(slope) * np.cos(math.radians(azimuth) -
                                                                                         aspect)
    return np.rint(255.0 * np.clip(shade, 0.0, 1.0))


def _elevation(op: str, image) -> Band:
    """The single band, or the band named 'elevation' of a multi-band image (Terrain.products' rule)."""
    img = as_image(image, "input")
    if len(img.bands) == 1:
        return img.bands[0]
    named = [b for b in img.bands if b.name == "elevation"]
    if not named:
        raise InvalidArgument(f"{op}: expected one band, or a band named 'elevation'; got {img.band_names}.")
    return named[0]


def _derived(band: Band, name: str, gradient: Recipe, fn, dtype=FLOAT32) -> Band:
    return Band(name, np.dtype(dtype), band.projection, MapRecipe(lambda px: (fn(px[0][0]), px[0][1]),
                                                                  (gradient,)), band.extent)


@algorithm("Terrain.slope", returns=IMG, input=IMG)
def slope(input: Image) -> Image:
    """Band 'slope': degrees in [0, 90)."""
    band = _elevation("Terrain.slope", input)
    return as_image(input, "input").with_bands([_derived(band, "slope", GradientRecipe(band.recipe), _slope)])


@algorithm("Terrain.aspect", returns=IMG, input=IMG)
def aspect(input: Image) -> Image:
    """Band 'aspect': degrees clockwise from north of the downslope direction."""
    band = _elevation("Terrain.aspect", input)
    return as_image(input, "input").with_bands([_derived(band, "aspect", GradientRecipe(band.recipe), _aspect)])


@algorithm("Terrain.hillshade", returns=IMG, input=IMG, azimuth="Float", elevation="Float")
def hillshade(input: Image, azimuth: float = 270.0, elevation: float = 45.0) -> Image:
    """Band 'hillshade' (uint8, 0–255) for the sun at `azimuth` degrees from north and `elevation` degrees."""
    band = _elevation("Terrain.hillshade", input)
    az, el = float(as_number(azimuth, "azimuth")), float(as_number(elevation, "elevation"))
    shade = _derived(band, "hillshade", GradientRecipe(band.recipe), lambda g: _hillshade(g, az, el), np.uint8)
    return as_image(input, "input").with_bands([shade])


def _products(op: str, input) -> Image:
    img = as_image(input, "input")
    band = _elevation(op, img)
    gradient = GradientRecipe(band.recipe)  # shared: computed once per grid for the three bands
    return img.with_bands([*img.bands, _derived(band, "slope", gradient, _slope),
                           _derived(band, "aspect", gradient, _aspect),
                           _derived(band, "hillshade", gradient, lambda g: _hillshade(g, 270.0, 45.0), np.uint8)])


@algorithm("Terrain.products", returns=IMG, input=IMG)
def products(input: Image) -> Image:
    """The input's bands and properties plus 'slope', 'aspect' (degrees) and 'hillshade' (uint8, sun at azimuth
    270°, elevation 45°)."""
    return _products("Terrain.products", input)


@algorithm("Terrain", returns=IMG, input=IMG)
def terrain(input: Image) -> Image:
    """The same as Terrain.products."""
    return _products("Terrain", input)

