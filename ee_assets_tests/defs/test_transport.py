"""The REST client and credentials against the real local server: paging, retries, permanent errors, auth."""

from __future__ import annotations

import datetime
import json

import dagster as dg
import ee
import google.auth._helpers
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ee_assets.defs.resources import EarthEngineResource
from ee_assets.graphs.ndvi import ndvi_by_region
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.local.protocol.oauth import generate_service_account_key
from ee_assets.transport import auth
from ee_assets.transport.expression import expression_hash, serialize
from ee_assets.transport.rest import EERequestError, EERestClient, build_session
from ee_assets.transport.retry import RetrySettings
from ee_assets.transport.stats import TransferStats
from ee_assets_tests.support.defs import clear_ee_env
from ee_assets_tests.support.fake_clock import FakeClock
from ee_assets_tests.support.local_backend import PROJECT, TOKEN


def client_for(server: LocalServer, token: str = TOKEN, max_elapsed_s: float = 60.0, **kwargs) -> EERestClient:
    """A client with short backoffs (the server's Retry-After still applies) and a fixed jitter seed."""
    session = build_session(auth.StaticTokenCredentials(token), refresh_on_401=False)
    retry = RetrySettings(max_elapsed_s=max_elapsed_s, base_delay_s=0.01, max_delay_s=0.05)
    return EERestClient(session, server.url, PROJECT, retry=retry, seed=0, **kwargs)


@pytest.fixture()
def ndvi_expression(ee_local) -> dict:
    return serialize(ndvi_by_region("2020-06-01", "2020-07-01"))


def test_compute_features_follows_every_page(local_server, ndvi_expression):
    client = client_for(local_server)
    one, stats = TransferStats(), TransferStats()
    whole = client.compute_features(ndvi_expression, page_size=1000, stats=one)
    paged = client.compute_features(ndvi_expression, page_size=7, stats=stats)
    assert one.pages == 1 and stats.pages == 15  # ceil(104 / 7)
    assert stats.requests == 15 and stats.retry_count == 0 and stats.features == 104
    assert paged == whole and len(whole["features"]) == 104
    assert "nextPageToken" not in paged


def test_transient_faults_and_dropped_connections_are_retried(sample_catalog, ee_local, ndvi_expression,
                                                              local_server):
    expected = client_for(local_server).compute_features(ndvi_expression, page_size=20)
    faults = FaultConfig(rate=0.35, drop_rate=0.2, retry_after_s=0, seed=7)
    stats = TransferStats()
    with LocalServer(sample_catalog, token=TOKEN, faults=faults) as flaky:
        result = client_for(flaky).compute_features(ndvi_expression, page_size=20, stats=stats)
    assert result == expected
    ids = [f["id"] for f in result["features"]]
    assert len(ids) == len(set(ids)) == 104  # nothing lost, nothing repeated
    assert stats.pages == 6 and stats.retry_count > 0 and stats.requests == stats.pages + stats.retry_count
    assert stats.retries["connection"] > 0 and stats.retries["http_429"] + stats.retries["http_503"] > 0


def test_a_stream_of_429s_gives_up_after_the_time_budget_with_a_quota_message(sample_catalog, ee_local):
    faults = FaultConfig(rate=1.0, codes=(429,), retry_after_s=0, seed=1)
    with LocalServer(sample_catalog, token=TOKEN, faults=faults) as busy:
        stats = TransferStats()
        clock = FakeClock()  # waits are recorded, not waited
        client = client_for(busy, max_elapsed_s=0.5, sleep=clock.sleep, clock=clock)
        with pytest.raises(EERequestError) as caught:
            client.compute_value(serialize(ee_local.Number(1)), stats)
        sent = busy.method_counts["value:compute"]
    error = caught.value
    assert error.transient and error.http_status == 429 and error.ee_status == "RESOURCE_EXHAUSTED"
    assert sent == stats.requests == error.attempts > 2 and stats.retries == {"http_429": sent - 1}
    assert error.elapsed_s == pytest.approx(sum(clock.waits)) and error.elapsed_s <= 0.5
    assert str(error).startswith("Earth Engine quota exceeded") and "max_requests_per_second" in str(error)
    assert "Injected fault" in str(error)


def test_permanent_error_is_raised_at_once_with_ee_message_and_expression_hash(local_server, ee_local):
    expression = serialize(ee_local.ImageCollection("NOPE/MISSING").size())
    before = local_server.method_counts.get("value:compute", 0)
    with pytest.raises(EERequestError) as caught:
        client_for(local_server).compute_value(expression)
    assert local_server.method_counts["value:compute"] - before == 1  # 4xx: exactly one request
    error = caught.value
    assert (error.http_status, error.ee_status, error.transient) == (404, "NOT_FOUND", False)
    assert "ImageCollection asset 'NOPE/MISSING' not found" in error.message
    assert error.expression_sha256 == expression_hash(expression)
    assert error.message in str(error) and expression_hash(expression)[:16] in str(error)


def test_wrong_token_is_rejected_and_never_shown(local_server, ee_local):
    secret = "not-the-token-" + "x" * 20
    with pytest.raises(EERequestError) as caught:
        client_for(local_server, token=secret).compute_value(serialize(ee_local.Number(1)))
    assert caught.value.http_status == 401 and caught.value.ee_status == "UNAUTHENTICATED"
    assert secret not in str(caught.value) and secret not in repr(auth.StaticTokenCredentials(secret))


def test_compute_pixels_returns_the_encoded_file(local_server, ee_local):
    grid = {"dimensions": {"width": 4, "height": 3}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 0.05, "shearX": 0, "translateX": -100.0, "shearY": 0, "scaleY": -0.05,
                                "translateY": 40.0}}
    image = ee_local.ImageCollection("MODIS/061/MOD13Q1").first().select("NDVI")
    data = client_for(local_server).compute_pixels(serialize(image), grid, "GEO_TIFF", ["NDVI"])
    assert data[:4] in (b"II*\x00", b"MM\x00*")


# -- credentials ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def service_account_key() -> dict:
    """A syntactically real service-account key (fresh RSA key; no account behind it)."""
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "my-ee-project", "private_key_id": "abc123",
            "private_key": pem, "client_email": "runner@my-ee-project.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}


@pytest.mark.parametrize("as_path", [False, True])
def test_service_account_key_from_json_or_path_gets_the_ee_scopes(service_account_key, tmp_path, as_path):
    text = json.dumps(service_account_key)
    if as_path:
        (tmp_path / "key.json").write_text(text)
        text = str(tmp_path / "key.json")
    creds, project = auth.earthengine_credentials(text)
    assert project == "my-ee-project"
    assert set(creds.scopes) == set(auth.EE_SCOPES)
    assert creds.service_account_email == service_account_key["client_email"]


@pytest.mark.parametrize("value, words", [
    ("/no/such/key.json", "neither JSON nor the path"),
    ('{"type": "service_account", "private_key": "SECRET-MATERIAL"', "not valid JSON"),
    ('{"type": "authorized_user", "refresh_token": "SECRET-MATERIAL"}', "not a service-account key"),
    ('{"type": "service_account", "private_key": "SECRET-MATERIAL"}', "could not be used"),
])
def test_bad_keys_are_explained_without_echoing_them(value, words):
    with pytest.raises(auth.CredentialsError) as caught:
        auth.service_account_credentials(value)
    assert words in str(caught.value) and "SECRET-MATERIAL" not in str(caught.value)


def test_earthengine_backend_without_credentials_says_what_to_set(monkeypatch, tmp_path):
    import google.auth.compute_engine._metadata as gce

    clear_ee_env(monkeypatch)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud login here
    monkeypatch.setattr(gce, "_NO_GCE_CHECK", True)  # not on Compute Engine: skip the metadata-server probe
    monkeypatch.setenv("EE_BACKEND", "earthengine")
    with pytest.raises(dg.Failure) as caught:
        EarthEngineResource().connect()
    assert "EE_SERVICE_ACCOUNT_KEY" in str(caught.value) and "EE_BACKEND=local" in str(caught.value)


def test_unknown_backend_is_named(monkeypatch):
    clear_ee_env(monkeypatch)
    monkeypatch.setenv("EE_BACKEND", "gee")
    with pytest.raises(dg.Failure, match="EE_BACKEND must be 'local' or 'earthengine', got 'gee'"):
        EarthEngineResource().connect()


def test_the_resource_refreshes_an_expired_service_account_token(sample_catalog, monkeypatch):
    clear_ee_env(monkeypatch)
    clock = FakeClock(now=1_700_000_000.0)
    with LocalServer(sample_catalog, token="unused-static-token") as server:
        server.auth.clock = clock
        key = generate_service_account_key("pipeline@p.iam.gserviceaccount.com", server.token_uri, "p")
        server.auth.register(key)
        resource = EarthEngineResource(backend="earthengine", api_url=server.url, service_account_key=json.dumps(key))
        resource.connect()
        expression = serialize(ee.Number(20).add(1))
        assert resource.compute_value(expression) == 21
        grants = server.auth.grants
        clock.now += 3601  # the server now considers every issued token expired
        real_utcnow = google.auth._helpers.utcnow  # and the client signs its next assertion an hour later too
        monkeypatch.setattr(google.auth._helpers, "utcnow", lambda: real_utcnow() + datetime.timedelta(seconds=3601))
        assert resource.compute_value(expression) == 21  # 401 -> refreshed with a new signed assertion -> retried
        assert server.auth.grants == grants + 1
    ee.Reset()
