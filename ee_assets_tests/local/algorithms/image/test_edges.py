"""CannyEdgeDetector and Image.zeroCrossing through the real client, on hand-made steps: the edge's position and
magnitude are worked out by hand (a step of height d gives d / 2 across it) and, with smoothing, from scipy's
Gaussian filter of the same profile."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from scipy.ndimage import gaussian_filter1d

from ee_assets_tests.support.image_fixtures import pixels, write_raster

N = 24
STEP = 12  # the first column of the upper half
GRID = {"dimensions": {"width": N, "height": N}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -10,
                            "translateY": 0}}


@pytest.fixture()
def ee(tmp_path, ee_on):
    cols = np.tile(np.arange(N, dtype="float64"), (N, 1))
    write_raster(tmp_path / "step.tif", [np.where(cols >= STEP, 100.0, 0.0), cols - 2.5], Affine(10, 0, 0, 0, -10, 0),
                 "EPSG:3857", None)
    return ee_on({"I/step": {"type": "IMAGE", "path": "step.tif", "bands": ["step", "ramp"]}})


ROWS = slice(2, N - 2)  # away from the image's top and bottom edges


def test_canny_finds_the_step(ee):
    step = ee.Image("I/step").select("step")
    px, mask = pixels(ee, ee.Algorithms.CannyEdgeDetector(step, 10, 0), GRID)["step"]
    expected = np.zeros(N)
    expected[STEP - 1] = 50.0  # |gradient| = 100 / 2 on both sides; the first along the gradient keeps the edge
    np.testing.assert_array_equal(px[ROWS, 1:-1], np.tile(expected[1:-1], (N - 4, 1)))
    np.testing.assert_array_equal(mask[:, [0, -1]], 0)  # the gradient stencil leaves the image there
    np.testing.assert_array_equal(mask[[0, -1], :], 0)
    assert not pixels(ee, ee.Algorithms.CannyEdgeDetector(step, 60, 0), GRID)["step"][0].any()
    smoothed = pixels(ee, ee.Algorithms.CannyEdgeDetector(step, 5, 1.5), GRID)["step"][0]
    profile = gaussian_filter1d(np.where(np.arange(40) >= 20, 100.0, 0.0), 1.5, truncate=3.0)
    magnitude = (profile[20] - profile[18]) / 2  # the central difference at the last pixel before the step
    np.testing.assert_allclose(smoothed[ROWS, STEP - 1], magnitude, rtol=1e-9)
    assert np.count_nonzero(smoothed[ROWS]) == N - 4  # one thin edge per row


def test_zero_crossing_marks_both_sides_of_a_sign_change(ee):
    ramp = ee.Image("I/step").select("ramp")  # column - 2.5: negative up to column 2, positive from 3
    px = pixels(ee, ramp.zeroCrossing(), GRID)["ramp"]
    expected = np.zeros((N, N))
    expected[:, 2:4] = 1
    np.testing.assert_array_equal(px[0], expected)
    assert ramp.zeroCrossing().getInfo()["bands"][0]["data_type"]["max"] == 255
