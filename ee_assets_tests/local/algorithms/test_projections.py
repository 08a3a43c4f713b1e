"""Projection algorithms through the real client; expectations worked by hand or from pyproj."""

from __future__ import annotations

import math

import pytest
from pyproj import CRS


def test_projection_accessors(ee_local):
    """nominalScale of a degree grid uses EE's sphere (6378137 m radius): 1e-3 degrees ≈ 111.32 m."""
    ee = ee_local
    proj = ee.Projection("EPSG:4326", [0.001, 0, 10, 0, -0.001, 50])
    assert proj.crs().getInfo() == "EPSG:4326"
    assert proj.nominalScale().getInfo() == pytest.approx(0.001 * math.pi / 180 * 6378137, rel=1e-12)
    utm = ee.Projection("EPSG:32633").atScale(30)
    assert utm.nominalScale().getInfo() == pytest.approx(30)
    assert CRS.from_user_input(utm.crs().getInfo()) == CRS.from_epsg(32633)
    wkt = proj.transform().getInfo()
    assert '"elt_0_0", 0.001' in wkt and '"elt_1_2", 50' in wkt


def test_projection_scale_translate_wkt(ee_local):
    ee = ee_local
    proj = ee.Projection("EPSG:3857", [10, 0, 100, 0, -10, 200])
    scaled = ee.ApiFunction.call_("Projection.scale", proj, 2, 3).getInfo()
    assert scaled["transform"] == [20, 0, 100, 0, -30, 200]
    moved = ee.ApiFunction.call_("Projection.translate", proj, 5, -5).getInfo()
    assert moved["transform"] == [10, 0, 105, 0, -10, 195]
    wkt = proj.wkt().getInfo()
    assert CRS.from_wkt(wkt).equals(CRS.from_epsg(3857), ignore_axis_order=True)
