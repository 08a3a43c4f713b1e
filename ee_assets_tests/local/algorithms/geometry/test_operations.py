"""Geometry operations through the real client.

Measures are EE's geodesic ones (metres on the WGS84 ellipsoid), so expectations come from pyproj.Geod, or from
closed-form arcs of parallels for planar edges; shapes are compared with shapely on the input coordinates.
Reading: set operations and predicates treat edges as straight in lon/lat (EE bends geodesic edges); for the
degree-sized shapes here the difference is far below EE's default error margins, so shapely's answers are the
expectations.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import MultiPoint, Polygon, box, shape

from ee_assets_tests.support.shapes import same_shape

GEOD = Geod(ellps="WGS84")


def test_set_operations(ee_local):
    ee = ee_local
    a, b = box(0, 0, 2, 2), box(1, 1, 3, 3)
    ga, gb = ee.Geometry.Rectangle([0, 0, 2, 2]), ee.Geometry.Rectangle([1, 1, 3, 3])
    got = ee.Dictionary({"intersection": ga.intersection(gb), "union": ga.union(gb),
                         "difference": ga.difference(gb), "symmetric": ga.symmetricDifference(gb)}).getInfo()
    assert same_shape(got["intersection"], a.intersection(b))
    assert same_shape(got["union"], a.union(b))
    assert same_shape(got["difference"], a.difference(b))
    assert same_shape(got["symmetric"], a.symmetric_difference(b))


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


def test_shape_operations(ee_local):
    ee = ee_local
    pts = [[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 3]]
    hull = ee.Geometry.MultiPoint(pts).convexHull().getInfo()
    assert same_shape(hull, MultiPoint(pts).convex_hull)
    two = ee.Geometry.MultiPolygon([[[[0, 0], [2, 0], [2, 2], [0, 2]]], [[[1, 1], [3, 1], [3, 3], [1, 3]]]])
    dissolved = two.dissolve().getInfo()
    assert dissolved["type"] == "Polygon" and same_shape(dissolved, box(0, 0, 2, 2).union(box(1, 1, 3, 3)))
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




def test_set_operations_on_invalid_input_geometries(tmp_path, ee_on):
    """Table data often holds invalid polygons (a self-crossing "bowtie" ring, a spike); GEOS refuses them with a
    TopologyException, EE returns a result (it works within an error margin: every set operation takes 'maxError',
    algorithms.json). A bowtie ring reads as its two triangles (EE's even-odd rule, GeometryConstructors.Polygon's
    'evenOdd' default), a zero-width spike adds no area. Expected shapes are built by hand from those triangles."""
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    spiked = [[0, 0], [2, 0], [2, 2], [1, 2], [1, 3], [1, 2], [0, 2], [0, 0]]
    features = [{"type": "Feature", "properties": {"name": n}, "geometry": {"type": "Polygon", "coordinates": [r]}}
                for n, r in (("bowtie", bowtie), ("spiked", spiked))]
    (tmp_path / "invalid.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    ee = ee_on({"T/invalid": {"type": "TABLE", "path": "invalid.geojson"}})
    table = ee.FeatureCollection("T/invalid")
    triangles = Polygon([(0, 0), (0.5, 0.5), (0, 1)]).union(Polygon([(1, 0), (0.5, 0.5), (1, 1)]))
    square = box(0, 0, 2, 2)
    strip = box(0.2, 0, 0.8, 1)
    got = ee.Dictionary({
        "intersection": table.first().geometry().intersection(ee.Geometry.Rectangle([0.2, 0, 0.8, 1], None, False),
                                                              ee.ErrorMargin(1)),
        "union": table.geometry(),
        "dissolve": table.geometry().dissolve(),
        "difference": ee.Feature(table.toList(2).get(1)).geometry().difference(table.first().geometry(), 1),
    }).getInfo()
    assert same_shape(got["intersection"], triangles.intersection(strip))
    assert same_shape(got["union"], square) and same_shape(got["dissolve"], square)
    assert same_shape(got["difference"], square.difference(triangles))
    assert table.filterBounds(ee.Geometry.Rectangle([0.2, 0, 0.8, 1], None, False)).size().getInfo() == 2
