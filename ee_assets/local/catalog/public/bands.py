"""Synthetic public images as the evaluator's lazy images: one recipe per band, computed only for the grid a
request asks for (values as EE stores them: unscaled, of the band's type; masked outside the footprint)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine

from ee_assets.local.catalog.public import synthetic
from ee_assets.local.catalog.public.native import NativeGrid
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe
from ee_assets.local.values.projection import Projection


@dataclass(eq=False)
class SyntheticBandRecipe(Recipe):
    """One band of a synthetic image, generated on any grid."""

    image: synthetic.SyntheticImage
    band: str

    def compute(self, grid: Grid) -> Pixels:
        values, valid = synthetic.band_pixels(self.image, self.band, grid.crs, grid.transform, grid.width,
                                              grid.height)
        return values.astype(np.float64), valid.astype(np.float32)


def native_band_grid(g: NativeGrid) -> Grid:
    return Grid(g.crs, Affine(*g.transform), g.width, g.height)


def image_value(img: synthetic.SyntheticImage) -> Image:
    """The evaluator's Image of a synthetic image: its bands on their native grids, its properties (with
    `system:id`, `system:footprint` and `synthetic: true`)."""
    by_gsd: dict[float | None, tuple[Projection, Grid]] = {}  # bands of one resolution share their grid
    bands = []
    for b in img.ds.bands:
        if b.gsd not in by_gsd:
            g = img.grid(b.name)
            by_gsd[b.gsd] = Projection(g.crs, g.transform), native_band_grid(g)
        projection, grid = by_gsd[b.gsd]
        bands.append(Band(b.name, b.dtype, projection, SyntheticBandRecipe(img, b.name), grid))
    properties = {**img.properties, "system:id": img.id, "system:footprint": Geometry(img.footprint, WGS84)}
    return Image(bands, properties)
