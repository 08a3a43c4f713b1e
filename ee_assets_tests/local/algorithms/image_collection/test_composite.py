"""ImageCollection composites through the real client: qualityMosaic."""

from __future__ import annotations

import numpy as np

from ee_assets_tests.support.image_fixtures import B, pixels


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
