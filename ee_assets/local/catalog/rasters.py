"""Reading catalog rasters: a file band as a lazy image band, read on any grid through only the window it needs
(nearest neighbour, kernels/resample.py's mapping), with the band's nodata value or GDAL mask as the mask.
Only plain local formats are opened (catalog/containment.py), and a large window under a much coarser grid is read
a run of rows at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from ee_assets.local import budget
from ee_assets.local.catalog import uncompressed_tiff
from ee_assets.local.catalog.containment import raster_driver
from ee_assets.local.kernels.nodata import (
    FLOAT32_EXACT,
    float32_masker,
    float32_values_and_mask,
    nodata_in_type,
    values_and_mask,
)
from ee_assets.local.kernels.pixel_blocks import PixelBlocks
from ee_assets.local.kernels.resample import PixelMapping, pixel_mapping
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
        if pixels is None:
            return self.evaluate(grid)
        budget.charge_pixels(grid.width * grid.height)  # released with the tile, as evaluate's charge is
        return pixels

    def pixel_blocks(self, grid: Grid) -> PixelBlocks | None:
        return pixel_blocks(self.path, self.band_index, self.grid, grid, self.nodata)


def pixel_blocks(path: str, band: int, src: Grid, dst: Grid, nodata) -> PixelBlocks | None:
    """Source band `band` on `dst` where it lies in the file (kernels/pixel_blocks.py): when `dst` is the file's own
    grid shifted by whole pixels (off the raster: masked), the file is an uncompressed GeoTIFF held in the memory
    map with the band's blocks one after another, of a type float32 holds exactly, masked by a nodata value that
    type holds (or by nothing: a GDAL mask band is read through GDAL). Else None."""
    m = pixel_mapping(src, dst)
    if m.block is None:
        return None
    direct = _direct_layout(path, band, nodata)
    if direct is None or direct.native_dtype not in FLOAT32_EXACT:
        return None
    if nodata is not None and nodata_in_type(direct.native_dtype, nodata) is None:
        return None
    values = direct.band_blocks(band)
    if values is None:
        return None
    i0, _, j0, _ = m.block  # dst pixel (i0, j0) is the file's (row_off, col_off)
    return PixelBlocks.in_place(values, None if nodata is None else float(nodata), i0 - int(m.window.row_off),
                                j0 - int(m.window.col_off), direct.height, direct.width)


def read_native(path: str, band: int, src: Grid, dst: Grid, nodata) -> Pixels | None:
    """(float32 values, uint8 mask) of source band `band` when `dst` shows a window of the file's own grid as it
    is (off the raster: masked) and the band's type fits float32 exactly (kernels/nodata.py); else None (then
    read_resampled)."""
    m = pixel_mapping(src, dst)
    block = m.block
    if block is None:
        return None
    direct = _direct_layout(path, band, nodata)
    if direct is not None:
        return _read_native_direct(direct, band, m, dst, nodata)
    with rasterio.open(path, driver=raster_driver(path)) as ds:  # plain local formats only (catalog/containment)
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


def _direct_layout(path: str, band: int, nodata) -> uncompressed_tiff.TiffLayout | None:
    """The file's layout when band `band` can be read without GDAL: an uncompressed GeoTIFF (uncompressed_tiff.py)
    whose band is masked by `nodata` or not at all (a GDAL mask band is read through GDAL)."""
    direct = uncompressed_tiff.layout(path)
    if direct is None or (nodata is None and not direct.all_valid[band - 1]):
        return None
    return direct


def _read_native_direct(direct: uncompressed_tiff.TiffLayout, band: int, m: PixelMapping, dst: Grid,
                        nodata) -> Pixels | None:
    """read_native for a file read without GDAL: float32 pixels go straight into their place in the tile, and each
    block's mask is made as soon as it is copied."""
    dtype = direct.native_dtype
    if dtype not in FLOAT32_EXACT:
        return None
    row, col = int(m.window.row_off), int(m.window.col_off)
    i0, i1, j0, j1 = m.block
    mask_of = float32_masker(nodata) if dtype == np.float32 else None
    if mask_of is None:  # other types: read, then convert (float32_values_and_mask), as through GDAL
        data = np.empty((i1 - i0, j1 - j0), dtype)
        direct.read(band, row, col, data)
        pixels = float32_values_and_mask(data, nodata)
        if pixels is None or m.is_window:
            return pixels
        values, mask = np.zeros(dst.shape, np.float32), np.zeros(dst.shape, np.uint8)
        values[i0:i1, j0:j1], mask[i0:i1, j0:j1] = pixels
        return values, mask
    new = np.empty if m.is_window else np.zeros  # off the raster: masked, value 0
    values, mask = new(dst.shape, np.float32), new(dst.shape, np.uint8)
    inner, inner_mask = values[i0:i1, j0:j1], mask[i0:i1, j0:j1]
    direct.read(band, row, col, inner, lambda rows, cols: mask_of(inner[rows, cols], inner_mask[rows, cols]))
    return values, mask


def _read_window(ds, path: str, band: int, window: Window) -> np.ndarray:
    """The band's pixels in `window` (inside the raster): straight from an uncompressed file, else through GDAL."""
    direct = uncompressed_tiff.layout(path)
    if direct is None:
        return ds.read(band, window=window)
    data = np.empty((int(window.height), int(window.width)), direct.native_dtype)
    direct.read(band, int(window.row_off), int(window.col_off), data)
    return data


STREAM_BYTES = 64 << 20  # a source window larger than this, for a much smaller grid, is read row by row


def read_resampled(path: str, band: int, src: Grid, dst: Grid, nodata) -> tuple[np.ndarray, np.ndarray]:
    """(values float64, mask float32) of source band `band` (1-based) on `dst`; outside the source → masked.

    The source window under `dst` is read at once, unless it is large and `dst` much coarser (a thumbnail of a
    big raster): then only the source rows some pixel of `dst` falls in are read, one run of rows at a time."""
    m = pixel_mapping(src, dst)
    if m.window is None:
        return np.zeros(dst.shape), np.zeros(dst.shape, np.float32)
    with rasterio.open(path, driver=raster_driver(path)) as ds:  # plain local formats only (catalog/containment)
        window_pixels = m.window.width * m.window.height
        if window_pixels * np.dtype(ds.dtypes[band - 1]).itemsize > STREAM_BYTES and \
                window_pixels > 4 * dst.width * dst.height:
            data, valid = _gather_rows(ds, band, m, nodata)
            return data.astype(np.float64), (m.inside & valid).astype(np.float32)
        data = _read_window(ds, path, band, m.window)
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


def _valid(ds, band: int, window: Window, data: np.ndarray, nodata) -> np.ndarray | None:
    """Which pixels of `data` (read from `window`) are valid, from the catalog's nodata or the file's mask; None
    when all are."""
    if nodata is not None:
        return ~np.isnan(data) if isinstance(nodata, float) and np.isnan(nodata) else data != nodata
    if MaskFlags.all_valid in ds.mask_flag_enums[band - 1]:
        return None
    return ds.read_masks(band, window=window) > 0


def _gather_rows(ds, band: int, m: PixelMapping, nodata) -> tuple[np.ndarray, np.ndarray]:
    """(data, valid) on the target grid, reading only the window rows some target pixel falls in, in runs of
    consecutive rows of at most STREAM_BYTES: memory stays bounded however large the window is."""
    width = m.window.width
    if m.rows is not None:
        rows = np.broadcast_to(m.rows[:, None], m.shape)
        cols = np.broadcast_to(np.maximum(m.cols, 0)[None, :], m.shape)
    else:
        rows = np.where(m.inside_flat, m.flat_index // width, -1)
        cols = m.flat_index % width
    data = np.zeros(m.shape, ds.dtypes[band - 1])
    valid = np.zeros(m.shape, bool)
    needed = np.unique(rows[rows >= 0])
    most = max(1, STREAM_BYTES // (width * np.dtype(ds.dtypes[band - 1]).itemsize))
    breaks = np.flatnonzero(np.diff(needed) != 1) + 1
    for run in np.split(needed, breaks):
        for start in range(0, len(run), most):
            budget.check()
            first, last = int(run[start]), int(run[min(start + most, len(run)) - 1])
            window = Window(m.window.col_off, m.window.row_off + first, width, last - first + 1)
            strip = ds.read(band, window=window)
            strip_valid = _valid(ds, band, window, strip, nodata)
            take = (rows >= first) & (rows <= last)
            r, c = rows[take] - first, cols[take]
            data[take] = strip[r, c]
            valid[take] = True if strip_valid is None else strip_valid[r, c]
    return data, valid
