"""All outputs of a partition are replaced together or not at all, in a folder and on a real S3 API (moto's server).

An image computation on two grids, each a GeoTIFF and a PNG. The rerun (with a changed parameter, so every file
would change) meets Earth Engine's memory limit on the second grid's picture: the first grid's GeoTIFF and PNG and the
second grid's GeoTIFF are all complete by then. None of them may replace the previous run's files, and nothing
partial or staged may be left. Before, the first grid's new GeoTIFF was already in place next to its old PNG.
"""

from __future__ import annotations

import dagster as dg
import ee
import numpy as np
import pytest
import rasterio

from ee_assets import ee_image_assets
from ee_assets.defs.resources import EarthEngineResource
from ee_assets.defs.storage import OutputStore
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.storage import Store
from ee_assets_tests.support.defs import clear_ee_env, failures, service_account_resource
from ee_assets_tests.support.s3_server import (
    bucket_name,
    create_bucket,
    object_versions,
    objects,
    s3_environment,
)

MONTH = "2020-06-01"
GRIDS = {"west": {"crs": "EPSG:32610", "upper_left": [622030, 4215320], "scale": 10, "width": 100, "height": 50},
         "east": {"crs": "EPSG:32610", "upper_left": [628030, 4214320], "scale": 10, "width": 200, "height": 200}}
# EE runs out of memory on requests over 10,000 pixels: the east GeoTIFF still comes (its tile is halved twice), the
# east picture (40,000 pixels in one request) does not.
MEMORY_LIMIT_PIXELS = 10_000


def scaled_ndvi(start: str, end: str, collection: str, factor: float) -> ee.Image:
    """The month's median NDVI times `factor` (the rerun changes it, so every output would change)."""
    scenes = ee.ImageCollection(collection).filterDate(start, end)
    return scenes.median().normalizedDifference(["B8", "B4"]).multiply(factor).rename("NDVI")


def two_grids(factor: float) -> list:
    definitions = ee_image_assets(
        asset_key="ndvi_two_grids", graph=scaled_ndvi, params={"collection": "COPERNICUS/S2_HARMONIZED",
                                                               "factor": factor},
        partitions={"monthly": {"start": "2020-01-01"}}, grids=GRIDS,
        visualization={"bands": ["NDVI"], "min": 0, "max": 1, "palette": ["white", "green"]})
    return [*definitions.assets, *definitions.asset_checks]


@pytest.fixture(params=["folder", "s3"])
def root(request, tmp_path, monkeypatch) -> str:
    clear_ee_env(monkeypatch)
    monkeypatch.setenv("EE_SCRATCH_DIR", str(tmp_path / "scratch"))
    if request.param == "folder":
        return str(tmp_path / "outputs")
    endpoint = request.getfixturevalue("s3_endpoint")
    for name, value in s3_environment(endpoint).items():
        monkeypatch.setenv(name, value)
    bucket = bucket_name(request.node.name)
    create_bucket(endpoint, bucket, versioned=True)
    return f"s3://{bucket}/ee"


def test_a_partition_failing_on_its_second_grid_replaces_none_of_its_outputs(root, sample_catalog, tmp_path):
    store = Store.at(root)
    first = dg.materialize(two_grids(factor=1.0), partition_key=MONTH, raise_on_error=False, resources={
        "earth_engine": EarthEngineResource(local_catalog=str(sample_catalog)), "output_store": OutputStore(root=root)})
    assert first.success, failures(first)
    previous = objects(store)
    results = {k: v for k, v in previous.items() if k.startswith("ndvi_two_grids/")}
    assert sorted(results) == [f"ndvi_two_grids/{g}/{MONTH}.{e}" for g in ("east", "west") for e in ("png", "tif")]

    with LocalServer(sample_catalog, faults=FaultConfig(memory_limit_pixels=MEMORY_LIMIT_PIXELS)) as server:
        rerun = dg.materialize(two_grids(factor=2.0), partition_key=MONTH, raise_on_error=False, resources={
            "earth_engine": service_account_resource(server), "output_store": OutputStore(root=root)})
    assert "User memory limit exceeded." in failures(rerun)["ndvi_two_grids"]
    after = objects(store)
    assert {k: after[k] for k in results} == results  # every GeoTIFF and PNG is the previous run's
    assert set(after) == set(previous)  # nothing partial or staged beside them
    assert after["ndvi_two_grids_expression/west/2020-06-01.json"] != previous[  # (the expressions did change)
        "ndvi_two_grids_expression/west/2020-06-01.json"]
    assert [p for p in (tmp_path / "scratch").rglob("*") if p.is_file()] == []  # nor in local scratch space
    if not store.is_local:  # each written once: untouched, not replaced by the same bytes
        assert {k: n for k, n in object_versions(store).items() if k in results} == dict.fromkeys(results, 1)

    # Without the limit, the rerun replaces all four together.
    third = dg.materialize(two_grids(factor=2.0), partition_key=MONTH, raise_on_error=False, resources={
        "earth_engine": EarthEngineResource(local_catalog=str(sample_catalog)), "output_store": OutputStore(root=root)})
    assert third.success, failures(third)
    replaced = objects(store)
    assert all(replaced[k] != results[k] for k in results)
    with store.local_copy(f"ndvi_two_grids/west/{MONTH}.tif") as new, rasterio.open(new) as ds:
        doubled = ds.read(1, masked=True)
    with rasterio.MemoryFile(results[f"ndvi_two_grids/west/{MONTH}.tif"]) as mem, mem.open() as ds:
        single = ds.read(1, masked=True)
    np.testing.assert_allclose(doubled.filled(np.nan), 2 * single.filled(np.nan), rtol=1e-12)
