"""Filter algorithms over element properties through the real client: comparisons, strings, membership, ranges,
nulls, types and logic."""

from __future__ import annotations

from pyproj import Geod

from ee_assets_tests.support.rows import ROWS, row_names, rows_collection
from ee_assets_tests.support.scene import table_names


def test_property_filters(ee):
    fc = ee.FeatureCollection("T/t")
    F = ee.Filter
    assert table_names(fc.filter(F.eq("NAME", "b"))) == ["b"]
    assert table_names(fc.filter(F.neq("NAME", "b"))) == ["a", "c"]
    assert table_names(fc.filter(F.lt("v", 2))) == ["a"]
    assert table_names(fc.filter(F.gt("v", 2))) == ["c"]
    assert table_names(fc.filter(F.gte("v", 2))) == ["b", "c"]
    assert table_names(fc.filter(F.lte("v", 2))) == ["a", "b"]
    assert table_names(fc.filter(F.inList("NAME", ["a", "c", "zz"]))) == ["a", "c"]
    assert table_names(fc.filter(F.And(F.gt("v", 1), F.lt("v", 3)))) == ["b"]
    assert table_names(fc.filter(F.Or(F.eq("v", 1), F.eq("v", 3)))) == ["a", "c"]
    assert table_names(fc.filter(F.Not(F.eq("v", 1)))) == ["b", "c"]
    # No coercion between strings and numbers (reference §3c): '2' != 2.
    assert fc.filter(F.eq("v", "2")).size().getInfo() == 0


def test_list_contains_filter(ee):
    fc = ee.FeatureCollection([ee.Feature(None, {"tags": ["x", "y"], "n": 1}),
                               ee.Feature(None, {"tags": ["y"], "n": 2}),
                               ee.Feature(None, {"tags": [], "n": 3})])
    assert fc.filter(ee.Filter.listContains("tags", "y")).aggregate_array("n").getInfo() == [1, 2]
    assert fc.filter(ee.Filter.listContains("tags", "x")).aggregate_array("n").getInfo() == [1]


def test_string_null_and_range_filters(ee_local):
    ee = ee_local
    fc = rows_collection(ee)
    F = ee.Filter
    assert row_names(fc.filter(F.stringContains("name", "l"))) == [r[0] for r in ROWS if "l" in r[0]]
    assert row_names(fc.filter(F.stringStartsWith("name", "e"))) == ["epsilon"]
    assert row_names(fc.filter(F.stringEndsWith("name", "ta"))) == ["beta", "delta"]
    assert row_names(fc.filter(F.notNull(["v"]))) == ["alpha", "beta", "delta", "epsilon"]
    assert row_names(fc.filter(F.rangeContains("v", 1, 4))) == ["alpha", "beta", "epsilon"]  # both ends inclusive
    assert row_names(fc.filter(F.maxDifference(1, "v", 5))) == ["alpha", "epsilon"]
    calls = {name: ee.ApiFunction.call_(f"Filter.{name}", "v", 4) for name in
             ("eq", "neq", "lt", "gt", "lte", "gte", "lessThanOrEquals", "greaterThanOrEquals")}
    got = {name: row_names(fc.filter(f)) for name, f in calls.items()}
    assert got == {"eq": ["alpha", "epsilon"], "neq": ["beta", "delta"], "lt": ["beta"], "gt": ["delta"],
                   "lte": ["alpha", "beta", "epsilon"], "gte": ["alpha", "delta", "epsilon"],
                   "lessThanOrEquals": ["alpha", "beta", "epsilon"],
                   "greaterThanOrEquals": ["alpha", "delta", "epsilon"]}
    assert row_names(fc.filter(ee.ApiFunction.call_("Filter.always"))) == [r[0] for r in ROWS]
    assert row_names(fc.filter(ee.ApiFunction.call_("Filter.never"))) == []
    no_geometry = fc.merge(ee.FeatureCollection([ee.Feature(None, {"name": "nowhere"})]))
    assert "nowhere" not in row_names(no_geometry.filter(ee.ApiFunction.call_("Filter.hasGeometry")))


def test_list_membership_and_not_equals_filters(ee_local):
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"n": n}) for n in ("a", "b", "c")])
    in_list = ee.ApiFunction.call_("Filter.inList", "n", ["a", "c"])
    not_b = ee.ApiFunction.call_("Filter.notEquals", "n", "b")
    assert fc.filter(in_list).aggregate_array("n").getInfo() == ["a", "c"]
    assert fc.filter(not_b).aggregate_array("n").getInfo() == ["a", "c"]


def test_has_type_and_area_filters(ee_local):
    """Filter.area keeps features whose geodesic area (pyproj.Geod) is within [min, max]: a 0.01° square at 45°N is
    about 0.87 km², a 0.1° one about 87 km²."""

    ee = ee_local
    small = ee.Feature(ee.Geometry.Rectangle([10, 45, 10.01, 45.01]), {"n": "small", "v": 1})
    big = ee.Feature(ee.Geometry.Rectangle([10, 45, 10.1, 45.1]), {"n": "big", "v": "text"})
    fc = ee.FeatureCollection([small, big])
    small_area = abs(Geod(ellps="WGS84").polygon_area_perimeter([10, 10.01, 10.01, 10], [45, 45, 45.01, 45.01])[0])
    keep = ee.ApiFunction.call_("Filter.area", small_area * 0.99, small_area * 1.01)
    assert fc.filter(keep).aggregate_array("n").getInfo() == ["small"]
    numeric = ee.ApiFunction.call_("Filter.hasType", "v", "Number")
    assert fc.filter(numeric).aggregate_array("n").getInfo() == ["small"]
