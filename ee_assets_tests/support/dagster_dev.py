"""Run `dagster dev` for a test: webserver + daemon on a free loopback port, a tmp DAGSTER_HOME, no network.

`DagsterDev` starts the process in its own process group (the webserver, daemon, code server, run workers and
step processes all inherit it), so `stop()` ends every one of them, and checks that none is left. Its `graphql()`
speaks to the webserver exactly as the UI does; `launch_asset_backfill()` sends the UI's "Materialize → partition
range" mutation.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests

from ee_assets_tests.support.defs import EE_ENV
from ee_assets_tests.support.no_network import subprocess_pythonpath

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
DAGSTER = Path(sys.executable).with_name("dagster")

FINISHED_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
FINISHED_RUN = {"SUCCESS", "FAILURE", "CANCELED"}

LOCATION_STATUS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""

# The UI's mutation (LaunchAssetChoosePartitionsDialog → LAUNCH_PARTITION_BACKFILL_MUTATION).
LAUNCH_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
    ... on UnauthorizedError { message }
  }
}
"""

# The backfill page's "Re-execute → from failure" (RetryBackfillMutation).
REEXECUTE_BACKFILL = """
mutation ReexecuteBackfill($reexecutionParams: ReexecutionParams!) {
  reexecutePartitionBackfill(reexecutionParams: $reexecutionParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on UnauthorizedError { message }
  }
}
"""

BACKFILL = """
query Backfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill { id status numPartitions error { message }
                               runs { id status tags { key value } } }
    ... on PythonError { message }
  }
}
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dagster_home(folder: Path) -> Path:
    """A fresh DAGSTER_HOME holding the repository's dagster.yaml (as `make ui` installs it)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", folder / "dagster.yaml")
    return folder


def dev_environment(home: Path, outputs: Path, catalog: Path, guard_dir: Path) -> dict[str, str]:
    """The environment for `dagster dev`: tmp home and outputs, the given catalog, the no-network guard."""
    env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k != "PYTHONPATH"}
    env.update(DAGSTER_HOME=str(home), EE_OUTPUT_DIR=str(outputs), EE_LOCAL_CATALOG=str(catalog),
               PYTHONPATH=subprocess_pythonpath(guard_dir), DAGSTER_DISABLE_TELEMETRY="1")
    return env


class DagsterDev:
    """`dagster dev -w workspace.yaml` on a free port; use as a context manager so it is always stopped."""

    def __init__(self, env: dict[str, str], log_file: Path, port: int | None = None,
                 command: tuple[str, ...] = (str(DAGSTER), "dev", "-w", "workspace.yaml")):
        self.env, self.log_file = env, log_file
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = command  # `dagster dev -w workspace.yaml`, or e.g. `dg dev` (same host and port options)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> DagsterDev:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def start(self, timeout_s: float = 240.0) -> None:
        """Start and wait until the webserver answers and the code location has loaded."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                [*self.command, "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_loaded(timeout_s)
        except BaseException:
            self.stop()
            raise

    def _wait_until_loaded(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {self.process.returncode}; see {self.log_file}")
            try:
                [entry] = self.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
                last = f"{entry['loadStatus']} {entry['locationOrLoadError']}"
                if entry["loadStatus"] == "LOADED":
                    if entry["locationOrLoadError"]["__typename"] == "PythonError":
                        raise RuntimeError(f"the code location failed to load: {entry['locationOrLoadError']}")
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(1)
        raise TimeoutError(f"dagster dev did not load the code location in {timeout_s:.0f} s ({last}); "
                           f"see {self.log_file}")

    def stop(self, grace_s: float = 30.0) -> None:
        """SIGTERM the whole process group, SIGKILL what is left after `grace_s`, and make sure nothing remains."""
        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the group id is the leader's pid
        _signal_group(group, signal.SIGTERM)
        try:
            self.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + grace_s
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _group_alive(group):
            _signal_group(group, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while _group_alive(group) and time.monotonic() < deadline:
                time.sleep(0.1)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
        if _group_alive(group):
            raise RuntimeError(f"processes of dagster dev's group {group} survived SIGKILL")

    # -- the GraphQL API -----------------------------------------------------------------------------------------
    def graphql(self, query: str, variables: dict[str, Any] | None = None, timeout_s: float = 60.0) -> dict:
        """POST a GraphQL query to the webserver; its `data`, or an error naming GraphQL's errors."""
        answer = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                               timeout=timeout_s)
        answer.raise_for_status()
        body = answer.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def launch_asset_backfill(self, assets: Iterable[str], partitions: Iterable[str], title: str) -> str:
        """Launch an asset backfill of `assets` over `partitions` as the asset graph's "Materialize" dialog does."""
        params = {"assetSelection": [{"path": [a]} for a in assets], "partitionNames": list(partitions),
                  "fromFailure": False, "title": title, "tags": [{"key": "dagster/from_ui", "value": "true"}]}
        result = self.graphql(LAUNCH_BACKFILL, {"backfillParams": params})["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(f"launchPartitionBackfill failed: {result}")
        return result["backfillId"]

    def reexecute_backfill_from_failure(self, backfill_id: str) -> str:
        """A new backfill of the failed partitions (and what is downstream of them) only."""
        params = {"parentRunId": backfill_id, "strategy": "FROM_FAILURE"}
        result = self.graphql(REEXECUTE_BACKFILL, {"reexecutionParams": params})["reexecutePartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(f"reexecutePartitionBackfill failed: {result}")
        return result["backfillId"]

    def backfill(self, backfill_id: str) -> dict:
        """The backfill's status, partition count and runs (id, status, tags as a dict)."""
        result = self.graphql(BACKFILL, {"backfillId": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] != "PartitionBackfill":
            raise RuntimeError(f"no backfill {backfill_id}: {result}")
        for run in result["runs"]:
            run["tags"] = {t["key"]: t["value"] for t in run["tags"]}
        return result

    def wait_for_backfill(self, backfill_id: str, timeout_s: float = 600.0) -> dict:
        """Poll until the daemon has finished the backfill (all its runs done); the final state."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.backfill(backfill_id)
            if state["status"] in FINISHED_BACKFILL and all(r["status"] in FINISHED_RUN for r in state["runs"]):
                return state
            if self.process.poll() is not None:
                raise RuntimeError(f"dagster dev exited while backfill {backfill_id} ran; see {self.log_file}")
            time.sleep(2)
        raise TimeoutError(f"backfill {backfill_id} not finished after {timeout_s:.0f} s: {state}; "
                           f"see {self.log_file}")


def _signal_group(group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass


def group_members(group: int) -> set[int]:
    """Pids of the running processes of process group `group` (zombies, i.e. exited children, do not count)."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the name: state, ppid, pgrp, ...
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.add(int(stat.parent.name))
    return members


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return bool(group_members(group))
