"""Dictionary algorithms through the real client; expectations from plain Python dicts. EE dictionaries are
ordered by key, so keys() and values() come back sorted."""

from __future__ import annotations

import pytest


def test_construction_and_inspection(ee_local):
    ee = ee_local
    d = ee.Dictionary({"b": 2, "a": 1, "c": "x"})
    got = ee.Dictionary({
        "keys": d.keys(), "values": d.values(), "some_values": d.values(["c", "a"]), "size": d.size(),
        "has_a": d.contains("a"), "has_z": d.contains("z"), "number": d.getNumber("b"), "string": d.getString("c"),
        "from_lists": ee.Dictionary.fromLists(["y", "x"], [10, 20]),
        "from_list": ee.Dictionary(ee.List(["k2", 2, "k1", 1])),
        "from_feature": ee.Dictionary(ee.Feature(None, {"p": 5, "q": "s"})),
        "empty": ee.ApiFunction.call_("Dictionary"),
    }).getInfo()
    plain = {"b": 2, "a": 1, "c": "x"}
    assert got["keys"] == sorted(plain)
    assert got["values"] == [plain[k] for k in sorted(plain)]
    assert got["some_values"] == ["x", 1]
    assert got["size"] == 3 and got["has_a"] is True and got["has_z"] is False
    assert got["number"] == 2 and got["string"] == "x"
    assert got["from_lists"] == {"x": 20, "y": 10}
    assert got["from_list"] == {"k1": 1, "k2": 2}
    assert got["from_feature"] == {"p": 5, "q": "s"}
    assert got["empty"] == {}


def test_editing(ee_local):
    ee = ee_local
    d = ee.Dictionary({"a": 1, "b": 2, "c": 3})
    got = ee.Dictionary({
        "combine": d.combine({"c": 30, "d": 40}), "combine_keep": d.combine({"c": 30, "d": 40}, False),
        "set": d.set("z", 26), "remove": d.remove(["a", "c"]), "remove_missing": d.remove(["a", "zz"], True),
        "select": d.select(["a", "b"]), "rename": d.rename(["a"], ["alpha"]),
        "rename_over": d.rename(["a"], ["b"], True),
        "map": d.map(lambda k, v: ee.Number(v).multiply(10)),
    }).getInfo()
    assert got["combine"] == {"a": 1, "b": 2, "c": 30, "d": 40}
    assert got["combine_keep"] == {"a": 1, "b": 2, "c": 3, "d": 40}
    assert got["set"] == {"a": 1, "b": 2, "c": 3, "z": 26}
    assert got["remove"] == {"b": 2}
    assert got["remove_missing"] == {"b": 2, "c": 3}
    assert got["select"] == {"a": 1, "b": 2}
    assert got["rename"] == {"alpha": 1, "b": 2, "c": 3}
    assert got["rename_over"] == {"b": 1, "c": 3}
    assert got["map"] == {"a": 10, "b": 20, "c": 30}


def test_errors_name_the_key(ee_local):
    ee = ee_local
    d = ee.Dictionary({"a": 1})
    with pytest.raises(ee.EEException, match="does not contain key: 'zz'"):
        d.select(["zz"]).getInfo()
    with pytest.raises(ee.EEException, match="already exists"):
        ee.Dictionary({"a": 1, "b": 2}).rename(["a"], ["b"]).getInfo()
    with pytest.raises(ee.EEException, match="2 keys but 1 values"):
        ee.Dictionary.fromLists(["a", "b"], [1]).getInfo()
    geom = ee.Dictionary({"g": ee.Geometry.Point([1, 2])}).getGeometry("g")
    assert geom.getInfo() == {"type": "Point", "coordinates": [1, 2]}


def test_dictionary_get_with_default(ee_local):
    ee = ee_local
    d = ee.Dictionary({"a": 1})
    assert d.get("a").getInfo() == 1
    assert d.get("b", 5).getInfo() == 5
    with pytest.raises(ee.EEException, match="does not contain key: 'b'"):
        d.get("b").getInfo()
