"""Image masks through the real ee client: updateMask, mask, clip, clipToCollection, where, selfMask and blend,
against numpy and shapely on the same inputs."""

from __future__ import annotations

import numpy as np
import shapely

from ee_assets_tests.support.image_fixtures import (
    CENTRES,
    HEIGHT,
    SQUARE_3857,
    TRIANGLE_3857,
    VALID,
    WIDTH,
    A,
    B,
    pixels,
    shapes_collection,
)
from ee_assets_tests.support.scene import B1, B2, scene_pixels

ONES = np.ones((HEIGHT, WIDTH))


def test_where_replaces_only_where_test_and_value_are_valid(ee):
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    values, mask = pixels(ee, a.where(b.gt(3), 100))["a"]
    np.testing.assert_array_equal(values[VALID], np.where(B > 3, 100, A)[VALID])
    np.testing.assert_array_equal(mask, VALID)  # the input's mask is kept
    # A masked test pixel leaves the input alone: b where a > 0 (a masked at (1, 2)) → 50.
    values, mask = pixels(ee, b.where(a.gt(0), 50))["b"]
    np.testing.assert_array_equal(values, np.where(VALID & (A > 0), 50, B))
    np.testing.assert_array_equal(mask, ONES)


def test_self_mask(ee):
    values, mask = pixels(ee, ee.Image("I/ab").select("b").selfMask())["b"]
    np.testing.assert_array_equal(mask, B != 0)
    np.testing.assert_array_equal(values[B != 0], B[B != 0])


def test_blend_is_alpha_compositing(ee):
    """EE: 'The images are blended together using the masks as opacity.' With 0/1 masks this is top-over-bottom;
    a 0.5 top mask gives the mean of the two values with full opacity (the standard 'over' operator)."""
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    values, mask = pixels(ee, a.blend(b.updateMask(b.gt(3))))["a"]
    top = B > 3
    np.testing.assert_array_equal(mask, top | VALID)
    np.testing.assert_array_equal(values[top], B[top])
    np.testing.assert_array_equal(values[~top & VALID], A[~top & VALID])
    values, mask = pixels(ee, a.blend(b.updateMask(ee.Image.constant(0.5))))["a"]
    np.testing.assert_allclose(values[VALID], (0.5 * A + 0.5 * B)[VALID])
    np.testing.assert_allclose(values[~VALID], B[~VALID])  # bottom masked: the top's value with its opacity
    np.testing.assert_allclose(mask, np.where(VALID, 1.0, 0.5), atol=1e-6)


def test_masks(ee):
    img = ee.Image("I/m")
    masked = img.select("B1").updateMask(img.select("B2").gt(1))
    np.testing.assert_array_equal(scene_pixels(ee, masked.mask())["B1"], (B2 > 1).astype(int))
    filled = scene_pixels(ee, masked.unmask(5))["B1"]
    np.testing.assert_array_equal(filled, np.where(B2 > 1, B1, 5))
    count = masked.reduceRegion(ee.Reducer.count(), ee.Geometry.Rectangle([0, 0, 4, 4], "EPSG:3857", False),
                                scale=1).getInfo()
    assert count == {"B1": int((B2 > 1).sum())}


def test_clip_uses_pixel_centres(ee):
    img = ee.Image("I/m").select("B1")
    # x 0..1.6, y 2..4: centres (0.5, 3.5), (1.5, 3.5), (0.5, 2.5), (1.5, 2.5) are inside.
    clipped = img.clip(ee.Geometry.Rectangle([0, 2, 1.6, 4], "EPSG:3857", False))
    expected = np.zeros((4, 4), int)
    expected[0:2, 0:2] = 1
    np.testing.assert_array_equal(scene_pixels(ee, clipped.mask())["B1"], expected)
    np.testing.assert_array_equal(scene_pixels(ee, clipped.unmask(-1))["B1"], np.where(expected == 1, B1, -1))


ROWS, COLS = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")


def test_clip_to_collection(ee):
    _, mask = pixels(ee, ee.Image("I/ab").select("b").clipToCollection(shapes_collection(ee)))["b"]
    union = shapely.union(shapely.Polygon(SQUARE_3857), shapely.Polygon(TRIANGLE_3857))
    np.testing.assert_array_equal(mask, shapely.contains(union, CENTRES))
