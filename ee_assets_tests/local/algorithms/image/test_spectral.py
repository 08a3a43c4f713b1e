"""Spectral Image algorithms through the real client: normalizedDifference, unmix, spectralDistance, RGB/HSV."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import VALID, A, B, pixels
from ee_assets_tests.support.scene import B1, B2, scene_pixels


def test_normalized_difference(ee):
    img = ee.Image("I/m")
    px = scene_pixels(ee, img.normalizedDifference(["B1", "B2"]))
    assert list(px) == ["nd"]
    s = B1 + B2
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(s == 0, 0, (B1 - B2) / s)
    # Pixel (0, 0) is 0/0; EE leaves that value undocumented, so only the other pixels are compared.
    np.testing.assert_allclose(px["nd"].ravel()[1:], expected.ravel()[1:], rtol=1e-6)
    # Documented: a negative value in either input masks the output pixel, and properties are not kept.
    neg = img.select("B1").subtract(5).addBands(img.select("B2").add(1)).set("p", 1)
    mask = scene_pixels(ee, neg.normalizedDifference().mask())["nd"]
    np.testing.assert_array_equal(mask, (B1 - 5 >= 0).astype(int))
    assert "p" not in (neg.normalizedDifference().getInfo().get("properties") or {})


def test_polynomial_and_unmix(ee):
    a = ee.Image("I/ab").select("a")
    values, mask = pixels(ee, a.polynomial([1, 2, 3]))["a"]
    np.testing.assert_allclose(values[VALID], (1 + 2 * A + 3 * A**2)[VALID])
    np.testing.assert_array_equal(mask, VALID)
    # Pixels that are exact mixtures f·e1 + (1 - f)·e2 of two 3-band endmembers unmix to (f, 1 - f).
    e1, e2 = [0.1, 0.5, 0.9], [0.6, 0.2, 0.3]
    f = ee.Image("I/ab").select("b").divide(7)
    bands = [f.multiply(x).add(ee.Image.constant(1).subtract(f).multiply(y)) for x, y in zip(e1, e2, strict=True)]
    mixed = ee.Image.cat(bands)
    for sum_to_one in (False, True):
        px = pixels(ee, mixed.unmix([e1, e2], sum_to_one))
        np.testing.assert_allclose(px["band_0"][0], B / 7, atol=1e-12)
        np.testing.assert_allclose(px["band_1"][0], 1 - B / 7, atol=1e-12)
    with pytest.raises(ee.EEException, match="one value per band"):
        mixed.unmix([[1, 2]]).getInfo()


def test_spectral_distance_metrics(ee):
    """Two 3-band spectra per pixel, distances worked out with numpy's formulas for each metric."""
    img = ee.Image("I/ab")
    b = img.select("b").add(1)
    one = ee.Image.cat([b, b.multiply(2), ee.Image.constant(3)])
    two = ee.Image.cat([ee.Image.constant(2), b, b.add(1)])
    s1 = np.stack([B + 1, 2 * (B + 1), np.full_like(B, 3)])
    s2 = np.stack([np.full_like(B, 2), B + 1, B + 2])
    p, q = s1 / s1.sum(0), s2 / s2.sum(0)
    expected = {
        "sed": ((s1 - s2) ** 2).sum(0),
        "sam": np.arccos((s1 * s2).sum(0) / (np.linalg.norm(s1, axis=0) * np.linalg.norm(s2, axis=0))),
        "sid": (p * np.log(p / q) + q * np.log(q / p)).sum(0),
        "emd": np.abs(np.cumsum(p, 0) - np.cumsum(q, 0)).sum(0),
    }
    for metric, want in expected.items():
        values, _ = pixels(ee, one.spectralDistance(two, metric))["distance"]
        np.testing.assert_allclose(values, want, rtol=1e-9, atol=1e-12, err_msg=metric)


def test_rgb_hsv_round_trip_matches_colorsys(ee):
    rgb = (0.2, 0.4, 0.6)
    px = pixels(ee, ee.Image.constant(list(rgb)).rgbToHsv())
    got = [float(px[n][0][0, 0]) for n in ("hue", "saturation", "value")]
    np.testing.assert_allclose(got, colorsys.rgb_to_hsv(*rgb), rtol=1e-12)
    px = pixels(ee, ee.Image.constant(got).hsvToRgb())
    np.testing.assert_allclose([float(px[n][0][0, 0]) for n in ("red", "green", "blue")], rgb, rtol=1e-12)
