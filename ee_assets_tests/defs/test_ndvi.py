"""NDVI assets end to end: `dagster.materialize` against the real embedded local server, asserting on the files.

Values are checked against coverage-weighted means computed here with exact shapely areas over the sample MODIS
GeoTIFFs (cross-checked with exactextract).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import dagster as dg
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import shapely.geometry
from exactextract import exact_extract

from ee_assets import ee_table_assets
from ee_assets.defs.resources import EarthEngineResource
from ee_assets.transport.expression import expression_hash
from ee_assets_tests.support.defs import asset, catalog_images, check, clear_ee_env, failures, metadata, resources

REPO = Path(__file__).resolve().parents[2]
MONTH, NEXT = "2020-06-01", "2020-07-01"
ndvi_by_state_expression, ndvi_by_state, ndvi_timeseries = (
    asset(k) for k in ("ndvi_by_state_expression", "ndvi_by_state", "ndvi_timeseries"))
ndvi_by_state_feature_count, ndvi_by_state_ndvi_in_range = (
    check(n) for n in ("ndvi_by_state_feature_count", "ndvi_by_state_ndvi_in_range"))
NDVI_ASSETS = [ndvi_by_state_expression, ndvi_by_state, ndvi_by_state_feature_count, ndvi_by_state_ndvi_in_range]


@pytest.fixture(scope="module")
def ndvi_run(sample_catalog, tmp_path_factory):
    """One materialization of the NDVI assets (and their checks) for June 2020."""
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        clear_ee_env(mp)
        mp.setenv("EE_OUTPUT_DIR", str(out / "not-used"))  # the resource's explicit root wins
        result = dg.materialize(NDVI_ASSETS, partition_key=MONTH, resources=resources(sample_catalog, out))
    assert result.success
    return result, out


def weighted_mean(geometry, data: np.ndarray, nodata: float, transform) -> float:
    """Coverage-weighted mean of `data` over `geometry` (pixels covered ≥ 0.5%), from exact shapely areas."""
    minx, miny, maxx, maxy = geometry.bounds
    c0, c1 = max(0, math.floor((minx - transform.c) / transform.a)), math.ceil((maxx - transform.c) / transform.a)
    r0, r1 = max(0, math.floor((transform.f - maxy) / -transform.e)), math.ceil((transform.f - miny) / -transform.e)
    c1, r1 = min(c1, data.shape[1]), min(r1, data.shape[0])
    if c0 >= c1 or r0 >= r1:
        return math.nan
    rows, cols = np.mgrid[r0:r1, c0:c1]
    x0, y0 = transform.c + cols * transform.a, transform.f + rows * transform.e
    cells = shapely.box(x0, y0 + transform.e, x0 + transform.a, y0)
    shapely.prepare(geometry)
    fraction = np.where(shapely.contains(geometry, cells), 1.0, 0.0)
    edge = shapely.intersects(geometry, cells) & (fraction == 0)
    fraction[edge] = shapely.area(shapely.intersection(geometry, cells[edge])) / abs(transform.a * transform.e)
    values = data[r0:r1, c0:c1].astype(float)
    weights = np.where((fraction >= 0.005) & (values != nodata), fraction, 0.0)
    return float((weights * values).sum() / weights.sum()) if weights.sum() > 0 else math.nan


def independent_ndvi(sample_catalog) -> dict[tuple[str, str], float]:
    """(STUSPS, date) → coverage-weighted mean NDVI × 0.0001 over the sample GeoTIFFs (NaN: no valid pixel)."""
    states = json.loads((sample_catalog.parent / "states.geojson").read_text())["features"]
    expected = {}
    for day, tif in catalog_images(sample_catalog, "MODIS/061/MOD13Q1", MONTH, NEXT):
        with rasterio.open(tif) as ds:
            band = ds.descriptions.index("NDVI") + 1
            data, nodata, transform = ds.read(band), ds.nodata, ds.transform
        for state in states:
            mean = weighted_mean(shapely.geometry.shape(state["geometry"]), data, nodata, transform)
            expected[(state["properties"]["STUSPS"], day.isoformat())] = mean * 0.0001
    return expected


@pytest.fixture(scope="module")
def reference(sample_catalog) -> dict[tuple[str, str], float]:
    return independent_ndvi(sample_catalog)


def test_reference_agrees_with_exactextract(sample_catalog, reference):
    """The reference above is exactextract's coverage-weighted mean, except where exactextract 0.3.0 drops a
    fully covered cell (CO, whose boundary passes through pixel corners; shapely shows the cell is inside)."""
    states = json.loads((sample_catalog.parent / "states.geojson").read_text())["features"]
    [(day, tif)] = catalog_images(sample_catalog, "MODIS/061/MOD13Q1", "2020-06-09", "2020-06-10")
    rows = exact_extract(str(tif), states, "mean(min_coverage_frac=0.005)", include_cols=["STUSPS"], output="pandas")
    theirs = dict(zip(rows["STUSPS"], rows["band_1_mean"] * 0.0001, strict=True))
    ours = {code: v for (code, d), v in reference.items() if d == day.isoformat()}
    for code, value in ours.items():
        if code != "CO":
            assert value == pytest.approx(theirs[code], abs=1e-9, nan_ok=True), code


def test_ndvi_values_match_an_independent_weighted_mean_of_the_sample_rasters(ndvi_run, reference):
    _, out = ndvi_run
    features = json.loads((out / "ndvi_by_state" / f"{MONTH}.geojson").read_text())["features"]
    ours = {(f["properties"]["STUSPS"], f["properties"]["date"]): f["properties"]["NDVI"] for f in features}
    expected = reference
    assert set(ours) == set(expected)
    assert len(expected) == 52 * 2  # 52 regions, MODIS images on 06-09 and 06-25
    for key, value in expected.items():
        if math.isnan(value):
            assert ours[key] is None, key  # no valid pixel: EE writes null
        else:
            assert ours[key] == pytest.approx(value, abs=1e-6), key
    assert {k[0] for k, v in expected.items() if math.isnan(v)} == {"AK", "HI", "PR"}


def test_geoparquet_copy_holds_the_same_rows(ndvi_run):
    _, out = ndvi_run
    collection = json.loads((out / "ndvi_by_state" / f"{MONTH}.geojson").read_text())
    frame = gpd.read_parquet(out / "ndvi_by_state" / f"{MONTH}.parquet")
    assert frame.crs.to_epsg() == 4326
    assert list(frame["id"]) == [f["id"] for f in collection["features"]]
    expected = np.array([f["properties"]["NDVI"] for f in collection["features"]], dtype=float)
    np.testing.assert_array_equal(frame["NDVI"].to_numpy(), expected)  # nulls become NaN


def test_expression_file_is_the_request_body_and_its_hash_the_data_version(ndvi_run):
    result, out = ndvi_run
    body = json.loads((out / "ndvi_by_state_expression" / f"{MONTH}.json").read_text())
    assert set(body) == {"expression"}
    md = metadata(result, "ndvi_by_state_expression")
    assert md["expression_sha256"] == expression_hash(body["expression"])
    assert "Image.reduceRegions" in md["algorithms"] and md["node_count"] > 10
    [event] = result.asset_materializations_for_node("ndvi_by_state_expression")
    assert event.tags["dagster/data_version"] == md["expression_sha256"]
    assert metadata(result, "ndvi_by_state")["expression_sha256"] == md["expression_sha256"]


def test_result_metadata_and_checks(ndvi_run):
    result, _ = ndvi_run
    md = metadata(result, "ndvi_by_state")
    assert (md["region_count"], md["image_count"], md["dagster/row_count"]) == (52, 2, 104)
    assert md["null_ndvi_count"] == 6  # AK, HI, PR in both images
    assert md["ee_pages"] == 2 and md["ee_requests"] == 2 and md["ee_backend"] == "local"  # count + 1 page
    assert md["ee_retries"] == 0 and md["ee_bytes_received"] > 0
    assert md["preview"].startswith("![") and "data:image/png;base64," in md["preview"]
    assert {c.name for c in md["dagster/column_schema"].columns} >= {"NAME", "NDVI", "date", "image_id"}
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"ndvi_by_state_feature_count": True, "ndvi_by_state_ndvi_in_range": True}


def test_paging_collects_every_page(sample_catalog, tmp_path, monkeypatch):
    clear_ee_env(monkeypatch)
    res = {**resources(sample_catalog, tmp_path),
           "earth_engine": EarthEngineResource(local_catalog=str(sample_catalog), page_size=10)}
    result = dg.materialize(NDVI_ASSETS, partition_key=MONTH, resources=res)
    md = metadata(result, "ndvi_by_state")
    assert md["ee_pages"] == 1 + 11 and md["dagster/row_count"] == 104  # the count, then ceil(104 / 10) pages
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_ndvi_timeseries_reads_the_partitions_on_disk(ndvi_run, sample_catalog):
    _, out = ndvi_run
    result = dg.materialize([ndvi_timeseries], resources=resources(sample_catalog, out))
    table = pd.read_parquet(out / "ndvi_timeseries" / "ndvi_timeseries.parquet")
    assert list(table.columns) == ["state", "date", "NDVI"]
    features = json.loads((out / "ndvi_by_state" / f"{MONTH}.geojson").read_text())["features"]
    expected = {(f["properties"]["NAME"], f["properties"]["date"]): f["properties"]["NDVI"] for f in features
                if f["properties"]["NDVI"] is not None}
    ours = {(s, d.strftime("%Y-%m-%d")): v for s, d, v in table.itertuples(index=False)}
    assert ours == expected
    csv = pd.read_csv(out / "ndvi_timeseries" / "ndvi_timeseries.csv")
    assert len(csv) == len(table) == 98
    md = metadata(result, "ndvi_timeseries")
    assert md["months"] == [MONTH] and md["rows_without_data"] == 6
    assert (out / "ndvi_timeseries" / "ndvi_timeseries.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rerun_replaces_files_cleanly(ndvi_run, sample_catalog):
    _, out = ndvi_run
    before = (out / "ndvi_by_state" / f"{MONTH}.geojson").read_bytes()
    result = dg.materialize(NDVI_ASSETS, partition_key=MONTH, resources=resources(sample_catalog, out))
    assert result.success
    assert (out / "ndvi_by_state" / f"{MONTH}.geojson").read_bytes() == before  # deterministic
    leftovers = [p.name for p in out.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_unknown_collection_fails_at_once_with_ee_message_and_keeps_previous_output(
        ndvi_run, sample_catalog, tmp_path, monkeypatch):
    _, out = ndvi_run
    geojson, parquet = out / "ndvi_by_state" / f"{MONTH}.geojson", out / "ndvi_by_state" / f"{MONTH}.parquet"
    before = geojson.read_bytes(), parquet.read_bytes()
    # The same computation (same asset keys and files) with a collection that does not exist, via the factory.
    folder = REPO / "ee_assets" / "defs" / "ndvi_by_state"
    wrong = ee_table_assets(asset_key="ndvi_by_state", graph="graph.py:ndvi_by_state", counts="graph.py:counts",
                            params={"regions": "TIGER/2018/States", "collection": "NOPE/NO_SUCH_COLLECTION"},
                            partitions={"monthly": {"start": "2020-01-01"}}, checks={"ranges": {"NDVI": [-1, 1]}},
                            base_dir=folder)

    result = dg.materialize([*wrong.assets, *wrong.asset_checks], partition_key=MONTH,
                            resources=resources(sample_catalog, out), raise_on_error=False)

    assert not result.success
    message = failures(result)["ndvi_by_state"]
    assert "NOT_FOUND" in message and "'NOPE/NO_SUCH_COLLECTION' not found" in message
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]  # 4xx: no retry
    assert (geojson.read_bytes(), parquet.read_bytes()) == before
