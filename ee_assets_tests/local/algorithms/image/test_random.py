"""Image.random through the real client."""

from __future__ import annotations

import numpy as np

from ee_assets_tests.support.image_fixtures import pixels


def test_random_is_a_deterministic_function_of_location_and_seed(ee):
    grid = {"dimensions": {"width": 200, "height": 200}, "crsCode": "EPSG:3857",
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -10,
                                "translateY": 0}}
    u = pixels(ee, ee.Image.random(7), grid)["random"][0]
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.std() - np.sqrt(1 / 12)) < 0.01  # 40,000 samples: ~0.0015 s.e.
    shifted = dict(grid, affineTransform=dict(grid["affineTransform"], translateX=500))  # 50 pixels east
    v = pixels(ee, ee.Image.random(7), shifted)["random"][0]
    np.testing.assert_array_equal(v[:, :150], u[:, 50:])  # the same pixel gets the same number in any request
    other = pixels(ee, ee.Image.random(8), grid)["random"][0]
    assert np.corrcoef(u.ravel(), other.ravel())[0, 1] < 0.02
    n = pixels(ee, ee.Image.random(7, "normal"), grid)["random"][0]
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
