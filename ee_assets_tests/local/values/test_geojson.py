"""GeoJSON of geometries from their coordinate arrays: the same JSON as shapely's own `mapping`, one geometry at a
time, written by the standard library (what the backend answered before), for every kind of geometry."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import wkt
from shapely.geometry import mapping

from ee_assets.local.encoding.json_body import json_body
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geojson import coordinates_as_json, geojson_geometries, geojson_geometry


def reference(geoms) -> str:
    """The previous encoding: shapely's GeoJSON mapping of each geometry, written one coordinate at a time."""
    return json.dumps([mapping(g) for g in geoms], allow_nan=False)


def _ring(rng, cx, cy, r, n):
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = r * rng.uniform(0.6, 1.0, n)
    return np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])


def _polygon(rng, cx, cy, r, holes=0):
    inner = [_ring(rng, cx + r * 0.3 * math.cos(k * 2.1), cy + r * 0.3 * math.sin(k * 2.1), r * 0.1, 6)
             for k in range(holes)]
    return shapely.Polygon(_ring(rng, cx, cy, r, int(rng.integers(5, 40))), inner)


def random_geometries(seed: int) -> list:
    """Every kind the backend answers with, at full float64 precision, small and large magnitudes, in random order."""
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.integers(-6, 7)

    def xy(n):
        return rng.uniform(-180, 180, (n, 2)) * scale / 100

    geoms = [
        _polygon(rng, *xy(1)[0], scale, holes=0),
        _polygon(rng, *xy(1)[0], scale, holes=3),
        shapely.MultiPolygon([_polygon(rng, k * 3 * scale, 0, scale, holes=k % 3) for k in range(4)]),
        shapely.Point(xy(1)[0]),
        shapely.MultiPoint(xy(5)),
        shapely.LineString(xy(7)),
        shapely.LinearRing(_ring(rng, 0, 0, scale, 8)),
        shapely.MultiLineString([xy(3), xy(4)]),
        shapely.Point(-0.0, 0.0),
        # empty geometries of each kind
        shapely.Point(), shapely.LineString(), shapely.Polygon(), shapely.MultiPoint(), shapely.MultiLineString(),
        shapely.MultiPolygon(), shapely.GeometryCollection(),
        # the kinds shapely writes its own way (they keep the per-geometry path)
        shapely.GeometryCollection([shapely.Point(xy(1)[0]), _polygon(rng, 0, 0, scale, holes=1)]),
        shapely.Point(1.5, 2.5, 3.5),
        shapely.Polygon([(0, 0, 1), (1, 0, 2), (1, 1, 3), (0, 0, 1)]),
        wkt.loads("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), EMPTY)"),
        wkt.loads("MULTILINESTRING (EMPTY, (0 0, 1 1))"),
    ]
    if hasattr(shapely, "has_m"):
        geoms.append(wkt.loads("POLYGON M ((0 0 1, 1 0 1, 1 1 1, 0 0 1))"))
    rng.shuffle(geoms)
    return geoms


@pytest.mark.parametrize("seed", range(8))
def test_same_json_as_the_per_geometry_encoding(seed):
    geoms = random_geometries(seed)
    encoded = geojson_geometries(geoms)
    # Same keys in the same order, same structure, same floats (json.dumps writes each float's shortest repr).
    assert json.dumps(encoded, allow_nan=False) == reference(geoms)
    assert [json.dumps(geojson_geometry(g)) for g in geoms] == [json.dumps(mapping(g)) for g in geoms]
    # The response body (orjson) parses to the very same document ...
    assert json.dumps(json.loads(json_body(encoded))) == reference(geoms)
    # ... also with the coordinates written straight from the arrays, as the protocol has them written,
    with coordinates_as_json():
        written = geojson_geometries(geoms)
    assert json.dumps(json.loads(json_body(written))) == reference(geoms)
    # and through the standard encoder, which json_body falls back to for what orjson refuses (a big integer).
    assert json.dumps(json.loads(json_body({"n": 2**64, "g": written}))) == json.dumps(
        {"n": 2**64, "g": json.loads(reference(geoms))})


def test_many_geometries_in_one_batch_keep_their_order():
    geoms = [g for seed in range(20) for g in random_geometries(seed)]
    assert json.dumps(geojson_geometries(geoms)) == reference(geoms)
    assert geojson_geometries([]) == []


NAN, INF = float("nan"), float("inf")
NON_FINITE = {  # built in the test: shapely warns when it makes them
    "point": lambda: shapely.Point(NAN, 1.0),
    "line": lambda: shapely.LineString([(0, 0), (INF, 1)]),
    "hole": lambda: shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 0)], [[(0.1, 0.1), (0.2, NAN), (0.2, 0.2)]]),
    "multipolygon": lambda: shapely.MultiPolygon([shapely.box(0, 0, 1, 1),
                                                  shapely.Polygon([(5, 5), (6, -INF), (6, 6), (5, 5)])]),
    "point-z": lambda: shapely.Point(1.0, 2.0, NAN),  # Z: the per-geometry path checks too
    "collection": lambda: shapely.GeometryCollection([shapely.Point(0, 0), shapely.Point(NAN, 0)]),
}


@pytest.mark.filterwarnings("ignore:invalid value encountered")
@pytest.mark.parametrize("kind", NON_FINITE)
def test_non_finite_coordinates_are_refused(kind):
    """JSON has no NaN or infinity: such a geometry is an error that says what happened, not a broken document."""
    with pytest.raises(InvalidArgument, match="non-finite coordinate"):
        geojson_geometries([shapely.box(0, 0, 1, 1), NON_FINITE[kind]()])
    with coordinates_as_json(), pytest.raises(InvalidArgument, match="non-finite coordinate"):
        geojson_geometries([shapely.box(0, 0, 1, 1), NON_FINITE[kind]()])


def test_feature_collection_through_the_client(tmp_path, ee_on):
    """Features served from a table come back through the client (getInfo and computeFeatures) with the
    geometries geopandas reads from the file, to the last bit."""
    geoms = [g for g in random_geometries(3) if not g.is_empty and g.geom_type != "LinearRing"
             and not shapely.has_z(g) and g.geom_type != "GeometryCollection"]
    features = [{"type": "Feature", "properties": {"i": i}, "geometry": mapping(g)} for i, g in enumerate(geoms)]
    (tmp_path / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    expected = [mapping(g) for g in gpd.read_file(tmp_path / "t.geojson").sort_values("i").geometry]
    ee = ee_on({"T/g": {"type": "TABLE", "path": "t.geojson"}})
    fc = ee.FeatureCollection("T/g")
    for answer in (fc.getInfo(), ee.data.computeFeatures({"expression": fc})):
        got = sorted(answer["features"], key=lambda f: f["properties"]["i"])
        assert [list(f) for f in got] == [["type", "geometry", "properties", "id"]] * len(geoms)
        assert json.dumps([f["geometry"] for f in got]) == json.dumps(expected)


def test_non_finite_coordinate_through_the_client(ee_on):
    ee = ee_on({})
    with pytest.raises(ee.EEException, match="non-finite coordinate"):
        ee.Feature(ee.Geometry.Point([float("nan"), 0])).getInfo()
