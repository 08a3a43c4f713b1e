"""A grid much coarser than a large source window reads only the rows it needs: the same pixels as reading the
window at once, in bounded memory."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from ee_assets.local.catalog import rasters
from ee_assets.local.kernels import resample
from ee_assets.local.values.grid import Grid

SOURCE = Affine(10, 0, 500_000, 0, -10, 4_200_000)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    rng = np.random.default_rng(7)
    data = rng.integers(1, 250, (3000, 2000)).astype(np.uint8)
    data[rng.random(data.shape) < 0.1] = 0  # nodata
    path = tmp_path_factory.mktemp("streamed") / "src.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2000, height=3000, count=1, dtype="uint8",
                       crs="EPSG:32610", transform=SOURCE, nodata=0, tiled=True) as ds:
        ds.write(data, 1)
    return str(path), Grid("EPSG:32610", SOURCE, 2000, 3000)


@pytest.mark.parametrize("target", [
    Grid("EPSG:32610", Affine(137, 0, 499_000, 0, -141, 4_200_500), 170, 230),  # same CRS: rows and columns
    Grid("EPSG:4326", Affine(0.0013, 0, -123.0, 0, -0.0012, 37.93), 220, 260),  # reprojected: pixel by pixel
], ids=["separable", "reprojected"])
def test_reading_rows_gives_the_pixels_of_reading_the_window(source, target, monkeypatch):
    path, grid = source
    resample.clear_mapping_cache()
    whole = rasters.read_resampled(path, 1, grid, target, 0)
    reads = []
    original = rasterio.io.DatasetReader.read

    def counted(self, *args, **kwargs):
        reads.append(kwargs.get("window"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(rasters, "STREAM_BYTES", 4096)  # every window is "large" now
    monkeypatch.setattr(rasterio.io.DatasetReader, "read", counted)
    resample.clear_mapping_cache()
    streamed = rasters.read_resampled(path, 1, grid, target, 0)
    np.testing.assert_array_equal(whole[1], streamed[1])
    np.testing.assert_array_equal(whole[0][whole[1] > 0], streamed[0][streamed[1] > 0])
    assert whole[1].any()
    assert reads and max(w.height for w in reads) <= 2  # row runs of at most 4 KB: rows one or two at a time
