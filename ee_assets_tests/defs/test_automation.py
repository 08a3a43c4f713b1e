"""The code location as Dagster sees it: definitions, schedules, dagster.yaml, and the `dagster` CLI.

The CLI runs in subprocesses with DAGSTER_HOME and EE_OUTPUT_DIR in tmp folders; a sitecustomize on their
PYTHONPATH installs the same no-network guard as conftest, so the subprocesses cannot reach the internet either.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from ee_assets.definitions import defs
from ee_assets_tests.support.defs import EE_ENV
from ee_assets_tests.support.no_network import subprocess_pythonpath

REPO = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")

def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert keys == {"ndvi_by_state_expression", "ndvi_by_state", "ndvi_timeseries", "s2_composite_expression",
                    "s2_composite"}
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("ndvi_by_state")).parent_keys == {dg.AssetKey("ndvi_by_state_expression")}
    assert graph.get(dg.AssetKey("s2_composite")).parent_keys == {dg.AssetKey("s2_composite_expression")}
    assert graph.get(dg.AssetKey("ndvi_timeseries")).parent_keys == {dg.AssetKey("ndvi_by_state")}


def test_ee_calling_assets_are_pooled_and_leave_retries_to_the_transport():
    """The transport retries transient errors within its time budget; a step retry on top would multiply it."""
    for name in ("ndvi_by_state", "s2_composite"):
        assets_def = defs.resolve_assets_def(name)
        assert assets_def.op.pool == "earth_engine"
        assert assets_def.op.retry_policy is None
    for name in ("ndvi_by_state_expression", "s2_composite_expression", "ndvi_timeseries"):
        assert defs.resolve_assets_def(name).op.pool is None


@pytest.mark.parametrize("schedule, job", [("ndvi_monthly_job_schedule", "ndvi_monthly_job"),
                                           ("s2_composite_monthly_job_schedule", "s2_composite_monthly_job")])
@pytest.mark.parametrize("tick, partition", [(dt.datetime(2020, 7, 5, 6, tzinfo=dt.UTC), "2020-06-01"),
                                             (dt.datetime(2021, 1, 5, 6, tzinfo=dt.UTC), "2020-12-01")])
def test_schedule_tick_requests_the_latest_complete_month(schedule, job, tick, partition):
    definition = defs.resolve_schedule_def(schedule)
    assert definition.default_status == dg.DefaultScheduleStatus.STOPPED
    assert definition.job_name == job and definition.cron_schedule == "0 6 5 * *"
    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    [request] = definition.evaluate_tick(context).run_requests
    assert request.partition_key == partition


def test_schedule_jobs_cover_their_groups():
    ndvi = defs.resolve_job_def("ndvi_monthly_job")
    composite = defs.resolve_job_def("s2_composite_monthly_job")
    assert {k.to_user_string() for k in ndvi.asset_layer.executable_asset_keys} == {
        "ndvi_by_state_expression", "ndvi_by_state", "ndvi_timeseries"}
    assert {k.to_user_string() for k in composite.asset_layer.executable_asset_keys} == {
        "s2_composite_expression", "s2_composite"}


# -- the instance config and the CLI -------------------------------------------------------------------------
@pytest.fixture()
def dagster_home(tmp_path) -> Path:
    """A tmp DAGSTER_HOME holding the repository's dagster.yaml (as `make` installs it)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return home


def test_dagster_yaml_configures_storage_queue_pools_and_retries(dagster_home, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert (dagster_home / "history" / "runs.db").is_file()  # SQLite inside DAGSTER_HOME
        concurrency = instance.get_concurrency_config()  # what the run-queue daemon and pools use
        assert concurrency.run_queue_config.max_concurrent_runs == 4
        assert concurrency.run_queue_config.tag_concurrency_limits[0]["key"] == "dagster/backfill"
        assert concurrency.pool_config.default_pool_limit == 2
        assert instance.run_retries_enabled and not instance.run_retries_retry_on_asset_or_op_failure
        assert instance.run_monitoring_enabled


def _cli_env(tmp_path: Path, dagster_home: Path, sample_catalog: Path) -> dict[str, str]:
    guard = subprocess_pythonpath(tmp_path / "guard")
    env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k != "PYTHONPATH"}
    env.update(DAGSTER_HOME=str(dagster_home), EE_OUTPUT_DIR=str(tmp_path / "outputs"), PYTHONPATH=guard,
               EE_LOCAL_CATALOG=str(sample_catalog), DAGSTER_DISABLE_TELEMETRY="1")
    return env


def test_cli_validates_the_workspace(tmp_path, dagster_home, sample_catalog):
    done = subprocess.run([str(DAGSTER), "definitions", "validate", "-w", "workspace.yaml"], cwd=REPO,
                          env=_cli_env(tmp_path, dagster_home, sample_catalog), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cli_materializes_a_partition(tmp_path, dagster_home, sample_catalog):
    env = _cli_env(tmp_path, dagster_home, sample_catalog)
    done = subprocess.run(
        # `asset materialize` takes a module, not a workspace (no -w in dagster 1.13); same code location.
        [str(DAGSTER), "asset", "materialize", "-m", "ee_assets.definitions",
         "--select", "ndvi_by_state_expression,ndvi_by_state", "--partition", "2020-06-01"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = tmp_path / "outputs"
    body = json.loads((out / "ndvi_by_state_expression" / "2020-06-01.json").read_text())
    assert set(body) == {"expression"}
    features = json.loads((out / "ndvi_by_state" / "2020-06-01.geojson").read_text())["features"]
    assert len(features) == 104
    assert (out / "ndvi_by_state" / "2020-06-01.parquet").stat().st_size > 0

    with pytest.MonkeyPatch.context() as mp:  # the run is in the persistent instance, with its checks
        mp.setenv("DAGSTER_HOME", str(dagster_home))
        with dg.DagsterInstance.get() as instance:
            [run] = instance.get_runs()
            assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/partition"] == "2020-06-01"
            status = instance.get_status_by_partition(
                dg.AssetKey("ndvi_by_state"), ["2020-06-01"], defs.resolve_assets_def("ndvi_by_state").partitions_def)
            assert status == {"2020-06-01": dg.AssetPartitionStatus.MATERIALIZED}
