"""Geometry measures through the real client: geodesic lengths, perimeters, areas, distances, closest points."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Polygon, shape


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


GEOD = Geod(ellps="WGS84")


def test_lengths_and_perimeters_are_geodesic(ee_local):
    ee = ee_local
    line = [[0, 0], [1, 0], [1, 1]]
    lons, lats = zip(*line, strict=True)
    assert ee.Geometry.LineString(line).length().getInfo() == pytest.approx(GEOD.line_length(lons, lats), rel=1e-9)
    ring = [(10, 45), (11, 45), (11, 46), (10, 46), (10, 45)]
    poly = ee.Geometry.Polygon([list(map(list, ring))])
    _, perimeter = GEOD.polygon_area_perimeter(*zip(*ring, strict=True))
    assert poly.perimeter().getInfo() == pytest.approx(perimeter, rel=1e-9)
    assert poly.length().getInfo() == 0  # EE: polygons have no linear parts
    assert ee.Geometry.LineString(line).perimeter().getInfo() == 0  # and lines no polygonal parts


def test_planar_edges_follow_parallels(ee_local):
    """A planar (geodesic=false) lon/lat rectangle's east-west edges are arcs of parallels, of length
    Δλ·N(φ)·cos φ on the ellipsoid (N the prime-vertical radius); its north-south edges are meridian arcs."""
    ee = ee_local
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)

    def parallel(lat: float, dlon: float) -> float:
        phi = math.radians(lat)
        return math.radians(dlon) * a / math.sqrt(1 - e2 * math.sin(phi) ** 2) * math.cos(phi)

    meridian = GEOD.inv(0, 40, 0, 41)[2]
    expected = 2 * meridian + parallel(40, 1) + parallel(41, 1)
    got = ee.Geometry.Rectangle([0, 40, 1, 41], None, False).perimeter().getInfo()
    assert got == pytest.approx(expected, rel=1e-7)
    geodesic = ee.Geometry.Rectangle([0, 40, 1, 41]).perimeter().getInfo()
    assert geodesic < got  # geodesics are shorter than the parallels they replace


def test_distance(ee_local):
    ee = ee_local
    assert ee.Geometry.Point([0, 50]).distance(ee.Geometry.Point([1, 51])).getInfo() == pytest.approx(
        GEOD.inv(0, 50, 1, 51)[2], rel=1e-9)
    # Point to a square whose nearest edge is the meridian at 1°E: the expected distance is the minimum of
    # Geod.inv over points along that edge (found by a fine search, independently of the code under test).
    lats = np.linspace(49.5, 50.5, 200_001)
    d = GEOD.inv(np.zeros_like(lats), np.full_like(lats, 50.0), np.ones_like(lats), lats)[2]
    got = ee.Geometry.Point([0, 50]).distance(ee.Geometry.Rectangle([1, 49.5, 2, 50.5])).getInfo()
    assert got == pytest.approx(d.min(), rel=1e-6)
    assert ee.Geometry.Point([1.5, 50]).distance(ee.Geometry.Rectangle([1, 49.5, 2, 50.5])).getInfo() == 0
    planar = ee.Geometry.Point([0, 0], "EPSG:3857").distance(ee.Geometry.Point([3, 4], "EPSG:3857"),
                                                              None, "EPSG:3857")
    assert planar.getInfo() == 5  # with proj: planar, in the projection's units


def test_closest_points(ee_local):
    ee = ee_local
    square = ee.Geometry.Rectangle([1, -1, 2, 1])
    origin = ee.Geometry.Point([0, 0])
    # On the equator, by symmetry, the nearest point of the square to the origin is (1, 0). Edges are followed
    # with 0.001° chords, so the point is found to ~1e-7° (1 cm), far inside EE's default error margins.
    near = pytest.approx([1, 0], abs=1e-6)
    assert ee.Geometry.Point([0, 0]).closestPoint(square).getInfo()["coordinates"] == near
    both = origin.closestPoints(square).getInfo()
    assert both["left"]["coordinates"] == pytest.approx([0, 0], abs=1e-12)
    assert both["right"]["coordinates"] == near
    f = ee.Feature(origin)
    g = ee.Feature(square)
    assert f.closestPoint(g).getInfo()["coordinates"] == near
    assert f.closestPoints(g).getInfo()["left"]["coordinates"] == pytest.approx([0, 0], abs=1e-12)


def test_within_distance_near_the_threshold_and_across_the_antimeridian(ee_local):
    """The cheap pre-check must never reject a pair the exact measure accepts: pairs just inside and just outside
    the distance at 60°N (where longitude degrees are half as long), and across 180°."""
    ee = ee_local
    d = GEOD.inv(10, 60, 11, 60)[2]
    a, b = ee.Geometry.Point([10, 60]), ee.Geometry.Point([11, 60])
    assert a.withinDistance(b, d * 1.000001).getInfo() is True
    assert a.withinDistance(b, d * 0.999999).getInfo() is False
    east, west = ee.Geometry.Point([179.9, 0]), ee.Geometry.Rectangle([-180, -1, -179.9, 1])
    across = GEOD.inv(179.9, 0, -179.9, 0)[2]
    assert east.withinDistance(west, across * 1.01).getInfo() is True
    fc = ee.FeatureCollection([ee.Feature(b, {"n": "near"}), ee.Feature(ee.Geometry.Point([20, 60]), {"n": "far"})])
    assert fc.filter(ee.Filter.withinDistance(d * 1.000001, ".geo", a)).aggregate_array("n").getInfo() == ["near"]
