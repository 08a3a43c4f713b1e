"""Collection algorithms through the real client: limit, sort, size, first, merge, flatten, toList, map, iterate,
union and bounds."""

from __future__ import annotations

import pytest

from ee_assets_tests.support.rows import ROWS, rows_collection
from ee_assets_tests.support.scene import table_names


def test_limit_sort_size_first(ee):
    fc = ee.FeatureCollection("T/t")
    assert fc.size().getInfo() == 3
    assert table_names(fc.limit(2)) == ["a", "b"]
    assert table_names(fc.sort("v", False)) == ["c", "b", "a"]
    assert table_names(fc.sort("v", False).limit(1)) == ["c"]
    assert fc.sort("NAME").first().get("v").getInfo() == 1
    empty = ee.ImageCollection("C/s").filterDate("1990-01-01", "1991-01-01")
    assert empty.size().getInfo() == 0
    with pytest.raises(ee.EEException, match=r"Parameter 'input' is required and may not be null"):
        empty.first().select("b1").getInfo()


def test_merge_prefixes_ids(ee):
    a = ee.FeatureCollection([ee.Feature(None, {"n": 1}), ee.Feature(None, {"n": 2})])
    b = ee.FeatureCollection("T/t").limit(1)
    info = a.merge(b).getInfo()
    ids = [f["id"] for f in info["features"]]
    assert ids[:2] == ["1_0", "1_1"]
    assert ids[2].startswith("2_") and len(ids) == 3
    assert a.merge(b).aggregate_array("n").getInfo() == [1, 2]


def test_flatten_reduce_regions_over_images(ee):
    ic = ee.ImageCollection("C/s")
    fc = ee.FeatureCollection("T/t")
    flat = ic.map(lambda i: i.reduceRegions(fc, ee.Reducer.max(), scale=5000)).flatten()
    info = flat.getInfo()
    assert len(info["features"]) == 9
    # Image i lies under feature i only (features at lon 10, 11, 13; images at 10, 11, 12).
    got = [(f["properties"]["NAME"], f["properties"].get("max")) for f in info["features"]]
    assert got == [("a", 10), ("b", None), ("c", None), ("a", None), ("b", 20), ("c", None),
                   ("a", None), ("b", None), ("c", None)]
    assert len({f["id"] for f in info["features"]}) == 9


def test_to_list_from_images_and_feature_list(ee):
    fc = ee.FeatureCollection([ee.Feature(ee.Geometry.Point([1, 2]), {"n": i}) for i in range(4)])
    lst = fc.toList(2, 1).getInfo()
    assert [f["properties"]["n"] for f in lst] == [1, 2]
    assert lst[0]["geometry"] == {"type": "Point", "coordinates": [1, 2]}
    ic = ee.ImageCollection.fromImages([ee.Image(1), ee.Image(2).set("p", 5)])
    assert ic.size().getInfo() == 2
    assert ic.aggregate_array("p").getInfo() == [5]
    assert ee.Image(ic.toList(5).get(1)).get("p").getInfo() == 5


def test_iterate_union_bounds(ee_local):
    ee = ee_local
    fc = rows_collection(ee)
    total = fc.iterate(lambda f, acc: ee.Number(acc).add(f.get("i")), 0)
    assert total.getInfo() == sum(range(len(ROWS)))
    union = fc.union().getInfo()
    assert [f["id"] for f in union["features"]] == ["union_result"]
    assert union["features"][0]["geometry"]["type"] == "MultiPoint"
    b = fc.geometry().bounds().getInfo()
    assert fc.bounds().getInfo()["coordinates"] == b["coordinates"]


def test_sort_by_mixed_types_orders_numbers_before_strings(ee_local):
    """Reading: EE sorts comparable values; mixed numbers and strings are ordered numbers first (as List.sort)."""
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"k": k, "n": i}) for i, k in enumerate(["b", 2, "a", 1])])
    assert fc.sort("k").aggregate_array("n").getInfo() == [3, 1, 2, 0]
    assert fc.sort("k", False).aggregate_array("n").getInfo() == [0, 2, 1, 3]
