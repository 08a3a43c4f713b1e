"""The token: required off loopback, never empty, and checked before the server spends anything on a request."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from ee_assets.local import FaultConfig, LocalServer
from ee_assets.local.protocol.oauth import Authenticator
from ee_assets_tests.support.raw_http import connect, head, read_response
from ee_assets_tests.support.serving import NUMBER, assert_serves, post

TOKEN = "s3cret-token"


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_an_empty_token_is_refused_everywhere(sample_catalog, host):
    for empty in ("", "   "):
        with pytest.raises(ValueError, match="token is empty"):
            LocalServer(sample_catalog, host=host, token=empty)
        with pytest.raises(ValueError, match="token is empty"):
            Authenticator(empty)


def test_serve_on_a_public_host_with_an_empty_token_refuses_to_start(sample_catalog):
    """`--token "$TOKEN"` with TOKEN unset must not start a server that anyone on the network can use."""
    out = subprocess.run([sys.executable, "-m", "ee_assets.local", "serve", "--host", "0.0.0.0", "--port", "0",
                          "--catalog", str(sample_catalog), "--token", ""], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2
    assert "token is empty" in out.stderr


@pytest.fixture(scope="module")
def guarded(sample_catalog):
    """A server with a token and fault injection that fails every API request it gets to."""
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(rate=1.0, codes=(503,))) as server:
        yield server


def test_a_bearer_header_with_nothing_after_it_is_refused(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as server:
        for header in ("Bearer ", "Bearer", "Bearer  ", ""):
            r = requests.post(f"{server.url}/v1/projects/p/value:compute", json={"expression": NUMBER},
                              headers={"Authorization": header}, timeout=30)
            assert r.status_code == 401, header
            assert r.json()["error"]["status"] == "UNAUTHENTICATED"
        assert_serves(server.url, TOKEN)


def test_unauthenticated_requests_get_401_before_any_fault_is_injected(guarded):
    for token in (None, "wrong"):
        r = post(guarded.url, "value:compute", {"expression": NUMBER}, token)
        assert r.status_code == 401, r.text  # not the 503 every authenticated request gets
    r = post(guarded.url, "value:compute", {"expression": NUMBER}, TOKEN)
    assert r.status_code == 503 and "Injected fault" in r.json()["error"]["message"]


def test_unauthenticated_requests_leave_no_state(guarded):
    """1,000 requests to distinct 60 KB paths without the token: nothing is counted or kept."""
    counts, requests_before = dict(guarded.method_counts), guarded.request_count
    with requests.Session() as session:
        for i in range(1000):
            path = f"/v1/projects/p/{i:06d}{'x' * 60_000}"
            r = session.post(guarded.url + path, data=b"{}", timeout=30)
            assert r.status_code == 401
    assert dict(guarded.method_counts) == counts
    assert guarded.request_count - requests_before == 1000
    assert all(len(name) < 40 for name in guarded.method_counts)  # method names, never paths


def test_an_unauthenticated_body_is_not_read(guarded):
    """A request announcing a 1 GiB body without the token is answered 401 at once, the body never sent."""
    with connect(guarded.url) as sock:
        sock.sendall(head("POST", "/v1/projects/p/value:compute", {"Content-Length": str(1 << 30),
                                                                  "Content-Type": "application/json"}))
        response = read_response(sock)
    assert response.status == 401
    assert response.headers.get("connection") == "close"
