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
EE_ENV = ("EE_BACKEND", "EE_PROJECT", "EE_SERVICE_ACCOUNT_KEY", "EE_API_URL", "EE_LOCAL_CATALOG", "EE_OUTPUT_DIR",
          "EE_CELERY_BROKER_URL", "EE_CELERY_BACKEND_URL")


def clear_ee_env(monkeypatch) -> None:
    """Start from defaults whatever the developer's shell exports."""
    for name in EE_ENV:
        monkeypatch.delenv(name, raising=False)


@functools.cache
def computations() -> dg.Definitions:
    """The code location's computations (ee_assets/defs/*/), without its resources: tests bring their own."""
    tree = dg.ComponentTree.for_project(REPO)
    return dg.Definitions.merge(*(tree.build_defs_at_path(folder) for folder in COMPUTATIONS))


def materialize_everything(resources: dict, partition: str) -> list[dg.ExecuteInProcessResult]:
    """Every monthly asset and check of the code location for `partition`, then ndvi_timeseries (unpartitioned)."""
    location = computations()
    monthly = [a for a in location.assets if dg.AssetKey("ndvi_timeseries") not in a.keys]
    series = [a for a in location.assets if dg.AssetKey("ndvi_timeseries") in a.keys]
    return [dg.materialize([*monthly, *location.asset_checks], partition_key=partition, resources=resources,
                           raise_on_error=False),
            dg.materialize(series, resources=resources, raise_on_error=False)]


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


def code_location_resources() -> dict[str, object]:
    """The code location's own resources (ee_assets/defs/resources.py), configured from the environment as loaded."""
    from ee_assets.defs.resources import resources as location_resources

    return dict(location_resources().resources)


def service_account_key(server) -> dict:
    """A service-account key whose token_uri is `server`'s (a LocalServer), registered with it."""
    from ee_assets.local.protocol.oauth import generate_service_account_key

    key = generate_service_account_key("runner@ee-assets-test.iam.gserviceaccount.com", server.token_uri,
                                       project_id="ee-assets-test")
    server.auth.register(key)
    return key


def service_account_resource(server, **settings) -> EarthEngineResource:
    """EE_BACKEND=earthengine pointed at a LocalServer (e.g. one with faults), with a key from that server."""
    import json

    return EarthEngineResource(backend="earthengine", api_url=server.url,
                               service_account_key=json.dumps(service_account_key(server)), retry_base_delay_s=0.01,
                               **settings)


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
