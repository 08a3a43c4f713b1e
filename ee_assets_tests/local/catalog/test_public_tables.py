"""Features of synthetic public tables: geometry types, documented property schemas with plausible values, areas
that agree with an independent geodesic computation, consistent hierarchies, bounded and deterministic output."""

from __future__ import annotations

import pytest
import shapely
from pyproj import Geod

from ee_assets.local.catalog.public import synthetic, tables
from ee_assets_tests.local.catalog.popular_datasets import TABLES, place

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("table_id", TABLES)
def test_popular_tables_follow_their_schema(table_id):
    ds = synthetic.dataset(table_id)
    lon, lat = place(ds)
    r = min(1.5, 3 * tables.cell_size(ds))
    region = shapely.box(lon - r, lat - r, lon + r, lat + r)
    feats = synthetic.load_table(table_id, region)
    assert feats, "no feature near the dataset's centre"
    expected_geom = {"Polygon": "Polygon", "Point": "Point", "LineString": "LineString"}[ds.geometry]
    for f in feats:
        assert f.geometry.geom_type == expected_geom and f.geometry.is_valid and f.geometry.intersects(region)
        props = f.properties
        assert props["synthetic"] is True
        for p in ds.properties:
            if p.type in ("GEOMETRY", "RECORD"):
                assert p.name not in props
                continue
            kind = {"INT": int, "DOUBLE": (int, float), "STRING": str}[p.type.removesuffix("_LIST")]
            value = props[p.name][0] if p.type.endswith("_LIST") else props[p.name]
            assert isinstance(value, kind) and not isinstance(value, bool), (p.name, value)
    assert len({f.id for f in feats}) == len(feats)
    again = synthetic.load_table(table_id, region)
    assert [(f.id, f.geometry.wkb, f.properties) for f in again] == [(f.id, f.geometry.wkb, f.properties)
                                                                     for f in feats]


def test_polygons_tile_without_gaps_or_overlaps():
    feats = synthetic.load_table("FAO/GAUL/2015/level1", (0.0, 40.0, 20.0, 50.0))
    polys = [f.geometry for f in feats]
    union = shapely.union_all(polys)
    assert abs(union.area - sum(p.area for p in polys)) < 1e-9  # no overlaps
    assert union.covers(shapely.box(2.0, 42.0, 18.0, 48.0))  # no gaps inside


def test_areas_and_internal_points_are_computed_from_the_geometry():
    states = synthetic.load_table("TIGER/2018/States", (-100.0, 35.0, -90.0, 40.0))
    for f in states:
        area, _ = GEOD.geometry_area_perimeter(f.geometry)  # independent: pyproj's geodesic area
        assert abs(f.properties["ALAND"] + f.properties["AWATER"] - abs(area)) < 1e-6 * abs(area)
        lat = float(f.properties["INTPTLAT"])
        assert f.geometry.bounds[1] <= lat <= f.geometry.bounds[3]
        assert len(f.properties["STATEFP"]) == 2 and len(f.properties["STUSPS"]) == 2
    gaul = synthetic.load_table("FAO/GAUL/2015/level0", (0.0, 40.0, 10.0, 50.0))
    assert all(abs(f.properties["Shape_Area"] - f.geometry.area) < 1e-12 for f in gaul)


def test_parent_units_are_the_polygons_around():
    countries = {f.properties["ADM0_CODE"]: (f.properties["ADM0_NAME"], f.geometry)
                 for f in synthetic.load_table("FAO/GAUL/2015/level0", (-10.0, 30.0, 40.0, 60.0))}
    districts = synthetic.load_table("FAO/GAUL/2015/level2", (5.0, 45.0, 8.0, 48.0))
    assert districts
    for f in districts:
        name, country = countries[f.properties["ADM0_CODE"]]
        assert name == f.properties["ADM0_NAME"]
        assert country.covers(f.geometry.representative_point()) or country.buffer(1e-9).contains(
            f.geometry.centroid)


def test_points_and_lines():
    plants = synthetic.load_table("WRI/GPPD/power_plants", (0.0, 40.0, 10.0, 50.0))
    assert plants and all(f.geometry.geom_type == "Point" for f in plants)
    for f in plants:
        assert (f.properties["longitude"], f.properties["latitude"]) == (f.geometry.x, f.geometry.y)
    roads = synthetic.load_table("TIGER/2016/Roads", (-91.0, 38.0, -90.0, 39.0))
    assert roads and all(f.geometry.geom_type == "LineString" for f in roads)


def test_counts_are_bounded():
    blocks = synthetic.load_table("TIGER/2010/Blocks")
    assert len(blocks) == tables.MAX_FEATURES
    assert len(synthetic.load_table("TIGER/2010/Blocks", limit=10)) == 10
    assert len(synthetic.load_table("USDOS/LSIB_SIMPLE/2017")) < 1000


def test_not_a_table():
    with pytest.raises(KeyError):
        synthetic.load_table("USGS/SRTMGL1_003")
