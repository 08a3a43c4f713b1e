"""reproject, setDefaultProjection, resample, reduceResolution and clipToBoundsAndScale through the real ee client,
checked against numpy block statistics, nearest-pixel look-ups worked out by hand and GDAL's own warper."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio.warp
import shapely
from affine import Affine
from pyproj import Geod, Transformer
from rasterio.enums import Resampling

from ee_assets_tests.support.image_fixtures import (
    HEIGHT,
    TRANSFORM,
    VALID,
    WIDTH,
    A,
    B,
    pixels,
    write_raster,
)


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


ROWS, COLS = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")


def test_pixel_coordinates(ee):
    px = pixels(ee, ee.Image.pixelCoordinates(ee.Projection("EPSG:3857")))
    np.testing.assert_array_equal(px["x"][0], 1005 + 10 * COLS)
    np.testing.assert_array_equal(px["y"][0], 1995 - 10 * ROWS)


def test_translate_shifts_in_metres_and_pixels(ee):
    b = ee.Image("I/ab").select("b")
    values, mask = pixels(ee, b.translate(20, 0))["b"]  # 20 m east: column c shows column c - 2
    np.testing.assert_array_equal(values[:, 2:], B[:, :-2])
    np.testing.assert_array_equal(mask[:, :2], 0)
    values, _ = pixels(ee, b.translate(-1, 0, "pixels"))["b"]  # one pixel west
    np.testing.assert_array_equal(values[:, :-1], B[:, 1:])
    values, mask = pixels(ee, b.translate(0, 10))["b"]  # 10 m north: row r shows row r + 1
    np.testing.assert_array_equal(values[:-1], B[1:])
    np.testing.assert_array_equal(mask[-1], 0)


def test_pixel_lon_lat_matches_pyproj(ee):
    px = pixels(ee, ee.Image.pixelLonLat())
    cols, rows = np.meshgrid(np.arange(WIDTH) + 0.5, np.arange(HEIGHT) + 0.5)
    lon, lat = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True).transform(1000 + 10 * cols,
                                                                                         2000 - 10 * rows)
    np.testing.assert_allclose(px["longitude"][0], lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(px["latitude"][0], lat, rtol=0, atol=1e-12)


def _geodesic_area(poly: shapely.Polygon) -> float:
    """The polygon's area on WGS84 with edges densified, so lon/lat cell edges follow their parallels."""
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.segmentize(poly, 0.0005))[0])


def test_pixel_area_matches_geodesic_cell_areas(ee):
    grid = {"dimensions": {"width": 3, "height": 2}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 0.5, "shearX": 0, "translateX": 10, "shearY": 0, "scaleY": -0.5,
                                "translateY": 42}}
    area = pixels(ee, ee.Image.pixelArea(), grid)["area"][0]
    for r in range(2):
        for c in range(3):
            cell = shapely.box(10 + 0.5 * c, 42 - 0.5 * (r + 1), 10 + 0.5 * (c + 1), 42 - 0.5 * r)
            assert area[r, c] == pytest.approx(_geodesic_area(cell), rel=1e-7)
    # In Web Mercator: the area of each 10 m pixel on the ground (slightly under 100 m² away from the equator).
    area = pixels(ee, ee.Image.pixelArea())["area"][0]
    t = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    for r, c in [(0, 0), (4, 5)]:
        x0, y1 = 1000 + 10 * c, 2000 - 10 * r
        ring = np.array(shapely.segmentize(shapely.box(x0, y1 - 10, x0 + 10, y1), 1).exterior.coords)
        lon, lat = t.transform(ring[:, 0], ring[:, 1])
        assert area[r, c] == pytest.approx(_geodesic_area(shapely.Polygon(np.column_stack([lon, lat]))), rel=1e-5)
