"""ImageCollection.toArray and toArrayPerBand through the real client: the apidocs' documented arrays and the EE
guide's per-pixel regression (collection.toArray() sliced into predictors and response, then matrixSolve),
checked with numpy's least squares on the same values."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import GRID, NODATA, A, B, pixels


def _pixel(ee, image, band: str):
    return image.sample(ee.Geometry.Point([0, 0]), 1).first().get(band).getInfo()


def test_to_array_per_band_documented(ee_local):
    """samples/python/apidocs/ee_imagecollection_toarrayperband.py: [0, 1, 2] for three constant images; a pixel
    where one image is masked is masked by default (its mask is 0)."""
    ee = ee_local
    images = [ee.Image(i).byte().rename("b1") for i in range(3)]
    assert _pixel(ee, ee.ImageCollection(images).toArrayPerBand(), "b1") == [0, 1, 2]
    masked = ee.ImageCollection([images[0], images[1].updateMask(0), images[2]])
    assert _pixel(ee, masked.toArrayPerBand().mask(), "b1") == 0
    with pytest.raises(ee.EEException, match="dropMasked gives arrays whose length varies"):
        _pixel(ee, masked.toArrayPerBand(0, True), "b1")


def test_collection_to_array_and_the_regression_recipe(ee):
    """The EE guide's linear regression (Arrays and images): per pixel, rows are images, columns the bands
    [constant, t, value]; predictors = arraySlice(1, 0, 2), response = arraySlice(1, 2); matrixSolve gives the
    least-squares coefficients."""
    b, a = ee.Image("I/ab").select("b"), ee.Image("I/ab").select("a").unmask(0)
    times = [0.0, 1.0, 2.5, 4.0]
    images = [ee.Image.constant(1).addBands(ee.Image.constant(t)).addBands(b.multiply(t).add(a).add(t * t))
              .rename(["c", "t", "v"]).toFloat() for t in times]
    array = ee.ImageCollection(images).toArray()
    assert array.getInfo()["bands"][0]["data_type"]["dimensions"] == 2
    rows = pixels(ee, array.arraySlice(1, 2).arrayProject([0]).arrayFlatten([["v0", "v1", "v2", "v3"]]), GRID)
    a0 = np.where(A == NODATA, 0.0, A)
    for i, t in enumerate(times):
        np.testing.assert_allclose(rows[f"v{i}"][0], (B * t + a0 + t * t).astype(np.float32), rtol=1e-6)
    coefficients = array.arraySlice(1, 0, 2).matrixSolve(array.arraySlice(1, 2))
    px = pixels(ee, coefficients.arrayProject([0]).arrayFlatten([["offset", "slope"]]), GRID)
    design = np.column_stack([np.ones(4), times])
    for r in range(B.shape[0]):
        for c in range(B.shape[1]):
            y = np.array([np.float32(B[r, c] * t + a0[r, c] + t * t) for t in times], dtype=np.float64)
            offset, slope = np.linalg.lstsq(design, y, rcond=None)[0]
            assert px["offset"][0][r, c] == pytest.approx(offset, rel=1e-6, abs=1e-6)
            assert px["slope"][0][r, c] == pytest.approx(slope, rel=1e-6, abs=1e-6)
