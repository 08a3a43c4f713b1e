"""The composite kernels (kernels/composite.py) and tiled computePixels against numpy.

numpy's nan-functions over the same stacks are the reference: NaN where a mask is 0. Masks are
binary and fractional, some pixels have no valid input, and counts are odd and even.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import rasterio
from affine import Affine

from ee_assets.local.kernels import composite, tiles
from ee_assets.local.kernels.composite import sorting_network


@pytest.mark.parametrize("n", list(range(1, 34)))
def test_sorting_network_sorts(n):
    rng = np.random.default_rng(n)
    x = rng.integers(0, 5, (400, n)).astype(float)  # many ties
    y = x.copy()
    for i, j in sorting_network(n):
        lo, hi = np.minimum(y[:, i], y[:, j]), np.maximum(y[:, i], y[:, j])
        y[:, i], y[:, j] = lo, hi
    assert np.array_equal(y, np.sort(x, axis=1))


def _stack(seed: int, n: int, shape=(37, 301), dtype=np.float64):
    rng = np.random.default_rng(seed)
    values = rng.normal(100, 30, (n, *shape)).astype(dtype)
    masks = rng.choice([0.0, 0.0, 0.3, 1.0, 1.0, 1.0], (n, *shape)).astype(np.float32)
    masks[:, 0, :5] = 0.0  # pixels no input covers
    values[masks == 0] = -9999  # what lies under a mask must not matter
    return [(values[k], masks[k]) for k in range(n)], np.where(masks > 0, values, np.nan)


@pytest.mark.parametrize("n", [1, 2, 5, 24, 31])
def test_median_equals_numpy_nanmedian(n):
    pixels, reference = _stack(n, n)
    out, valid = composite.median(pixels)
    with _quiet():
        expected = np.nanmedian(reference, axis=0)
    some = ~np.isnan(expected)
    assert np.array_equal(valid > 0, some)
    assert np.array_equal(out[some], expected[some])
    assert np.all(out[~some] == 0)


def test_median_of_float32_equals_numpy_on_float32():
    pixels, reference = _stack(3, 24, dtype=np.float32)
    out, valid = composite.median(pixels)
    with _quiet():
        expected = np.nanmedian(reference.astype(np.float64), axis=0)
    some = ~np.isnan(expected)
    assert np.array_equal(out[some], expected[some])


def test_median_splits_rows_over_threads_without_changing_values(monkeypatch):
    pixels, _ = _stack(8, 9, shape=(700, 50))
    whole, _ = composite.median(pixels)
    monkeypatch.setattr(composite, "_CHUNK_BYTES", 4000)  # many small row chunks
    assert np.array_equal(composite.median(pixels)[0], whole)


@pytest.mark.parametrize("stat,numpy_fn", [("mean", np.nanmean), ("sum", np.nansum), ("min", np.nanmin),
                                           ("max", np.nanmax)])
def test_streamed_statistics_equal_numpy(stat, numpy_fn):
    pixels, reference = _stack(11, 7)
    out, valid = composite.reduce_stack(pixels, stat)
    some = ~np.all(np.isnan(reference), axis=0)
    with _quiet():
        expected = numpy_fn(reference, axis=0)
    assert np.array_equal(valid > 0, some)
    assert np.allclose(out[some], expected[some], rtol=1e-13, atol=0)
    assert np.all(out[~some] == 0)


def test_count_and_mosaic():
    pixels, reference = _stack(12, 6)
    count, valid = composite.reduce_stack(pixels, "count")
    assert np.array_equal(count, np.sum(~np.isnan(reference), axis=0)) and np.all(valid == 1)
    values, mask = composite.mosaic(pixels)
    expected_v, expected_m = np.zeros(values.shape), np.zeros(values.shape, np.float32)
    for v, m in pixels:  # the last valid input on top
        expected_v = np.where(m > 0, v, expected_v)
        expected_m = np.where(m > 0, m, expected_m)
    assert np.array_equal(values, expected_v) and np.array_equal(mask, expected_m)


def test_tiled_compute_pixels_equals_numpy(tmp_path, ee_on, monkeypatch):
    """A computePixels split into many tiles on the pool returns numpy's median composite, pixel for pixel."""
    monkeypatch.setattr(tiles, "TILE_PIXELS", 1000)
    rng = np.random.default_rng(2)
    stack = rng.integers(0, 1000, (5, 90, 70)).astype("int16")
    valid = rng.random(stack.shape) > 0.3
    transform = Affine(10, 0, 500000, 0, -10, 4000000)
    images = []
    for i in range(5):
        with rasterio.open(tmp_path / f"i{i}.tif", "w", driver="GTiff", width=70, height=90, count=1, dtype="int16",
                           crs="EPSG:32610", transform=transform, nodata=-1) as ds:
            ds.write(np.where(valid[i], stack[i], -1).astype("int16"), 1)
        images.append({"path": f"i{i}.tif", "time_start": f"2020-01-0{i + 1}"})
    ee = ee_on({"C/s": {"type": "IMAGE_COLLECTION", "images": images}})
    grid = {"dimensions": {"width": 70, "height": 90}, "crsCode": "EPSG:32610",
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 500000, "shearY": 0, "scaleY": -10,
                                "translateY": 4000000}}
    got = ee.data.computePixels({"expression": ee.ImageCollection("C/s").median(), "fileFormat": "NUMPY_NDARRAY",
                                 "grid": grid})["b1"]
    with _quiet():
        expected = np.nanmedian(np.where(valid, stack, np.nan), axis=0)
    some = ~np.isnan(expected)
    assert np.array_equal(got[some], expected[some])


@contextmanager
def _quiet():
    """numpy warns about all-NaN pixels (no valid input), which the cases include on purpose."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
