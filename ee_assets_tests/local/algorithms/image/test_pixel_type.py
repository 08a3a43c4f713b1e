"""Image casts and PixelType through the real client."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import VALID, A, band_types, pixels

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
