"""Implemented algorithms, driven through the real ee client; expectations are worked out independently."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Geod
from shapely.geometry import Polygon, shape

# A 4x4 three-band raster in EPSG:3857 with 1 m pixels, upper-left corner at (0, 4).
TRANSFORM = Affine(1, 0, 0, 0, -1, 4)
GRID = {"dimensions": {"width": 4, "height": 4}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": 1, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -1, "translateY": 4}}
B1 = np.arange(16, dtype="float64").reshape(4, 4)
B2 = np.array([[0, 1, 2, 3], [3, 2, 1, 0], [4, 0, 4, 0], [1, 1, 2, 2]], dtype="float64")
Q = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]], dtype="int16")


def _ms(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def _write(path, bands, transform=TRANSFORM, crs="EPSG:3857", nodata=None):
    h, w = bands[0].shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=len(bands), dtype=bands[0].dtype,
                       crs=crs, transform=transform, nodata=nodata) as ds:
        for i, b in enumerate(bands, 1):
            ds.write(b, i)


@pytest.fixture()
def ee(tmp_path, ee_on):
    """A catalog with a 3-band image, a 3-image collection in EPSG:4326 and a small table."""
    _write(tmp_path / "m.tif", [B1, B2, Q.astype("float64")])
    # Three 2x2 images of 0.1° pixels at different places and dates (value = 10 * (i + 1)).
    images = []
    for i, (x0, day) in enumerate([(10.0, "2020-01-01"), (11.0, "2020-01-15"), (12.0, "2020-02-01")]):
        _write(tmp_path / f"c{i}.tif", [np.full((2, 2), 10.0 * (i + 1))], Affine(0.1, 0, x0, 0, -0.1, 50.0),
               "EPSG:4326")
        images.append({"path": f"c{i}.tif", "id": f"img{i}", "time_start": day, "properties": {"k": i}})
    features = [
        {"type": "Feature", "properties": {"NAME": n, "v": v},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 49.8], [x + 0.2, 49.8], [x + 0.2, 50.0],
                                                          [x, 50.0], [x, 49.8]]]}}
        for n, v, x in [("a", 1, 10.0), ("b", 2, 11.0), ("c", 3, 13.0)]
    ]
    (tmp_path / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return ee_on({
        "I/m": {"type": "IMAGE", "path": "m.tif", "bands": ["B1", "B2", "Q"]},
        "C/s": {"type": "IMAGE_COLLECTION", "images": images},
        "T/t": {"type": "TABLE", "path": "t.geojson"},
    })


def _pixels(ee, image) -> dict:
    arr = ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": GRID})
    return {n: arr[n] for n in arr.dtype.names}


def _names(fc) -> list:
    return fc.aggregate_array("NAME").getInfo()


# -- filters ------------------------------------------------------------------------------------------------
def test_property_filters(ee):
    fc = ee.FeatureCollection("T/t")
    F = ee.Filter
    assert _names(fc.filter(F.eq("NAME", "b"))) == ["b"]
    assert _names(fc.filter(F.neq("NAME", "b"))) == ["a", "c"]
    assert _names(fc.filter(F.lt("v", 2))) == ["a"]
    assert _names(fc.filter(F.gt("v", 2))) == ["c"]
    assert _names(fc.filter(F.gte("v", 2))) == ["b", "c"]
    assert _names(fc.filter(F.lte("v", 2))) == ["a", "b"]
    assert _names(fc.filter(F.inList("NAME", ["a", "c", "zz"]))) == ["a", "c"]
    assert _names(fc.filter(F.And(F.gt("v", 1), F.lt("v", 3)))) == ["b"]
    assert _names(fc.filter(F.Or(F.eq("v", 1), F.eq("v", 3)))) == ["a", "c"]
    assert _names(fc.filter(F.Not(F.eq("v", 1)))) == ["b", "c"]
    # No coercion between strings and numbers (reference §3c): '2' != 2.
    assert fc.filter(F.eq("v", "2")).size().getInfo() == 0


def test_list_contains_filter(ee):
    fc = ee.FeatureCollection([ee.Feature(None, {"tags": ["x", "y"], "n": 1}),
                               ee.Feature(None, {"tags": ["y"], "n": 2}),
                               ee.Feature(None, {"tags": [], "n": 3})])
    assert fc.filter(ee.Filter.listContains("tags", "y")).aggregate_array("n").getInfo() == [1, 2]
    assert fc.filter(ee.Filter.listContains("tags", "x")).aggregate_array("n").getInfo() == [1]


def test_filter_date_start_inclusive_end_exclusive(ee):
    ic = ee.ImageCollection("C/s")
    assert ic.filterDate("2020-01-01", "2020-01-15").aggregate_array("k").getInfo() == [0]
    assert ic.filterDate("2020-01-15", "2020-02-02").aggregate_array("k").getInfo() == [1, 2]
    assert ic.filterDate("2019-12-31", "2020-01-01").size().getInfo() == 0
    assert ic.filterDate(ee.Date("2020-01-01").advance(-1, "day"), "2020-03-01").size().getInfo() == 3


def test_filter_bounds_features_and_image_footprints(ee):
    fc = ee.FeatureCollection("T/t")
    box = ee.Geometry.Rectangle([10.9, 49.7, 13.05, 49.9])
    assert _names(fc.filterBounds(box)) == ["b", "c"]
    # Image footprints: 10..10.2, 11..11.2, 12..12.2 (lon) x 49.8..50 (lat).
    ic = ee.ImageCollection("C/s")
    assert ic.filterBounds(ee.Geometry.Point([12.1, 49.9])).aggregate_array("k").getInfo() == [2]
    assert ic.filterBounds(box).aggregate_array("k").getInfo() == [1, 2]
    assert ic.filterBounds(ee.Geometry.Point([10.5, 49.9])).size().getInfo() == 0
    # A FeatureCollection as the region (encoded as Collection.geometry).
    assert ic.filterBounds(fc).aggregate_array("k").getInfo() == [0, 1]


# -- dates --------------------------------------------------------------------------------------------------
def test_dates(ee):
    d = ee.Date("2020-01-31").advance(1, "month")
    assert d.format("YYYY-MM-dd").getInfo() == "2020-02-29"
    assert d.millis().getInfo() == _ms(2020, 2, 29)
    assert d.getInfo() == {"type": "Date", "value": _ms(2020, 2, 29)}
    assert d.format("DDD").getInfo() == f"{datetime(2020, 2, 29).timetuple().tm_yday:03d}"
    assert ee.Date("2020-03-01").advance(-1, "day").format("YYYY-MM-dd").getInfo() == "2020-02-29"
    assert ee.Date("2019-12-31").advance(36, "hour").millis().getInfo() == _ms(2020, 1, 1, 12)
    assert ee.Date(_ms(2021, 7, 4)).format("YYYY-MM-dd").getInfo() == "2021-07-04"
    first = ee.ImageCollection("C/s").sort("system:time_start", False).first()
    assert first.date().millis().getInfo() == _ms(2020, 2, 1)
    assert ee.Image("C/s/img1").date().format("YYYY-MM-dd").getInfo() == "2020-01-15"


def test_date_range(ee):
    info = ee.DateRange("2020-01-01", "2020-02-01").getInfo()
    assert info == {"type": "DateRange", "dates": [_ms(2020, 1, 1), _ms(2020, 2, 1)]}
    # Without an end: a 1-millisecond range (algorithms.json description of DateRange).
    assert ee.DateRange("2020-01-01").getInfo()["dates"] == [_ms(2020, 1, 1), _ms(2020, 1, 1) + 1]


# -- collections --------------------------------------------------------------------------------------------
def test_limit_sort_size_first(ee):
    fc = ee.FeatureCollection("T/t")
    assert fc.size().getInfo() == 3
    assert _names(fc.limit(2)) == ["a", "b"]
    assert _names(fc.sort("v", False)) == ["c", "b", "a"]
    assert _names(fc.sort("v", False).limit(1)) == ["c"]
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


def test_property_names_and_set_multi(ee):
    f = ee.Feature(None, {"z": 0}).set({"a": 1, "b": 2})
    assert f.toDictionary().getInfo() == {"z": 0, "a": 1, "b": 2}
    names = f.propertyNames().getInfo()
    assert {"z", "a", "b"} <= set(names)
    assert set(names) - {"z", "a", "b"} <= {"system:index"}


# -- images -------------------------------------------------------------------------------------------------
def test_select_and_rename(ee):
    img = ee.Image("I/m")
    assert img.bandNames().getInfo() == ["B1", "B2", "Q"]
    assert img.select("B.*").bandNames().getInfo() == ["B1", "B2"]
    assert img.select(2).bandNames().getInfo() == ["Q"]
    assert img.select(["B1", "Q"], ["x", "y"]).bandNames().getInfo() == ["x", "y"]
    assert img.select("B1|Q").bandNames().getInfo() == ["B1", "Q"]
    # Full-match reading (reference §3g): 'B' alone matches neither B1 nor B2.
    with pytest.raises(ee.EEException, match="Pattern 'B' did not match"):
        img.select("B").getInfo()
    with pytest.raises(ee.EEException) as err:
        img.select("nope").getInfo()
    assert str(err.value) == "Image.select: Pattern 'nope' did not match any bands."
    assert img.rename(["r", "g", "b"]).bandNames().getInfo() == ["r", "g", "b"]
    px = _pixels(ee, img.select(["Q"], ["y"]))
    np.testing.assert_array_equal(px["y"], Q)


def test_add_bands(ee):
    img = ee.Image("I/m")
    # The client's own addBands docstring: without overwrite a duplicate is renamed foo -> foo_1 (then foo_2).
    assert img.addBands(img.select("B1")).bandNames().getInfo() == ["B1", "B2", "Q", "B1_1"]
    twice = img.addBands(img.select("B1")).addBands(ee.Image(0).rename("B1"))
    assert twice.bandNames().getInfo() == ["B1", "B2", "Q", "B1_1", "B1_2"]
    np.testing.assert_array_equal(_pixels(ee, twice)["B1_2"], np.zeros((4, 4)))
    replaced = img.addBands(ee.Image(7).rename("B2"), None, True)
    assert replaced.bandNames().getInfo() == ["B1", "B2", "Q"]
    np.testing.assert_array_equal(_pixels(ee, replaced)["B2"], np.full((4, 4), 7))
    assert img.addBands(img, ["Q"]).bandNames().getInfo() == ["B1", "B2", "Q", "Q_1"]


def test_constant_images(ee):
    info = ee.Image(1).getInfo()
    band = info["bands"][0]
    assert band["id"] == "constant"
    assert band["crs"] == "EPSG:4326" and band["crs_transform"] == [1, 0, 0, 0, 1, 0]
    assert "dimensions" not in band
    assert ee.Image([1, 2]).bandNames().getInfo() == ["constant", "constant_1"]
    px = _pixels(ee, ee.Image([1, 2]))
    np.testing.assert_array_equal(px["constant"], np.ones((4, 4)))
    np.testing.assert_array_equal(px["constant_1"], np.full((4, 4), 2))


def test_arithmetic_broadcasting_and_names(ee):
    img = ee.Image("I/m")
    three = img.select(["B1", "B2", "Q"])
    # One band against three: the output takes the longer input's names, whichever side it is on.
    left = _pixels(ee, ee.Image(2).add(three))
    assert list(left) == ["B1", "B2", "Q"]
    np.testing.assert_array_equal(left["B2"], B2 + 2)
    right = _pixels(ee, three.subtract(img.select("B2")))
    np.testing.assert_array_equal(right["B1"], B1 - B2)
    np.testing.assert_array_equal(right["B2"], np.zeros((4, 4)))
    np.testing.assert_array_equal(_pixels(ee, img.select("B1").multiply(3))["B1"], B1 * 3)
    # Same number of bands, different names: pairwise in order, image1's names.
    pair = _pixels(ee, img.select(["B1", "B2"]).add(img.select(["Q", "B1"])))
    assert list(pair) == ["B1", "B2"]
    np.testing.assert_array_equal(pair["B2"], B2 + B1)
    div = _pixels(ee, img.select("B1").divide(img.select("B2")))["B1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(B2 == 0, 0, B1 / B2)
    np.testing.assert_allclose(div, expected, rtol=1e-6)
    with pytest.raises(ee.EEException):
        img.select(["B1", "B2"]).add(img).getInfo()


def test_comparisons_and_logic(ee):
    img = ee.Image("I/m")
    b1, b2 = img.select("B1"), img.select("B2")
    np.testing.assert_array_equal(_pixels(ee, b1.gt(b2))["B1"], (B1 > B2).astype(int))
    np.testing.assert_array_equal(_pixels(ee, b1.lt(5))["B1"], (B1 < 5).astype(int))
    np.testing.assert_array_equal(_pixels(ee, b2.eq(2))["B2"], (B2 == 2).astype(int))
    np.testing.assert_array_equal(_pixels(ee, b1.gt(3).And(b2.gt(1)))["B1"], ((B1 > 3) & (B2 > 1)).astype(int))
    np.testing.assert_array_equal(_pixels(ee, b1.lt(2).Or(b2.eq(4)))["B1"], ((B1 < 2) | (B2 == 4)).astype(int))
    np.testing.assert_array_equal(_pixels(ee, b2.Not())["B2"], (B2 == 0).astype(int))
    np.testing.assert_array_equal(_pixels(ee, img.select("Q").bitwiseAnd(6))["Q"], Q & 6)


def test_normalized_difference(ee):
    img = ee.Image("I/m")
    px = _pixels(ee, img.normalizedDifference(["B1", "B2"]))
    assert list(px) == ["nd"]
    s = B1 + B2
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(s == 0, 0, (B1 - B2) / s)
    # Pixel (0, 0) is 0/0; EE leaves that value undocumented, so only the other pixels are compared.
    np.testing.assert_allclose(px["nd"].ravel()[1:], expected.ravel()[1:], rtol=1e-6)
    # Documented: a negative value in either input masks the output pixel, and properties are not kept.
    neg = img.select("B1").subtract(5).addBands(img.select("B2").add(1)).set("p", 1)
    mask = _pixels(ee, neg.normalizedDifference().mask())["nd"]
    np.testing.assert_array_equal(mask, (B1 - 5 >= 0).astype(int))
    assert "p" not in (neg.normalizedDifference().getInfo().get("properties") or {})


def test_masks(ee):
    img = ee.Image("I/m")
    masked = img.select("B1").updateMask(img.select("B2").gt(1))
    np.testing.assert_array_equal(_pixels(ee, masked.mask())["B1"], (B2 > 1).astype(int))
    filled = _pixels(ee, masked.unmask(5))["B1"]
    np.testing.assert_array_equal(filled, np.where(B2 > 1, B1, 5))
    count = masked.reduceRegion(ee.Reducer.count(), ee.Geometry.Rectangle([0, 0, 4, 4], "EPSG:3857", False),
                                scale=1).getInfo()
    assert count == {"B1": int((B2 > 1).sum())}


def test_clip_uses_pixel_centres(ee):
    img = ee.Image("I/m").select("B1")
    # x 0..1.6, y 2..4: centres (0.5, 3.5), (1.5, 3.5), (0.5, 2.5), (1.5, 2.5) are inside.
    clipped = img.clip(ee.Geometry.Rectangle([0, 2, 1.6, 4], "EPSG:3857", False))
    expected = np.zeros((4, 4), int)
    expected[0:2, 0:2] = 1
    np.testing.assert_array_equal(_pixels(ee, clipped.mask())["B1"], expected)
    np.testing.assert_array_equal(_pixels(ee, clipped.unmask(-1))["B1"], np.where(expected == 1, B1, -1))


def test_projection_and_image_info(ee):
    img = ee.Image("I/m")
    assert img.projection().getInfo() == {"type": "Projection", "crs": "EPSG:3857", "transform": [1, 0, 0, 0, -1, 4]}
    info = img.getInfo()
    assert info["type"] == "Image"
    assert info["id"] == "I/m"
    assert [b["id"] for b in info["bands"]] == ["B1", "B2", "Q"]
    for b in info["bands"]:
        assert b["crs"] == "EPSG:3857"
        assert b["crs_transform"] == [1, 0, 0, 0, -1, 4]
        assert b["dimensions"] == [4, 4]
        assert b["data_type"]["type"] == "PixelType" and b["data_type"]["precision"] == "double"


# -- geometry -----------------------------------------------------------------------------------------------
def test_geometry_shapes(ee):
    assert ee.Geometry.Point([1.5, 2]).getInfo() == {"type": "Point", "coordinates": [1.5, 2]}
    poly = ee.Geometry.Polygon([[[0, 0], [1, 0], [1, 1], [0, 0]]]).getInfo()
    assert poly["type"] == "Polygon"
    assert shape(poly).equals(Polygon([(0, 0), (1, 0), (1, 1)]))
    assert poly["coordinates"][0][0] == poly["coordinates"][0][-1]
    rect = ee.Geometry.Rectangle([0, 0, 2, 1]).getInfo()
    assert rect["type"] == "Polygon" and shape(rect).equals(Polygon([(0, 0), (2, 0), (2, 1), (0, 1)]))
    # Reading (reference §4 + the client's "default geodesic is true" docs): only planar geometries carry the key.
    assert "geodesic" not in poly and "geodesic" not in rect
    planar = ee.Geometry.Rectangle([0, 0, 2, 1], None, False).getInfo()
    assert planar["geodesic"] is False
    assert ee.Geometry.Rectangle([0, 0, 2, 1], "EPSG:3857", False).getInfo()["geodesic"] is False
    multi = ee.Geometry.MultiPolygon([[[[0, 0], [1, 0], [1, 1], [0, 0]]],
                                      [[[5, 5], [6, 5], [6, 6], [5, 5]]]]).getInfo()
    assert multi["type"] == "MultiPolygon" and len(multi["coordinates"]) == 2


def test_geometry_measures(ee):
    area = ee.Geometry.Point([10, 45]).buffer(1000).area().getInfo()
    assert area == pytest.approx(math.pi * 1000**2, rel=0.01)
    ring = [(10, 45), (11, 45), (11, 46), (10, 46), (10, 45)]
    lons, lats = zip(*ring, strict=True)
    expected, _ = Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    assert ee.Geometry.Polygon([list(map(list, ring))]).area().getInfo() == pytest.approx(abs(expected), rel=1e-6)
    tri = ee.Geometry.Polygon([[[0, 0], [2, 0], [1, 3], [0, 0]]])
    assert shape(tri.bounds().getInfo()).equals(Polygon([(0, 0), (2, 0), (2, 3), (0, 3)]))
    c = ee.Geometry.Polygon([[[10, 45], [10.01, 45], [10.01, 45.01], [10, 45.01]]]).centroid().getInfo()
    assert c["type"] == "Point"
    assert c["coordinates"] == pytest.approx([10.005, 45.005], abs=1e-6)


# -- reducers -----------------------------------------------------------------------------------------------
def _box(ee, x0, y0, x1, y1):
    return ee.Geometry.Rectangle([x0, y0, x1, y1], "EPSG:3857", False)


def test_percentile_names(ee):
    out = ee.Image("I/m").select("B1").reduceRegion(ee.Reducer.percentile([10, 90]), _box(ee, 0, 0, 4, 4),
                                                    scale=1).getInfo()
    assert set(out) == {"B1_p10", "B1_p90"}
    # Interpolation convention is not documented; only bounds and order are checked.
    assert 0 <= out["B1_p10"] < out["B1_p90"] <= 15


def test_std_dev_and_unweighted_use_centre_rule(ee):
    img = ee.Image("I/m").select("B1")
    box = _box(ee, 0, 2, 1.6, 4)  # centres inside: values 0, 1, 4, 5
    inside = np.array([0, 1, 4, 5], float)
    sd = img.reduceRegion(ee.Reducer.stdDev(), box, scale=1).getInfo()
    assert sd == {"B1": pytest.approx(float(np.std(inside)), rel=1e-12)}
    mean = img.reduceRegion(ee.Reducer.mean().unweighted(), box, scale=1).getInfo()
    assert mean == {"B1": pytest.approx(float(inside.mean()), rel=1e-12)}
    renamed = img.reduceRegion(ee.Reducer.mean().setOutputs(["avg"]), box, scale=1).getInfo()
    assert list(renamed) == ["B1"]  # single output: the band name is used as-is
    two = ee.Image("I/m").select(["B1"]).reduceRegion(
        ee.Reducer.min().combine(ee.Reducer.max(), None, True).setOutputs(["lo", "hi"]), box, scale=1).getInfo()
    assert two == {"B1_lo": 0, "B1_hi": 5}


def test_reduce_region_errors(ee):
    img = ee.Image("I/m").select("B1")
    with pytest.raises(ee.EEException, match="Too many pixels"):
        img.reduceRegion(ee.Reducer.mean(), _box(ee, 0, 0, 4, 4), scale=1, maxPixels=10).getInfo()
    composite = ee.ImageCollection("C/s").mean()
    with pytest.raises(ee.EEException, match="The default WGS84 projection is invalid for aggregations"):
        composite.reduceRegion(ee.Reducer.mean(), ee.Geometry.Rectangle([10, 49.8, 10.2, 50])).getInfo()


# -- numbers ------------------------------------------------------------------------------------------------
def test_numbers(ee):
    assert ee.Number(7).divide(2).getInfo() == 3.5
    assert ee.Number(7).add(2).multiply(3).subtract(1).getInfo() == 26
    assert ee.Number(-9).divide(4).getInfo() == -2.25
    assert ee.Number(0.1).add(0.2).getInfo() == pytest.approx(0.3)
