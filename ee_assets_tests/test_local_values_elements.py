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
