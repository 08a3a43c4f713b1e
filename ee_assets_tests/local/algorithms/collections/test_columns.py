"""Collection algorithms over columns through the real client (sort, distinct, reduceColumns, randomColumn,
remap), on small collections built in the test; expectations from Python's statistics/numpy on the same rows."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.rows import ROWS, VALUES, row_names, rows_collection


def test_sort_limit_distinct(ee_local):
    ee = ee_local
    fc = rows_collection(ee)
    by_value = [r[0] for r in sorted((r for r in ROWS if r[1] is not None), key=lambda r: r[1])]
    assert row_names(fc.sort("v")) == by_value + ["gamma"]  # elements without the key go last
    assert row_names(fc.sort("v", False).limit(1)) == ["delta"]
    assert row_names(fc.distinct("group")) == ["alpha", "beta", "delta"]
    # Reading: a missing property counts as null, so 'gamma' (no v) is its own combination.
    assert row_names(fc.distinct(["group", "v"])) == ["alpha", "beta", "gamma", "delta", "epsilon"]


def test_reduce_columns(ee_local):
    ee = ee_local
    fc = rows_collection(ee)
    assert fc.reduceColumns(ee.Reducer.mean(), ["v"]).getInfo() == {"mean": pytest.approx(np.mean(VALUES))}
    both = fc.reduceColumns(ee.Reducer.min().combine(ee.Reducer.max(), None, True), ["v"]).getInfo()
    assert both == {"min": min(VALUES), "max": max(VALUES)}
    weighted = fc.map(lambda f: f.set("w", ee.Number(f.get("i")).add(1))) \
        .reduceColumns(ee.Reducer.mean(), ["v"], ["w"]).getInfo()
    w = np.array([i + 1 for i, r in enumerate(ROWS) if r[1] is not None], float)
    assert weighted["mean"] == pytest.approx(float(np.average(VALUES, weights=w)))
    with pytest.raises(ee.EEException, match="1 input but 2 selectors"):
        fc.reduceColumns(ee.Reducer.mean(), ["v", "i"]).getInfo()


def test_random_column_is_deterministic(ee_local):
    """Reading: EE's generator cannot be reproduced offline, so only its properties are checked: values in
    [0, 1), fixed by seed and row key, different across seeds; 'normal' gives standard-normal-looking values."""
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"k": i}) for i in range(400)])
    a = fc.randomColumn("r", 1).aggregate_array("r").getInfo()
    assert a == fc.randomColumn("r", 1).aggregate_array("r").getInfo()
    assert a != fc.randomColumn("r", 2).aggregate_array("r").getInfo()
    assert all(0 <= x < 1 for x in a) and len(set(a)) == len(a)
    assert abs(np.mean(a) - 0.5) < 0.1  # 400 uniforms: the mean's sd is 0.014, so 0.1 is a 7-sigma bound
    n = fc.randomColumn("z", 3, "normal").aggregate_array("z").getInfo()
    assert abs(np.mean(n)) < 0.3 and 0.7 < np.std(n) < 1.3
    default = fc.randomColumn().first().propertyNames().getInfo()
    assert "random" in default
    with pytest.raises(ee.EEException, match="unknown distribution"):
        fc.randomColumn("r", 0, "poisson").getInfo()


def test_remap_drops_unmapped_values(ee_local):
    """EE's documented example: 'NotTree' → 0, 'Tree' → 1, and the 'nonsense' feature is dropped."""
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(ee.Geometry.Point([1, 2]), {"isTree": "Tree"}),
                               ee.Feature(ee.Geometry.Point([3, 4]), {"isTree": "NotTree"}),
                               ee.Feature(ee.Geometry.Point([5, 6]), {"isTree": "nonsense"})])
    assert fc.remap(["NotTree", "Tree"], [0, 1], "isTree").aggregate_array("isTree").getInfo() == [1, 0]
    with pytest.raises(ee.EEException, match="parallel lists"):
        fc.remap(["Tree"], [0, 1], "isTree").getInfo()


