"""Every asset of the code location with its outputs on a real S3 API (moto's server on loopback), configured the
way a user does it: EE_OUTPUT_DIR=s3://bucket/prefix read by the code location's own resources.

- June 2020, every asset and check: the objects are byte-identical to the same run into a local folder, the checks
  (which read the objects back) pass, and each materialization's `dagster/uri` names its object.
- A rerun that fails half-way (Earth Engine runs out of memory on the composite's picture, after its GeoTIFF was
  fetched) leaves the previous objects — not even rewritten with the same bytes (the bucket is versioned) — and no
  partial or staged ones.
- A step killed half-way through the composite's tiled GeoTIFF leaves the previous objects; its tile checkpoints
  stay in local scratch space, and the next run fetches only the missing tiles and uploads the same bytes.
- An unsupported EE_OUTPUT_DIR fails the code location's load, saying what is supported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from ee_assets.defs.resources import EarthEngineResource
from ee_assets.defs.storage import OutputStore
from ee_assets.demo import composite_paths, ndvi_table
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.storage import Store, UnsupportedLocationError
from ee_assets_tests.support.defs import (
    EE_ENV,
    asset,
    clear_ee_env,
    code_location_resources,
    failures,
    materialize_everything,
    metadata,
    service_account_key,
    service_account_resource,
)
from ee_assets_tests.support.no_network import subprocess_pythonpath
from ee_assets_tests.support.s3_server import (
    bucket_name,
    create_bucket,
    object_versions,
    objects,
    s3_environment,
)

MONTH = "2020-06-01"
# The composite's picture is 640² = 409,600 pixels in one request; its GeoTIFF tiles stay under 200,000.
MEMORY_LIMIT_PIXELS = 300_000


def uris(results: list[dg.ExecuteInProcessResult]) -> dict[str, str]:
    """Asset key -> its materialization's dagster/uri."""
    return {e.asset_key.to_user_string(): e.materialization.metadata["dagster/uri"].value
            for r in results for e in r.get_asset_materialization_events()}


@pytest.fixture(scope="module")
def runs(sample_catalog, s3_endpoint, tmp_path_factory):
    """The month into a local folder, then into a versioned bucket, both through EE_OUTPUT_DIR."""
    folder = tmp_path_factory.mktemp("folder")
    bucket = bucket_name("every-asset-on-s3")
    create_bucket(s3_endpoint, bucket, versioned=True)
    done = {}
    with pytest.MonkeyPatch.context() as mp:
        clear_ee_env(mp)
        mp.setenv("EE_LOCAL_CATALOG", str(sample_catalog))
        mp.setenv("EE_SCRATCH_DIR", str(tmp_path_factory.mktemp("scratch")))
        for name, value in s3_environment(s3_endpoint).items():
            mp.setenv(name, value)
        for name, root in (("folder", str(folder / "outputs")), ("s3", f"s3://{bucket}/ee/outputs")):
            mp.setenv("EE_OUTPUT_DIR", root)
            results = materialize_everything(code_location_resources(), MONTH)
            for result in results:
                assert result.success, failures(result)
            done[name] = (Store.at(root), results)
        mp.delenv("EE_OUTPUT_DIR")
        yield done  # the tests read the bucket with the same AWS_* variables


def test_every_object_on_s3_is_byte_identical_to_the_folder_run(runs):
    (folder, _), (bucket, _) = runs["folder"], runs["s3"]
    in_folder, on_s3 = objects(folder), objects(bucket)
    assert sorted(on_s3) == [
        "ndvi_by_state/2020-06-01.geojson", "ndvi_by_state/2020-06-01.parquet",
        "ndvi_by_state_expression/2020-06-01.json",
        "ndvi_timeseries/ndvi_timeseries.csv", "ndvi_timeseries/ndvi_timeseries.parquet",
        "ndvi_timeseries/ndvi_timeseries.png",
        "s2_composite/delta/2020-06-01.png", "s2_composite/delta/2020-06-01.tif",
        "s2_composite_expression/delta/2020-06-01.json"]
    assert on_s3 == in_folder


def test_the_checks_read_the_objects_back_and_pass(runs):
    _, results = runs["s3"]
    evaluations = {e.check_name: e.passed for r in results for e in r.get_asset_check_evaluations()}
    assert len(evaluations) == 4 and all(evaluations.values()), evaluations


def test_dagster_uri_names_each_object(runs):
    store, results = runs["s3"]
    root = f"s3://{store.location.path}"
    assert uris(results) == {
        "ndvi_by_state_expression": f"{root}/ndvi_by_state_expression/2020-06-01.json",
        "ndvi_by_state": f"{root}/ndvi_by_state/2020-06-01.geojson",
        "s2_composite_expression": f"{root}/s2_composite_expression/delta/2020-06-01.json",
        "s2_composite": f"{root}/s2_composite/delta/2020-06-01.tif",
        "ndvi_timeseries": f"{root}/ndvi_timeseries/ndvi_timeseries.parquet"}
    folder_store, folder_results = runs["folder"]
    assert uris(folder_results)["s2_composite"] == f"{folder_store.location.path}/s2_composite/delta/2020-06-01.tif"


def test_a_rerun_failing_half_way_leaves_the_previous_objects_and_no_partial_ones(runs, sample_catalog, monkeypatch,
                                                                                   tmp_path):
    store, _ = runs["s3"]
    before, written = objects(store), object_versions(store)
    monkeypatch.setenv("EE_SCRATCH_DIR", str(tmp_path / "scratch"))
    with LocalServer(sample_catalog, faults=FaultConfig(memory_limit_pixels=MEMORY_LIMIT_PIXELS)) as server:
        resources = {"earth_engine": service_account_resource(server),
                     "output_store": OutputStore(root=f"s3://{store.location.path}")}
        monthly = materialize_everything(resources, MONTH)[0]
    assert "User memory limit exceeded." in failures(monthly)["s2_composite"]  # after its GeoTIFF was fetched
    composite = [k for k in before if k.startswith("s2_composite/")]
    assert objects(store) == before  # nothing new, nothing partial
    assert {k: object_versions(store)[k] for k in composite} == {k: written[k] for k in composite} == dict.fromkeys(
        composite, 1)  # the composite's objects were not even rewritten
    assert object_versions(store)["ndvi_by_state/2020-06-01.geojson"] == 2  # the steps that succeeded did publish
    assert [p for p in (tmp_path / "scratch").rglob("*") if p.is_file()] == []


def test_the_demo_summary_reads_the_bucket(runs):
    store, _ = runs["s3"]
    outputs = OutputStore(root=f"s3://{store.location.path}")
    assert composite_paths(outputs) == [f"s3://{store.location.path}/s2_composite/delta/2020-06-01.{e}"
                                        for e in ("png", "tif")]
    table = ndvi_table(outputs)
    assert "2020-06" in table and "Maine" in table and "2020-07" not in table


@pytest.mark.parametrize("value, expected", [
    ("az://container/outputs", "the scheme 'az' is not one of the supported ones"),
    ("s3://", "names no bucket"),
])
def test_an_unsupported_output_dir_fails_the_load(monkeypatch, value, expected):
    clear_ee_env(monkeypatch)
    monkeypatch.setenv("EE_OUTPUT_DIR", value)
    with pytest.raises(UnsupportedLocationError) as caught:
        code_location_resources()
    assert str(caught.value).startswith("EE_OUTPUT_DIR: ") and expected in str(caught.value)


def test_a_step_killed_during_the_tiled_fetch_leaves_the_objects_and_the_next_run_resumes(
        runs, sample_catalog, s3_endpoint, tmp_path, monkeypatch):
    store, _ = runs["s3"]
    root, key = f"s3://{store.location.path}", "s2_composite/delta/2020-06-01.tif"
    before, written = objects(store), object_versions(store)
    scratch = tmp_path / "scratch"
    monkeypatch.setenv("EE_SCRATCH_DIR", str(scratch))  # here and in the step's process
    parts = Path(f"{Store.at(root).scratch_path(key)}.parts")  # where the step checkpoints its tiles
    with LocalServer(sample_catalog, faults=FaultConfig(latency_ms=100)) as server:  # slow enough to be caught
        env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k != "PYTHONPATH"}
        env.update(s3_environment(s3_endpoint), PYTHONPATH=subprocess_pythonpath(tmp_path / "guard"),
                   DAGSTER_HOME=str(tmp_path), DAGSTER_DISABLE_TELEMETRY="1", EE_BACKEND="earthengine",
                   EE_API_URL=server.url, EE_SERVICE_ACCOUNT_KEY=json.dumps(service_account_key(server)),
                   EE_OUTPUT_DIR=root, EE_SCRATCH_DIR=str(scratch))
        step = subprocess.Popen([str(Path(sys.executable).with_name("dagster")), "asset", "materialize", "-m",
                                 "ee_assets.definitions", "--select", "s2_composite", "--partition", MONTH],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while not list(parts.glob("*.tif")) and step.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            os.killpg(step.pid, signal.SIGKILL)
            step.wait(timeout=30)
        assert step.returncode == -signal.SIGKILL, step.stderr.read()[-3000:]
        checkpointed = len(list(parts.glob("*.tif")))
        assert checkpointed >= 1
        assert objects(store) == before and object_versions(store) == written  # nothing replaced, nothing partial

        rerun = dg.materialize([asset("s2_composite")], partition_key=MONTH, raise_on_error=False, resources={
            "earth_engine": service_account_resource(server), "output_store": OutputStore(root=root)})
    assert rerun.success, failures(rerun)
    done = metadata(rerun, "s2_composite")
    assert done["tiles_resumed"] == checkpointed and done["tiles"] == 6
    assert objects(store) == before  # the same bytes as a fetch that was never interrupted ...
    assert object_versions(store)[key] == written[key] + 1  # ... uploaded once more, in one piece
    assert [p for p in scratch.rglob("*") if p.is_file()] == []  # checkpoints and staged COG cleaned up


def test_an_unsupported_root_fails_the_resource_setup(monkeypatch, sample_catalog):
    clear_ee_env(monkeypatch)
    result = dg.materialize([asset("ndvi_by_state_expression")], partition_key=MONTH, raise_on_error=False, resources={
        "earth_engine": EarthEngineResource(local_catalog=str(sample_catalog)),
        "output_store": OutputStore(root="gopher://outputs")})
    assert not result.success
    message = next(str(e.event_specific_data.error) for e in result.all_events
                   if e.event_type_value in ("RESOURCE_INIT_FAILURE", "STEP_FAILURE") and e.event_specific_data.error)
    assert "output_store.root: Unsupported output location 'gopher://outputs'" in message and "s3://" in message
