"""reproject, setDefaultProjection, resample, reduceResolution and clipToBoundsAndScale through the real ee client,
checked against numpy block statistics, nearest-pixel look-ups worked out by hand and GDAL's own warper."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio.warp
from affine import Affine
from pyproj import Transformer
from rasterio.enums import Resampling

from ee_assets_tests.support.image_fixtures import (
    HEIGHT,
    TRANSFORM,
    VALID,
    WIDTH,
    A,
    B,
    ab_catalog,
    pixels,
    write_raster,
)


@pytest.fixture()
def ee(tmp_path, ee_on):
    return ee_on(ab_catalog(tmp_path))


def _grid(scale: float, width: int, height: int, x0: float = 1000, y0: float = 2000) -> dict:
    return {"dimensions": {"width": width, "height": height}, "crsCode": "EPSG:3857",
            "affineTransform": {"scaleX": scale, "shearX": 0, "translateX": x0, "shearY": 0, "scaleY": -scale,
                                "translateY": y0}}


def test_reproject_computes_in_the_forced_grid(ee):
    b = ee.Image("I/ab").select("b")
    forced = b.reproject(crs="EPSG:3857", crsTransform=[30, 0, 1000, 0, -30, 2000])
    info = forced.getInfo()["bands"][0]
    assert info["crs_transform"] == [30, 0, 1000, 0, -30, 2000] and info["dimensions"] == [2, 2]
    values, mask = pixels(ee, forced)["b"]  # shown on the 10 m grid: each 30 m cell's centre value
    rows, cols = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
    np.testing.assert_array_equal(values, B[(rows // 3) * 3 + 1, (cols // 3) * 3 + 1])
    np.testing.assert_array_equal(mask, 1)

    # scale alone: 30 m pixels of EPSG:3857 aligned at the origin; a cell whose centre is off the image is masked.
    values, mask = pixels(ee, b.reproject(crs="EPSG:3857", scale=30))["b"]
    x = 1005 + 10 * cols
    y = 1995 - 10 * rows
    cx, cy = np.floor(x / 30) * 30 + 15, np.floor(y / 30) * 30 + 15  # the 30 m cell centres
    src_c, src_r = ((cx - 1000) // 10).astype(int), ((2000 - cy) // 10).astype(int)
    inside = (src_c < WIDTH) & (src_r < HEIGHT)
    np.testing.assert_array_equal(mask, inside)
    np.testing.assert_array_equal(values[inside], B[src_r[inside], src_c[inside]])


def test_set_default_projection_changes_metadata_not_pixels(ee):
    img = ee.Image("I/ab").select("b").setDefaultProjection("EPSG:3857", None, 30)
    assert img.projection().nominalScale().getInfo() == pytest.approx(30)
    values, _ = pixels(ee, img)["b"]
    np.testing.assert_array_equal(values, B)


SMOOTH = np.add.outer(0.5 * np.arange(HEIGHT) ** 2, 3 * np.sin(np.arange(WIDTH))).astype(float)


@pytest.mark.parametrize(("mode", "gdal", "factor"), [("bilinear", Resampling.bilinear, 4),
                                                      ("bicubic", Resampling.cubic, 4),
                                                      ("bilinear", Resampling.bilinear, 3)])
def test_resample_matches_gdal_when_upsampling(tmp_path, ee_on, mode, gdal, factor):
    write_raster(tmp_path / "smooth.tif", [SMOOTH], nodata=None)
    ee = ee_on({"I/smooth": {"type": "IMAGE", "path": "smooth.tif", "bands": ["v"]}})
    expected = np.zeros((HEIGHT * factor, WIDTH * factor))
    fine = TRANSFORM @ Affine.scale(1 / factor)
    rasterio.warp.reproject(SMOOTH, expected, src_transform=TRANSFORM, src_crs="EPSG:3857", dst_transform=fine,
                            dst_crs="EPSG:3857", resampling=gdal)
    values, mask = pixels(ee, ee.Image("I/smooth").resample(mode), _grid(10 / factor, WIDTH * factor,
                                                                          HEIGHT * factor))["v"]
    # Compare where every tap lies inside the source (GDAL and EE differ in how they treat the outer half pixel).
    reach = 1 if mode == "bilinear" else 2
    centre = (np.arange(WIDTH * factor) + 0.5) / factor - 0.5
    cols = (centre >= reach - 1) & (centre <= WIDTH - reach)
    centre_r = (np.arange(HEIGHT * factor) + 0.5) / factor - 0.5
    rows = (centre_r >= reach - 1) & (centre_r <= HEIGHT - reach)
    interior = np.outer(rows, cols)
    assert interior.sum() > 20
    np.testing.assert_allclose(values[interior], expected[interior], rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(mask, 1)
    # Nearest neighbour stays the default: without resample() the fine grid repeats native pixels.
    nearest, _ = pixels(ee, ee.Image("I/smooth"), _grid(10 / factor, WIDTH * factor, HEIGHT * factor))["v"]
    np.testing.assert_array_equal(nearest, np.repeat(np.repeat(SMOOTH, factor, 0), factor, 1))


def test_reduce_resolution_aggregates_native_pixels(ee):
    img = ee.Image("I/ab")
    proj = {"crs": "EPSG:3857", "crsTransform": [20, 0, 1000, 0, -20, 2000]}
    grid = _grid(20, 3, 2)
    mean = pixels(ee, img.reduceResolution(ee.Reducer.mean()).reproject(**proj), grid)
    blocks_b = B[:4].reshape(2, 2, 3, 2).transpose(0, 2, 1, 3).reshape(2, 3, 4)
    np.testing.assert_allclose(mean["b"][0], blocks_b.mean(-1))
    a = np.where(VALID, A, np.nan)[:4].reshape(2, 2, 3, 2).transpose(0, 2, 1, 3).reshape(2, 3, 4)
    np.testing.assert_allclose(mean["a"][0], np.nanmean(a, -1))  # the masked native pixel is left out
    top = pixels(ee, img.reduceResolution(ee.Reducer.max()).reproject(**proj), grid)
    np.testing.assert_array_equal(top["b"][0], blocks_b.max(-1))
    count = pixels(ee, img.select("a").reduceResolution(ee.Reducer.count()).reproject(**proj), grid)
    np.testing.assert_array_equal(count["a"][0], np.isfinite(a).sum(-1))
    with pytest.raises(ee.EEException, match="Too many input pixels per output pixel. Need 4, but only 2"):
        ee.data.computePixels({"expression": img.reduceResolution(ee.Reducer.mean(), False, 2).reproject(**proj),
                               "fileFormat": "NUMPY_NDARRAY", "grid": grid})


def test_clip_to_bounds_and_scale(ee):
    t = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = t.transform([1000, 1060], [1960, 2000])
    region = ee.Geometry.Rectangle([lon0, lat0, lon1, lat1], None, False)
    band = ee.Image("I/ab").select("b").clipToBoundsAndScale(geometry=region, scale=20).getInfo()["bands"][0]
    assert band["dimensions"] == [3, 2]
    np.testing.assert_allclose(band["crs_transform"], [20, 0, 1000, 0, -20, 2000], atol=1e-6)
    sized = ee.Image("I/ab").clipToBoundsAndScale(geometry=region, width=12, height=8)
    assert sized.getInfo()["bands"][0]["dimensions"] == [12, 8]
    values = ee.data.computePixels({"expression": sized, "fileFormat": "NUMPY_NDARRAY"})["b"]  # its own grid
    np.testing.assert_array_equal(values, np.repeat(np.repeat(B[:4], 2, 0), 2, 1))
    # Outside the region's bounds the result is masked.
    _, mask = pixels(ee, ee.Image("I/ab").select("b").clipToBoundsAndScale(geometry=region, scale=10))["b"]
    np.testing.assert_array_equal(mask, np.broadcast_to(np.arange(HEIGHT)[:, None] < 4, mask.shape))
