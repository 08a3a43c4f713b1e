"""`output: export` in real Dagster runs against the local backend: options are validated; under seeded faults
(429/503 on start and poll) nothing is exported twice, a FAILED task fails the step with EE's message and the
previous files stay; a run whose process is SIGKILLed during an export is re-executed and re-attaches to the same
operation (one task at the server), and the outputs are those of one export."""

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
import yaml

from ee_assets import ee_table_assets
from ee_assets.components.options import ImageOptions
from ee_assets.defs.storage import OutputStore
from ee_assets.local import FaultConfig, LocalServer
from ee_assets_tests.support import export_defs
from ee_assets_tests.support.dagster_dev import DagsterDev, dagster_home, dev_environment
from ee_assets_tests.support.defs import (
    EE_ENV,
    clear_ee_env,
    failures,
    metadata,
    service_account_key,
    service_account_resource,
)
from ee_assets_tests.support.no_network import subprocess_pythonpath

DAGSTER = Path(sys.executable).with_name("dagster")
DEFS_FILE = Path(export_defs.__file__)
PROJECT = "ee-assets-test"


def assets_and_checks(key: str) -> list:
    """The asset, its expression asset and its checks from the test code location."""
    defs = export_defs.computations()
    wanted = {dg.AssetKey(key), dg.AssetKey(f"{key}_expression")}
    return [*[a for a in defs.assets if set(a.keys) & wanted],
            *[c for c in defs.asset_checks if any(k.asset_key == dg.AssetKey(key) for k in c.check_keys)]]


def operations(server: LocalServer) -> list[dict]:
    return server.exports.list(PROJECT, 500, None)["operations"]


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
            and not p.name.startswith(".")}


@pytest.mark.parametrize("options, message", [
    ({"output": "export"}, "output: export needs an `export:` block"),
    ({"export": {"destination": "gs://bucket-a/x"}}, "export: is set but output is 'compute'"),
    ({"output": "export", "export": {"destination": "gs://bucket-a/x", "bucket": "y"}}, "bucket"),
    ({"output": "export", "export": {"destination": "s3://bucket-a/x"}}, "neither gs://bucket/prefix nor an EE"),
    ({"output": "export", "export": {"destination": "gs://bucket-a/x", "format": "geotiff"}},
     "a table exports as geojson or csv"),
])
def test_export_options_are_validated(options, message):
    with pytest.raises(ValueError, match="(?s)" + message.replace("(", r"\(").replace(")", r"\)")):
        ee_table_assets(asset_key="t", graph=export_defs.big_points, **options)


@pytest.fixture()
def faulty(sample_catalog, tmp_path, monkeypatch):
    """A server answering 429/503 to a third of the requests (start and poll included), its buckets read locally."""
    clear_ee_env(monkeypatch)
    monkeypatch.setenv("EE_LOCAL_BUCKET_ROOT", str(tmp_path / "buckets"))
    faults = FaultConfig(rate=0.3, codes=(429, 503), retry_after_s=0, seed=5)
    with LocalServer(sample_catalog, token="unused", faults=faults, bucket_root=tmp_path / "buckets") as server:
        yield server, {"earth_engine": service_account_resource(server),
                       "output_store": OutputStore(root=str(tmp_path / "outputs"))}


def test_under_faults_each_export_runs_once_and_a_failed_task_keeps_the_previous_files(faulty, tmp_path):
    server, resources = faulty
    partition, instance = "2020-01-02", dg.DagsterInstance.ephemeral()  # the runs share an event log
    runs = [dg.materialize(assets_and_checks(key), partition_key=partition, resources=resources, instance=instance)
            for key in ("daily_image", "daily_points")]
    assert all(r.success for r in runs)
    assert len(operations(server)) == 2  # one task per export, whatever was retried
    image = metadata(runs[0], "daily_image")
    assert image["files"] == 2 and image["reattached"] is False
    assert image["uris"]["g"] == [f"gs://test-bucket/exports/daily_image/{partition}-0000000000-{c:010d}.tif"
                                  for c in (0, 256)]
    assert metadata(runs[1], "daily_points")["dagster/uri"] == f"gs://test-bucket/exports/daily_points/{partition}.csv"
    checks = [e for r in runs for e in r.get_asset_check_evaluations()]
    assert len(checks) == 3 and all(c.passed for c in checks)
    exported = files(tmp_path / "buckets")

    server.faults.task_failure_rate, server.faults.task_failure_message = 1.0, "Export failed: quota exceeded."
    failed = dg.materialize(assets_and_checks("daily_points"), partition_key=partition, resources=resources,
                            instance=instance, raise_on_error=False)
    assert not failed.success
    message = failures(failed)["daily_points"]
    assert "ended FAILED: Export failed: quota exceeded." in message and "partition 2020-01-02" in message
    assert len(operations(server)) == 3  # a new task for the new run, failed
    assert files(tmp_path / "buckets") == exported  # the previous partition's files stay as they were


@pytest.fixture()
def slow_server(sample_catalog, tmp_path):
    """A server whose export tasks stay RUNNING until the test shortens `faults.task_delay_s`."""
    with LocalServer(sample_catalog, token="unused", faults=FaultConfig(task_delay_s=600),
                     bucket_root=tmp_path / "buckets") as server:
        yield server


def step_environment(server: LocalServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k != "PYTHONPATH"}
    env.update(PYTHONPATH=subprocess_pythonpath(tmp_path / "guard"), DAGSTER_HOME=str(tmp_path / "home"),
               DAGSTER_DISABLE_TELEMETRY="1", EE_BACKEND="earthengine", EE_API_URL=server.url,
               EE_SERVICE_ACCOUNT_KEY=json.dumps(service_account_key(server)), EE_OUTPUT_DIR=str(tmp_path / "out"),
               EE_LOCAL_BUCKET_ROOT=str(tmp_path / "buckets"))
    (tmp_path / "home").mkdir(exist_ok=True)
    return env


def materialize(env: dict[str, str], key: str, partition: str) -> subprocess.Popen:
    return subprocess.Popen([str(DAGSTER), "asset", "materialize", "-f", str(DEFS_FILE), "--select",
                             f"{key}_expression,{key}", "--partition", partition], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_a_killed_run_is_reexecuted_and_reattaches_to_its_export(slow_server, tmp_path):
    server, partition = slow_server, "2020-01-03"
    env = step_environment(server, tmp_path)
    killed = materialize(env, "daily_points", partition)
    try:
        deadline = time.monotonic() + 300
        with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
            # until the task runs and the step has recorded its start in the event log (then it polls)
            while not ([op for op in operations(server) if op["metadata"]["state"] == "RUNNING"] and
                       instance.fetch_observations(dg.AssetKey("daily_points"), limit=1).records):
                assert killed.poll() is None and time.monotonic() < deadline, killed.stdout.read()[-4000:]
                time.sleep(0.1)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(30)
    assert killed.returncode == -signal.SIGKILL
    [started] = operations(server)
    assert not (tmp_path / "buckets").exists()  # nothing written yet

    server.faults.task_delay_s = 0.5
    again = materialize(env, "daily_points", partition)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out[-4000:]
    assert [op["name"] for op in operations(server)] == [started["name"]]  # one task: the same operation
    assert operations(server)[0]["metadata"]["state"] == "SUCCEEDED"
    assert f"Re-attaching to export {started['name']}" in out
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        [record] = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("daily_points"), asset_partitions=[partition]),
            limit=10).records
        meta = {k: v.value for k, v in record.asset_materialization.metadata.items()}
    assert meta["ee_operations"] == {"": started["name"]} and meta["reattached"] is True
    exported = files(tmp_path / "buckets")
    assert list(exported) == [f"test-bucket/exports/daily_points/{partition}.csv"]
    assert exported[f"test-bucket/exports/daily_points/{partition}.csv"].count(b"\n") == 201  # header + 200


TERMINATE_RUN = """
mutation Terminate($runId: String!) {
  terminateRun(runId: $runId) { __typename ... on TerminateRunFailure { message } ... on PythonError { message } }
}
"""
RUN_STATUS = """
query Run($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }
"""


@pytest.mark.e2e
def test_terminating_a_run_from_dagster_cancels_its_export(slow_server, tmp_path, sample_catalog):
    """`dagster dev` on the export code location: a backfill's run is terminated through the GraphQL API (the UI's
    Terminate button) while its export runs; the step cancels the operation, which ends CANCELLED at the server."""
    server, partition = slow_server, "2020-01-04"
    env = {**dev_environment(dagster_home(tmp_path / "home"), tmp_path / "out", sample_catalog, tmp_path / "guard"),
           **step_environment(server, tmp_path)}
    env["DAGSTER_HOME"] = str(tmp_path / "home")
    with DagsterDev(env, tmp_path / "dev.log", command=(str(DAGSTER), "dev", "-f", str(DEFS_FILE))) as dev:
        backfill = dev.launch_asset_backfill(["daily_image_expression", "daily_image"], [partition], "terminate")
        deadline = time.monotonic() + 600
        while not [op for op in operations(server) if op["metadata"]["state"] == "RUNNING"]:
            assert time.monotonic() < deadline, (tmp_path / "dev.log").read_text()[-4000:]
            time.sleep(0.5)
        [run] = [r for r in dev.backfill(backfill)["runs"] if r["status"] == "STARTED"]
        answer = dev.graphql(TERMINATE_RUN, {"runId": run["id"]})["terminateRun"]
        assert answer["__typename"] == "TerminateRunSuccess", answer
        while dev.graphql(RUN_STATUS, {"runId": run["id"]})["runOrError"]["status"] not in ("CANCELED",
                                                                                                 "FAILURE"):
            assert time.monotonic() < deadline
            time.sleep(0.5)
        status = dev.graphql(RUN_STATUS, {"runId": run["id"]})["runOrError"]["status"]
    [op] = operations(server)
    assert op["metadata"]["state"] == "CANCELLED" and op["error"]["code"] == 1
    assert status == "CANCELED"
    assert not (tmp_path / "buckets").exists()


def test_the_readme_example_is_valid_config():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("### Batch exports (`output: export`)"):]
    block = section[section.index("```yaml\n") + 8:section.index("```\n", section.index("```yaml\n") + 8)]
    attributes = yaml.safe_load(block)["attributes"]
    options = ImageOptions.model_validate(attributes)
    assert options.exporting and options.export.target("s2_median_export", "2020-06-01", "bay") == {
        "bucket": "my-bucket", "prefix": "ee/s2_median_export/bay/2020-06-01"}
