"""Transient token errors, deprecation warnings on any EE endpoint, and EE's quota signals, through real HTTP.

Token errors: a loopback endpoint that drops connections stands between google-auth and the local server's real
token endpoint. Quota signals: the local server answers 429s with EE's messages and sends the quota-status header.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import ee
import google.auth._helpers
import pytest

from ee_assets.defs.resources import EarthEngineResource
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.local.protocol.oauth import generate_service_account_key
from ee_assets.transport import auth, error_kinds
from ee_assets.transport.expression import serialize
from ee_assets.transport.rest import EERequestError, EERestClient, build_session
from ee_assets.transport.retry import RetrySettings
from ee_assets.transport.stats import TransferStats
from ee_assets_tests.support.defs import clear_ee_env
from ee_assets_tests.support.fake_clock import FakeClock
from ee_assets_tests.support.local_backend import PROJECT, TOKEN
from ee_assets_tests.transport.flaky_token_endpoint import FlakyTokenEndpoint

EMAIL = "pipeline@token-test.iam.gserviceaccount.com"


@pytest.fixture()
def flaky(sample_catalog, monkeypatch):
    """(server, flaky token endpoint in front of its /token, a key whose token_uri is the flaky endpoint)."""
    clear_ee_env(monkeypatch)
    with LocalServer(sample_catalog, token="unused-static-token") as server, \
            FlakyTokenEndpoint(server.token_uri) as endpoint:
        key = generate_service_account_key(EMAIL, endpoint.url, project_id="token-test")
        server.auth.register(key)
        yield server, endpoint, key
    ee.Reset()


def resource_for(server: LocalServer, key: dict, **kwargs) -> EarthEngineResource:
    return EarthEngineResource(backend="earthengine", api_url=server.url, service_account_key=json.dumps(key),
                               retry_base_delay_s=0.01, **kwargs)


def test_a_token_endpoint_that_drops_connections_is_retried_within_the_budget(flaky, monkeypatch):
    server, endpoint, key = flaky
    clock = FakeClock(now=1_700_000_000.0)
    server.auth.clock = clock
    resource = resource_for(server, key)
    assert resource.connection.backend == "earthengine"  # connected: the client is initialized for graphs
    expression = serialize(ee.Number(20).add(1))
    assert resource.compute_value(expression) == 21
    clock.now += 3601  # the server now refuses every token it issued: the next call gets 401 and refreshes
    # ... and the client signs its next assertion an hour later too (an assertion signed in the same second as the
    # first would be the same bytes: a replay, which the server refuses after its grace period)
    real_utcnow = google.auth._helpers.utcnow
    monkeypatch.setattr(google.auth._helpers, "utcnow", lambda: real_utcnow() + datetime.timedelta(seconds=3601))
    endpoint.drops = 3
    stats = TransferStats()
    assert resource.compute_value(expression, stats) == 21
    assert endpoint.dropped == 3 and stats.retries == {"token": 3}


def test_a_token_endpoint_that_stays_unreachable_fails_without_blaming_the_credentials(flaky):
    server, endpoint, key = flaky
    clock = FakeClock(now=1_700_000_000.0)
    server.auth.clock = clock
    resource = resource_for(server, key, max_retry_seconds=0.5)
    assert resource.connection.backend == "earthengine"
    expression = serialize(ee.Number(1))
    clock.now += 3601
    endpoint.drops = 10**6
    with pytest.raises(dg.Failure) as caught:
        resource.compute_value(expression)
    message = str(caught.value)
    assert "no access token could be had" in message and "not refused" in message
    assert "credentials were refused" not in message and endpoint.dropped > 1


def test_initializing_the_client_retries_a_token_endpoint_that_drops_connections(flaky):
    server, endpoint, key = flaky
    ee.data.setMaxRetries(0)  # the client's own retries of dropped connections off: the resource's must cope
    endpoint.drops = 2
    resource = resource_for(server, key)
    assert resource.connection.project == "token-test"
    assert endpoint.dropped == 2 and resource.compute_value(serialize(ee.Number(2))) == 2


def test_a_revoked_key_is_still_reported_as_refused_at_once(flaky):
    server, endpoint, key = flaky
    server.auth.public_keys.clear()  # the key is no longer valid: the token endpoint answers invalid_grant
    with pytest.raises(dg.Failure, match="credentials were refused"):
        resource_for(server, key).connect()
    assert endpoint.relayed == 1  # refused once, not retried


# -- deprecation warnings --------------------------------------------------------------------------------------
@pytest.fixture()
def deprecation_list(monkeypatch):
    """A loopback stand-in for Google's list of deprecated datasets (the client fetches it at ee.Initialize)."""
    stac = {"links": [{"title": "MODIS/006/MOD13Q1", "deprecated": True, "gee:replacement_id": "MODIS/061/MOD13Q1"}]}
    fetched = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            fetched.append(self.path)
            body = json.dumps(stac).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(ee.deprecation, "_DEPRECATED_ASSETS_URL", f"http://127.0.0.1:{httpd.server_address[1]}/c")
    yield fetched
    httpd.shutdown()
    httpd.server_close()


def test_another_ee_endpoint_keeps_the_clients_deprecation_warnings(flaky, deprecation_list):
    server, _, key = flaky
    # An offline local run first, in the same process, must not leave the list switched off.
    EarthEngineResource(backend="local").connect()
    assert deprecation_list == []
    # EE_API_URL at another endpoint (the high-volume one in production; the local server here) is still EE.
    resource = resource_for(server, key)
    assert resource.connection.backend == "earthengine"
    assert len(deprecation_list) == 1
    with pytest.warns(DeprecationWarning, match="MODIS/006/MOD13Q1"):
        ee.ImageCollection("MODIS/006/MOD13Q1")


# -- quota signals ---------------------------------------------------------------------------------------------
def client_for(server: LocalServer, clock: FakeClock) -> EERestClient:
    session = build_session(auth.StaticTokenCredentials(TOKEN), refresh_on_401=False)
    retry = RetrySettings(max_elapsed_s=5.0, base_delay_s=0.5)
    return EERestClient(session, server.url, PROJECT, retry=retry, seed=0, sleep=clock.sleep, clock=clock)


RATE_MESSAGE = ("Quota exceeded for quota metric 'Number of read requests' and limit 'Number of read requests per "
                "minute per user' of service 'earthengine.googleapis.com' for consumer 'project_number:1'.")


@pytest.mark.parametrize("message, quota_status, kind, advice, not_advice", [
    (RATE_MESSAGE, None, "request rate quota", "max_requests_per_second", "restricted mode"),
    ("Too many concurrent requests.", None, "concurrent requests quota", "max_concurrent_requests",
     "max_requests_per_second"),
    ("Too many concurrent requests.", "parallelism_restricted=true", "EECU compute quota", "restricted mode",
     "max_requests_per_second"),
])
def test_a_lasting_429_names_the_kind_of_quota(sample_catalog, ee_local, message, quota_status, kind, advice,
                                               not_advice):
    faults = FaultConfig(rate=1.0, codes=(429,), retry_after_s=0, message=message, quota_status=quota_status)
    with LocalServer(sample_catalog, token=TOKEN, faults=faults) as busy:
        with pytest.raises(EERequestError) as caught:
            client_for(busy, FakeClock()).compute_value(serialize(ee_local.Number(1)))
    text = str(caught.value)
    assert text.startswith(f"Earth Engine quota exceeded ({kind}): value:compute kept answering HTTP 429")
    assert message in text and advice in text and not_advice not in text


def test_the_quota_status_header_is_logged_and_kept_in_the_metadata(sample_catalog, ee_local, caplog):
    faults = FaultConfig(quota_status="parallelism_restricted=true")
    caplog.set_level(logging.INFO, logger="ee_assets.transport")
    with LocalServer(sample_catalog, token=TOKEN, faults=faults) as restricted:
        client, stats = client_for(restricted, FakeClock()), TransferStats()
        for n in range(3):
            assert client.compute_value(serialize(ee_local.Number(n)), stats) == n
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "restricted mode" in r.getMessage()]
    assert len(warnings) == 1  # once per change of status, not per request
    assert "parallelism_restricted=true" in warnings[0].getMessage()
    assert error_kinds.RESTRICTED_MODE_URL in warnings[0].getMessage()
    assert stats.to_metadata()["ee_quota_status"] == "parallelism_restricted=true"


def test_an_ordinary_quota_status_is_logged_at_info(local_server, sample_catalog, ee_local, caplog):
    caplog.set_level(logging.INFO, logger="ee_assets.transport")
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(quota_status="parallelism_restricted=false")) \
            as server:
        stats = TransferStats()
        client_for(server, FakeClock()).compute_value(serialize(ee_local.Number(1)), stats)
    assert [r.levelno for r in caplog.records if "quota status" in r.getMessage()] == [logging.INFO]
    assert stats.to_metadata()["ee_quota_status"] == "parallelism_restricted=false"
    plain = TransferStats()
    client_for(local_server, FakeClock()).compute_value(serialize(ee_local.Number(1)), plain)
    assert "ee_quota_status" not in plain.to_metadata()  # no header, no key
