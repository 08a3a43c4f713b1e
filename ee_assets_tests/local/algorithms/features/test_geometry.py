"""Feature.* geometry operations through the real client.

The Feature versions apply the Geometry operations to the features' geometries and keep the (left) feature's
properties; expectations come from pyproj.Geod and shapely on the same coordinates."""

from __future__ import annotations

import math

import pytest
from pyproj import Geod
from shapely.geometry import box, shape

GEOD = Geod(ellps="WGS84")


def test_feature_geometry_operations(ee_local):
    ee = ee_local
    a = ee.Feature(ee.Geometry.Rectangle([0, 0, 2, 2]), {"name": "a"})
    b = ee.Feature(ee.Geometry.Rectangle([1, 1, 3, 3]), {"name": "b"})
    got = ee.Dictionary({
        "intersection": a.intersection(b), "union": a.union(b), "difference": a.difference(b),
        "symmetric": a.symmetricDifference(b), "intersects": a.intersects(b), "disjoint": a.disjoint(b),
        "contains": a.contains(b), "contained": a.containedIn(b), "hull": a.convexHull(), "bounds": a.bounds(),
        "dissolve": a.dissolve(), "centroid": a.centroid(), "perimeter": a.perimeter(),
        "area": a.area(), "within": a.withinDistance(b, 1), "distance": a.distance(b),
    }).getInfo()
    ga, gb = box(0, 0, 2, 2), box(1, 1, 3, 3)
    for key, expected in (("intersection", ga & gb), ("union", ga | gb), ("difference", ga - gb),
                          ("symmetric", ga ^ gb), ("hull", ga), ("bounds", ga), ("dissolve", ga)):
        assert shape(got[key]["geometry"]).symmetric_difference(expected).area < 1e-9, key
        assert got[key]["properties"] == {"name": "a"}, key  # the left feature's properties
    assert (got["intersects"], got["disjoint"], got["contains"], got["contained"]) == (True, False, False, False)
    assert got["within"] is True and got["distance"] == 0
    lons, lats = [0, 2, 2, 0, 0], [0, 0, 2, 2, 0]
    area, perimeter = GEOD.polygon_area_perimeter(lons, lats)
    assert got["perimeter"] == pytest.approx(perimeter, rel=1e-9)
    assert got["area"] == pytest.approx(abs(area), rel=1e-6)
    assert got["centroid"]["geometry"]["type"] == "Point"


def test_feature_measures_buffer_simplify_transform(ee_local):
    ee = ee_local
    line = ee.Feature(ee.Geometry.LineString([[0, 0], [0, 1]]), {"k": 1})
    assert line.length().getInfo() == pytest.approx(GEOD.line_length([0, 0], [0, 1]), rel=1e-9)
    p, q = ee.Feature(ee.Geometry.Point([10, 45]), {"k": 1}), ee.Feature(ee.Geometry.Point([10, 46]))
    assert p.distance(q).getInfo() == pytest.approx(GEOD.inv(10, 45, 10, 46)[2], rel=1e-9)
    assert p.withinDistance(q, 100).getInfo() is False
    buffered = p.buffer(1000).getInfo()
    assert buffered["properties"] == {"k": 1}
    assert ee.Feature(buffered).area().getInfo() == pytest.approx(math.pi * 1000**2, rel=0.01)
    simple = ee.Feature(ee.Geometry.LineString([[0, 45], [0.001, 45.00001], [0.002, 45]]), {"k": 2}).simplify(10)
    assert len(simple.geometry().coordinates().getInfo()) == 2  # a 1.1 m bump under a 10 m tolerance goes
    moved = p.transform("EPSG:3857").getInfo()
    assert moved["properties"] == {"k": 1}
    # Reading: a feature's getInfo is GeoJSON, so its geometry comes back in lon/lat whatever its CRS.
    assert moved["geometry"]["coordinates"] == pytest.approx([10, 45], abs=1e-9)


def test_feature_select_set_geometry_id(ee_local):
    ee = ee_local
    f = ee.Feature(ee.Geometry.Point([1, 2]), {"B1": 1, "B2": 2, "name": "x"})
    assert f.select(["B.*"]).toDictionary().getInfo() == {"B1": 1, "B2": 2}
    renamed = f.select(["name", "B1"], ["label", "blue"]).toDictionary().getInfo()
    assert renamed == {"label": "x", "blue": 1}
    assert f.select(["name"], None, False).geometry().getInfo() is None
    moved = f.setGeometry(ee.Geometry.Point([5, 6])).getInfo()
    assert moved["geometry"]["coordinates"] == [5, 6] and moved["properties"]["name"] == "x"
    fc = ee.FeatureCollection([f, f])
    assert ee.Feature(fc.toList(2).get(1)).id().getInfo() == "1"
    with pytest.raises(ee.EEException, match="2 properties selected but 1 new names"):
        f.select(["B1", "B2"], ["only"]).getInfo()


