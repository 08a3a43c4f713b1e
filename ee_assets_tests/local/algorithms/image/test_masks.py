"""where, remap, selfMask, blend, Image.reduce, geometry, coordinates/areas, qualityMosaic, toBands, colour spaces:
through the real ee client, against numpy, pyproj and colorsys on the same inputs."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import shape

from ee_assets_tests.support.image_fixtures import HEIGHT, VALID, WIDTH, A, B, ab_catalog, band_types, pixels

ONES = np.ones((HEIGHT, WIDTH))


@pytest.fixture()
def ee(tmp_path, ee_on):
    return ee_on(ab_catalog(tmp_path))


def test_where_replaces_only_where_test_and_value_are_valid(ee):
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    values, mask = pixels(ee, a.where(b.gt(3), 100))["a"]
    np.testing.assert_array_equal(values[VALID], np.where(B > 3, 100, A)[VALID])
    np.testing.assert_array_equal(mask, VALID)  # the input's mask is kept
    # A masked test pixel leaves the input alone: b where a > 0 (a masked at (1, 2)) → 50.
    values, mask = pixels(ee, b.where(a.gt(0), 50))["b"]
    np.testing.assert_array_equal(values, np.where(VALID & (A > 0), 50, B))
    np.testing.assert_array_equal(mask, ONES)


def test_remap_with_and_without_default(ee):
    b = ee.Image("I/ab").select("b")
    values, mask = pixels(ee, b.remap([0, 1, 2], [10, 11, 12]))["remapped"]
    hit = np.isin(B, [0, 1, 2])
    np.testing.assert_array_equal(values[hit], (B + 10)[hit])
    np.testing.assert_array_equal(mask, hit)  # unlisted values are masked without a default
    values, mask = pixels(ee, ee.Image("I/ab").remap([0, 1, 2], [10, 11, 12], -1, "b"))["remapped"]
    np.testing.assert_array_equal(values, np.where(hit, B + 10, -1))
    np.testing.assert_array_equal(mask, ONES)
    assert band_types(ee, b.remap([0, 1], [10, 300]))["remapped"]["precision"] == "int"


def test_self_mask(ee):
    values, mask = pixels(ee, ee.Image("I/ab").select("b").selfMask())["b"]
    np.testing.assert_array_equal(mask, B != 0)
    np.testing.assert_array_equal(values[B != 0], B[B != 0])


def test_blend_is_alpha_compositing(ee):
    """EE: 'The images are blended together using the masks as opacity.' With 0/1 masks this is top-over-bottom;
    a 0.5 top mask gives the mean of the two values with full opacity (the standard 'over' operator)."""
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    values, mask = pixels(ee, a.blend(b.updateMask(b.gt(3))))["a"]
    top = B > 3
    np.testing.assert_array_equal(mask, top | VALID)
    np.testing.assert_array_equal(values[top], B[top])
    np.testing.assert_array_equal(values[~top & VALID], A[~top & VALID])
    values, mask = pixels(ee, a.blend(b.updateMask(ee.Image.constant(0.5))))["a"]
    np.testing.assert_allclose(values[VALID], (0.5 * A + 0.5 * B)[VALID])
    np.testing.assert_allclose(values[~VALID], B[~VALID])  # bottom masked: the top's value with its opacity
    np.testing.assert_allclose(mask, np.where(VALID, 1.0, 0.5), atol=1e-6)


def test_reduce_across_bands_skips_masked_bands(ee):
    img = ee.Image("I/ab")
    px = pixels(ee, img.reduce(ee.Reducer.mean()))
    np.testing.assert_allclose(px["mean"][0], np.where(VALID, (A + B) / 2, B))
    px = pixels(ee, img.reduce(ee.Reducer.max()))
    np.testing.assert_allclose(px["max"][0], np.where(VALID, np.maximum(A, B), B))
    px = pixels(ee, img.reduce(ee.Reducer.count()))
    np.testing.assert_array_equal(px["count"][0], np.where(VALID, 2, 1))


def test_geometry_band_types_slice_and_regexp_rename(ee):
    img = ee.Image("I/ab")
    geom = shape(img.geometry().getInfo())
    t = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (x0, x1), (y0, y1) = t.transform([1000, 1060], [1950, 2000])
    np.testing.assert_allclose(geom.bounds, (x0, y0, x1, y1), rtol=0, atol=1e-12)
    world = shape(ee.Image.constant(1).geometry().getInfo())
    assert world.bounds == (-180, -90, 180, 90)
    assert img.bandTypes().getInfo() == {"a": {"type": "PixelType", "precision": "double"},
                                         "b": {"type": "PixelType", "precision": "double"}}
    assert img.slice(1).bandNames().getInfo() == ["b"]
    assert img.addBands(img).slice(-2, -1).bandNames().getInfo() == ["a_1"]
    assert img.regexpRename("^(.)$", "band_$1").bandNames().getInfo() == ["band_a", "band_b"]


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


def test_quality_mosaic_takes_every_band_from_the_best_image(ee):
    b = ee.Image("I/ab").select("b")
    qualities = [B, 7 - B, np.full_like(B, 3.0)]
    images = [ee.Image.constant(10 * (i + 1)).rename("v").addBands(q.rename("q"))
              for i, q in enumerate([b, ee.Image.constant(7).subtract(b), ee.Image.constant(3)])]
    px = pixels(ee, ee.ImageCollection.fromImages(images).qualityMosaic("q"))
    stack = np.stack(qualities)
    best = 2 - np.argmax(stack[::-1], axis=0)  # ties: the later image, as mosaic puts later images on top
    np.testing.assert_array_equal(px["v"][0], 10 * (best + 1))
    np.testing.assert_array_equal(px["q"][0], stack.max(axis=0))
    # For comparison, ImageCollection.reduce gives the per-pixel statistic of each band instead.
    px = pixels(ee, ee.ImageCollection.fromImages(images).reduce(ee.Reducer.max()))
    np.testing.assert_array_equal(px["v_max"][0], 30)
    np.testing.assert_array_equal(px["q_max"][0], stack.max(axis=0))


def test_to_bands_prefixes_image_ids(ee):
    b = ee.Image("I/ab").select("b")
    coll = ee.ImageCollection.fromImages([ee.Image.constant([1, 2]).rename(["a", "b"]), b.multiply(2)])
    stacked = coll.toBands()
    assert stacked.bandNames().getInfo() == ["0_a", "0_b", "ab_b"]  # loaded images keep their own id
    px = pixels(ee, stacked)
    np.testing.assert_array_equal(px["0_b"][0], np.full_like(B, 2))
    np.testing.assert_array_equal(px["ab_b"][0], 2 * B)


def test_rgb_hsv_round_trip_matches_colorsys(ee):
    rgb = (0.2, 0.4, 0.6)
    px = pixels(ee, ee.Image.constant(list(rgb)).rgbToHsv())
    got = [float(px[n][0][0, 0]) for n in ("hue", "saturation", "value")]
    np.testing.assert_allclose(got, colorsys.rgb_to_hsv(*rgb), rtol=1e-12)
    px = pixels(ee, ee.Image.constant(got).hsvToRgb())
    np.testing.assert_allclose([float(px[n][0][0, 0]) for n in ("red", "green", "blue")], rgb, rtol=1e-12)
