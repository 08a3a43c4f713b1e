"""Helpers shared by the test_defs_* modules: real resources on tmp folders, run inspection, the sample catalog."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import dagster as dg
import yaml

from ee_assets.defs.resources import EarthEngineResource
from ee_assets.defs.storage import OutputStore

REPO = Path(__file__).resolve().parents[2]
COMPUTATIONS = ("ndvi_by_state", "ndvi_timeseries", "s2_composite")  # the folders under ee_assets/defs/
EE_ENV = ("EE_BACKEND", "EE_PROJECT", "EE_SERVICE_ACCOUNT_KEY", "EE_API_URL", "EE_LOCAL_CATALOG", "EE_OUTPUT_DIR")


def clear_ee_env(monkeypatch) -> None:
    """Start from defaults whatever the developer's shell exports."""
    for name in EE_ENV:
        monkeypatch.delenv(name, raising=False)


@functools.cache
def computations() -> dg.Definitions:
    """The code location's computations (ee_assets/defs/*/), without its resources: tests bring their own."""
    tree = dg.ComponentTree.for_project(REPO)
    return dg.Definitions.merge(*(tree.build_defs_at_path(folder) for folder in COMPUTATIONS))


def asset(key: str) -> dg.AssetsDefinition:
    """An asset of the code location, by key."""
    [found] = [a for a in computations().assets if dg.AssetKey(key) in a.keys]
    return found


def check(name: str) -> dg.AssetChecksDefinition:
    """An asset check of the code location, by name."""
    [found] = [c for c in computations().asset_checks if name in {spec.name for spec in c.check_specs}]
    return found


def resources(catalog: Path, out: Path) -> dict[str, object]:
    """The production resources: the embedded local server on `catalog`, outputs under `out`."""
    return {"earth_engine": EarthEngineResource(local_catalog=str(catalog)), "output_store": OutputStore(root=str(out))}


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, object]:
    """Plain metadata values of the run's (only) materialization of `asset`."""
    [event] = result.asset_materializations_for_node(asset)
    return {k: v.value for k, v in event.metadata.items()}


def failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Step key → error message of every failed step."""
    return {e.step_key: e.event_specific_data.error.message for e in result.all_events
            if e.event_type_value == "STEP_FAILURE"}


def catalog_images(catalog: Path, collection: str, start: str, end: str) -> list[tuple[dt.date, Path]]:
    """(date, file) of the catalog's images with time_start in [start, end), read straight from catalog.yaml."""
    doc = yaml.safe_load(catalog.read_text())
    lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    found = []
    for image in doc["assets"][collection]["images"]:
        day = dt.date.fromisoformat(str(image["time_start"])[:10])
        if lo <= day < hi:
            found.append((day, catalog.parent / image["path"]))
    return sorted(found)
