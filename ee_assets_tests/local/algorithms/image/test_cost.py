"""Image.cumulativeCost through the real client: with a cost of 1 per metre the cumulative cost is the shortest
8-connected path length, worked out by hand (diagonal steps √2 pixels); a barrier of masked cost pixels forces
the detour, and pixels beyond maxDistance are masked."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from ee_assets_tests.support.image_fixtures import pixels, write_raster

N = 9
PIXEL = 10.0
GRID = {"dimensions": {"width": N, "height": N}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": PIXEL, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -PIXEL,
                            "translateY": 0}}


@pytest.fixture()
def ee(tmp_path, ee_on):
    source = np.zeros((N, N))
    source[4, 4] = 1
    wall = np.ones((N, N))
    wall[2:7, 6] = -1  # nodata: a barrier east of the source, rows 2..6
    write_raster(tmp_path / "cost.tif", [source, np.ones((N, N)), wall], Affine(PIXEL, 0, 0, 0, -PIXEL, 0),
                 "EPSG:3857", -1)
    return ee_on({"I/cost": {"type": "IMAGE", "path": "cost.tif", "bands": ["source", "flat", "wall"]}})


def _octile(dr: int, dc: int) -> float:
    a, b = sorted((abs(dr), abs(dc)))
    return PIXEL * (b - a + a * math.sqrt(2))


def test_uniform_cost_gives_path_lengths(ee):
    img = ee.Image("I/cost")
    out = pixels(ee, img.select("flat").cumulativeCost(img.select("source"), 1000, False), GRID)["flat"]
    expected = np.array([[_octile(r - 4, c - 4) for c in range(N)] for r in range(N)])
    np.testing.assert_allclose(out[0], expected, rtol=1e-12)
    near = pixels(ee, img.select("flat").cumulativeCost(img.select("source"), 25, False), GRID)["flat"]
    reach = np.hypot(*np.mgrid[-4:5, -4:5]) * PIXEL <= 25
    np.testing.assert_array_equal(near[1], reach)


def test_masked_cost_is_a_barrier(ee):
    img = ee.Image("I/cost")
    out, mask = pixels(ee, img.select("wall").cumulativeCost(img.select("source"), 1000, False), GRID)["wall"]
    assert mask[4, 6] == 0  # the barrier itself
    # Behind the barrier's middle: around its end (row 1 or 7, column 6), then back: 3 diagonal steps each way
    # less what a straight row shares: source (4,4) -> (1,6)/(7,6) is octile(3, 2); then (7,6) -> (4,7) octile(3, 1).
    assert out[4, 7] == pytest.approx(_octile(3, 2) + _octile(3, 1))
