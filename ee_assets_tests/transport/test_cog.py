"""The tiled fetch writes a Cloud Optimized GeoTIFF: rio-cogeo's validator accepts it, its overviews are the averages
of the valid full-resolution pixels (checked with numpy), and its pixels and mask are the server's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from ee_assets.transport.tiled_geotiff import fetch_geotiff
from ee_assets.transport.tiling import Tile
from ee_assets_tests.support.grids import BANDS, client_for, s2_grid
from ee_assets_tests.transport.test_tiling import direct_window


@pytest.fixture(scope="module")
def cog(tmp_path_factory, local_server, sample_catalog) -> tuple[Path, dict]:
    import ee

    from ee_assets.transport.ee_client import initialize_ee
    from ee_assets.transport.expression import serialize
    from ee_assets_tests.support.local_backend import PROJECT, credentials

    initialize_ee(credentials(), url=local_server.url, project=PROJECT, offline=True)
    try:
        first = ee.ImageCollection("COPERNICUS/S2_HARMONIZED").first()
        # Cloudy pixels masked, so the mask and its overviews have something to show.
        expression = serialize(first.select(BANDS).toFloat().updateMask(first.select("QA60").eq(0)))
    finally:
        ee.Reset()
    out = tmp_path_factory.mktemp("cog") / "composite.tif"
    grid = s2_grid(1024, 10.0)
    fetch_geotiff(client_for(local_server), expression, grid, out, BANDS, max_tile_bytes=512 * 512 * 20)  # 4 tiles
    return out, {"expression": expression, "grid": grid}


def test_rio_cogeo_validates_the_fetched_geotiff_with_overviews(cog):
    path, _ = cog
    done = subprocess.run([str(Path(sys.executable).parent / "rio"), "cogeo", "validate", "--strict", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is a valid cloud optimized GeoTIFF" in done.stdout
    with rasterio.open(path) as ds:
        assert ds.overviews(1) == [2, 4]  # down to one 256-px block
        assert ds.profile["blockxsize"] == 256 and ds.compression.name.lower() == "deflate"
        assert ds.descriptions == tuple(BANDS) and ds.crs.to_epsg() == 32610


def test_full_resolution_pixels_and_mask_are_the_servers(cog, local_server):
    path, request = cog
    client = client_for(local_server)
    with rasterio.open(path) as ds:
        for tile in (Tile(500, 500, 30, 40), Tile(1000, 0, 24, 24)):  # across the 512-px tile seams; an edge
            window = Window(tile.x, tile.y, tile.width, tile.height)
            values, mask = direct_window(client, request["expression"], request["grid"], tile)
            np.testing.assert_array_equal(ds.read(window=window), values)
            np.testing.assert_array_equal(ds.dataset_mask(window=window), mask)
        assert 0 < (ds.dataset_mask() == 0).mean() < 1  # some pixels are masked, not all


def test_overviews_average_the_valid_pixels(cog):
    path, _ = cog
    with rasterio.open(path) as ds:
        full = ds.read(masked=True).astype(np.float64)
        with rasterio.open(path, overview_level=0) as half:
            overview = half.read(masked=True)
    assert overview.shape == (4, 512, 512)
    blocks = full.reshape(4, 512, 2, 512, 2)
    valid = (~np.ma.getmaskarray(blocks)).sum(axis=(2, 4))
    expected = blocks.sum(axis=(2, 4)).filled(0) / np.maximum(valid, 1)
    has_data = valid > 0
    np.testing.assert_array_equal(~np.ma.getmaskarray(overview), has_data)
    np.testing.assert_allclose(overview.data[has_data], expected[has_data], rtol=1e-6)
