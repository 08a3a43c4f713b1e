"""Connections: bursts are queued, not reset; stalled clients cost a socket, not a worker, and are closed in time;
when every place is taken, a request waits, then gets a 429 that clients retry."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ee_assets.local import FaultConfig, LocalServer
from ee_assets.local.protocol.server_limits import ServerLimits
from ee_assets_tests.support.raw_http import connect
from ee_assets_tests.support.serving import NUMBER, assert_serves, post

TOKEN = "conn-token"
PARTIAL = b"POST /v1/projects/p/value:compute HTTP/1.1\r\nHost: x\r\n"  # never finished


@pytest.fixture(scope="module")
def server(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as s:
        yield s


def test_200_concurrent_clients_are_all_answered(server):
    clients = 200
    gate = threading.Barrier(clients)

    def one(_) -> int:
        gate.wait()  # all at once, each on a new connection
        r = requests.post(f"{server.url}/v1/projects/p/value:compute", json={"expression": NUMBER},
                          headers={"Authorization": f"Bearer {TOKEN}", "Connection": "close"}, timeout=120)
        return r.status_code

    with ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(one, range(clients)))
    assert statuses == [200] * clients


def test_with_300_stalled_connections_a_normal_request_is_answered(server):
    stalled = []
    try:
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=30)
            sock.sendall(PARTIAL)
            stalled.append(sock)
        r = post(server.url, "value:compute", {"expression": NUMBER}, TOKEN, timeout_s=30)
        assert (r.status_code, r.json()) == (200, {"result": 42})
    finally:
        for sock in stalled:
            sock.close()


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_connections_that_stall_are_closed(sample_catalog):
    limits = ServerLimits(header_timeout_s=1.0, keep_alive_s=1.0)
    with LocalServer(sample_catalog, token=TOKEN, limits=limits) as server:
        silent, partial = connect(server.url, timeout_s=60), connect(server.url, timeout_s=60)
        partial.sendall(PARTIAL)
        with silent, partial:
            assert _closed_by_server(silent)  # recv returns when the server closes (or the 60 s socket timeout)
            assert _closed_by_server(partial)
        assert_serves(server.url, TOKEN)


def test_a_full_queue_answers_429_with_retry_after(sample_catalog):
    """One worker and one queued place, both held by requests that take 5 s (injected latency): a third request
    waits its 0.5 s for a place, then is told to retry."""
    limits = ServerLimits(workers=1, queue=1, queue_timeout_s=0.5)
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(latency_ms=5000), limits=limits) as server:
        with ThreadPoolExecutor(2) as pool:
            busy = [pool.submit(post, server.url, "value:compute", {"expression": NUMBER}, TOKEN) for _ in range(2)]
            while server.max_in_flight < 2:
                time.sleep(0.01)
            r = post(server.url, "value:compute", {"expression": NUMBER}, TOKEN)
            assert r.status_code == 429, r.text
            assert r.headers["Retry-After"] == "1"
            assert r.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
            assert "Too many concurrent requests" in r.json()["error"]["message"]
            assert [f.result().json() for f in busy] == [{"result": 42}] * 2
