"""Array images through the real ee client: the EE guide's tasseled-cap recipe (constant matrix × per-pixel column,
arrayProject, arrayFlatten) and the other array algorithms, checked with numpy on the same arrays."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import VALID, A, B, band_types, pixels

COEFFICIENTS = [[0.3037, 0.2793], [-0.2848, -0.2435], [0.1509, 0.1973]]


def test_tasseled_cap_recipe(ee):
    """As in the EE guide: image.toArray().toArray(1) makes a column per pixel, matrixMultiply applies the
    coefficients, arrayProject([0]) drops the length-1 axis, arrayFlatten names the components."""
    img = ee.Image("I/ab")
    column = img.toArray().toArray(1)
    components = ee.Image(ee.Array(COEFFICIENTS)).matrixMultiply(column)
    flat = components.arrayProject([0]).arrayFlatten([["brightness", "greenness", "wetness"]])
    px = pixels(ee, flat)
    expected = np.einsum("kj,jrc->krc", np.array(COEFFICIENTS), np.stack([A, B]))
    for i, name in enumerate(["brightness", "greenness", "wetness"]):
        np.testing.assert_allclose(px[name][0][VALID], expected[i][VALID], rtol=1e-12)
        np.testing.assert_array_equal(px[name][1], VALID)  # toArray masks a pixel when any band is masked
    types = {b["id"]: b["data_type"] for b in components.getInfo()["bands"]}
    assert types["constant"]["dimensions"] == 2
    assert band_types(ee, img.toArray())["array"]["dimensions"] == 1


def test_array_reshaping_and_reductions(ee):
    img = ee.Image("I/ab")
    arr = img.addBands(img.select("b").multiply(10).rename("c")).toArray()  # [a, b, 10 b] per pixel
    stack = np.stack([A, B, 10 * B], axis=-1)
    flat = pixels(ee, arr.arraySlice(0, 1).arrayFlatten([["b", "c"]]))
    np.testing.assert_array_equal(flat["c"][0], 10 * B)
    flat = pixels(ee, arr.arraySlice(0, 0, None, 2).arrayFlatten([["a", "c"]]))
    np.testing.assert_array_equal(flat["c"][0], 10 * B)
    mean = pixels(ee, arr.arrayReduce(ee.Reducer.mean(), [0]).arrayFlatten([["mean"]]))["mean"][0]
    np.testing.assert_allclose(mean[VALID], stack.mean(axis=-1)[VALID])
    top = pixels(ee, arr.arrayReduce(ee.Reducer.max(), [0]).arrayGet([0]))["array"][0]
    np.testing.assert_array_equal(top[VALID], stack.max(axis=-1)[VALID])
    dot = pixels(ee, arr.arrayDotProduct(arr))["array"][0]
    np.testing.assert_allclose(dot[VALID], (stack**2).sum(axis=-1)[VALID])
    assert pixels(ee, arr.arrayLength(0))["array"][0].max() == 3
    lengths = pixels(ee, arr.toArray(1).arrayLengths().arrayFlatten([["rows", "cols"]]))
    assert (lengths["rows"][0].max(), lengths["cols"][0].max()) == (3, 1)
    dims = pixels(ee, arr.addBands(img.select("a")).arrayDimensions())
    assert (dims["array"][0].max(), dims["a"][0].max()) == (1, 0)
    row = arr.toArray(1).arrayTranspose()  # 1 x 3
    both = row.arrayCat(row, 0).arrayFlatten([["r0", "r1"], ["x", "y", "z"]])  # 2 x 3
    px = pixels(ee, both)
    np.testing.assert_array_equal(px["r1_z"][0], 10 * B)
    np.testing.assert_array_equal(px["r0_y"][0], B)


def test_array_bands_must_be_flattened_for_pixels(ee):
    with pytest.raises(ee.EEException, match="hold arrays; flatten them"):
        pixels(ee, ee.Image("I/ab").toArray())
    with pytest.raises(ee.EEException, match="cannot multiply matrices"):
        ee.Image("I/ab").toArray().toArray(1).matrixMultiply(ee.Image("I/ab").toArray().toArray(1)).getInfo()
    with pytest.raises(ee.EEException, match="dropped axes must have length 1"):
        ee.Image("I/ab").toArray().toArray(1).arrayProject([1]).getInfo()


def test_array_argmax_repeat_and_reshape(ee):
    img = ee.Image("I/ab")
    arr = img.addBands(img.select("b").multiply(-1).rename("c")).toArray()  # [a, b, -b]
    stack = np.stack([A, B, -B], axis=-1)
    arg = pixels(ee, arr.arrayArgmax().arrayFlatten([["i"]]))["i"][0]
    np.testing.assert_array_equal(arg[VALID], stack.argmax(axis=-1)[VALID])  # the first maximum on ties
    tiled = arr.arrayRepeat(0, 2).arrayFlatten([["a0", "b0", "c0", "a1", "b1", "c1"]])
    np.testing.assert_array_equal(pixels(ee, tiled)["c1"][0], -B)
    grid = arr.arrayRepeat(1, 2)  # a new axis: 3 x 2
    np.testing.assert_array_equal(pixels(ee, grid.arrayFlatten([["a", "b", "c"], ["x", "y"]]))["b_y"][0], B)
    reshaped = arr.arrayRepeat(0, 2).arrayReshape(ee.Image(ee.Array([2, -1])), 2)  # 6 -> 2 x 3
    px = pixels(ee, reshaped.arrayFlatten([["r0", "r1"], ["a", "b", "c"]]))
    np.testing.assert_array_equal(px["r1_c"][0], -B)
    with pytest.raises(ee.EEException, match="cannot reshape"):
        arr.arrayReshape(ee.Image(ee.Array([2, 2])), 2).getInfo()


def test_array_sort_accumulate_and_pad(ee):
    img = ee.Image("I/ab")
    arr = img.addBands(img.select("b").multiply(-1).rename("c")).toArray()  # [a, b, -b]
    stack = np.stack([A, B, -B], axis=-1)
    names = [["s0", "s1", "s2"]]
    px = pixels(ee, arr.arraySort().arrayFlatten(names))
    np.testing.assert_array_equal(np.stack([px[n][0] for n in names[0]], -1)[VALID], np.sort(stack, -1)[VALID])
    keys = ee.Image.constant([3, 1, 2]).toArray()
    px = pixels(ee, arr.arraySort(keys).arrayFlatten(names))  # order by keys: b, -b, a
    np.testing.assert_array_equal(px["s0"][0], B)
    np.testing.assert_array_equal(px["s2"][0][VALID], A[VALID])
    px = pixels(ee, arr.arrayAccum(0).arrayFlatten(names))
    np.testing.assert_allclose(px["s2"][0][VALID], A[VALID])  # a + b - b
    px = pixels(ee, arr.arrayAccum(0, ee.Reducer.max()).arrayFlatten(names))
    np.testing.assert_array_equal(px["s1"][0][VALID], np.maximum(A, B)[VALID])
    padded = arr.arrayPad([5], 9).arrayFlatten([["p0", "p1", "p2", "p3", "p4"]])
    px = pixels(ee, padded)
    np.testing.assert_array_equal(px["p4"][0][VALID], 9)
    np.testing.assert_array_equal(px["p1"][0], B)


def _pixel_array(ee, image):
    """The array a pixel holds, read the way EE's apidocs samples read it: `image.sample(point, 500).first()`."""
    return image.sample(ee.Geometry.Point([-121, 42]), 500).first().get("array").getInfo()


def test_array_images_built_the_usual_ways(ee):
    """The constructions and outputs of EE's apidocs samples (google/earthengine-community samples/python/apidocs,
    each expected value the documented one): sampling an array image gives the pixel's nested list (this used to
    fail inside the server with a TypeError), ee.Image([…]).toArray() lengths for arrayReshape, arrayCat along a
    new axis, 2-D arraySort by keys and arrayAccum."""
    one_d = ee.Image([0, 1, 2, 3, 4, 5]).toArray()
    assert _pixel_array(ee, one_d) == [0, 1, 2, 3, 4, 5]
    two_by_three = one_d.arrayReshape(ee.Image([2, 3]).toArray(), 2)  # ee_image_arrayreshape.py
    assert _pixel_array(ee, two_by_three) == [[0, 1, 2], [3, 4, 5]]
    assert _pixel_array(ee, one_d.arrayReshape(ee.Image([3, -1]).toArray(), 2)) == [[0, 1], [2, 3], [4, 5]]
    assert _pixel_array(ee, two_by_three.arrayReshape(ee.Image([-1]).toArray(), 1)) == [0, 1, 2, 3, 4, 5]
    assert _pixel_array(ee, two_by_three.arrayTranspose()) == [[0, 3], [1, 4], [2, 5]]  # ee_image_arraytranspose
    a, b = ee.Image([0, 1, 2]).toArray(), ee.Image([3, 4, 5]).toArray()  # ee_image_arraycat.py
    assert _pixel_array(ee, a.arrayCat(b, 0)) == [0, 1, 2, 3, 4, 5]
    assert _pixel_array(ee, a.arrayCat(b, 1)) == [[0, 3], [1, 4], [2, 5]]
    assert _pixel_array(ee, a.toArray(1)) == [[0], [1], [2]]  # ee_image_toarray.py
    grid = ee.Image([0, 10, 6, 5, 4, 7, 11, 1, 2, 9, 8, 3]).toArray().arrayReshape(ee.Image([3, 4]).toArray(), 2)
    rows = ee.Image([3, 2, 1, 0]).toArray().toArray(1).arrayTranspose()  # ee_image_arraysort.py
    assert _pixel_array(ee, grid.arraySort(rows)) == [[5, 6, 10, 0], [1, 11, 7, 4], [3, 8, 9, 2]]
    cols = ee.Image([2, 1, 0]).toArray().toArray(1)
    assert _pixel_array(ee, grid.arraySort(cols)) == [[2, 9, 8, 3], [4, 7, 11, 1], [0, 10, 6, 5]]
    accum = ee.Image([0, 1, 2, 3, 4, 5]).toArray().arrayAccum(0, ee.Reducer.sum())  # ee_image_arrayaccum.py
    assert _pixel_array(ee, accum) == [0, 1, 3, 6, 10, 15]
    with pytest.raises(ee.EEException, match="lengths that vary per pixel"):
        one_d.arrayReshape(ee.Image("I/ab").select("b").toArray(), 1).getInfo()


def test_array_images_draw_their_first_element(ee):
    """"Array images can be displayed … Per-pixel, the first element in the array is shown. Single-band grayscale
    is used" (samples/python/apidocs/ee_image_toarray.py)."""
    img = ee.Image("I/ab")
    px = pixels(ee, img.select(["b", "a"]).toArray().visualize(min=0, max=7))
    assert list(px) == ["vis-gray"]
    np.testing.assert_array_equal(px["vis-gray"][0][VALID], np.rint(255 * B / 7)[VALID])
