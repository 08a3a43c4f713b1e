"""ee.Algorithms.ObjectType, IsEqual and Describe through the real client."""

from __future__ import annotations


def test_object_type_is_equal_describe(ee_local):
    ee = ee_local
    A = ee.Algorithms
    got = ee.Dictionary({
        "number": A.ObjectType(1), "string": A.ObjectType("a"), "list": A.ObjectType([1]),
        "dict": A.ObjectType(ee.Dictionary({"a": 1})), "feature": A.ObjectType(ee.Feature(None)),
        "fc": A.ObjectType(ee.FeatureCollection([])), "geometry": A.ObjectType(ee.Geometry.Point([0, 0])),
        "date": A.ObjectType(ee.Date(0)), "array": A.ObjectType(ee.Array([1])),
        "equal": A.IsEqual(ee.List([1, {"a": 2}]), [1, {"a": 2}]), "unequal": A.IsEqual(1, 2),
        "describe": A.Describe(ee.Feature(None, {"k": 1})),
    }).getInfo()
    assert got == {"number": "Number", "string": "String", "list": "List", "dict": "Dictionary",
                   "feature": "Feature", "fc": "FeatureCollection", "geometry": "Geometry", "date": "Date",
                   "array": "Array", "equal": True, "unequal": False,
                   "describe": {"type": "Feature", "geometry": None, "properties": {"k": 1}}}
