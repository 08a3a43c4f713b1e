"""Connected regions through the real ee client: connectedPixelCount and connectedComponents, against a
flood fill of the same values."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.connected_regions import connected_regions
from ee_assets_tests.support.image_fixtures import GRID, VALID, A, B, pixels


def _region_sizes(values: np.ndarray, valid: np.ndarray, eight: bool) -> np.ndarray:
    """Each valid pixel's region size (regions of equal, valid neighbours)."""
    sizes = np.zeros(values.shape, int)
    for region in connected_regions(values, eight, valid):
        for p in region:
            sizes[p] = len(region)
    return sizes


def test_connected_pixel_count_matches_a_breadth_first_search(ee):
    img = ee.Image("I/ab")
    high = img.select("b").gt(3)
    for eight in (True, False):
        values, _ = pixels(ee, high.connectedPixelCount(100, eight))["b"]
        np.testing.assert_array_equal(values, _region_sizes(B > 3, np.ones_like(VALID), eight), err_msg=str(eight))
    values, mask = pixels(ee, img.select("a").gt(0).connectedPixelCount(4))["a"]
    expected = np.minimum(_region_sizes(A > 0, VALID, True), 4)  # capped at maxSize; the masked pixel stays masked
    np.testing.assert_array_equal(values[VALID], expected[VALID])
    np.testing.assert_array_equal(mask, VALID)
    with pytest.raises(ee.EEException, match="maxSize must be between 1 and 1024"):
        high.connectedPixelCount(5000).getInfo()


def test_connected_components_label_each_region_once(ee):
    """The EE guide's hot-spot pattern: selfMask a threshold, label 4-connected objects, reduce values per object."""
    b = ee.Image("I/ab").select("b")
    hot = b.gt(3).selfMask()
    objects = hot.connectedComponents(ee.Kernel.plus(1), 128)
    assert objects.bandNames().getInfo() == ["b", "labels"]
    labels, mask = pixels(ee, objects)["labels"]
    regions = connected_regions(B > 3, eight=False, valid=B > 3)
    np.testing.assert_array_equal(mask, B > 3)
    ids = [{labels[p] for p in region} for region in regions]
    assert all(len(i) == 1 for i in ids) and len({i.pop() for i in ids}) == len(regions)
    # The same pixel gets the same id from a request on another, overlapping grid.
    shifted = dict(GRID, affineTransform=dict(GRID["affineTransform"], translateX=1020))
    again, _ = pixels(ee, objects, shifted)["labels"]
    np.testing.assert_array_equal(again[:, :4], labels[:, 2:])
    # Objects larger than maxSize are background.
    _, small_mask = pixels(ee, hot.connectedComponents(ee.Kernel.plus(1), 2))["labels"]
    small = np.zeros(B.shape, bool)
    for region in regions:
        if len(region) <= 2:
            for p in region:
                small[p] = True
    np.testing.assert_array_equal(small_mask, small)
    # Mean of 10·b over each object, in every pixel of it (objects are 8-connected runs of equal labels).
    means, mean_mask = pixels(ee, objects.select("labels").addBands(b.multiply(10))
                              .reduceConnectedComponents(ee.Reducer.mean(), "labels"))["b"]
    np.testing.assert_array_equal(mean_mask, B > 3)
    for region in regions:
        for p in region:
            assert means[p] == pytest.approx(np.mean([10 * B[q] for q in region]))
    counts, _ = pixels(ee, objects.select("labels").addBands(b)
                       .reduceConnectedComponents(ee.Reducer.count(), "labels"))["b"]
    for region in regions:
        assert {counts[p] for p in region} == {len(region)}


