"""The JWT-bearer token endpoint: assertions live at most an hour, are exchanged once, and the server forgets
tokens and assertions once they are of no use."""

from __future__ import annotations

import time

import pytest
import requests
from google.auth import crypt, jwt

from ee_assets.local import LocalServer
from ee_assets.local.protocol.oauth import GOOGLE_TOKEN_AUDIENCE, JWT_BEARER, generate_service_account_key
from ee_assets_tests.support.fake_clock import FakeClock
from ee_assets_tests.support.serving import NUMBER, post

EMAIL = "pipeline@local.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/earthengine"


@pytest.fixture()
def server(sample_catalog):
    with LocalServer(sample_catalog) as s:
        s.key = generate_service_account_key(EMAIL, s.token_uri)
        s.auth.register(s.key)
        yield s


def assertion(key: dict, lifetime_s: float = 3600, **claims) -> str:
    now = int(time.time())
    payload = {"iss": key["client_email"], "scope": SCOPE, "aud": GOOGLE_TOKEN_AUDIENCE, "iat": now,
               "exp": now + lifetime_s, **claims}
    return jwt.encode(crypt.RSASigner.from_service_account_info(key), payload).decode()


def exchange(server, signed: str) -> requests.Response:
    return requests.post(server.token_uri, data={"grant_type": JWT_BEARER, "assertion": signed}, timeout=30)


def works(server, token: str) -> bool:
    return post(server.url, "value:compute", {"expression": NUMBER}, token).status_code == 200


def test_an_assertion_valid_for_more_than_an_hour_is_refused(server):
    r = exchange(server, assertion(server.key, lifetime_s=10 * 365 * 86400))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert "short-lived token (60 minutes)" in r.json()["error_description"]
    r = exchange(server, assertion(server.key))  # a proper one still works
    assert r.status_code == 200 and works(server, r.json()["access_token"])


def test_an_assertion_is_exchanged_once(server):
    clock = FakeClock()
    server.auth.clock = clock
    signed = assertion(server.key)
    first = exchange(server, signed).json()["access_token"]
    again = exchange(server, signed)  # a retry after a lost answer: the same token, no new one
    assert again.status_code == 200 and again.json()["access_token"] == first
    clock.now += 11  # later it is a replay
    r = exchange(server, signed)
    assert r.status_code == 400 and "already been used" in r.json()["error_description"]
    assert server.auth.grants == 1 and len(server.auth.issued_tokens) == 1
    fresh = exchange(server, assertion(server.key, jti="another"))  # a newly signed one is fine
    assert fresh.status_code == 200 and works(server, fresh.json()["access_token"])


def test_issued_tokens_are_forgotten_after_they_expire(server):
    clock = FakeClock()
    server.auth.clock = clock
    tokens = [exchange(server, assertion(server.key, jti=str(i))).json()["access_token"] for i in range(5)]
    assert set(server.auth.issued_tokens) == set(tokens)
    clock.now += server.auth.token_lifetime_s + 1
    r = post(server.url, "value:compute", {"expression": NUMBER}, tokens[0])
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]
    clock.now += 2 * 3600  # long expired: not kept at all
    assert post(server.url, "value:compute", {"expression": NUMBER}, tokens[0]).status_code == 401
    assert server.auth.issued_tokens == []


@pytest.mark.parametrize("claims, words", [({"iss": [EMAIL]}, "'iss' must be the service account's email"),
                                           ({"iat": "now"}, "'iat' and 'exp' must be numbers")],
                         ids=["iss as a list", "iat as text"])
def test_malformed_claims_get_a_clear_400(server, claims, words):
    r = exchange(server, assertion(server.key, **claims))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert words in r.json()["error_description"]
    assert exchange(server, assertion(server.key)).status_code == 200
