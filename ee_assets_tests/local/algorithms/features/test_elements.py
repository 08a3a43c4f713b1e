"""Element properties, dictionary access, projections and the String constructor through the real client;
expectations worked by hand or from pyproj."""

from __future__ import annotations

import math

import pytest
from pyproj import CRS


def test_element_properties(ee_local):
    ee = ee_local
    src = ee.Feature(None, {"a": 1, "b": "two", "c": 3})
    dst = ee.Feature(None, {"a": 0, "z": 26})
    assert dst.copyProperties(src).toDictionary().getInfo() == {"a": 1, "b": "two", "c": 3, "z": 26}
    assert dst.copyProperties(src, ["b"]).toDictionary().getInfo() == {"a": 0, "b": "two", "z": 26}
    assert dst.copyProperties(src, None, ["a"]).toDictionary().getInfo() == {"a": 0, "b": "two", "c": 3, "z": 26}
    multi = dst.set(ee.Dictionary({"m": 1, "n": 2}))  # a computed dictionary: the client sends Element.setMulti
    assert multi.toDictionary().getInfo() == {"a": 0, "z": 26, "m": 1, "n": 2}


def test_dictionary_get_with_default(ee_local):
    ee = ee_local
    d = ee.Dictionary({"a": 1})
    assert d.get("a").getInfo() == 1
    assert d.get("b", 5).getInfo() == 5
    with pytest.raises(ee.EEException, match="does not contain key: 'b'"):
        d.get("b").getInfo()


def test_list_membership_and_not_equals_filters(ee_local):
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"n": n}) for n in ("a", "b", "c")])
    in_list = ee.ApiFunction.call_("Filter.inList", "n", ["a", "c"])
    not_b = ee.ApiFunction.call_("Filter.notEquals", "n", "b")
    assert fc.filter(in_list).aggregate_array("n").getInfo() == ["a", "c"]
    assert fc.filter(not_b).aggregate_array("n").getInfo() == ["a", "c"]


def test_bbox_constructor(ee_local):
    ee = ee_local
    got = ee.ApiFunction.call_("GeometryConstructors.BBox", -10, -5, 10, 5).getInfo()
    xs = [c[0] for c in got["coordinates"][0]]
    ys = [c[1] for c in got["coordinates"][0]]
    assert (min(xs), min(ys), max(xs), max(ys)) == (-10, -5, 10, 5) and got["geodesic"] is False


def test_projection_accessors(ee_local):
    """nominalScale of a degree grid uses EE's sphere (6378137 m radius): 1e-3 degrees ≈ 111.32 m."""
    ee = ee_local
    proj = ee.Projection("EPSG:4326", [0.001, 0, 10, 0, -0.001, 50])
    assert proj.crs().getInfo() == "EPSG:4326"
    assert proj.nominalScale().getInfo() == pytest.approx(0.001 * math.pi / 180 * 6378137, rel=1e-12)
    utm = ee.Projection("EPSG:32633").atScale(30)
    assert utm.nominalScale().getInfo() == pytest.approx(30)
    assert CRS.from_user_input(utm.crs().getInfo()) == CRS.from_epsg(32633)
    wkt = proj.transform().getInfo()
    assert '"elt_0_0", 0.001' in wkt and '"elt_1_2", 50' in wkt


def test_string_constructor(ee_local):
    ee = ee_local
    assert ee.String(ee.Number(5).format("%d")).cat("x").getInfo() == "5x"
    assert ee.String(ee.Dictionary({"s": "abc"}).get("s")).length().getInfo() == 3


def test_if_reads_conditions_like_ee(ee_local):
    """EE's documented rule: null, 0, NaN and empty strings, lists and dictionaries are false; all else true."""
    ee = ee_local
    cases = {"null": None, "zero": 0, "nan": ee.Number(-1).sqrt(), "empty_string": "", "empty_list": [],
             "empty_dict": ee.Dictionary({}), "one": 1, "text": "a", "list": [0], "array": ee.Array([0])}
    got = ee.Dictionary({k: ee.Algorithms.If(v, "T", "F") for k, v in cases.items()}).getInfo()
    assert got == {"null": "F", "zero": "F", "nan": "F", "empty_string": "F", "empty_list": "F",
                   "empty_dict": "F", "one": "T", "text": "T", "list": "T", "array": "T"}


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


def test_has_type_and_area_filters(ee_local):
    """Filter.area keeps features whose geodesic area (pyproj.Geod) is within [min, max]: a 0.01° square at 45°N is
    about 0.87 km², a 0.1° one about 87 km²."""
    from pyproj import Geod

    ee = ee_local
    small = ee.Feature(ee.Geometry.Rectangle([10, 45, 10.01, 45.01]), {"n": "small", "v": 1})
    big = ee.Feature(ee.Geometry.Rectangle([10, 45, 10.1, 45.1]), {"n": "big", "v": "text"})
    fc = ee.FeatureCollection([small, big])
    small_area = abs(Geod(ellps="WGS84").polygon_area_perimeter([10, 10.01, 10.01, 10], [45, 45, 45.01, 45.01])[0])
    keep = ee.ApiFunction.call_("Filter.area", small_area * 0.99, small_area * 1.01)
    assert fc.filter(keep).aggregate_array("n").getInfo() == ["small"]
    numeric = ee.ApiFunction.call_("Filter.hasType", "v", "Number")
    assert fc.filter(numeric).aggregate_array("n").getInfo() == ["small"]


def test_projection_scale_translate_wkt(ee_local):
    ee = ee_local
    proj = ee.Projection("EPSG:3857", [10, 0, 100, 0, -10, 200])
    scaled = ee.ApiFunction.call_("Projection.scale", proj, 2, 3).getInfo()
    assert scaled["transform"] == [20, 0, 100, 0, -30, 200]
    moved = ee.ApiFunction.call_("Projection.translate", proj, 5, -5).getInfo()
    assert moved["transform"] == [10, 0, 105, 0, -10, 195]
    wkt = proj.wkt().getInfo()
    assert CRS.from_wkt(wkt).equals(CRS.from_epsg(3857), ignore_axis_order=True)


def test_make_array_and_dictionary_to_image(ee_local):
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"a": 1, "b": 2})])
    assert fc.makeArray(["b", "a"], "ba").first().get("ba").getInfo() == [2, 1]
    img = ee.Dictionary({"red": 3, "nir": 7.5}).toImage()
    assert img.bandNames().getInfo() == ["nir", "red"]
    grid = {"dimensions": {"width": 2, "height": 1}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 1, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -1,
                                "translateY": 1}}
    px = ee.data.computePixels({"expression": img, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    assert px["nir"].tolist() == [[7.5, 7.5]] and px["red"].tolist() == [[3, 3]]
