"""The shipped public-catalog facts against the catalog's documented examples, the type-inference rule, and the
build script's determinism (compaction and encoding; evaluating jsonnet itself needs the catalog-build extra)."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from ee_assets.local.catalog.public import build_facts, facts
from ee_assets.local.catalog.public.compact import compact_dataset
from ee_assets.local.catalog.public.inference import cadence, pixel_type, scene_grid, table_geometry


def test_source_is_recorded():
    src = facts.catalog_source()
    assert re.fullmatch(r"[0-9a-f]{40}", src["commit"])
    assert src["repository"] == "https://github.com/google/earthengine-catalog" and src["license"] == "Apache-2.0"


def test_counts_match_the_catalog():
    # ee_exports_and_catalog.md 2.3: 1,132 Collections in the snapshot (the two LANDFIRE files >= 4 MiB absent).
    ids = facts.dataset_ids()
    current = [i for i in ids if facts.dataset_facts(i).removed is None]
    assert len(current) == 1132
    assert len(facts.catalog_source()["missing_files"]) == 2
    kinds = {}
    for i in current:
        kinds[facts.dataset_facts(i).type] = kinds.get(facts.dataset_facts(i).type, 0) + 1
    assert kinds == {"IMAGE_COLLECTION": 841, "IMAGE": 175, "TABLE": 106, "TABLE_COLLECTION": 4, "BIGQUERY_TABLE": 6}


def test_landsat9_l2_as_documented():
    ds = facts.dataset_facts("LANDSAT/LC09/C02/T1_L2")
    assert ds.type == "IMAGE_COLLECTION" and ds.start == "2021-10-31" and ds.end is None
    assert ds.cadence["unit"] == "day" and ds.cadence["interval"] == 16 and ds.scenes == "WRS2" and ds.crs == "UTM"
    for name in ("SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"):
        b = ds.band(name)
        assert (b.scale, b.offset, b.gsd, b.minimum, b.maximum, b.type) == (2.75e-05, -0.2, 30, 1, 65455, "uint16")
    st = ds.band("ST_B10")
    assert (st.scale, st.offset, st.units) == (0.00341802, 149, "K")
    qa = ds.band("QA_PIXEL")
    assert qa.type == "uint16" and [p.first_bit for p in qa.bitmask][:5] == [0, 1, 2, 3, 4]
    assert ds.band("QA_RADSAT").bits and ds.band("SR_QA_AEROSOL").bits
    schema = {p.name: p.type for p in ds.properties}
    assert len(schema) == 47 and schema["CLOUD_COVER"] == "DOUBLE" and schema["WRS_PATH"] == "INT"


def test_sentinel2_sr_harmonized_as_documented():
    ds = facts.dataset_facts("COPERNICUS/S2_SR_HARMONIZED")
    assert ds.start == "2017-03-28" and ds.cadence["interval"] == 5 and ds.bbox == (-180, -56, 180, 83)
    assert [ds.band(b).gsd for b in ("B2", "B3", "B4", "B8")] == [10] * 4
    assert [ds.band(b).gsd for b in ("B5", "B6", "B7", "B8A", "B11", "B12")] == [20] * 6
    assert [ds.band(b).gsd for b in ("B1", "B9")] == [60, 60]
    assert ds.band("B4").scale == 1e-4 and ds.band("B4").type == "uint16"  # "12 UINT16 spectral bands"
    assert ds.band("AOT").scale == 1e-3 and ds.band("WVP").scale == 1e-3
    scl = ds.band("SCL")
    assert [c[0] for c in scl.classes] == list(range(1, 12)) and scl.type == "uint8"
    assert {p.first_bit for p in ds.band("QA60").bitmask if p.bit_count == 1} == {10, 11}
    assert ds.band("QA60").bits == 12
    assert (ds.band("MSK_CLDPRB").minimum, ds.band("MSK_CLDPRB").maximum) == (0, 100)


def test_worldcover_classes():
    m = facts.dataset_facts("ESA/WorldCover/v200").band("Map")
    assert [c[0] for c in m.classes] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100]
    assert m.classes[0] == (10, "Tree cover", "006400") and m.classes[-1][1] == "Moss and lichen"
    assert m.type == "uint8"


def test_tiger_states_schema():
    ds = facts.dataset_facts("TIGER/2018/States")
    types = {p.name: p.type for p in ds.properties}
    assert len(types) == 14 and types["ALAND"] == types["AWATER"] == "DOUBLE"
    assert sum(t == "STRING" for t in types.values()) == 12
    assert ds.geometry == "Polygon"


def test_deprecation_and_removed_datasets():
    hansen = facts.dataset_facts("UMD/hansen/global_forest_change_2023_v1_11")
    assert hansen.deprecated and hansen.successor == "UMD/hansen/global_forest_change_2024_v1_12"
    c01 = facts.dataset_facts("LANDSAT/LC08/C01/T1_TOA")
    assert c01.removed == "2024-08-09" and c01.deprecated and c01.scenes == "WRS2"
    assert facts.dataset_facts("projects/earthengine-public/assets/USGS/SRTMGL1_003").id == "USGS/SRTMGL1_003"
    assert facts.dataset_facts("USERS/me/not-public") is None


@pytest.mark.parametrize(("args", "expected"), [
    (([(10, "a", None), (100, "b", None)], None, None, None, None, None, None), "uint8"),
    (([(-1, "a", None), (5, "b", None)], None, None, None, None, None, None), "int8"),
    ((None, {"bits": 16}, None, None, None, None, None), "uint16"),
    ((None, None, 1, 65455, 2.75e-05, -0.2, None), "uint16"),          # Landsat SR
    ((None, None, -2000, 10000, 1e-4, None, None), "int16"),           # MODIS NDVI
    ((None, None, 0, 1, None, None, None), "float32"),                 # a 0..1 fraction
    ((None, None, None, None, 1e-4, None, (0, 3000)), "uint16"),       # Sentinel-2 reflectance
    ((None, None, None, None, None, None, (0, 255)), "uint8"),         # NAIP
    ((None, None, None, None, None, None, (250, 320)), "float32"),     # ERA5 temperature
    ((None, None, 0, 1444.34, None, None, None), "float32"),           # CHIRPS
])
def test_pixel_type_rule(args, expected):
    assert pixel_type(*args) == expected


def test_estimated_ranges_of_real_valued_datasets_stay_float():
    assert pixel_type(None, None, 65639, 102595, None, None, None, True, "Pa", True) == "float32"  # ERA5 pressure
    assert pixel_type(None, None, -50, 1, None, None, None, True, "dB", False) == "float32"  # Sentinel-1
    assert pixel_type(None, None, -10, 6500, None, None, None, True, "m", False) == "int16"  # SRTM
    era5 = facts.dataset_facts("ECMWF/ERA5/DAILY")
    assert era5.band("surface_pressure").type == "float32"
    assert facts.dataset_facts("USGS/SRTMGL1_003").band("elevation").type == "int16"


def test_cadence_inference():
    assert cadence("ECMWF/ERA5_LAND/DAILY_AGGR", {"kind": "cadence", "unit": "month", "interval": 1},
                   "1950-01-02", None)["unit"] == "day"
    assert cadence("LANDSAT/LC08/C01/T1_8DAY_NDVI", None, "2013-04-07", None)["interval"] == 8
    assert cadence("X/Y", None, "2021-01-01", "2022-01-01")["kind"] == "single"
    assert cadence("X/Y", None, "1985-01-01", "2024-12-31")["unit"] == "year"
    assert cadence("X/Y", {"kind": "revisit", "unit": "day", "interval": 16}, "2021-01-01", None)["interval"] == 16


def test_scene_grids_and_table_geometry():
    assert scene_grid("LANDSAT/LC09/C02/T1_L2") == scene_grid("LANDSAT/LC8_L1T_TOA") == "WRS2"
    assert scene_grid("LANDSAT/LC08/C02/T1_L2") == "WRS2" and scene_grid("LANDSAT/LC08/C01/T1_8DAY_NDVI") is None
    assert scene_grid("COPERNICUS/S2_SR_HARMONIZED") == scene_grid("GOOGLE/DYNAMICWORLD/V1") == "MGRS"
    assert table_geometry("Global Power Plant Database", [], [{"polygon_visualization": {}}],
                          ["name", "latitude", "longitude"]) == "Point"
    assert table_geometry("TIGER: US Census Roads", [], [], ["fullname"]) == "LineString"
    assert facts.dataset_facts("WCMC/WDPA/current/points").geometry == "Point"


RAW = {
    "commit": "0" * 40, "commit_date": "2026-01-01T00:00:00Z", "missing": [], "failed": {}, "removed": {},
    "docs": {
        "A/IMG": {"id": "A/IMG", "type": "Collection", "gee:type": "image", "title": "An image [deprecated]",
                  "gee:status": "deprecated",
                  "links": [{"rel": "successor-version", "title": "A/IMG2"}],
                  "extent": {"spatial": {"bbox": [[-10, -5, 10, 5]]},
                             "temporal": {"interval": [["2000-01-01T00:00:00Z", "2001-01-01T00:00:00Z"]]}},
                  "summaries": {"gsd": [30.0], "elevation": {"minimum": -10, "maximum": 6500,
                                                               "gee:estimated_range": True},
                                "eo:bands": [{"name": "elevation", "gee:units": "m"}]}},
        "A/TAB": {"id": "A/TAB", "type": "Collection", "gee:type": "table", "title": "Some points",
                  "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                             "temporal": {"interval": [["2010-01-01T00:00:00Z", None]]}},
                  "summaries": {"gee:schema": [{"name": "NAME", "type": "STRING", "description": "Name"}]}},
    },
}


def test_build_is_deterministic_and_readable(tmp_path, monkeypatch):
    data = build_facts.encode(build_facts.build(json.loads(json.dumps(RAW))))
    assert data == build_facts.encode(build_facts.build(json.loads(json.dumps(RAW))))
    assert data[4:8] == b"\0\0\0\0"  # gzip mtime 0
    lines = gzip.decompress(data).decode().splitlines()
    assert json.loads(lines[0])["source"]["commit"] == "0" * 40
    assert [line.split("\t")[0] for line in lines[1:]] == ["A/IMG", "A/TAB"]
    path = tmp_path / "facts.json.gz"
    path.write_bytes(data)
    monkeypatch.setattr(facts, "FACTS_PATH", path)
    facts._store.cache_clear()
    try:
        img = facts.dataset_facts("A/IMG")
        assert (img.title, img.status, img.successor, img.start, img.end) == (
            "An image", "deprecated", "A/IMG2", "2000-01-01", "2001-01-01")
        assert img.band("elevation").type == "int16" and img.gsd == 30
        tab = facts.dataset_facts("A/TAB")
        assert tab.geometry == "Point" and tab.end is None and tab.property_names() == ["NAME"]
    finally:
        facts._store.cache_clear()


def test_compaction_keeps_display_ranges_and_bitmasks():
    doc = {"id": "B/C", "gee:type": "image_collection", "title": "t",
           "extent": {"spatial": {"bbox": [[0, 0, 1, 1]]}, "temporal": {"interval": [["2020-01-01T00:00:00Z", None]]}},
           "gee:interval": {"type": "cadence", "unit": "day", "interval": 1},
           "summaries": {"eo:bands": [
               {"name": "QA", "gee:bitmask": {"total_bit_count": 8, "bitmask_parts": [
                   {"first_bit": 3, "bit_count": 1, "description": "Cloud"},
                   {"first_bit": 0, "bit_count": 2, "description": "Quality",
                    "values": [{"value": 0, "description": "good"}]}]}},
               {"name": "R", "gee:scale": 1e-4, "center_wavelength": 0.65, "gsd": 10}],
               "gee:visualizations": [{"image_visualization": {"band_vis": {"bands": ["R"], "min": [0],
                                                                            "max": [3000]}}}]}}
    entry = compact_dataset(doc)
    qa, r = entry["bands"]
    assert qa["bitmask"] == {"bits": 8, "parts": [[0, 2, "Quality", [[0, "good"]]], [3, 1, "Cloud", []]]}
    assert r == {"name": "R", "type": "uint16", "scale": 0.0001, "gsd": 10, "wavelength": 0.65, "display": [0, 3000]}
    assert entry["cadence"] == {"kind": "cadence", "unit": "day", "interval": 1, "source": "catalog"}
