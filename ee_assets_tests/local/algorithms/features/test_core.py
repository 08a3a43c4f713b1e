"""Feature and Element algorithms through the real client: properties, typed getters, select, id, geometry."""

from __future__ import annotations

import pytest


def test_property_names_and_set_multi(ee):
    f = ee.Feature(None, {"z": 0}).set({"a": 1, "b": 2})
    assert f.toDictionary().getInfo() == {"z": 0, "a": 1, "b": 2}
    names = f.propertyNames().getInfo()
    assert {"z", "a", "b"} <= set(names)
    assert set(names) - {"z", "a", "b"} <= {"system:index"}


def test_element_properties(ee_local):
    ee = ee_local
    src = ee.Feature(None, {"a": 1, "b": "two", "c": 3})
    dst = ee.Feature(None, {"a": 0, "z": 26})
    assert dst.copyProperties(src).toDictionary().getInfo() == {"a": 1, "b": "two", "c": 3, "z": 26}
    assert dst.copyProperties(src, ["b"]).toDictionary().getInfo() == {"a": 0, "b": "two", "z": 26}
    assert dst.copyProperties(src, None, ["a"]).toDictionary().getInfo() == {"a": 0, "b": "two", "c": 3, "z": 26}
    multi = dst.set(ee.Dictionary({"m": 1, "n": 2}))  # a computed dictionary: the client sends Element.setMulti
    assert multi.toDictionary().getInfo() == {"a": 0, "z": 26, "m": 1, "n": 2}


def test_unbounded_range_cache_replace_properties(ee_local):
    ee = ee_local
    unbounded = ee.DateRange.unbounded()
    assert unbounded.getInfo()["dates"] == [-(2**63), 2**63 - 1]  # Java's Long range stands for ±infinity
    assert unbounded.isUnbounded().getInfo() is True
    assert unbounded.contains("1600-01-01").getInfo() is True
    fc = ee.FeatureCollection([ee.Feature(None, {"a": 1})])
    assert fc.cache().aggregate_array("a").getInfo() == [1]
    dest = ee.Feature(ee.Geometry.Point([1, 2]), {"old": 1})
    replaced = dest.replaceProperties(ee.Feature(None, {"new": 2})).getInfo()
    assert replaced["properties"] == {"new": 2} and replaced["geometry"]["coordinates"] == [1, 2]


def test_element_typed_getters(ee_local):
    ee = ee_local
    f = ee.Feature(None, {"n": 2.5, "s": "text"})
    assert f.getNumber("n").multiply(2).getInfo() == 5
    assert f.getString("s").cat("!").getInfo() == "text!"
    with pytest.raises(ee.EEException, match="Property 'missing' is missing or null"):
        f.getNumber("missing").getInfo()
    with pytest.raises(ee.EEException, match="is not a String"):
        f.getString("n").getInfo()
    geoms = ee.List([ee.Geometry.Point([1, 2])])
    assert geoms.getGeometry(0).getInfo() == {"type": "Point", "coordinates": [1, 2]}
