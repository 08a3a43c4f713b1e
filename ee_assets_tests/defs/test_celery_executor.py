"""Steps on Celery workers, deployed as the README says: Debian's redis-server as the broker (on loopback), two
`dagster-celery worker start` processes with a run-config-shaped celery.yaml, the instance in one DAGSTER_HOME all
processes see, outputs on a real S3 API (moto's server) through EE_OUTPUT_DIR, and the code location switched to
Celery by EE_CELERY_BROKER_URL.

Every asset of the code location for June 2020, launched with `dagster asset materialize -m ee_assets.definitions`
from a folder that is not the repository: the objects are byte-identical to a local-folder run, the event log
shows the steps executed in the pool processes of both workers, and each Earth Engine step initialized Earth Engine
in its own worker process (each has its own embedded backend).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from ee_assets.defs.executor import CELERY_BROKER_ENV
from ee_assets.storage import Store
from ee_assets_tests.support.defs import (
    EE_ENV,
    REPO,
    clear_ee_env,
    code_location_resources,
    failures,
    materialize_everything,
)
from ee_assets_tests.support.no_network import subprocess_pythonpath
from ee_assets_tests.support.redis_server import redis_server, redis_server_binary
from ee_assets_tests.support.s3_server import bucket_name, create_bucket, objects, s3_environment

MONTH = "2020-06-01"
BIN = Path(sys.executable).parent
WORKERS = ("w1", "w2")
EE_STEPS = ("ndvi_by_state_expression", "ndvi_by_state", "s2_composite_expression", "s2_composite")
BACKEND_LINE = re.compile(r"^Earth Engine backend local at (http://127\.0\.0\.1:\d+), project ")

pytestmark = pytest.mark.skipif(redis_server_binary() is None,
                                reason="redis-server is not installed (make test installs it)")


def start_worker(name: str, celery_yaml: Path, env: dict[str, str], folder: Path) -> subprocess.Popen:
    """`dagster-celery worker start` in its own process group (teardown stops the worker and its pool with it)."""
    log = open(folder / f"{name}.log", "w")  # noqa: SIM115 - closed by the teardown
    return subprocess.Popen(
        [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(celery_yaml),
         "-n", name, "--", "--concurrency=1"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(worker: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while " ready." not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def stop_group(process: subprocess.Popen) -> None:
    """Stop a worker's whole process group: the CLI, celery's main process and its pool."""
    for sig, wait_s in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
            time.sleep(0.5)  # the pool processes leave with their parent
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def celery_run(sample_catalog, s3_endpoint, tmp_path_factory):
    folder = tmp_path_factory.mktemp("celery")
    home = folder / "dagster_home"  # the instance every process uses: one path on one machine
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    bucket = bucket_name("celery-every-asset")
    create_bucket(s3_endpoint, bucket)
    with redis_server(folder / "redis") as broker:
        env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(s3_environment(s3_endpoint))
        env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=subprocess_pythonpath(folder / "guard"),
                   DAGSTER_HOME=str(home), DAGSTER_DISABLE_TELEMETRY="1", EE_LOCAL_CATALOG=str(sample_catalog),
                   EE_OUTPUT_DIR=f"s3://{bucket}/ee", EE_SCRATCH_DIR=str(folder / "scratch"),
                   **{CELERY_BROKER_ENV: broker})
        celery_yaml = folder / "celery.yaml"  # run-config shaped, as the README's recipe writes it
        celery_yaml.write_text(yaml.safe_dump(
            {"execution": {"config": {"broker": {"env": CELERY_BROKER_ENV}, "backend": {"env": CELERY_BROKER_ENV}}}}))
        # The instance's databases exist before the workers start (two workers creating them at once race).
        migrate = subprocess.run([str(BIN / "dagster"), "instance", "migrate"], env=env, capture_output=True,
                                 text=True, timeout=300)
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        workers = {name: start_worker(name, celery_yaml, env, folder) for name in WORKERS}
        try:
            for name, worker in workers.items():
                wait_ready(worker, folder / f"{name}.log")
            launch = subprocess.run(
                [str(BIN / "dagster"), "asset", "materialize", "-m", "ee_assets.definitions", "--select", "*",
                 "--partition", MONTH], cwd=folder, env=env, capture_output=True, text=True, timeout=900)
            logs = {name: (folder / f"{name}.log").read_text() for name in WORKERS}
            assert launch.returncode == 0, launch.stdout[-4000:] + launch.stderr[-4000:] + str(logs)[-4000:]
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("DAGSTER_HOME", str(home))
                with dg.DagsterInstance.get() as instance:
                    runs = instance.get_runs()
                    records = [r for run in runs for r in instance.all_logs(run.run_id)]
            # Each worker's process group, while the workers still run: which processes are theirs.
            groups = {name: worker.pid for name, worker in workers.items()}
            step_pids = {r.dagster_event.pid for r in records
                         if r.dagster_event and r.dagster_event.event_type_value == "STEP_START"}
            owners = {pid: next((n for n, g in groups.items() if _group_of(pid) == g), None) for pid in step_pids}
        finally:
            for worker in workers.values():
                stop_group(worker)
        with pytest.MonkeyPatch.context() as mp:
            for name, value in s3_environment(s3_endpoint).items():
                mp.setenv(name, value)
            yield {"runs": runs, "records": records, "owners": owners, "launcher": launch,
                   "objects": objects(Store.at(f"s3://{bucket}/ee")), "worker_logs": logs}


def _in_worker(record) -> bool:
    """The engine event a worker reports when it takes a step ("Executing steps … in celery worker")."""
    return bool(record.dagster_event and "in celery worker" in (record.dagster_event.message or ""))


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


@pytest.fixture(scope="module")
def folder_run(sample_catalog, tmp_path_factory) -> dict[str, bytes]:
    """The same month with Dagster's default executor, outputs in a local folder."""
    out = tmp_path_factory.mktemp("folder") / "outputs"
    with pytest.MonkeyPatch.context() as mp:
        clear_ee_env(mp)
        mp.setenv("EE_LOCAL_CATALOG", str(sample_catalog))
        mp.setenv("EE_OUTPUT_DIR", str(out))
        for result in materialize_everything(code_location_resources(), MONTH):
            assert result.success, failures(result)
    return objects(Store.at(out))


def test_the_run_succeeded_on_the_celery_executor(celery_run):
    [run] = celery_run["runs"]
    assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/partition"] == MONTH
    started = {r.step_key for r in celery_run["records"]
               if r.dagster_event and r.dagster_event.event_type_value == "STEP_START"}
    assert set(EE_STEPS) | {"ndvi_timeseries"} <= started and len(started) == 9  # every asset and check
    delegated = [r for r in celery_run["records"] if _in_worker(r)]
    assert {r.step_key for r in delegated} == started  # every step went through the broker


def test_the_outputs_are_byte_identical_to_the_folder_run(celery_run, folder_run):
    assert sorted(celery_run["objects"]) == sorted(folder_run) and len(folder_run) == 9
    assert celery_run["objects"] == folder_run


def test_steps_ran_in_the_pool_processes_of_both_workers(celery_run):
    owners = celery_run["owners"]
    assert None not in owners.values(), owners  # every step ran in a process of one of the two workers
    assert set(owners.values()) == set(WORKERS), owners  # ... and both workers executed steps
    assert celery_run["launcher"].returncode == 0 and len(owners) >= 2
    hosts = {r.dagster_event.engine_event_data.metadata["Celery worker"].value for r in celery_run["records"]
             if _in_worker(r)}
    assert {h.split("@")[0] for h in hosts} == set(WORKERS) and all(h.endswith(socket.gethostname()) for h in hosts)


def test_each_earth_engine_step_initialized_earth_engine_in_its_worker(celery_run):
    records = celery_run["records"]
    pid_of_step = {r.step_key: r.dagster_event.pid for r in records
                   if r.dagster_event and r.dagster_event.event_type_value == "STEP_START"}
    backends: dict[str, str] = {}
    for r in records:
        found = BACKEND_LINE.match(r.user_message or "")
        if found and r.step_key in EE_STEPS:
            backends[r.step_key] = found.group(1)
    assert set(backends) == set(EE_STEPS)  # every EE step set up its own connection
    by_process: dict[int, set[str]] = {}
    for step, url in backends.items():
        by_process.setdefault(pid_of_step[step], set()).add(url)
    # One embedded backend per worker process (the steps a process ran share it), a different one in each process.
    assert all(len(urls) == 1 for urls in by_process.values()) and len(by_process) >= 2
    assert len(set().union(*by_process.values())) == len(by_process)
