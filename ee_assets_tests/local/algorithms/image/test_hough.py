"""HoughTransform through the real client on a hand-made picture: one horizontal row and one vertical column of 100
active pixels each in a 128 x 128 grid get 100 votes at θ = 90° (resp. 0°), more than lineThreshold, while every
other (ρ, θ) gets at most about half of them, so exactly that row and that column come out as lines."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from ee_assets_tests.support.image_fixtures import pixels, write_raster

N = 128
GRID = {"dimensions": {"width": N, "height": N}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -10,
                            "translateY": 0}}


@pytest.fixture()
def ee(tmp_path, ee_on):
    picture = np.zeros((N, N), "uint8")
    picture[40, 10:110] = 255
    picture[5:105, 90] = 255
    picture[70:73, 20:23] = 255  # a small blob: too few votes for any line
    write_raster(tmp_path / "lines.tif", [picture], Affine(10, 0, 0, 0, -10, 0), "EPSG:3857", None)
    return ee_on({"I/lines": {"type": "IMAGE", "path": "lines.tif", "bands": ["edges"]}})


def test_hough_transform_finds_the_row_and_the_column(ee):
    img = ee.Image("I/lines")
    out = pixels(ee, ee.Algorithms.HoughTransform(img, 256, 64, 72, False), GRID)["edges_lines"][0]
    expected = np.zeros((N, N))
    expected[40, :] = 1
    expected[:, 90] = 1
    np.testing.assert_array_equal(out, expected)
    assert ee.Algorithms.HoughTransform(img).bandNames().getInfo() == ["edges_lines"]
    assert not pixels(ee, ee.Algorithms.HoughTransform(img, 256, 64, 101, False), GRID)["edges_lines"][0].any()
    smoothed = pixels(ee, ee.Algorithms.HoughTransform(img, 256, 64, 30, True), GRID)["edges_lines"][0]
    assert smoothed[40].all() and smoothed[:, 90].all()  # the [1,2,1]² / 16 smoothing keeps the strong peaks
