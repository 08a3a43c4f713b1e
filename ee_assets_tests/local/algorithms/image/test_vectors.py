"""Image.reduceToVectors through the real ee client: regions, counts, means and centroids against a flood-fill
labelling of the same raster in numpy."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from ee_assets_tests.support.connected_regions import connected_regions
from ee_assets_tests.support.image_fixtures import (
    CENTRES,
    HEIGHT,
    SQUARE_3857,
    TRIANGLE_3857,
    WIDTH,
    B,
    pixels,
    shapes_collection,
)

TO_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@pytest.mark.parametrize("eight", [True, False])
def test_regions_counts_means_and_centroids(ee, eight):
    b = ee.Image("I/ab").select("b")
    labelled = b.gt(3).addBands(b)
    label = (B > 3).astype(int)
    expected = sorted((int(label[reg[0]]), len(reg), float(np.mean([B[p] for p in reg])),
                       float(np.mean([1005 + 10 * c for _, c in reg])), float(np.mean([1995 - 10 * r for r, _ in reg])))
                      for reg in connected_regions(label, eight))
    counts = labelled.reduceToVectors(reducer=ee.Reducer.count(), eightConnected=eight, geometryType="centroid")
    means = labelled.reduceToVectors(reducer=ee.Reducer.mean(), eightConnected=eight, labelProperty="cls")
    got_counts = counts.getInfo()["features"]
    got_means = means.getInfo()["features"]
    assert len(got_counts) == len(expected) == len(got_means)
    rows = []
    for f in got_counts:
        x, y = TO_3857.transform(*f["geometry"]["coordinates"])
        rows.append((f["properties"]["label"], f["properties"]["count"], x, y))
    rows.sort()
    for (lab, n, _, cx, cy), (glab, gn, gx, gy) in zip(expected, rows, strict=True):
        assert (lab, n) == (glab, gn)
        assert (gx, gy) == pytest.approx((cx, cy), abs=1e-6)
    means_got = sorted((f["properties"]["cls"], f["properties"]["mean"]) for f in got_means)
    means_expected = sorted((lab, m) for lab, _, m, _, _ in expected)
    assert [c for c, _ in means_got] == [c for c, _ in means_expected]
    np.testing.assert_allclose([m for _, m in means_got], [m for _, m in means_expected], rtol=1e-12)


def test_without_a_reducer_regions_are_counted(ee):
    label = (B > 3).astype(int)
    sizes = sorted((int(label[reg[0]]), len(reg)) for reg in connected_regions(label, True))
    got = ee.Image("I/ab").select("b").gt(3).reduceToVectors(geometryType="bb").getInfo()["features"]
    assert sorted((f["properties"]["label"], f["properties"]["count"]) for f in got) == sizes


ROWS, COLS = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")


def test_paint_interiors_with_a_property_colour(ee):
    values, mask = pixels(ee, ee.Image().byte().paint(shapes_collection(ee), "k"))["constant"]
    in_square = shapely.contains(shapely.Polygon(SQUARE_3857), CENTRES)
    in_triangle = shapely.contains(shapely.Polygon(TRIANGLE_3857), CENTRES)
    np.testing.assert_array_equal(mask, in_square | in_triangle)  # ee.Image() is fully masked until painted
    np.testing.assert_array_equal(values[in_triangle], 7)  # the later feature paints over the earlier one
    np.testing.assert_array_equal(values[in_square & ~in_triangle], 3)
    # Painting onto an image keeps its values elsewhere.
    values, _ = pixels(ee, ee.Image("I/ab").select("b").paint(shapes_collection(ee), 100))["b"]
    np.testing.assert_array_equal(values, np.where(in_square | in_triangle, 100, B))


def test_paint_outlines(ee):
    _, mask = pixels(ee, ee.Image().paint(shapes_collection(ee).limit(1), 1, 3))["constant"]
    distance = shapely.distance(shapely.Polygon(SQUARE_3857).boundary, CENTRES)
    np.testing.assert_array_equal(mask, distance <= 15)  # within 1.5 pixels of the outline
    _, mask = pixels(ee, ee.Image().paint(shapes_collection(ee).limit(1), 1, 1))["constant"]
    assert mask[0, 0] == 1 and mask[1, 1] == 0  # the corner's pixel is burnt, the inside is not
    assert (mask.astype(bool) <= (distance <= 10 * np.sqrt(2))).all()
