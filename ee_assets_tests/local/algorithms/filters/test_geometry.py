"""Geometric filters through the real client: bounds (intersects), contains, disjoint, withinDistance, area."""

from __future__ import annotations

from ee_assets_tests.support.rows import row_names, rows_collection
from ee_assets_tests.support.scene import table_names


def test_filter_bounds_features_and_image_footprints(ee):
    fc = ee.FeatureCollection("T/t")
    box = ee.Geometry.Rectangle([10.9, 49.7, 13.05, 49.9])
    assert table_names(fc.filterBounds(box)) == ["b", "c"]
    # Image footprints: 10..10.2, 11..11.2, 12..12.2 (lon) x 49.8..50 (lat).
    ic = ee.ImageCollection("C/s")
    assert ic.filterBounds(ee.Geometry.Point([12.1, 49.9])).aggregate_array("k").getInfo() == [2]
    assert ic.filterBounds(box).aggregate_array("k").getInfo() == [1, 2]
    assert ic.filterBounds(ee.Geometry.Point([10.5, 49.9])).size().getInfo() == 0
    # A FeatureCollection as the region (encoded as Collection.geometry).
    assert ic.filterBounds(fc).aggregate_array("k").getInfo() == [0, 1]


def test_geometric_filters(ee_local):
    ee = ee_local
    fc = rows_collection(ee)  # points at (i, 0)
    F = ee.Filter
    region = ee.Geometry.Rectangle([0.5, -1, 2.5, 1])
    assert row_names(fc.filter(F.disjoint(".geo", region))) == ["alpha", "delta", "epsilon"]
    assert row_names(fc.filter(ee.ApiFunction.call_("Filter.isContained", ".geo", region))) == ["beta", "gamma"]
    assert row_names(fc.filter(ee.ApiFunction.call_("Filter.contains", leftValue=region, rightField=".geo"))) \
        == ["beta", "gamma"]
    # One degree of longitude on the equator is 111.32 km, so 120 km reaches the points at 0..2 from (1, 0).
    assert row_names(fc.filter(F.withinDistance(120_000, ".geo", ee.Geometry.Point([1, 0])))) \
        == ["alpha", "beta", "gamma"]
