"""Reading catalog rasters: a file band as a lazy image band, read on any grid through only the window it needs
(nearest neighbour, kernels/resample.py's mapping), with the band's nodata value or GDAL mask as the mask."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.enums import MaskFlags

from ee_assets.local.kernels.nodata import values_and_mask
from ee_assets.local.kernels.resample import pixel_mapping
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Pixels, Recipe


@dataclass(eq=False)
class SourceRecipe(Recipe):
    """One band of a file in the catalog, resampled (nearest) onto the requested grid."""

    path: str
    band_index: int  # 1-based
    grid: Grid
    nodata: float | None

    def compute(self, grid: Grid) -> Pixels:
        return read_resampled(self.path, self.band_index, self.grid, grid, self.nodata)


def read_resampled(path: str, band: int, src: Grid, dst: Grid, nodata) -> tuple[np.ndarray, np.ndarray]:
    """(values float64, mask float32) of source band `band` (1-based) on `dst`; outside the source → masked."""
    m = pixel_mapping(src, dst)
    if m.window is None:
        return np.zeros(dst.shape), np.zeros(dst.shape, np.float32)
    with rasterio.open(path) as ds:
        data = ds.read(band, window=m.window)
        valid = None  # all valid, or (below) from the nodata value
        if nodata is None and MaskFlags.all_valid not in ds.mask_flag_enums[band - 1]:
            valid = ds.read_masks(band, window=m.window) > 0
    everywhere = m.rows is not None and bool(np.all(m.rows >= 0) and np.all(m.cols >= 0))
    if nodata is not None:
        if everywhere and m.gather(data) is data and (pixels := values_and_mask(data, nodata)) is not None:
            return pixels  # the window is the grid: values and mask in one pass
        valid = ~np.isnan(data) if isinstance(nodata, float) and np.isnan(nodata) else data != nodata
    values = m.gather(data).astype(np.float64)
    if valid is None:
        mask = np.ones(dst.shape, np.float32) if everywhere else m.inside.astype(np.float32)
    else:
        mask = (m.gather(valid) if everywhere else m.inside & m.gather(valid)).astype(np.float32)
    return values, mask
