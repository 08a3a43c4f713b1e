"""Collection, AggregateFeatureCollection, Filter and Join algorithms through the real client, on small
collections built in the test; expectations from Python's statistics/numpy/datetime on the same rows."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

import numpy as np
import pytest

ROWS = [  # name, value (None = missing), group, date
    ("alpha", 4.0, "x", datetime(2020, 1, 15, tzinfo=UTC)),
    ("beta", 1.0, "y", datetime(2020, 3, 2, tzinfo=UTC)),
    ("gamma", None, "x", datetime(2020, 6, 30, tzinfo=UTC)),
    ("delta", 7.5, "z", datetime(2020, 11, 20, tzinfo=UTC)),
    ("epsilon", 4.0, "y", datetime(2021, 12, 31, 23, tzinfo=UTC)),
]
VALUES = [r[1] for r in ROWS if r[1] is not None]


def _ms(d: datetime) -> int:
    return int(d.timestamp() * 1000)


def _fc(ee):
    feats = []
    for i, (name, value, group, when) in enumerate(ROWS):
        props = {"name": name, "group": group, "system:time_start": _ms(when), "i": i}
        if value is not None:
            props["v"] = value
        feats.append(ee.Feature(ee.Geometry.Point([i, 0]), props))
    return ee.FeatureCollection(feats)


def _names(fc) -> list:
    return fc.aggregate_array("name").getInfo()


def test_aggregates_match_statistics(ee_local):
    """Nulls and missing values are skipped. Readings: aggregate_first gives the first non-null value;
    aggregate_stats has the keys EE prints (max, mean, min, sample_sd, sample_var, sum, sum_sq, total_count,
    total_sd, total_var, valid_count, weight_sum, weighted_sum, with unit weights); histogram keys are the values
    as text."""
    ee = ee_local
    fc = _fc(ee)
    got = ee.Dictionary({
        "count": fc.aggregate_count("v"), "count_distinct": fc.aggregate_count_distinct("v"),
        "first": fc.aggregate_first("name"), "min": fc.aggregate_min("v"), "max": fc.aggregate_max("v"),
        "min_name": fc.aggregate_min("name"), "sum": fc.aggregate_sum("v"), "product": fc.aggregate_product("v"),
        "mean": fc.aggregate_mean("v"), "sample_var": fc.aggregate_sample_var("v"),
        "sample_sd": fc.aggregate_sample_sd("v"), "total_var": fc.aggregate_total_var("v"),
        "total_sd": fc.aggregate_total_sd("v"), "histogram": fc.aggregate_histogram("group"),
        "stats": fc.aggregate_stats("v"),
    }).getInfo()
    assert got["count"] == len(VALUES) and got["count_distinct"] == len(set(VALUES))
    assert got["first"] == "alpha" and got["min"] == min(VALUES) and got["max"] == max(VALUES)
    assert got["min_name"] == min(r[0] for r in ROWS)
    assert got["sum"] == sum(VALUES) and got["product"] == float(np.prod(VALUES))
    assert got["mean"] == pytest.approx(statistics.mean(VALUES))
    assert got["sample_var"] == pytest.approx(statistics.variance(VALUES))
    assert got["sample_sd"] == pytest.approx(statistics.stdev(VALUES))
    assert got["total_var"] == pytest.approx(statistics.pvariance(VALUES))
    assert got["total_sd"] == pytest.approx(statistics.pstdev(VALUES))
    assert got["histogram"] == {"x": 2, "y": 2, "z": 1}
    stats = got["stats"]
    assert stats["valid_count"] == len(VALUES) and stats["total_count"] == len(ROWS)
    assert stats["sum_sq"] == sum(v * v for v in VALUES)
    assert stats["mean"] == pytest.approx(statistics.mean(VALUES))
    assert stats["sample_sd"] == pytest.approx(statistics.stdev(VALUES))
    assert stats["total_var"] == pytest.approx(statistics.pvariance(VALUES))
    assert (stats["min"], stats["max"], stats["sum"]) == (min(VALUES), max(VALUES), sum(VALUES))
    with pytest.raises(ee.EEException, match="must be numeric"):
        fc.aggregate_mean("name").getInfo()


def test_sort_limit_distinct(ee_local):
    ee = ee_local
    fc = _fc(ee)
    by_value = [r[0] for r in sorted((r for r in ROWS if r[1] is not None), key=lambda r: r[1])]
    assert _names(fc.sort("v")) == by_value + ["gamma"]  # elements without the key go last
    assert _names(fc.sort("v", False).limit(1)) == ["delta"]
    assert _names(fc.distinct("group")) == ["alpha", "beta", "delta"]
    # Reading: a missing property counts as null, so 'gamma' (no v) is its own combination.
    assert _names(fc.distinct(["group", "v"])) == ["alpha", "beta", "gamma", "delta", "epsilon"]


def test_reduce_columns(ee_local):
    ee = ee_local
    fc = _fc(ee)
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


def test_iterate_union_bounds(ee_local):
    ee = ee_local
    fc = _fc(ee)
    total = fc.iterate(lambda f, acc: ee.Number(acc).add(f.get("i")), 0)
    assert total.getInfo() == sum(range(len(ROWS)))
    union = fc.union().getInfo()
    assert [f["id"] for f in union["features"]] == ["union_result"]
    assert union["features"][0]["geometry"]["type"] == "MultiPoint"
    b = fc.geometry().bounds().getInfo()
    assert fc.bounds().getInfo()["coordinates"] == b["coordinates"]


def test_string_null_and_range_filters(ee_local):
    ee = ee_local
    fc = _fc(ee)
    F = ee.Filter
    assert _names(fc.filter(F.stringContains("name", "l"))) == [r[0] for r in ROWS if "l" in r[0]]
    assert _names(fc.filter(F.stringStartsWith("name", "e"))) == ["epsilon"]
    assert _names(fc.filter(F.stringEndsWith("name", "ta"))) == ["beta", "delta"]
    assert _names(fc.filter(F.notNull(["v"]))) == ["alpha", "beta", "delta", "epsilon"]
    assert _names(fc.filter(F.rangeContains("v", 1, 4))) == ["alpha", "beta", "epsilon"]  # both ends inclusive
    assert _names(fc.filter(F.maxDifference(1, "v", 5))) == ["alpha", "epsilon"]
    calls = {name: ee.ApiFunction.call_(f"Filter.{name}", "v", 4) for name in
             ("eq", "neq", "lt", "gt", "lte", "gte", "lessThanOrEquals", "greaterThanOrEquals")}
    got = {name: _names(fc.filter(f)) for name, f in calls.items()}
    assert got == {"eq": ["alpha", "epsilon"], "neq": ["beta", "delta"], "lt": ["beta"], "gt": ["delta"],
                   "lte": ["alpha", "beta", "epsilon"], "gte": ["alpha", "delta", "epsilon"],
                   "lessThanOrEquals": ["alpha", "beta", "epsilon"],
                   "greaterThanOrEquals": ["alpha", "delta", "epsilon"]}
    assert _names(fc.filter(ee.ApiFunction.call_("Filter.always"))) == [r[0] for r in ROWS]
    assert _names(fc.filter(ee.ApiFunction.call_("Filter.never"))) == []
    no_geometry = fc.merge(ee.FeatureCollection([ee.Feature(None, {"name": "nowhere"})]))
    assert "nowhere" not in _names(no_geometry.filter(ee.ApiFunction.call_("Filter.hasGeometry")))


def test_calendar_filters(ee_local):
    """calendarRange/dayOfYear read system:time_start; both ends inclusive and end < start wraps (EE's docs)."""
    ee = ee_local
    fc = _fc(ee)
    F = ee.Filter

    def expect(pred) -> list:
        return [r[0] for r in ROWS if pred(r[3])]

    assert _names(fc.filter(F.calendarRange(3, 6, "month"))) == expect(lambda d: 3 <= d.month <= 6)
    assert _names(fc.filter(F.calendarRange(11, 2, "month"))) == expect(lambda d: d.month >= 11 or d.month <= 2)
    assert _names(fc.filter(F.calendarRange(2020, 2020, "year"))) == expect(lambda d: d.year == 2020)
    assert _names(fc.filter(F.calendarRange(2021, None, "year"))) == expect(lambda d: d.year == 2021)
    assert _names(fc.filter(F.calendarRange(1, 100))) == expect(lambda d: d.timetuple().tm_yday <= 100)
    assert _names(fc.filter(F.calendarRange(1, 2, "day_of_week"))) == expect(lambda d: d.isoweekday() <= 2)
    assert _names(fc.filter(F.calendarRange(15, 31, "day_of_month"))) == expect(lambda d: d.day >= 15)
    assert _names(fc.filter(F.calendarRange(23, 23, "hour"))) == expect(lambda d: d.hour == 23)
    assert _names(fc.filter(F.dayOfYear(300, 20))) == expect(
        lambda d: d.timetuple().tm_yday >= 300 or d.timetuple().tm_yday <= 20)
    with pytest.raises(ee.EEException, match="unknown calendar field 'fortnight'"):
        fc.filter(F.calendarRange(1, 2, "fortnight")).getInfo()


def test_geometric_filters(ee_local):
    ee = ee_local
    fc = _fc(ee)  # points at (i, 0)
    F = ee.Filter
    region = ee.Geometry.Rectangle([0.5, -1, 2.5, 1])
    assert _names(fc.filter(F.disjoint(".geo", region))) == ["alpha", "delta", "epsilon"]
    assert _names(fc.filter(ee.ApiFunction.call_("Filter.isContained", ".geo", region))) == ["beta", "gamma"]
    assert _names(fc.filter(ee.ApiFunction.call_("Filter.contains", leftValue=region, rightField=".geo"))) \
        == ["beta", "gamma"]
    # One degree of longitude on the equator is 111.32 km, so 120 km reaches the points at 0..2 from (1, 0).
    assert _names(fc.filter(F.withinDistance(120_000, ".geo", ee.Geometry.Point([1, 0])))) \
        == ["alpha", "beta", "gamma"]


def test_joins(ee_local):
    ee = ee_local
    primary = ee.FeatureCollection([ee.Feature(None, {"id": i, "t": t}) for i, t in enumerate([10, 20, 30])])
    secondary = ee.FeatureCollection([ee.Feature(None, {"ref": r, "t": t, "n": n})
                                      for r, t, n in [(0, 11, "a"), (0, 8, "b"), (2, 100, "c"), (2, 29, "d")]])
    same_id = ee.Filter.equals(leftField="id", rightField="ref")
    assert ee.Join.simple().apply(primary, secondary, same_id).aggregate_array("id").getInfo() == [0, 2]
    assert ee.Join.inverted().apply(primary, secondary, same_id).aggregate_array("id").getInfo() == [1]
    saved = ee.Join.saveAll("m", "n", False).apply(primary, secondary, same_id).getInfo()["features"]
    assert [[m["properties"]["n"] for m in f["properties"]["m"]] for f in saved] == [["b", "a"], ["d", "c"]]
    outer = ee.Join.saveAll("m", None, True, None, True).apply(primary, secondary, same_id)
    assert outer.aggregate_array("id").getInfo() == [0, 1, 2]
    first = ee.Join.saveFirst("best", "t").apply(primary, secondary, same_id).getInfo()["features"]
    assert [f["properties"]["best"]["properties"]["n"] for f in first] == ["b", "d"]
    pairs = ee.Join.inner().apply(primary, secondary, same_id).getInfo()["features"]
    assert [(p["properties"]["primary"]["properties"]["id"], p["properties"]["secondary"]["properties"]["n"])
            for p in pairs] == [(0, "a"), (0, "b"), (2, "c"), (2, "d")]
    close_in_time = ee.Filter.maxDifference(2, leftField="t", rightField="t")
    assert ee.Join.simple().apply(primary, secondary, close_in_time).aggregate_array("id").getInfo() == [0, 2]
    both = ee.Filter.And(same_id, close_in_time)
    matched = ee.Join.saveAll("m").apply(primary, secondary, both).getInfo()["features"]
    assert [[m["properties"]["n"] for m in f["properties"]["m"]] for f in matched] == [["a", "b"], ["d"]]
    best = ee.Join.saveBest("best", "gap").apply(primary, secondary, close_in_time).getInfo()["features"]
    assert [(f["properties"]["best"]["properties"]["n"], f["properties"]["best"]["properties"]["gap"])
            for f in best] == [("a", 1), ("d", 1)]  # |10 - 11| = 1 beats |10 - 8| = 2
    measured = ee.Join.saveAll("m", None, True, "gap").apply(primary, secondary, close_in_time).getInfo()
    assert [[m["properties"]["gap"] for m in f["properties"]["m"]] for f in measured["features"]] == [[1, 2], [1]]
    with pytest.raises(ee.EEException, match="needs a measure"):
        ee.Join.saveBest("best", "gap").apply(primary, secondary, same_id).getInfo()
    with pytest.raises(ee.EEException, match="must compare two elements"):
        ee.Join.simple().apply(primary, secondary, ee.Filter.notNull(["id"])).getInfo()


def test_remap_drops_unmapped_values(ee_local):
    """EE's documented example: 'NotTree' → 0, 'Tree' → 1, and the 'nonsense' feature is dropped."""
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(ee.Geometry.Point([1, 2]), {"isTree": "Tree"}),
                               ee.Feature(ee.Geometry.Point([3, 4]), {"isTree": "NotTree"}),
                               ee.Feature(ee.Geometry.Point([5, 6]), {"isTree": "nonsense"})])
    assert fc.remap(["NotTree", "Tree"], [0, 1], "isTree").aggregate_array("isTree").getInfo() == [1, 0]
    with pytest.raises(ee.EEException, match="parallel lists"):
        fc.remap(["Tree"], [0, 1], "isTree").getInfo()


def test_sort_by_mixed_types_orders_numbers_before_strings(ee_local):
    """Reading: EE sorts comparable values; mixed numbers and strings are ordered numbers first (as List.sort)."""
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"k": k, "n": i}) for i, k in enumerate(["b", 2, "a", 1])])
    assert fc.sort("k").aggregate_array("n").getInfo() == [3, 1, 2, 0]
    assert fc.sort("k", False).aggregate_array("n").getInfo() == [0, 2, 1, 3]


def test_filter_expression(ee_local):
    """EE's documented operators (>, >=, <, <=, ==, !=, (), !, &&, ||) over properties; rows missing a property
    used by the expression do not pass."""
    ee = ee_local
    fc = _fc(ee)
    expr = ee.Filter.expression
    assert _names(fc.filter(expr("v >= 4"))) == [r[0] for r in ROWS if r[1] is not None and r[1] >= 4]
    assert _names(fc.filter(expr("v > 2 && group == 'y'"))) == ["epsilon"]
    assert _names(fc.filter(expr("!(v < 5) || name == 'beta'"))) == ["beta", "delta"]
    assert _names(fc.filter(expr("i * 2 + 1 != 5"))) == [r[0] for i, r in enumerate(ROWS) if i * 2 + 1 != 5]
    cutoff = _ms(datetime(2020, 6, 1, tzinfo=UTC))
    assert _names(fc.filter(expr(f"system:time_start < {cutoff}?1:0"))) == ["alpha", "beta"]
    with pytest.raises(ee.EEException, match="unexpected end of the expression"):
        fc.filter(expr("v >")).size().getInfo()
