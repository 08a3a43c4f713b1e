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

from ee_assets.local.catalog.rasters import read_resampled
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
