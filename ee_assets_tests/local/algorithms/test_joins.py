"""Join algorithms through the real client."""

from __future__ import annotations

import pytest


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
