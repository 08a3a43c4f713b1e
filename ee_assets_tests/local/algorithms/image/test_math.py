"""Image math through the real ee client, checked against numpy on the same arrays."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import HEIGHT, VALID, WIDTH, A, B, band_types, pixels
from ee_assets_tests.support.scene import B1, B2, Q, scene_pixels

UNARY = {
    "abs": np.abs, "sqrt": np.sqrt, "cbrt": np.cbrt, "exp": np.exp, "log": np.log, "log10": np.log10,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "floor": np.floor, "ceil": np.ceil, "signum": np.sign,
}


def test_unary_functions_match_numpy_and_keep_masks(ee):
    img = ee.Image("I/ab").select("a").divide(10).toDouble()  # values in [-0.9, 1.3]: inside asin/acos for most
    a = np.where(VALID, A / 10, 0)
    for name, fn in UNARY.items():
        values, mask = pixels(ee, getattr(img, name)())["a"]
        with np.errstate(all="ignore"):
            expected = fn(a)
        ok = VALID & np.isfinite(expected)
        np.testing.assert_allclose(values[ok], expected[ok], rtol=1e-12, err_msg=name)
        np.testing.assert_array_equal(mask, VALID.astype(float), err_msg=name)


def test_round_is_half_away_from_zero(ee):
    """EE documents `ee.Array([-0.1, 0.1, 0.5, 127.1, 255.1, 255.9]).byte()` as [0, 0, 1, 127, 255, 255] (0.5 -> 1),
    and Math.round-style rounding is undocumented for negatives: we read Image.round as half away from zero
    (ties go outward on both sides, like C's round())."""
    values = pixels(ee, ee.Image.constant([-2.5, -0.5, 0.5, 1.5, 2.4]).round())
    assert [float(values[k][0][0, 0]) for k in values] == [-3.0, -1.0, 1.0, 2.0, 2.0]


def test_binary_functions_match_numpy(ee):
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    A0, B0 = np.where(VALID, A, 0), B
    cases = {
        "pow": (a.pow(2), A0 ** 2),
        "min": (a.min(b), np.minimum(A0, B0)),
        "max": (a.max(b), np.maximum(A0, B0)),
        "mod": (a.mod(4), np.fmod(A0, 4)),  # C-style remainder: the sign of the dividend
        "hypot": (a.hypot(b), np.hypot(A0, B0)),
        "atan2": (a.atan2(b), np.arctan2(A0, B0)),
        "bitwiseOr": (b.toInt().bitwiseOr(9), B0.astype(int) | 9),
        "bitwiseXor": (b.toInt().bitwiseXor(5), B0.astype(int) ^ 5),
        "leftShift": (b.toInt().leftShift(3), B0.astype(int) << 3),
        "rightShift": (b.toInt().rightShift(1), B0.astype(int) >> 1),
        "bitwiseNot": (b.toInt().bitwiseNot(), ~B0.astype(int)),
    }
    for name, (image, expected) in cases.items():
        values, mask = next(iter(pixels(ee, image).values()))
        np.testing.assert_allclose(values[VALID], np.asarray(expected, float)[VALID], rtol=1e-12, err_msg=name)
        uses_a = name in ("pow", "min", "max", "mod", "hypot", "atan2")  # band b has no nodata pixel
        np.testing.assert_array_equal(mask, VALID.astype(float) if uses_a else np.ones_like(mask), err_msg=name)


def test_comparisons_give_zero_or_one(ee):
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    for name, fn in {"gte": np.greater_equal, "lte": np.less_equal, "neq": np.not_equal}.items():
        values, _ = pixels(ee, getattr(a, name)(b))["a"]
        np.testing.assert_array_equal(values[VALID], fn(A, B)[VALID].astype(float), err_msg=name)


def test_mod_sign_and_min_max_types(ee):
    v = pixels(ee, ee.Image.constant([-7, 7]).mod(3))
    assert [float(v[k][0][0, 0]) for k in v] == [-1.0, 1.0]  # fmod: the sign of the dividend
    types = band_types(ee, ee.Image.constant(3).toInt16().max(ee.Image.constant(2).toUint8()))
    assert types["constant"]["precision"] == "int"
    assert band_types(ee, ee.Image.constant(2).toInt().pow(2))["constant"]["precision"] == "double"


def test_clamp_and_unit_scale(ee):
    img = ee.Image("I/ab").select("a")
    values, mask = pixels(ee, img.clamp(-2, 3))["a"]
    np.testing.assert_array_equal(values[VALID], np.clip(A, -2, 3)[VALID])
    np.testing.assert_array_equal(mask, VALID.astype(float))
    values, _ = pixels(ee, img.unitScale(-9, 9))["a"]
    np.testing.assert_allclose(values[VALID], ((A + 9) / 18)[VALID], rtol=1e-6)  # float32 output, not clamped
    assert values[VALID].max() > 1  # EE does not clamp unitScale's output
    with pytest.raises(ee.EEException, match="low .* must not be greater than high"):
        img.clamp(3, 1).getInfo()


def test_special_functions_bit_count_and_snake_case_aliases(ee):
    """erf/erfc/gamma against tabulated values (erf(0.5) = 0.5204998778…, Γ(5) = 4! = 24, Γ(0.5) = √π)."""
    x = ee.Image.constant([0.5, 5.0, -1.0])
    erf = pixels(ee, x.erf())
    assert [float(erf[k][0][0, 0]) for k in erf] == pytest.approx([0.5204998778130465, 0.9999999999984626,
                                                                   -0.8427007929497149], rel=1e-12)
    erfc = pixels(ee, ee.Image.constant(0.5).erfc())["constant"][0][0, 0]
    assert erfc == pytest.approx(1 - 0.5204998778130465, rel=1e-12)
    gamma = pixels(ee, ee.Image.constant([5.0, 0.5]).gamma())
    assert [float(gamma[k][0][0, 0]) for k in gamma] == pytest.approx([24.0, np.sqrt(np.pi)], rel=1e-12)
    bits = pixels(ee, ee.Image.constant([0, 7, 255, -1]).bitCount())
    assert [float(bits[k][0][0, 0]) for k in bits] == [0, 3, 8, 64]  # -1 is 64 one-bits in two's complement
    b = ee.Image("I/ab").select("b").toInt()
    call = ee.ApiFunction.call_
    cases = {
        "Image.bitwise_and": (call("Image.bitwise_and", b, 3), B.astype(int) & 3),
        "Image.bitwise_or": (call("Image.bitwise_or", b, 8), B.astype(int) | 8),
        "Image.bitwise_xor": (call("Image.bitwise_xor", b, 1), B.astype(int) ^ 1),
        "Image.bitwise_not": (call("Image.bitwise_not", b), ~B.astype(int)),
        "Image.left_shift": (call("Image.left_shift", b, 2), B.astype(int) << 2),
        "Image.right_shift": (call("Image.right_shift", b, 1), B.astype(int) >> 1),
    }
    for name, (image, expected) in cases.items():
        values, _ = next(iter(pixels(ee, image).values()))
        np.testing.assert_array_equal(values, expected, err_msg=name)


def test_arithmetic_broadcasting_and_names(ee):
    img = ee.Image("I/m")
    three = img.select(["B1", "B2", "Q"])
    # One band against three: the output takes the longer input's names, whichever side it is on.
    left = scene_pixels(ee, ee.Image(2).add(three))
    assert list(left) == ["B1", "B2", "Q"]
    np.testing.assert_array_equal(left["B2"], B2 + 2)
    right = scene_pixels(ee, three.subtract(img.select("B2")))
    np.testing.assert_array_equal(right["B1"], B1 - B2)
    np.testing.assert_array_equal(right["B2"], np.zeros((4, 4)))
    np.testing.assert_array_equal(scene_pixels(ee, img.select("B1").multiply(3))["B1"], B1 * 3)
    # Same number of bands, different names: pairwise in order, image1's names.
    pair = scene_pixels(ee, img.select(["B1", "B2"]).add(img.select(["Q", "B1"])))
    assert list(pair) == ["B1", "B2"]
    np.testing.assert_array_equal(pair["B2"], B2 + B1)
    div = scene_pixels(ee, img.select("B1").divide(img.select("B2")))["B1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(B2 == 0, 0, B1 / B2)
    np.testing.assert_allclose(div, expected, rtol=1e-6)
    with pytest.raises(ee.EEException):
        img.select(["B1", "B2"]).add(img).getInfo()


def test_comparisons_and_logic(ee):
    img = ee.Image("I/m")
    b1, b2 = img.select("B1"), img.select("B2")
    np.testing.assert_array_equal(scene_pixels(ee, b1.gt(b2))["B1"], (B1 > B2).astype(int))
    np.testing.assert_array_equal(scene_pixels(ee, b1.lt(5))["B1"], (B1 < 5).astype(int))
    np.testing.assert_array_equal(scene_pixels(ee, b2.eq(2))["B2"], (B2 == 2).astype(int))
    np.testing.assert_array_equal(scene_pixels(ee, b1.gt(3).And(b2.gt(1)))["B1"], ((B1 > 3) & (B2 > 1)).astype(int))
    np.testing.assert_array_equal(scene_pixels(ee, b1.lt(2).Or(b2.eq(4)))["B1"], ((B1 < 2) | (B2 == 4)).astype(int))
    np.testing.assert_array_equal(scene_pixels(ee, b2.Not())["B2"], (B2 == 0).astype(int))
    np.testing.assert_array_equal(scene_pixels(ee, img.select("Q").bitwiseAnd(6))["Q"], Q & 6)


def test_first_and_first_non_zero(ee):
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    values, mask = pixels(ee, a.first(b))["a"]
    np.testing.assert_array_equal(values, np.where(VALID, A, B))
    np.testing.assert_array_equal(mask, 1)
    for image in (b.firstNonZero(a.add(100)), ee.ApiFunction.call_("Image.first_nonzero", b, a.add(100))):
        values, _ = pixels(ee, image)["b"]
        np.testing.assert_array_equal(values[VALID], np.where(B != 0, B, A + 100)[VALID])


def test_interpolate_behaviours(ee):
    """The piecewise-linear function through (0, 0), (4, 40), (6, 100), applied to b (0..7) by hand."""
    b = ee.Image("I/ab").select("b")
    inside = np.where(B <= 4, 10 * B, 40 + 30 * (B - 4))
    cases = {
        "extrapolate": np.where(B > 6, 100 + 30 * (B - 6), inside),
        "clamp": np.where(B > 6, 100, inside),
        "input": np.where(B > 6, B, inside),
    }
    for behavior, expected in cases.items():
        values, _ = pixels(ee, b.interpolate([0, 4, 6], [0, 40, 100], behavior))["b"]
        np.testing.assert_allclose(values, expected, err_msg=behavior)
    _, mask = pixels(ee, b.interpolate([0, 4, 6], [0, 40, 100], "mask"))["b"]
    np.testing.assert_array_equal(mask, B <= 6)
    with pytest.raises(ee.EEException, match="strictly increasing"):
        b.interpolate([0, 0], [1, 2]).getInfo()


ONES = np.ones((HEIGHT, WIDTH))


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
