"""The deterministic sample catalog: its three datasets, determinism, caching and the atomic build."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
import yaml
from pyproj import Transformer
from shapely.geometry import shape

from ee_assets.local.catalog import sample_data as sd
from ee_assets.local.catalog.catalog import Catalog

POINT = (-121.58626826832939, 38.059141484827485)


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory) -> Path:
    return sd.build_sample_catalog(tmp_path_factory.mktemp("sample") / "data", log=lambda msg: None)


@pytest.fixture(scope="module")
def doc(catalog_path) -> dict:
    return yaml.safe_load(catalog_path.read_text())["assets"]


@pytest.fixture(scope="module")
def states(catalog_path) -> list[dict]:
    return json.loads((catalog_path.parent / "states.geojson").read_text())["features"]


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- the catalog ------------------------------------------------------------------------------------------
def test_default_sample_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("EE_ASSETS_SAMPLE_DIR", str(tmp_path / "here"))
    assert sd.default_sample_dir() == tmp_path / "here"
    monkeypatch.delenv("EE_ASSETS_SAMPLE_DIR")
    assert sd.default_sample_dir() == Path.home() / ".cache" / "ee_assets" / f"sample-v{sd.SAMPLE_VERSION}"


def test_catalog_lists_every_asset_and_loads(catalog_path, doc):
    assert set(doc) == {"TIGER/2018/States", "MODIS/061/MOD13Q1", "MODIS/006/MOD13Q1",
                        "COPERNICUS/S2_HARMONIZED", "COPERNICUS/S2"}
    for spec in doc.values():
        assert spec["properties"]["synthetic"] is True
        assert "synthetic" in spec["properties"]["description"].lower()
        assert "ee_assets" in spec["properties"]["description"]
        assert all(img["properties"]["synthetic"] is True for img in spec.get("images", []))
    assert doc["MODIS/061/MOD13Q1"]["images"] == doc["MODIS/006/MOD13Q1"]["images"]
    assert doc["COPERNICUS/S2_HARMONIZED"]["images"] == doc["COPERNICUS/S2"]["images"]
    catalog = Catalog.from_file(catalog_path)  # every path resolves inside the catalog folder
    assert len(catalog.assets["MODIS/006/MOD13Q1"].images) == 46
    assert len(catalog.assets["COPERNICUS/S2"].images) == 74
    assert len(catalog.load_table("TIGER/2018/States").elements) == 52


# -- TIGER/2018/States --------------------------------------------------------------------------------------
def test_states_have_the_real_attributes(states):
    assert len(states) == 52
    props = {f["properties"]["STUSPS"]: f["properties"] for f in states}
    assert len(props) == 52 and {"DC", "PR", "AK", "HI"} <= set(props)
    maine = props["ME"]
    assert (maine["NAME"], maine["STATEFP"], maine["GEOID"]) == ("Maine", "23", "23")
    assert (maine["REGION"], maine["DIVISION"]) == ("1", "1")
    assert props["CA"]["STATEFP"] == "06" and props["PR"]["STATEFP"] == "72" and props["DC"]["STATEFP"] == "11"
    for p in props.values():
        assert re.fullmatch(r"\d\d", p["STATEFP"]) and p["GEOID"] == p["STATEFP"]
        assert p["synthetic"] is True and p["NAME"]
    assert len({p["STATEFP"] for p in props.values()}) == 52


def test_state_geometries_are_valid_and_disjoint(states):
    geoms = {f["properties"]["STUSPS"]: shape(f["geometry"]) for f in states}
    for abbr, g in geoms.items():
        assert g.is_valid and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon"), abbr
        coords = shapely.get_coordinates(g)
        assert np.allclose(coords * 1e6, np.round(coords * 1e6), atol=1e-3), abbr  # rounded to 1e-6
    items = list(geoms.items())
    tree = shapely.STRtree([g for _, g in items])
    for i, (abbr, g) in enumerate(items):
        for j in tree.query(g):
            if j != i:
                assert g.intersection(items[j][1]).area < 1e-9, (abbr, items[j][0])
    assert geoms["HI"].geom_type == "MultiPolygon" and len(geoms["HI"].geoms) >= 4
    assert geoms["MI"].geom_type == "MultiPolygon"  # the two peninsulas
    assert len(geoms["UT"].interiors) == 1  # the Great Salt Lake
    assert geoms["DC"].area < 0.03 and geoms["TX"].area > 50


@pytest.mark.parametrize("abbr, west, south, east, north", [
    ("ME", -72, 43, -66, 48), ("CA", -125, 32, -114, 42), ("TX", -107, 25, -93, 37), ("FL", -88, 24, -79, 31.5),
    ("WA", -125, 45, -116, 49.5), ("NY", -80, 40, -71.5, 45.5), ("DC", -77.2, 38.7, -76.8, 39.1),
    ("AK", -180, 51, -129, 72), ("HI", -161, 18, -154, 23), ("PR", -68, 17.5, -65, 19),
])
def test_states_sit_where_the_real_ones_are(states, abbr, west, south, east, north):
    g = next(shape(f["geometry"]) for f in states if f["properties"]["STUSPS"] == abbr)
    c = g.centroid
    assert west < c.x < east and south < c.y < north
    minx, miny, maxx, maxy = g.bounds
    assert west - 1 < minx and maxx < east + 1 and south - 1 < miny and maxy < north + 1


# -- MODIS MOD13Q1 ------------------------------------------------------------------------------------------
def _modis_dates() -> list[dt.date]:
    return [dt.date(y, 1, 1) + dt.timedelta(days=d) for y in (2020, 2021) for d in range(0, 353, 16)]


def test_modis_images_on_the_real_dates_and_grid(catalog_path, doc):
    images = doc["MODIS/061/MOD13Q1"]["images"]
    assert [str(img["time_start"]) for img in images] == [d.isoformat() for d in _modis_dates()]
    assert len(images) == 46 and _modis_dates()[1] == dt.date(2020, 1, 17)
    for img, date in zip(images, _modis_dates(), strict=True):
        path = catalog_path.parent / img["path"]
        assert path.stem == f"{date:%Y_%m_%d}"
        with rasterio.open(path) as ds:
            assert ds.crs.to_epsg() == 4326
            assert ds.transform.almost_equals(rasterio.Affine(0.05, 0, -125.0, 0, -0.05, 50.0))
            assert (ds.width, ds.height, ds.count) == (1180, 520, 3)
            assert ds.dtypes == ("int16",) * 3 and ds.nodata == -3000
            assert ds.descriptions == ("NDVI", "EVI", "SummaryQA")
            assert ds.profile["tiled"] and ds.compression is not None


def test_modis_values_are_plausible_and_have_cloud_gaps(catalog_path, doc):
    by_date = {}
    for img in doc["MODIS/061/MOD13Q1"]["images"]:
        with rasterio.open(catalog_path.parent / img["path"]) as ds:
            ndvi, evi, qa = ds.read()
        gap = ndvi == -3000
        assert 0.01 < gap.mean() < 0.25
        assert ((evi == -3000) == gap).all() and ((qa == -3000) == gap).all()  # masked in all bands at once
        valid = ndvi[~gap]
        assert valid.min() >= -2000 and valid.max() <= 10000
        assert np.abs(evi[~gap] - 0.6 * valid).max() <= 1
        assert set(np.unique(qa[~gap])) <= {0, 1}
        by_date[str(img["time_start"])] = np.ma.masked_equal(ndvi, -3000)
    north_east = (slice(60, 140), slice(800, 1000))  # ~ 43–47 N, 85–75 W
    assert by_date["2020-07-11"][north_east].mean() > by_date["2020-01-17"][north_east].mean() + 3000
    south_west = (slice(300, 360), slice(180, 280))  # ~ 32–35 N, 116–111 W
    assert by_date["2020-07-11"][north_east].mean() > by_date["2020-07-11"][south_west].mean() + 3000


# -- Sentinel-2 ---------------------------------------------------------------------------------------------
def test_s2_images_every_five_days_with_realistic_ids(doc):
    images = doc["COPERNICUS/S2_HARMONIZED"]["images"]
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=d) for d in range(0, 366, 5)]
    assert len(images) == 74 and dates[-1] == dt.date(2020, 12, 31)
    for i, (img, date) in enumerate(zip(images, dates, strict=True)):
        stem = Path(img["path"]).stem
        assert re.fullmatch(r"\d{8}T\d{6}_\d{8}T\d{6}_T10SFH", stem) and stem.startswith(f"{date:%Y%m%d}T")
        assert str(img["time_start"]).startswith(date.isoformat())
        props = img["properties"]
        assert props["MGRS_TILE"] == "10SFH"
        assert props["SPACECRAFT_NAME"] == ("Sentinel-2A" if i % 2 == 0 else "Sentinel-2B")
        assert 0 <= props["CLOUDY_PIXEL_PERCENTAGE"] <= 65


def test_s2_grid_covers_the_area_around_the_point(catalog_path, doc):
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32610", always_xy=True).transform(*POINT)
    for img in doc["COPERNICUS/S2"]["images"][:3]:
        with rasterio.open(catalog_path.parent / img["path"]) as ds:
            assert ds.crs.to_epsg() == 32610 and ds.res == (10.0, 10.0) and (ds.width, ds.height) == (1000, 1000)
            assert ds.dtypes == ("uint16",) * 5 and ds.nodata is None
            assert ds.descriptions == ("B2", "B3", "B4", "B8", "QA60")
            assert ds.transform.c % 10 == 0 and ds.transform.f % 10 == 0
            b = ds.bounds
            assert b.left < x < b.right and b.bottom < y < b.top
            assert b.left < x + 5100 < b.right and b.bottom < y - 6400 < b.top
            assert abs(b.left - (x - 2000)) <= 5 and abs(b.top - (y + 2000)) <= 5


def _read_s2(catalog_path: Path, img: dict) -> np.ndarray:
    with rasterio.open(catalog_path.parent / img["path"]) as ds:
        return ds.read()


def test_s2_qa60_marks_exactly_the_bright_clouds(catalog_path, doc):
    fractions = []
    for img in doc["COPERNICUS/S2"]["images"]:
        data = _read_s2(catalog_path, img)
        qa = data[4]
        assert set(np.unique(qa)) <= {0, 1024, 2048}
        assert ((data[0] > 2000) == (qa != 0)).all()  # clear surfaces are never that bright in blue
        opaque = qa == 1024
        assert (data[:4, opaque] >= 4000).all() and (data[:4, opaque] <= 9000).all()
        fraction = (qa != 0).mean() * 100
        assert fraction == pytest.approx(img["properties"]["CLOUDY_PIXEL_PERCENTAGE"], abs=1e-3)
        fractions.append(fraction)
    assert min(fractions) == 0 and 30 < max(fractions) <= 62
    assert sum(f > 0 for f in fractions) >= 20


def test_s2_summer_composite_removes_the_clouds(catalog_path, doc):
    summer = [img for img in doc["COPERNICUS/S2"]["images"] if "2020-04" <= str(img["time_start"]) < "2020-09"]
    stack = np.stack([_read_s2(catalog_path, img) for img in summer])
    clear = (stack[:, 4] == 0).mean(axis=0)
    assert clear.min() > 0.5  # every pixel is cloud-free in most images
    median = np.median(stack[:, [0, 2, 3], ::2, ::2], axis=0)  # B2, B4, B8 on every other pixel
    assert median[0].max() < 2000  # even the unmasked median shows no cloud
    nir, red = median[2].astype(float), median[1].astype(float)
    ndvi = (nir - red) / (nir + red)
    assert (ndvi < 0).mean() > 0.01  # water channels
    assert (ndvi > 0.5).mean() > 0.2  # green fields in summer


# -- determinism, caching and the atomic build --------------------------------------------------------------
def test_two_builds_are_byte_identical(catalog_path, tmp_path):
    again = sd.build_sample_catalog(tmp_path / "again", log=lambda msg: None)
    assert _digests(again.parent) == _digests(catalog_path.parent)


def test_a_complete_build_is_reused_without_rewriting(catalog_path):
    folder = catalog_path.parent
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    messages: list[str] = []
    t0 = time.perf_counter()
    assert sd.build_sample_catalog(folder, log=messages.append) == catalog_path
    assert time.perf_counter() - t0 < 0.5 and messages == []
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before


def _fake_generate(folder: Path, log) -> None:
    (folder / "catalog.yaml").write_text("assets: {}\n")
    (folder / "marker").write_text("new")


def test_a_failed_build_leaves_nothing_behind(monkeypatch, tmp_path):
    def broken(folder: Path, log) -> None:
        (folder / "catalog.yaml").write_text("assets: {}\n")
        raise KeyboardInterrupt  # as if killed half-way

    monkeypatch.setattr(sd, "_generate", broken)
    with pytest.raises(KeyboardInterrupt):
        sd.build_sample_catalog(tmp_path / "out", log=lambda msg: None)
    assert list(tmp_path.iterdir()) == []


def test_incomplete_or_outdated_folders_are_replaced(monkeypatch, tmp_path):
    monkeypatch.setattr(sd, "_generate", _fake_generate)
    out = tmp_path / "out"
    out.mkdir()
    (out / "catalog.yaml").write_text("half-built")  # no stamp
    assert sd.build_sample_catalog(out, log=lambda msg: None) == out / "catalog.yaml"
    assert (out / "marker").read_text() == "new" and sd.is_complete(out)

    (out / sd.STAMP_NAME).write_text("0\n")  # an older sample version
    (out / "marker").write_text("old")
    sd.build_sample_catalog(out, log=lambda msg: None)
    assert (out / "marker").read_text() == "new"

    (out / "marker").write_text("old")
    sd.build_sample_catalog(out, log=lambda msg: None)  # complete: reused
    assert (out / "marker").read_text() == "old"
    sd.build_sample_catalog(out, force=True, log=lambda msg: None)
    assert (out / "marker").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary siblings left


def test_build_logs_one_line_per_dataset(monkeypatch, tmp_path):
    monkeypatch.setattr(sd, "_build_modis", lambda folder: ({}, "MODIS stub"))
    monkeypatch.setattr(sd, "_build_s2", lambda folder: ({}, "S2 stub"))
    messages: list[str] = []
    path = sd.build_sample_catalog(tmp_path / "out", log=messages.append)
    assert len(messages) == 4 and "TIGER/2018/States" in messages[0] and str(path) in messages[-1]
    assert list(yaml.safe_load(path.read_text())["assets"]) == ["TIGER/2018/States"]
