"""Geometry inspection through the real client."""

from __future__ import annotations


def test_inspection(ee_local):
    ee = ee_local
    multi = ee.Geometry.MultiPoint([[1, 2], [3, 4]])
    got = ee.Dictionary({
        "coordinates": multi.coordinates(), "type": multi.type(), "parts": multi.geometries(),
        "projection": multi.projection(), "geodesic": ee.Geometry.Rectangle([0, 0, 1, 1]).geodesic(),
        "planar_edges": ee.Geometry.Rectangle([0, 0, 1, 1], None, False).edgesAreGeodesics(),
        "unbounded": multi.isUnbounded(),
    }).getInfo()
    assert got["coordinates"] == [[1, 2], [3, 4]]
    assert got["type"] == "MultiPoint"
    assert got["parts"] == [{"type": "Point", "coordinates": [1, 2]}, {"type": "Point", "coordinates": [3, 4]}]
    assert got["projection"]["crs"] == "EPSG:4326"
    assert got["geodesic"] is True and got["planar_edges"] is False and got["unbounded"] is False
