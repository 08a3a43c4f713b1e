"""The production service-account flow, offline: signed assertion → access token → Bearer → refresh after expiry."""

from __future__ import annotations

import datetime
import json

import google.auth._helpers
import pytest
import requests
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from ee_assets.local import LocalServer
from ee_assets.local.protocol.oauth import generate_service_account_key
from ee_assets_tests.support.fake_clock import FakeClock

SCOPES = ["https://www.googleapis.com/auth/earthengine", "https://www.googleapis.com/auth/cloud-platform"]
EXPR = json.dumps({"expression": {"result": "0", "values": {"0": {"constantValue": 7}}}})


@pytest.fixture()
def server(sample_catalog):
    with LocalServer(sample_catalog, token_lifetime_s=3600) as s:
        yield s


def _session(key: dict) -> AuthorizedSession:
    creds = service_account.Credentials.from_service_account_info(key, scopes=SCOPES)
    return AuthorizedSession(creds)


def test_service_account_key_gets_a_token_and_computes(server):
    key = generate_service_account_key("pipeline@local.iam.gserviceaccount.com", server.token_uri)
    server.auth.register(key)
    session = _session(key)
    r = session.post(f"{server.url}/v1/projects/p/value:compute", data=EXPR)
    assert r.status_code == 200 and r.json() == {"result": 7}
    assert server.auth.grants == 1
    assert session.post(f"{server.url}/v1/projects/p/value:compute", data=EXPR).status_code == 200
    assert server.auth.grants == 1  # the token is reused while valid


def test_expired_token_is_refused_and_the_client_refreshes(server, monkeypatch):
    clock = FakeClock()
    server.auth.clock = clock
    key = generate_service_account_key("pipeline@local.iam.gserviceaccount.com", server.token_uri)
    server.auth.register(key)
    session = _session(key)
    assert session.post(f"{server.url}/v1/projects/p/value:compute", data=EXPR).status_code == 200
    clock.now += 3601  # the server now considers the issued token expired; the client does not know yet
    real_utcnow = google.auth._helpers.utcnow  # and the client signs its next assertion an hour later
    monkeypatch.setattr(google.auth._helpers, "utcnow", lambda: real_utcnow() + datetime.timedelta(seconds=3601))
    stale = session.credentials.token
    r = session.post(f"{server.url}/v1/projects/p/value:compute", data=EXPR)
    assert r.status_code == 200  # 401 → AuthorizedSession refreshed the token and retried
    assert server.auth.grants == 2
    assert session.credentials.token != stale
    r = requests.post(f"{server.url}/v1/projects/p/value:compute", data=EXPR,
                      headers={"Authorization": f"Bearer {stale}"}, timeout=10)
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


def test_unknown_key_and_bad_signature_are_refused_clearly(server):
    registered = generate_service_account_key("known@local.iam.gserviceaccount.com", server.token_uri)
    server.auth.register(registered)
    stranger = generate_service_account_key("stranger@local.iam.gserviceaccount.com", server.token_uri)
    with pytest.raises(auth_exceptions.RefreshError, match="account not found"):
        _session(stranger).post(f"{server.url}/v1/projects/p/value:compute", data=EXPR)
    forged = dict(stranger, client_email=registered["client_email"])  # right name, wrong private key
    with pytest.raises(auth_exceptions.RefreshError, match="Invalid JWT Signature"):
        _session(forged).post(f"{server.url}/v1/projects/p/value:compute", data=EXPR)
    assert server.auth.grants == 0


def test_tokens_and_keys_never_appear_in_error_messages(server):
    key = generate_service_account_key("known@local.iam.gserviceaccount.com", server.token_uri)
    server.auth.register(key)
    r = requests.post(f"{server.url}/v1/projects/p/value:compute", data=EXPR,
                      headers={"Authorization": "Bearer not-a-real-token-123"}, timeout=10)
    assert r.status_code == 401
    assert "not-a-real-token-123" not in r.text
