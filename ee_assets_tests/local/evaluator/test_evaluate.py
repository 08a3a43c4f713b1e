"""The evaluator through the real client: functions defined in the graph, closures over enclosing arguments."""

from __future__ import annotations


def test_map_with_nested_closure(ee):
    fc = ee.FeatureCollection("T/t")
    ic = ee.ImageCollection("C/s")
    out = fc.map(lambda f: f.set("x", ee.Number(f.get("v")).add(1)))
    assert out.aggregate_array("x").getInfo() == [2, 3, 4]
    nested = fc.map(lambda f: f.set("names", ic.map(lambda i: i.set("nm", f.get("NAME"))).aggregate_array("nm")))
    assert nested.aggregate_array("names").getInfo() == [["a"] * 3, ["b"] * 3, ["c"] * 3]
    # Inner variable used together with the outer one.
    mixed = fc.map(lambda f: f.set("s", ic.map(lambda i: i.set("t", ee.Number(i.get("k")).add(f.get("v"))))
                                      .aggregate_array("t")))
    assert mixed.aggregate_array("s").getInfo() == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
