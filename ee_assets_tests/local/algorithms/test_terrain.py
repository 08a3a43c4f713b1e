"""Terrain.slope / aspect / hillshade / products through the real client, on planes whose slope and facing are
known in closed form (a UTM DEM) and on a geographic DEM whose pixel sizes come from pyproj's ellipsoidal
distances; edge pixels, which lack a 4-connected neighbour, are masked as EE documents."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from pyproj import Geod

from ee_assets_tests.support.image_fixtures import pixels, write_raster

N = 6
PIXEL = 30.0
UTM = Affine(PIXEL, 0, 500_000, 0, -PIXEL, 4_200_000)
UTM_GRID = {"dimensions": {"width": N, "height": N}, "crsCode": "EPSG:32610",
            "affineTransform": {"scaleX": PIXEL, "shearX": 0, "translateX": 500_000, "shearY": 0, "scaleY": -PIXEL,
                                "translateY": 4_200_000}}
# Planes z = east * x + north * y (metres per metre); the downslope direction is the negated gradient.
PLANES = {"ne": (0.5, 0.2), "sw": (-0.3, -0.3), "w": (0.4, 0.0), "s": (0.0, 0.1)}


def _plane(east: float, north: float) -> np.ndarray:
    rows, cols = np.mgrid[0:N, 0:N]
    return 100.0 + east * cols * PIXEL - north * rows * PIXEL  # rows run south


@pytest.fixture()
def ee(tmp_path, ee_on):
    assets = {}
    for name, (east, north) in PLANES.items():
        write_raster(tmp_path / f"{name}.tif", [_plane(east, north)], UTM, "EPSG:32610", None)
        assets[f"DEM/{name}"] = {"type": "IMAGE", "path": f"{name}.tif", "bands": ["elevation"]}
    lat0, lon0, step = 45.0, 7.0, 0.001
    rows, cols = np.mgrid[0:N, 0:N]
    geod = Geod(ellps="WGS84")
    north_m = geod.inv(lon0, lat0, lon0, lat0 - step)[2]  # one pixel southwards
    write_raster(tmp_path / "geo.tif", [1000.0 - 0.25 * north_m * rows], Affine(step, 0, lon0, 0, -step, lat0),
                 "EPSG:4326", None)
    assets["DEM/geo"] = {"type": "IMAGE", "path": "geo.tif", "bands": ["elevation"]}
    return ee_on(assets)


INNER = (slice(1, N - 1), slice(1, N - 1))


def test_slope_aspect_and_hillshade_of_planes(ee):
    for name, (east, north) in PLANES.items():
        dem = ee.Image(f"DEM/{name}")
        px = pixels(ee, ee.Terrain.products(dem), UTM_GRID)
        assert list(px) == ["elevation", "slope", "aspect", "hillshade"]
        slope = math.degrees(math.atan(math.hypot(east, north)))
        aspect = math.degrees(math.atan2(-east, -north)) % 360  # 0 = N, 90 = E, 180 = S, 270 = W
        np.testing.assert_allclose(px["slope"][0][INNER], slope, rtol=1e-5)
        np.testing.assert_allclose(px["aspect"][0][INNER], aspect, rtol=1e-5)
        zenith, azimuth = math.radians(45.0), math.radians(270.0)
        s, a = math.radians(slope), math.radians(aspect)
        shade = round(255 * max(0.0, math.cos(zenith) * math.cos(s) + math.sin(zenith) * math.sin(s) *
                                math.cos(azimuth - a)))
        np.testing.assert_array_equal(px["hillshade"][0][INNER], shade)
        expected_mask = np.zeros((N, N))
        expected_mask[INNER] = 1
        np.testing.assert_array_equal(px["slope"][1], expected_mask)  # edges lack a neighbour
    west_facing = ee.Image("DEM/w")  # faces west (downhill towards the west): lit fully by a sun in the west
    px = pixels(ee, ee.Terrain.hillshade(west_facing, 270, 90 - math.degrees(math.atan(0.4))), UTM_GRID)
    np.testing.assert_array_equal(px["hillshade"][0][INNER], 255)
    assert ee.Terrain.slope(west_facing).bandNames().getInfo() == ["slope"]
    assert ee.Terrain.aspect(west_facing).bandNames().getInfo() == ["aspect"]
    assert ee.Algorithms.Terrain(west_facing).bandNames().getInfo() == ["elevation", "slope", "aspect",
                                                                         "hillshade"]


def test_slope_of_a_geographic_dem_uses_ground_metres(ee):
    """The DEM drops 0.25 m per metre southwards, measured along the WGS84 meridian: 14.04° facing south."""
    dem = ee.Image("DEM/geo")
    grid = {"dimensions": {"width": N, "height": N}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 0.001, "shearX": 0, "translateX": 7.0, "shearY": 0, "scaleY": -0.001,
                                "translateY": 45.0}}
    px = pixels(ee, ee.Terrain.products(dem), grid)
    np.testing.assert_allclose(px["slope"][0][INNER], math.degrees(math.atan(0.25)), rtol=1e-4)
    np.testing.assert_allclose(px["aspect"][0][INNER], 180.0, atol=1e-6)
