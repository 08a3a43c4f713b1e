"""Image math, casts and PixelType through the real ee client, checked against numpy on the same arrays."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import VALID, A, B, ab_catalog, band_types, pixels


@pytest.fixture()
def ee(tmp_path, ee_on):
    return ee_on(ab_catalog(tmp_path))


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


CASTS = {
    "toInt8": ("int", -128, 127), "toInt16": ("int", -32768, 32767), "toInt32": ("int", -2**31, 2**31 - 1),
    "toUint8": ("int", 0, 255), "toUint16": ("int", 0, 65535), "toUint32": ("int", 0, 2**32 - 1),
    "toByte": ("int", 0, 255), "toInt": ("int", -2**31, 2**31 - 1), "toShort": ("int", -32768, 32767),
    "int8": ("int", -128, 127), "int16": ("int", -32768, 32767), "int32": ("int", -2**31, 2**31 - 1),
    "uint8": ("int", 0, 255), "uint16": ("int", 0, 65535), "uint32": ("int", 0, 2**32 - 1),
    "byte": ("int", 0, 255), "int": ("int", -2**31, 2**31 - 1), "short": ("int", -32768, 32767),
    "toInt64": ("int", -2**63, 2**63 - 1), "int64": ("int", -2**63, 2**63 - 1),
    "toLong": ("int", -2**63, 2**63 - 1), "long": ("int", -2**63, 2**63 - 1),
    "float": ("float", None, None), "toFloat": ("float", None, None),
    "toDouble": ("double", None, None), "double": ("double", None, None),
}


def _expected_cast(x: np.ndarray, lo, hi) -> np.ndarray:
    """Round half away from zero, then clamp to the type's range (EE's documented Array.byte example)."""
    r = np.sign(x) * np.floor(np.abs(x) + 0.5)
    return r if lo is None else np.clip(r, lo, hi)


def test_casts_round_clamp_and_report_types(ee):
    src = ee.Image.constant([-300.5, -1.5, 0.49, 2.5, 70000.7])
    x = np.array([-300.5, -1.5, 0.49, 2.5, 70000.7])
    for name, (precision, lo, hi) in CASTS.items():
        img = getattr(src, name)()
        types = band_types(ee, img)
        assert {t["precision"] for t in types.values()} == {precision}, name
        if precision == "int":
            assert {(t["min"], t["max"]) for t in types.values()} == {(lo, hi)}, name
        if name in ("toInt64", "int64", "toLong", "long", "toUint32", "uint32"):
            continue  # NPY of 64-bit / uint32 constant bands: values checked through the smaller types
        values = pixels(ee, img)
        got = np.array([float(values[k][0][0, 0]) for k in values])
        expected = _expected_cast(x, lo, hi) if precision == "int" else \
            x.astype(np.float32 if precision == "float" else np.float64)
        np.testing.assert_allclose(got, expected, rtol=1e-7, err_msg=name)


def test_pixel_type_constructors_and_image_cast(ee):
    assert ee.PixelType.int8().getInfo() == {"type": "PixelType", "precision": "int", "min": -128, "max": 127}
    assert ee.PixelType.float().getInfo() == {"type": "PixelType", "precision": "float"}
    assert ee.PixelType.double().getInfo() == {"type": "PixelType", "precision": "double"}
    assert ee.PixelType.uint16().getInfo()["max"] == 65535
    assert ee.PixelType.uint32().getInfo()["max"] == 2**32 - 1
    assert ee.PixelType.int64().getInfo()["min"] == -(2**63)
    custom = ee.PixelType("int", 0, 1000)
    assert custom.getInfo() == {"type": "PixelType", "precision": "int", "min": 0, "max": 1000}
    assert ee.PixelType.int32().precision().getInfo() == "int"
    assert ee.PixelType.uint8().maxValue().getInfo() == 255
    assert ee.PixelType.int16().minValue().getInfo() == -32768
    assert ee.PixelType.float().dimensions().getInfo() == 0

    img = ee.Image("I/ab")
    cast = img.cast({"a": ee.PixelType.int8(), "b": "float", "extra": "uint8"}, ["extra", "b", "a"])
    types = band_types(ee, cast)
    assert list(types) == ["extra", "b", "a"]
    assert types["a"] == {"type": "PixelType", "precision": "int", "min": -128, "max": 127}
    assert types["b"]["precision"] == "float"
    px = pixels(ee, cast)
    np.testing.assert_array_equal(px["a"][0][VALID], _expected_cast(A, -128, 127)[VALID])
    assert px["extra"][1].max() == 0  # bands only named in bandTypes are added fully masked, as EE documents
    with pytest.raises(ee.EEException, match="bandOrder"):
        img.cast({"a": "int8"}, ["a"]).getInfo()


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
