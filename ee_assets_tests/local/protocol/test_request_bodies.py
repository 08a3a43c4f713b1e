"""Request bodies are limited while they are read: EE's 10 MiB, announced or chunked, and a lying length is a 400."""

from __future__ import annotations

import json
import select

import pytest
import requests

from ee_assets import limits
from ee_assets.local import LocalServer
from ee_assets_tests.support.raw_http import connect, exchange, head, read_response
from ee_assets_tests.support.serving import NUMBER, assert_serves

TOKEN = "body-token"
PATH = "/v1/projects/p/value:compute"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
TOO_LARGE = f"Request payload size exceeds the limit: {limits.MAX_REQUEST_BODY_BYTES} bytes."


@pytest.fixture(scope="module")
def server(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as s:
        yield s


def test_an_announced_1_gib_body_is_refused_before_it_is_read(server):
    with connect(server.url) as sock:
        sock.sendall(head("POST", PATH, {**AUTH, "Content-Length": str(1 << 30)}))  # and not one byte of it
        response = read_response(sock)
    assert response.status == 413
    assert response.json()["error"]["message"] == TOO_LARGE
    assert_serves(server.url, TOKEN)


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(server):
    chunk = b"x" * (1 << 20)
    sent = 0
    with connect(server.url) as sock:
        sock.sendall(head("POST", PATH, {**AUTH, "Transfer-Encoding": "chunked"}))
        while sent < 64 << 20:  # far more than the limit, unless the server answers first
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        response = read_response(sock)
    assert response.status == 413
    assert response.json()["error"]["message"] == TOO_LARGE
    assert sent < 32 << 20  # answered long before the client was done
    assert_serves(server.url, TOKEN)


def test_a_chunked_body_within_the_limit_is_read_and_evaluated(server):
    body = json.dumps({"expression": NUMBER}).encode()
    pieces = (body[i:i + 7] for i in range(0, len(body), 7))  # a generator: requests sends it chunked
    r = requests.post(server.url + PATH, data=pieces, headers=AUTH, timeout=30)
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert (r.status_code, r.json()) == (200, {"result": 42})


def test_a_body_just_under_the_limit_is_accepted(server):
    padding = " " * (limits.MAX_REQUEST_BODY_BYTES - 200)
    body = json.dumps({"expression": NUMBER}) + padding
    r = requests.post(server.url + PATH, data=body.encode(), headers=AUTH, timeout=60)
    assert (r.status_code, r.json()) == (200, {"result": 42})


@pytest.mark.parametrize("length", ["ten", "-5", "12, 12", "1e3"])
def test_a_malformed_content_length_is_a_400(server, length):
    response = exchange(server.url, head("POST", PATH, {**AUTH, "Content-Length": length}) + b"{}")
    assert response.status == 400
    assert_serves(server.url, TOKEN)


def test_content_length_and_chunked_together_are_refused(server):
    """Both framings at once is how requests are smuggled past proxies; the server must not pick one."""
    body = b'4\r\n{}  \r\n0\r\n\r\n'
    response = exchange(server.url, head("POST", PATH, {**AUTH, "Content-Length": "4",
                                                        "Transfer-Encoding": "chunked"}) + body)
    assert response.status == 400
    assert_serves(server.url, TOKEN)
