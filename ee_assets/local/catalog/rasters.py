"""Reading catalog rasters: a file band as a lazy image band, read on any grid through only the window it needs
(nearest neighbour, kernels/resample.py's mapping), with the band's nodata value or GDAL mask as the mask."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.enums import MaskFlags

from ee_assets.local.kernels.nodata import FLOAT32_EXACT, float32_values_and_mask, values_and_mask
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

    def evaluate_native(self, grid: Grid) -> Pixels:
        pixels = read_native(self.path, self.band_index, self.grid, grid, self.nodata)
        return self.evaluate(grid) if pixels is None else pixels


def read_native(path: str, band: int, src: Grid, dst: Grid, nodata) -> Pixels | None:
    """(float32 values, uint8 mask) of source band `band` when `dst` shows a window of the file's own grid as it
    is (off the raster: masked) and the band's type fits float32 exactly (kernels/nodata.py); else None (then
    read_resampled)."""
    m = pixel_mapping(src, dst)
    block = m.block
    if block is None:
        return None
    with rasterio.open(path) as ds:
        if np.dtype(ds.dtypes[band - 1]) not in FLOAT32_EXACT:
            return None
        data = ds.read(band, window=m.window)
        if nodata is None and MaskFlags.all_valid not in ds.mask_flag_enums[band - 1]:
            pixels = (data if data.dtype == np.float32 else data.astype(np.float32),
                      (ds.read_masks(band, window=m.window) > 0).view(np.uint8))
        else:
            pixels = float32_values_and_mask(data, nodata)
    if pixels is None or m.is_window:
        return pixels
    i0, i1, j0, j1 = block
    values, mask = np.zeros(dst.shape, np.float32), np.zeros(dst.shape, np.uint8)
    values[i0:i1, j0:j1], mask[i0:i1, j0:j1] = pixels
    return values, mask


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
