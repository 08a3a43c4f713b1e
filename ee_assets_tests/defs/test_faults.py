"""The production path under faults: a service-account key whose token_uri is the local server, EE_BACKEND=earthengine
pointed at it, and a multi-month run of every asset while the server answers 429/503, delays and drops connections.

Every output file must be byte-identical to the same run against a fault-free server.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from ee_assets.defs.resources import EarthEngineResource
from ee_assets.defs.storage import OutputStore
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.local.protocol.oauth import generate_service_account_key
from ee_assets_tests.support.defs import asset as location_asset
from ee_assets_tests.support.defs import check, clear_ee_env, failures, metadata

PARTITIONS = ["2020-06-01", "2020-07-01", "2020-08-01"]
ndvi_by_state_expression, ndvi_by_state, s2_composite_expression, s2_composite, ndvi_timeseries = (
    location_asset(k) for k in ("ndvi_by_state_expression", "ndvi_by_state", "s2_composite_expression", "s2_composite",
                       "ndvi_timeseries"))
ndvi_by_state_feature_count, ndvi_by_state_ndvi_in_range, s2_composite_grid_matches_request, \
    s2_composite_not_masked = (check(n) for n in ("ndvi_by_state_feature_count", "ndvi_by_state_ndvi_in_range",
                                                  "s2_composite_grid_matches_request", "s2_composite_not_masked"))
MONTHLY = [ndvi_by_state_expression, ndvi_by_state, s2_composite_expression, s2_composite,
           ndvi_by_state_feature_count, ndvi_by_state_ndvi_in_range, s2_composite_not_masked,
           s2_composite_grid_matches_request]
FAULTS = FaultConfig(rate=0.25, codes=(429, 503), latency_ms=20, drop_rate=0.05, retry_after_s=0, seed=42)
EMAIL = "pipeline@ee-assets-test.iam.gserviceaccount.com"


def earth_engine(server: LocalServer, key: dict) -> EarthEngineResource:
    """The earthengine backend as configured for Google, except the API root and the key's token_uri."""
    return EarthEngineResource(
        backend="earthengine", api_url=server.url, service_account_key=json.dumps(key),
        page_size=10,  # 11 pages per month
        max_tile_bytes=256 * 256 * 36,  # the 640² analysis GeoTIFF in 9 tiles
        retry_base_delay_s=0.01)


def backfill(server: LocalServer, key: dict, out: Path, instance: dg.DagsterInstance
             ) -> list[dg.ExecuteInProcessResult]:
    """Every monthly asset and check for each partition, then the time series over them."""
    resources = {"earth_engine": earth_engine(server, key), "output_store": OutputStore(root=str(out))}
    results = [dg.materialize(MONTHLY, partition_key=p, resources=resources, instance=instance) for p in PARTITIONS]
    results.append(dg.materialize([ndvi_timeseries], resources=resources, instance=instance))
    for result in results:
        assert result.success, failures(result)
    return results


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def runs(sample_catalog, tmp_path_factory):
    """The same backfill against a fault-free and a faulty server, each reached with its own service account."""
    outs = {}
    with pytest.MonkeyPatch.context() as mp:
        clear_ee_env(mp)
        for name, faults in (("clean", None), ("faulty", FAULTS)):
            with LocalServer(sample_catalog, token="unused-static-token", faults=faults) as server:
                key = generate_service_account_key(EMAIL, server.token_uri, project_id="ee-assets-test")
                server.auth.register(key)
                out = tmp_path_factory.mktemp(name)
                instance = dg.DagsterInstance.ephemeral()
                results = backfill(server, key, out, instance)
                logs = [e.user_message for r in results for e in instance.all_logs(r.run_id)]
                secrets = [*server.auth.issued_tokens, key["private_key_id"],
                           *key["private_key"].splitlines()[1:-1]]
                outs[name] = (out, results, server.auth.grants, server.workload_tags, logs, secrets)
    return outs


def test_a_backfill_under_faults_writes_the_same_bytes_as_without(runs):
    clean, faulty = files(runs["clean"][0]), files(runs["faulty"][0])
    assert len(clean) == 3 * 6 + 3 and not [n for n in clean if ".parts" in n or n.startswith(".")]
    assert clean.keys() == faulty.keys()
    assert [n for n in clean if clean[n] != faulty[n]] == []


def test_faults_were_met_and_retried_by_cause(runs):
    results = runs["faulty"][1]
    causes: dict[str, int] = {}
    for result, partition in zip(results, PARTITIONS, strict=False):
        for asset in ("ndvi_by_state", "s2_composite"):
            md = metadata(result, asset)
            for cause, n in md["ee_retries_by_cause"].items():
                causes[cause] = causes.get(cause, 0) + n
            assert md["ee_requests"] == md["ee_pages"] + md["ee_tiles"] + 1 * (asset == "s2_composite") \
                + md["ee_retries"] + 1 * (asset == "s2_composite"), (asset, partition, md)
        ndvi = metadata(result, "ndvi_by_state")
        assert ndvi["dagster/row_count"] == len(json.loads(
            (runs["faulty"][0] / "ndvi_by_state" / f"{partition}.geojson").read_text())["features"])
        assert metadata(result, "s2_composite")["ee_tiles"] == 9
    assert causes.get("http_429", 0) > 0 and causes.get("http_503", 0) > 0 and causes.get("connection", 0) > 0


def test_requests_carry_workload_tags_and_the_service_account_token(runs):
    _, _, grants, tags, _, _ = runs["clean"]
    assert grants >= 1  # the JWT-bearer flow ran: the static token was never used
    assert {f"{asset}-{p}" for asset in ("ndvi_by_state", "s2_composite") for p in PARTITIONS} == set(tags)


def test_a_wrong_key_is_refused_with_a_clear_error(sample_catalog, tmp_path, monkeypatch):
    clear_ee_env(monkeypatch)
    with LocalServer(sample_catalog, token="unused-static-token") as server:
        server.auth.register(generate_service_account_key(EMAIL, server.token_uri))
        impostor = generate_service_account_key(EMAIL, server.token_uri)  # same account, a key it never issued
        resources = {"earth_engine": earth_engine(server, impostor), "output_store": OutputStore(root=str(tmp_path))}
        result = dg.materialize([ndvi_by_state_expression], partition_key=PARTITIONS[0], resources=resources,
                                raise_on_error=False)
    assert not result.success
    [message] = failures(result).values() or [_resource_failure(result)]
    assert "credentials were refused" in message and "EE_SERVICE_ACCOUNT_KEY" in message
    assert impostor["private_key"].splitlines()[1] not in message and impostor["private_key_id"] not in message
    assert not any(tmp_path.rglob("*.json"))


def _resource_failure(result: dg.ExecuteInProcessResult) -> str:
    """The message of a failure raised while the resource was set up (reported as a run failure)."""
    return next(str(e.event_specific_data.error) for e in result.all_events
                if e.event_type_value in ("RESOURCE_INIT_FAILURE", "STEP_FAILURE", "RUN_FAILURE")
                and getattr(e.event_specific_data, "error", None))


def test_tiled_work_logs_progress_in_the_run(runs):
    logs = runs["faulty"][4]
    for partition in PARTITIONS:
        assert any(f"GeoTIFF {partition}.tif: 9/9 tiles (100%)" in m for m in logs), partition


def test_tokens_and_keys_appear_in_no_log_or_metadata(runs):
    for name in ("clean", "faulty"):
        _, results, _, _, logs, secrets = runs[name]
        assert len(secrets) > 10  # issued tokens, the key id and the private key's lines
        metadata_text = [str(v.value) for r in results for e in r.get_asset_materialization_events()
                         for v in e.materialization.metadata.values()]
        haystack = "\n".join([*logs, *metadata_text])
        assert not [s for s in secrets if s in haystack]
