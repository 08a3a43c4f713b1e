"""`make demo`: materialize every asset for 2020-04 through 2020-08 on the local backend, then print a summary.

Runs are recorded in a persistent Dagster instance ($DAGSTER_HOME, else the repository's .dagster/), so
`make ui` (`dagster dev -w workspace.yaml`) shows them afterwards; files go to $EE_OUTPUT_DIR (a folder or an
object-store URI; else outputs/).
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from pathlib import Path, PurePosixPath

import dagster as dg
import pandas as pd

from ee_assets.definitions import defs
from ee_assets.defs.storage import REPO_ROOT, OutputStore

MONTHS = ["2020-04-01", "2020-05-01", "2020-06-01", "2020-07-01", "2020-08-01"]
JOBS = ["ndvi_monthly_job", "s2_composite_monthly_job"]
SUMMARY_STATES = ["California", "Iowa", "Maine", "Texas", "Washington"]
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def dagster_home() -> Path:
    """$DAGSTER_HOME, else <repo>/.dagster (created, with the repository's dagster.yaml) and exported."""
    home = Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster").expanduser().absolute()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and (REPO_ROOT / "dagster.yaml").is_file():
        shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def ndvi_table(store: OutputStore) -> str:
    """Mean NDVI per month for a few states, from the time series the run just wrote (read through the store)."""
    table = pd.read_parquet(io.BytesIO(store.read_bytes("ndvi_timeseries", None, ".parquet")))
    table = table[table["state"].isin(SUMMARY_STATES) & (table["date"] >= MONTHS[0])]
    table["month"] = table["date"].dt.strftime("%Y-%m")
    return table.pivot_table(index="state", columns="month", values="NDVI", aggfunc="mean").round(3).to_string()


def composite_paths(store: OutputStore) -> list[str]:
    """The composite files written for the demo months: paths relative to the working directory when they are
    under it, else their URIs."""
    keys = [k for k in store.keys_under("s2_composite") if PurePosixPath(k).stem in MONTHS]
    shown = []
    for key in keys:
        uri = store.store.uri(key)
        path = Path(uri)
        shown.append(str(path.relative_to(Path.cwd())) if store.store.is_local and path.is_relative_to(Path.cwd())
                     else uri)
    return shown


def main() -> int:
    started = time.perf_counter()
    if os.environ.get("EE_BACKEND", "local") != "local":
        print(f"EE_BACKEND={os.environ['EE_BACKEND']} ignored: the demo runs on the local backend.")
    os.environ["EE_BACKEND"] = "local"
    home = dagster_home()
    store = OutputStore()
    print(f"Dagster instance: {home}\nOutputs: {store.root_uri()}")
    with dg.DagsterInstance.get() as instance:
        for month in MONTHS:
            for name in JOBS:
                t0 = time.perf_counter()
                result = defs.resolve_job_def(name).execute_in_process(
                    partition_key=month, instance=instance, run_config=QUIET, raise_on_error=False)
                checks = result.get_asset_check_evaluations()
                failed_checks = [c.check_name for c in checks if not c.passed]
                print(f"  {month[:7]}  {name:<26} {'ok' if result.success else 'FAILED'}  "
                      f"{len(checks) - len(failed_checks)}/{len(checks)} checks passed  "
                      f"({time.perf_counter() - t0:.1f} s, run {result.run_id[:8]})")
                if not result.success or failed_checks:
                    for event in result.all_events:
                        if event.event_type_value == "STEP_FAILURE":
                            print(f"    {event.step_key}: {event.event_specific_data.error.message.strip()}")
                    print(f"    failed checks: {failed_checks}" if failed_checks else "")
                    return 1

    print("\nMean NDVI by month (sample data):")
    print(ndvi_table(store))
    print("\nSentinel-2 composites:")
    for path in composite_paths(store):
        print(f"  {path}")
    print(f"\nDone in {time.perf_counter() - started:.0f} s. Browse the assets and runs with `make ui`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
