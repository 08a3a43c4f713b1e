"""The Python factories (`ee_table_assets`, `ee_image_assets`) and what every computation gets, materialized with
`dagster.materialize` against the real embedded local server.

Expected values come from the sample catalog's files (states.geojson, the GeoTIFFs) or are worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import ee
import numpy as np
import pytest
import rasterio
import yaml
from PIL import Image

from ee_assets import ee_image_assets, ee_table_assets
from ee_assets.components.scaffold import ImageScaffolder, TableScaffolder
from ee_assets_tests.support.defs import catalog_images, clear_ee_env, failures, metadata, resources

MONTH = "2020-06-01"
STATES = ["ME", "NH", "VT"]


def three_states(regions: str) -> ee.FeatureCollection:
    """Three states with their area in km² (an unpartitioned computation: no window)."""
    chosen = ee.FeatureCollection(regions).filter(ee.Filter.inList("STUSPS", STATES))
    return chosen.map(lambda f: f.set("area_km2", f.geometry().area(1).divide(1e6)))


def _run(definitions: dg.Definitions, catalog, out, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize([*definitions.assets, *definitions.asset_checks], resources=resources(catalog, out),
                          raise_on_error=False, **kwargs)


@pytest.fixture()
def env(monkeypatch):
    clear_ee_env(monkeypatch)


def test_an_unpartitioned_table_from_a_python_function(env, sample_catalog, tmp_path):
    definitions = ee_table_assets(
        asset_key="regions/three_states", graph=three_states, params={"regions": "TIGER/2018/States"},
        checks={"ranges": {"area_km2": [1_000, 200_000]}}, preview={"column": "area_km2", "colormap": "viridis"},
        owners=["team:geo"], tags={"domain": "admin"}, kinds=["vector"], description="Three New England states.")
    result = _run(definitions, sample_catalog, tmp_path)
    assert result.success, failures(result)

    # Files: <asset_key>/<last part of the key><ext> when unpartitioned.
    collection = json.loads((tmp_path / "regions" / "three_states" / "three_states.geojson").read_text())
    source = {f["properties"]["STUSPS"]: f for f in
              json.loads((sample_catalog.parent / "states.geojson").read_text())["features"]}
    assert sorted(f["properties"]["STUSPS"] for f in collection["features"]) == STATES
    for feature in collection["features"]:
        code = feature["properties"]["STUSPS"]
        assert feature["properties"]["NAME"] == source[code]["properties"]["NAME"]
    assert (tmp_path / "regions" / "three_states_expression" / "three_states_expression.json").is_file()

    md = metadata(result, "regions__three_states")  # the op of key regions/three_states
    assert md["dagster/row_count"] == 3 and md["null_area_km2_count"] == 0
    assert md["dagster/uri"].endswith("regions/three_states/three_states.geojson")
    assert "data:image/png;base64," in md["preview"] and "counts" not in md
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"regions__three_states_feature_count": True, "regions__three_states_area_km2_in_range": True}

    spec = {s.key.to_user_string(): s for s in definitions.assets[1].specs}["regions/three_states"]
    assert spec.group_name == "three_states" and spec.owners == ["team:geo"] and spec.tags["domain"] == "admin"
    assert spec.kinds >= {"earthengine", "geojson", "parquet", "vector"}
    assert spec.description == "Three New England states." and spec.partitions_def is None
    assert definitions.assets[1].op.pool == "earth_engine" and definitions.assets[0].op.pool is None
    assert [d.asset_key for d in spec.deps] == [dg.AssetKey(["regions", "three_states_expression"])]


def test_a_declared_range_that_fails_is_reported(env, sample_catalog, tmp_path):
    definitions = ee_table_assets(asset_key="three_states", graph=three_states,
                                  params={"regions": "TIGER/2018/States"},
                                  checks={"ranges": {"area_km2": [0, 1]}, "blocking": False})
    result = _run(definitions, sample_catalog, tmp_path)
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name.endswith("in_range")]
    assert not evaluation.passed
    assert evaluation.description == "3 area_km2 values outside [0, 1], 0 not numbers."


def test_the_code_version_follows_the_params(env):
    def build(regions: str) -> dg.AssetsDefinition:
        return ee_table_assets(asset_key="x", graph=three_states, params={"regions": regions}).assets[1]

    assert build("A").code_versions_by_key == build("A").code_versions_by_key
    assert build("A").code_versions_by_key != build("B").code_versions_by_key


def test_a_zero_count_fails_the_partition_before_computing(env, sample_catalog, tmp_path):
    def counts(start: str, end: str) -> ee.Dictionary:
        return ee.Dictionary({"image_count": ee.ImageCollection("MODIS/061/MOD13Q1").filterDate(start, end).size()})

    def graph(start: str, end: str) -> ee.FeatureCollection:
        return ee.FeatureCollection("TIGER/2018/States")

    definitions = ee_table_assets(asset_key="nothing", graph=graph, counts=counts,
                                  partitions={"monthly": {"start": "2019-01-01"}})
    result = _run(definitions, sample_catalog, tmp_path, partition_key="2019-06-01")
    assert not result.success
    message = failures(result)["nothing"]
    assert "nothing: image_count = 0 in [2019-06-01, 2019-07-01)" in message
    assert "the local sample data has MODIS for 2020-2021" in message
    assert not (tmp_path / "nothing").exists()


def test_a_graph_returning_the_wrong_type_fails_with_what_to_return(env, sample_catalog, tmp_path):
    def graph(start, end):  # no annotation: found out when it runs
        return ee.ImageCollection("MODIS/061/MOD13Q1").filterDate(start, end).first()

    definitions = ee_table_assets(asset_key="wrong", graph=graph, partitions={"monthly": {"start": "2020-01-01"}})
    result = _run(definitions, sample_catalog, tmp_path, partition_key=MONTH)
    assert "returned ee.Image, but an ee.FeatureCollection is needed here" in failures(result)["wrong_expression"]


def test_invalid_factory_options_name_the_option(tmp_path):
    with pytest.raises(ValueError, match="graph: there is no file graph.py in"):
        ee_table_assets(asset_key="x", graph="graph.py:nope", base_dir=tmp_path)
    with pytest.raises(ValueError, match="graph: 'graph.py' is a file, but there is no folder to find it in"):
        ee_table_assets(asset_key="x", graph="graph.py:nope")
    with pytest.raises(ValueError, match=r"partitions\n  Extra inputs are not permitted|partitionz"):
        ee_table_assets(asset_key="x", graph=three_states, params={"regions": "r"}, partitionz={})


def ndvi(start: str, end: str, collection: str) -> ee.Image:
    """Median NDVI (B8, B4) of the month, the same everywhere (no region parameter)."""
    scenes = ee.ImageCollection(collection).filterDate(start, end)
    return scenes.median().normalizedDifference(["B8", "B4"]).rename("NDVI").addBands(scenes.median().select("B8"))


def test_an_image_on_two_grids_with_a_jpeg_and_a_band_subset(env, sample_catalog, tmp_path):
    grids = {"west": {"crs": "EPSG:32610", "upper_left": [622030, 4215320], "scale": 10, "width": 100, "height": 50},
             "east": {"crs": "EPSG:32610", "bounds": [631030, 4214320, 632030, 4215320], "scale": 20}}
    definitions = ee_image_assets(
        asset_key="ndvi_two_grids", graph=ndvi, params={"collection": "COPERNICUS/S2_HARMONIZED"},
        partitions={"monthly": {"start": "2020-01-01"}}, grids=grids, bands=["NDVI"], formats=["geotiff", "jpeg"],
        visualization={"bands": ["NDVI"], "min": 0, "max": 1, "palette": ["white", "green"]})
    result = _run(definitions, sample_catalog, tmp_path, partition_key=MONTH)
    assert result.success, failures(result)
    out = tmp_path / "ndvi_two_grids"
    with rasterio.open(out / "west" / f"{MONTH}.tif") as ds:
        assert (ds.width, ds.height, ds.count, ds.descriptions) == (100, 50, 1, ("NDVI",))
        west = ds.read(1)
    with rasterio.open(out / "east" / f"{MONTH}.tif") as ds:
        assert (ds.width, ds.height) == (50, 50) and tuple(ds.transform)[:6] == (20, 0, 631030, 0, -20, 4215320)
    with Image.open(out / "east" / f"{MONTH}.jpg") as picture:
        assert picture.format == "JPEG" and picture.size == (50, 50)

    # The west grid is the sample tile's upper-left corner at its own 10 m: pixel (r, c) is the source's (r, c).
    b8, b4 = [], []
    for _, tif in catalog_images(sample_catalog, "COPERNICUS/S2_HARMONIZED", MONTH, "2020-07-01"):
        with rasterio.open(tif) as ds:
            names = list(ds.descriptions)
            data = ds.read(window=((0, 50), (0, 100))).astype(float)
        b8.append(data[names.index("B8")])
        b4.append(data[names.index("B4")])
    nir, red = np.median(b8, axis=0), np.median(b4, axis=0)
    np.testing.assert_allclose(west, (nir - red) / (nir + red), rtol=0, atol=1e-6)

    expression = metadata(result, "ndvi_two_grids_expression")
    assert expression["expression_sha256"]["west"] == expression["expression_sha256"]["east"]  # no region: same
    md = metadata(result, "ndvi_two_grids")
    assert set(md["requested_grids"]) == {"west", "east"} and md["jpeg_path"].endswith("west/2020-06-01.jpg")
    assert {e.check_name: e.passed for e in result.get_asset_check_evaluations()} == {
        "ndvi_two_grids_not_masked": True, "ndvi_two_grids_grid_matches_request": True}


def test_a_schedule_requests_the_latest_complete_partition(env):
    definitions = ee_table_assets(
        asset_key="daily_regions", graph="ee_assets.defs.ndvi_by_state.graph:ndvi_by_state",
        params={"regions": "TIGER/2018/States", "collection": "MODIS/061/MOD13Q1"},
        partitions={"weekly": {"start": "2020-01-06"}}, automation={"on_cron": "0 3 * * 1"},
        freshness={"fail_window_hours": 200},
        schedule={"cron": "0 3 * * 1", "include_downstream": False})
    [job], [schedule] = definitions.jobs, definitions.schedules
    assert job.name == "daily_regions_job" and schedule.name == "daily_regions_job_schedule"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED and schedule.cron_schedule == "0 3 * * 1"
    repository = dg.Definitions(assets=definitions.assets, jobs=[job], schedules=[schedule],
                                resources={"earth_engine": dg.ResourceDefinition.none_resource(),
                                           "output_store": dg.ResourceDefinition.none_resource()}
                                ).get_repository_def()
    tick = dt.datetime(2020, 3, 16, 3, tzinfo=dt.UTC)  # a Monday: the week of 2020-03-09 has just ended
    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=repository)
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2020-03-09"
    expression, result = definitions.assets
    assert expression.automation_conditions_by_key[expression.key] == dg.AutomationCondition.on_cron("0 3 * * 1")
    assert result.specs_by_key[result.key].freshness_policy.fail_window.to_timedelta() == dt.timedelta(hours=200)


@pytest.mark.parametrize("scaffolder, name", [(TableScaffolder, "my_table"), (ImageScaffolder, "my_image")])
def test_the_scaffolded_skeletons_work(env, sample_catalog, tmp_path, scaffolder, name):
    folder = tmp_path / "defs" / name
    scaffolder().scaffold(dg.ScaffoldRequest(type_name="x", target_path=folder, scaffold_format="yaml",
                                             project_root=None, params=None))
    doc = yaml.safe_load((folder / "defs.yaml").read_text())
    assert doc["attributes"]["asset_key"] == name
    build = ee_table_assets if "Table" in doc["type"] else ee_image_assets
    definitions = build(**doc["attributes"], base_dir=folder)
    result = _run(definitions, sample_catalog, tmp_path / "out", partition_key=MONTH)
    assert result.success, failures(result)
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_definitions_with_earthengine_import_no_local_backend_and_show_env_vars():
    code = ("import os, sys, dagster as dg\n"
            "from ee_assets.definitions import defs\n"
            "local = sorted(m for m in sys.modules if m.startswith('ee_assets.local'))\n"
            "ee = defs.resources['earth_engine']\n"
            "print(local, ee.backend.value, isinstance(ee.project, dg.EnvVar), ee.project.env_var_name,\n"
            "      isinstance(defs.resources['output_store'].root, dg.EnvVar))\n")
    env = {"EE_BACKEND": "earthengine", "EE_PROJECT": "my-project", "EE_OUTPUT_DIR": "/tmp/x", "PATH": "/usr/bin",
           "HOME": str(Path.home())}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["[]", "earthengine", "True", "EE_PROJECT", "True"]

    bad = subprocess.run([sys.executable, "-c", "import ee_assets.definitions"], env={**env, "EE_BACKEND": "lokal"},
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "EE_BACKEND must be 'local' or 'earthengine', got 'lokal'" in bad.stderr
