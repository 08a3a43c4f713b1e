"""Values and nodata mask in one pass: the same arrays numpy's astype and `!=` / isnan give, for every type the
kernel takes, and no answer where its comparison could differ from numpy's."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets.local.kernels.nodata import float32_values_and_mask, values_and_mask


def numpy_pixels(data: np.ndarray, nodata: float):
    valid = ~np.isnan(data) if np.isnan(nodata) else data != nodata
    return data.astype(np.float64), valid.astype(np.float32)


CASES = [
    ("float32", float("nan")), ("float64", float("nan")), ("float32", -9999.0), ("float32", 0.0),
    ("float32", float("inf")), ("float64", 0.1), ("float64", -3.5e300), ("uint8", 0.0), ("uint8", 255.0),
    ("int8", -128.0), ("int16", -9999.0), ("uint16", 65535.0), ("int32", -2147483648.0), ("uint32", 0.0),
]


@pytest.mark.parametrize(("dtype", "nodata"), CASES)
def test_same_as_numpy(dtype, nodata):
    rng = np.random.default_rng(5)
    t = np.dtype(dtype)
    if t.kind == "f":
        data = (rng.normal(0, 100, (37, 53))).astype(t)
        data[rng.random(data.shape) < 0.2] = np.nan  # NaN is never equal to a finite nodata
    else:
        info = np.iinfo(t)
        data = rng.integers(info.min, info.max, (37, 53), endpoint=True).astype(t)
    data[rng.random(data.shape) < 0.3] = nodata
    got = values_and_mask(data, nodata)
    assert got is not None
    want = numpy_pixels(data, nodata)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize(("dtype", "nodata"), [
    ("float32", 0.1),  # not a float32: numpy compares in float32, so it is left to numpy
    ("uint8", 300.0), ("uint8", -1.0), ("uint8", 0.5), ("int16", float("nan")), ("int16", float("-inf")),
    ("int64", 0.0), ("float16", 0.0),
])
def test_no_answer_where_numpy_could_compare_otherwise(dtype, nodata):
    assert values_and_mask(np.zeros((3, 4), dtype), nodata) is None


def test_float32_nodata_compares_in_the_data_type():
    """A float32 raster whose nodata tag is the float32 value of 0.1 (as GDAL stores it)."""
    nodata = float(np.float32(0.1))
    data = np.array([[np.float32(0.1), 1.0]], np.float32)
    values, mask = values_and_mask(data, nodata)
    assert mask.tolist() == [[0.0, 1.0]]
    assert values.tolist() == data.astype(np.float64).tolist()


@pytest.mark.parametrize(("dtype", "nodata"), [("float32", float("nan")), ("float32", -9999.0), ("uint8", 0.0),
                                               ("int16", -32768.0), ("uint16", None), ("int8", 5.0)])
def test_float32_values_and_mask_for_reductions(dtype, nodata):
    rng = np.random.default_rng(9)
    data = rng.normal(0, 50, (29, 31)).astype(dtype)
    if nodata is not None:
        data[rng.random(data.shape) < 0.3] = nodata
    values, mask = float32_values_and_mask(data, nodata)
    assert values.dtype == np.float32 and mask.dtype == np.uint8
    want_values = data.astype(np.float64)
    want_mask = np.ones(data.shape, np.float32) if nodata is None else numpy_pixels(data, nodata)[1]
    np.testing.assert_array_equal(mask, want_mask.astype(np.uint8))
    np.testing.assert_array_equal(values.astype(np.float64), want_values)  # float32 holds these types exactly
    if dtype == "float32":
        assert values is data  # not copied


@pytest.mark.parametrize("dtype", ["float64", "int32", "uint32"])
def test_float32_values_only_for_types_float32_holds(dtype):
    assert float32_values_and_mask(np.zeros((2, 2), dtype), 0.0) is None
