"""Nearest-neighbour resampling (kernels/resample.py) against a numpy index computation.

Same-CRS, axis-aligned grids take the separable path (a slice when aligned, else a row/column
gather); other grids the general flat-index path. Both must pick the pixel containing each target
pixel centre, mask what falls outside the source, and read only the window they need.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from ee_assets.local.catalog.rasters import read_native, read_resampled
from ee_assets.local.kernels import resample
from ee_assets.local.values.grid import Grid

SRC = Grid("EPSG:32610", Affine(10, 0, 500000, 0, -10, 4000000), 120, 90)


@pytest.fixture()
def source(tmp_path):
    data = np.arange(90 * 120, dtype="float32").reshape(90, 120)
    data[5:9, 7:11] = -1  # nodata block
    path = tmp_path / "s.tif"
    with rasterio.open(path, "w", driver="GTiff", width=120, height=90, count=1, dtype="float32", crs=SRC.crs,
                       transform=SRC.transform, nodata=-1) as ds:
        ds.write(data, 1)
    return str(path), data


def expected(data: np.ndarray, dst: Grid):
    """The source pixel under each target pixel centre (numpy), masked outside and on nodata."""
    cols, rows = np.meshgrid(np.arange(dst.width) + 0.5, np.arange(dst.height) + 0.5)
    x, y = dst.transform @ (cols, rows)
    sc, sr = ~SRC.transform @ (x, y)
    sc, sr = np.floor(sc).astype(int), np.floor(sr).astype(int)
    inside = (sc >= 0) & (sc < SRC.width) & (sr >= 0) & (sr < SRC.height)
    values = np.where(inside, data[np.clip(sr, 0, SRC.height - 1), np.clip(sc, 0, SRC.width - 1)], 0)
    return values, inside & (values != -1)


@pytest.mark.parametrize("dst", [
    SRC.window(3, 4, 50, 40),  # aligned: a plain slice
    Grid(SRC.crs, Affine(7, 0, 499950, 0, -13, 4000100), 200, 80),  # other scale, partly outside
    Grid(SRC.crs, Affine(25, 0, 500003, 0, 25, 3999000), 40, 30),  # south-up target
    Grid(SRC.crs, Affine(10, 0, 600000, 0, -10, 4000000), 20, 20),  # entirely outside
], ids=["slice", "gather", "south-up", "outside"])
def test_separable_resampling_picks_the_pixel_under_each_centre(source, dst):
    path, data = source
    resample.clear_mapping_cache()
    values, mask = read_resampled(path, 1, SRC, dst, -1.0)
    want, valid = expected(data, dst)
    assert np.array_equal(mask > 0, valid)
    assert np.array_equal(values[valid], want[valid])
    mapping = resample.pixel_mapping(SRC, dst)
    assert mapping.flat_index is None, "same-CRS axis-aligned grids use the separable mapping"


def test_rotated_target_uses_the_general_path(source):
    path, data = source
    dst = Grid(SRC.crs, Affine(9, 2, 500100, 1.5, -9, 3999800), 60, 50)
    values, mask = read_resampled(path, 1, SRC, dst, -1.0)
    want, valid = expected(data, dst)
    assert np.array_equal(mask > 0, valid)
    assert np.array_equal(values[valid], want[valid])
    assert resample.pixel_mapping(SRC, dst).flat_index is not None


def test_window_read_is_only_what_the_target_needs():
    # Target pixel centres start at x = 500210 (source column 21) and y = 3999690 (source row 31).
    mapping = resample.pixel_mapping(SRC, Grid(SRC.crs, Affine(10, 0, 500205, 0, -10, 3999695), 30, 20))
    assert (mapping.window.col_off, mapping.window.row_off, mapping.window.width, mapping.window.height) == (
        21, 31, 30, 20)


def test_mapping_cache_is_bounded_in_bytes(monkeypatch):
    cache = resample._MappingCache(budget=10_000)
    monkeypatch.setattr(resample, "_cache", cache)
    for i in range(50):
        resample.pixel_mapping(SRC, Grid(SRC.crs, Affine(9, 2, 500100 + i, 1.5, -9, 3999800), 20, 20))
    assert cache.used <= 10_000 and 0 < len(cache.items) < 50


ALIGNED_EDGES = {  # windows of the source grid that run off the raster (reduction tiles at its edges)
    "top-left": Grid(SRC.crs, Affine(10, 0, 500000 - 50, 0, -10, 4000000 + 30), 40, 30),
    "bottom-right": Grid(SRC.crs, Affine(10, 0, 500000 + 1000, 0, -10, 4000000 - 700), 40, 30),
    "all around": Grid(SRC.crs, Affine(10, 0, 500000 - 50, 0, -10, 4000000 + 30), 140, 100),
}


@pytest.mark.parametrize("name", ALIGNED_EDGES)
def test_edge_windows_gather_by_slices_the_same_values(source, name):
    path, data = source
    dst = ALIGNED_EDGES[name]
    mapping = resample.pixel_mapping(SRC, dst)
    assert mapping.block is not None and not mapping.is_window
    w = mapping.window
    window = data[w.row_off:w.row_off + w.height, w.col_off:w.col_off + w.width]
    by_index = window[np.maximum(mapping.rows, 0)[:, None], np.maximum(mapping.cols, 0)[None, :]]
    assert np.array_equal(mapping.gather(window), by_index)  # off the source too: row/column 0, as before
    values, mask = read_resampled(path, 1, SRC, dst, -1.0)
    want, valid = expected(data, dst)
    assert np.array_equal(mask > 0, valid)
    assert np.array_equal(values[valid], want[valid])


@pytest.mark.parametrize("name", ["slice", *ALIGNED_EDGES])
@pytest.mark.parametrize("dtype", ["float32", "uint16", "int16"])
def test_native_reads_for_reductions_hold_the_same_pixels(tmp_path, name, dtype):
    """read_native (float32 values, uint8 mask) keeps the values and mask of read_resampled."""
    data = (np.arange(90 * 120) % 1000).astype(dtype).reshape(90, 120)
    data[5:9, 7:11] = 7  # nodata block
    path = tmp_path / "s.tif"
    with rasterio.open(path, "w", driver="GTiff", width=120, height=90, count=1, dtype=dtype, crs=SRC.crs,
                       transform=SRC.transform, nodata=7) as ds:
        ds.write(data, 1)
    dst = SRC.window(3, 4, 50, 40) if name == "slice" else ALIGNED_EDGES[name]
    values, mask = read_native(str(path), 1, SRC, dst, 7.0)
    assert values.dtype == np.float32 and mask.dtype == np.uint8
    want_values, want_mask = read_resampled(str(path), 1, SRC, dst, 7.0)
    assert np.array_equal(mask, want_mask.astype(np.uint8))
    assert np.array_equal(values[mask > 0], want_values[mask > 0])


def test_native_reads_leave_resampling_and_wide_types_to_read_resampled(source, tmp_path):
    path, _ = source
    assert read_native(path, 1, SRC, Grid(SRC.crs, Affine(7, 0, 499950, 0, -13, 4000100), 200, 80), -1.0) is None
    wide = tmp_path / "f64.tif"
    with rasterio.open(wide, "w", driver="GTiff", width=120, height=90, count=1, dtype="float64", crs=SRC.crs,
                       transform=SRC.transform) as ds:
        ds.write(np.zeros((90, 120)), 1)
    assert read_native(str(wide), 1, SRC, SRC.window(0, 0, 10, 10), None) is None
