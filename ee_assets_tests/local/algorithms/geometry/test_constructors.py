"""Geometry constructors through the real client."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, box, shape

from ee_assets_tests.support.shapes import same_shape


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


def test_bbox_constructor(ee_local):
    ee = ee_local
    got = ee.ApiFunction.call_("GeometryConstructors.BBox", -10, -5, 10, 5).getInfo()
    xs = [c[0] for c in got["coordinates"][0]]
    ys = [c[1] for c in got["coordinates"][0]]
    assert (min(xs), min(ys), max(xs), max(ys)) == (-10, -5, 10, 5) and got["geodesic"] is False


GEOD = Geod(ellps="WGS84")


def test_more_constructors(ee_local):
    ee = ee_local
    ring = ee.Geometry.LinearRing([[0, 0], [1, 0], [1, 1], [0, 0]]).getInfo()
    assert ring["type"] == "LinearRing" and ring["coordinates"][0] == ring["coordinates"][-1]
    mls = ee.Geometry.MultiLineString([[[0, 0], [1, 1]], [[2, 2], [3, 3]]])
    lengths = [GEOD.line_length([0, 1], [0, 1]), GEOD.line_length([2, 3], [2, 3])]
    assert mls.length().getInfo() == pytest.approx(sum(lengths), rel=1e-9)
    bbox = ee.Geometry.BBox(-10, -5, 10, 5).getInfo()
    assert same_shape(bbox, box(-10, -5, 10, 5)) and bbox["geodesic"] is False
    both = ee.ApiFunction.call_("GeometryConstructors.MultiGeometry",
                                [ee.Geometry.Point([0, 0]), ee.Geometry.LineString([[1, 1], [2, 2]])]).getInfo()
    assert both["type"] == "GeometryCollection"
    assert shape(both["geometries"][0]).equals(Point(0, 0))
    assert shape(both["geometries"][1]).equals(LineString([(1, 1), (2, 2)]))
