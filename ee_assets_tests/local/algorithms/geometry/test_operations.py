"""Geometry operations through the real client.

Measures are EE's geodesic ones (metres on the WGS84 ellipsoid), so expectations come from pyproj.Geod, or from
closed-form arcs of parallels for planar edges; shapes are compared with shapely on the input coordinates.
Reading: set operations and predicates treat edges as straight in lon/lat (EE bends geodesic edges); for the
degree-sized shapes here the difference is far below EE's default error margins, so shapely's answers are the
expectations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiPoint, Point, box, shape

GEOD = Geod(ellps="WGS84")


def _same_shape(gj: dict, expected, tol: float = 1e-9) -> bool:
    got = shape(gj)
    return got.symmetric_difference(expected).area <= tol * max(expected.area, 1e-12) + 1e-15


def test_set_operations(ee_local):
    ee = ee_local
    a, b = box(0, 0, 2, 2), box(1, 1, 3, 3)
    ga, gb = ee.Geometry.Rectangle([0, 0, 2, 2]), ee.Geometry.Rectangle([1, 1, 3, 3])
    got = ee.Dictionary({"intersection": ga.intersection(gb), "union": ga.union(gb),
                         "difference": ga.difference(gb), "symmetric": ga.symmetricDifference(gb)}).getInfo()
    assert _same_shape(got["intersection"], a.intersection(b))
    assert _same_shape(got["union"], a.union(b))
    assert _same_shape(got["difference"], a.difference(b))
    assert _same_shape(got["symmetric"], a.symmetric_difference(b))


def test_predicates(ee_local):
    ee = ee_local
    big, small = ee.Geometry.Rectangle([0, 0, 10, 10]), ee.Geometry.Rectangle([2, 2, 3, 3])
    far = ee.Geometry.Point([20, 0])
    got = ee.Dictionary({
        "contains": big.contains(small), "contained": small.containedIn(big), "not_contains": small.contains(big),
        "intersects": big.intersects(small), "disjoint": big.disjoint(far), "not_disjoint": big.disjoint(small),
        "within_1000km": big.withinDistance(far, 1_000_000), "within_1000m": big.withinDistance(far, 1000),
    }).getInfo()
    # The point (20, 0) is 10 degrees of longitude east of the box's edge on the equator: ~1113 km.
    assert got == {"contains": True, "contained": True, "not_contains": False, "intersects": True,
                   "disjoint": True, "not_disjoint": False, "within_1000km": False, "within_1000m": False}
    assert big.withinDistance(far, 1_200_000).getInfo() is True


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


def test_shape_operations(ee_local):
    ee = ee_local
    pts = [[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 3]]
    hull = ee.Geometry.MultiPoint(pts).convexHull().getInfo()
    assert _same_shape(hull, MultiPoint(pts).convex_hull)
    two = ee.Geometry.MultiPolygon([[[[0, 0], [2, 0], [2, 2], [0, 2]]], [[[1, 1], [3, 1], [3, 3], [1, 3]]]])
    dissolved = two.dissolve().getInfo()
    assert dissolved["type"] == "Polygon" and _same_shape(dissolved, box(0, 0, 2, 2).union(box(1, 1, 3, 3)))
    # A line with 2 m wiggles (about 1.8e-5 degrees of latitude): simplify(100 m) keeps only its ends,
    # simplify(0.5 m) keeps every vertex.
    wiggle = [[0.001 * i, 45 + (1.8e-5 if i % 2 else 0)] for i in range(11)]
    ends = ee.Geometry.LineString(wiggle).simplify(100).coordinates().getInfo()
    assert np.allclose(ends, [wiggle[0], wiggle[-1]], rtol=0, atol=1e-9)
    assert len(ee.Geometry.LineString(wiggle).simplify(0.5).coordinates().getInfo()) == len(wiggle)


def test_transform_keeps_the_target_crs(ee_local):
    """getInfo of a geometry in another CRS gives its coordinates there and a GeoJSON `crs` member (EE's shape)."""
    ee = ee_local
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(10, 45)
    got = ee.Geometry.Point([10, 45]).transform("EPSG:3857").getInfo()
    assert got["coordinates"] == pytest.approx([x, y], rel=1e-12)
    assert got["crs"] == {"type": "name", "properties": {"name": "EPSG:3857"}}
    back = ee.Geometry.Point([x, y], "EPSG:3857").transform("EPSG:4326").getInfo()
    assert back["coordinates"] == pytest.approx([10, 45], abs=1e-9) and "crs" not in back
    square = ee.Geometry.Rectangle([10, 45, 10.1, 45.1], None, False).transform("EPSG:3857").getInfo()
    assert square["geodesic"] is False
    corners = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform([10, 10.1], [45, 45.1])
    assert shape(square).bounds == pytest.approx((corners[0][0], corners[1][0], corners[0][1], corners[1][1]))


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


def test_more_constructors(ee_local):
    ee = ee_local
    ring = ee.Geometry.LinearRing([[0, 0], [1, 0], [1, 1], [0, 0]]).getInfo()
    assert ring["type"] == "LinearRing" and ring["coordinates"][0] == ring["coordinates"][-1]
    mls = ee.Geometry.MultiLineString([[[0, 0], [1, 1]], [[2, 2], [3, 3]]])
    lengths = [GEOD.line_length([0, 1], [0, 1]), GEOD.line_length([2, 3], [2, 3])]
    assert mls.length().getInfo() == pytest.approx(sum(lengths), rel=1e-9)
    bbox = ee.Geometry.BBox(-10, -5, 10, 5).getInfo()
    assert _same_shape(bbox, box(-10, -5, 10, 5)) and bbox["geodesic"] is False
    both = ee.ApiFunction.call_("GeometryConstructors.MultiGeometry",
                                [ee.Geometry.Point([0, 0]), ee.Geometry.LineString([[1, 1], [2, 2]])]).getInfo()
    assert both["type"] == "GeometryCollection"
    assert shape(both["geometries"][0]).equals(Point(0, 0))
    assert shape(both["geometries"][1]).equals(LineString([(1, 1), (2, 2)]))


def test_cut_lines_at_geodesic_distances(ee_local):
    """Cuts along the equator at 100 km and 150 km: the cut points are where Geod.fwd from the start lands."""
    ee = ee_local
    cut = ee.Geometry.LineString([[0, 0], [2, 0]]).cutLines([100_000, 150_000]).getInfo()
    assert cut["type"] == "MultiLineString" and len(cut["coordinates"]) == 3
    first_cut = GEOD.fwd(0, 0, 90, 100_000)[:2]
    second_cut = GEOD.fwd(0, 0, 90, 150_000)[:2]
    assert cut["coordinates"][0][-1] == pytest.approx(list(first_cut), abs=1e-9)
    assert cut["coordinates"][1][-1] == pytest.approx(list(second_cut), abs=1e-9)
    assert cut["coordinates"][2][-1] == [2, 0]
    feature = ee.Feature(ee.Geometry.LineString([[0, 0], [10, 0]], "EPSG:3857"), {"k": 1})
    planar = feature.cutLines([4], None, "EPSG:3857").getInfo()
    assert planar["properties"] == {"k": 1}
    lengths = [GEOD.line_length(*zip(*part, strict=True)) for part in planar["geometry"]["coordinates"]]
    assert len(lengths) == 2 and lengths[0] < lengths[1]


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


def test_random_points(ee_local):
    """Uniform on the sphere: in a 0–60°N band, the share of points below 30°N is sin 30° / sin 60° ≈ 0.577
    (2,000 points: the share's sd is 0.011, the bound 0.05 is 4.5 sigma). Deterministic for a seed."""
    ee = ee_local
    band = ee.Geometry.Rectangle([0, 0, 10, 60], None, False)
    pts = ee.FeatureCollection.randomPoints(band, 2000, 7)
    coords = np.array([f["geometry"]["coordinates"] for f in pts.getInfo()["features"]])
    assert coords.shape == (2000, 2)
    assert ((coords[:, 0] >= 0) & (coords[:, 0] <= 10) & (coords[:, 1] >= 0) & (coords[:, 1] <= 60)).all()
    assert abs((coords[:, 1] < 30).mean() - math.sin(math.radians(30)) / math.sin(math.radians(60))) < 0.05
    again = np.array([f["geometry"]["coordinates"] for f in pts.getInfo()["features"]])
    assert np.array_equal(coords, again)
    on_line = ee.FeatureCollection.randomPoints(ee.Geometry.LineString([[0, 0], [1, 0]]), 50, 1).getInfo()
    assert all(f["geometry"]["coordinates"][1] == 0 for f in on_line["features"])
    picks = ee.FeatureCollection.randomPoints(ee.Geometry.MultiPoint([[0, 0], [5, 5]]), 20, 2).getInfo()
    assert {tuple(f["geometry"]["coordinates"]) for f in picks["features"]} <= {(0, 0), (5, 5)}


def test_covering_grid(ee_local):
    """10 m cells of EPSG:3857 (corners on multiples of 10) over x 5..25, y 5..15: columns 0-2 and rows 0-1, six
    cells of 100 m² each (worked by hand); a rectangle exactly on cell edges takes only the cells it covers."""
    ee = ee_local
    region = ee.Geometry.Rectangle([5, 5, 25, 15], "EPSG:3857", False)
    grid = region.coveringGrid(ee.Projection("EPSG:3857"), 10).getInfo()["features"]
    to_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    cells = sorted(tuple(round(v, 6) for v in to_3857.transform_bounds(*shape(f["geometry"]).bounds))
                   for f in grid)  # features travel as GeoJSON in lon/lat
    assert cells == sorted((x, y, x + 10, y + 10) for x in (0, 10, 20) for y in (0, 10))
    assert sorted(f["id"] for f in grid) == ["0,0", "0,1", "1,0", "1,1", "2,0", "2,1"]
    aligned = ee.Geometry.Rectangle([0, 0, 20, 10], "EPSG:3857", False).coveringGrid(ee.Projection("EPSG:3857"), 10)
    assert aligned.size().getInfo() == 2


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
