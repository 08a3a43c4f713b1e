"""Each request's time and memory budget on the embedded server, and cancellation when its client leaves."""

from __future__ import annotations

import json
import time

import pytest

from ee_assets.local import LocalServer
from ee_assets.local.catalog.sample_data import s2_transform
from ee_assets.local.protocol.server_limits import ServerLimits, parse_size
from ee_assets_tests.support.raw_http import connect, head
from ee_assets_tests.support.serving import assert_serves, error, post

TOKEN = "budget-token"


def _call(name: str, **arguments) -> dict:
    return {"functionInvocationValue": {"functionName": name, "arguments": arguments}}


def nested_map(n: int) -> dict:
    """List.sequence(1, n).map(x => List.sequence(1, n).map(y => x + y)): n² additions."""
    seq = _call("List.sequence", start={"constantValue": 1}, end={"constantValue": n})
    inner = _call("List.map", list=seq, baseAlgorithm={"functionDefinitionValue": {"argumentNames": ["y"],
                                                                                   "body": "2"}})
    return {"result": "0", "values": {
        "0": _call("List.map", list=seq, baseAlgorithm={"functionDefinitionValue": {"argumentNames": ["x"],
                                                                                    "body": "1"}}),
        "1": inner,
        "2": _call("Number.add", left={"argumentReference": "x"}, right={"argumentReference": "y"})}}


def test_a_request_over_its_time_budget_gets_ees_timeout_and_the_server_goes_on(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN, limits=ServerLimits(request_timeout_s=2)) as server:
        status, message = error(post(server.url, "value:compute", {"expression": nested_map(10_000)}, TOKEN))
        assert status == 400
        assert "Computation timed out." in message and "serve --request-timeout" in message
        assert_serves(server.url, TOKEN)


def test_a_request_whose_client_left_stops_evaluating(sample_catalog):
    """10⁸ additions would take many minutes; once the client closes the connection the worker is freed within
    a few checks, although the request's time budget is an hour."""
    with LocalServer(sample_catalog, token=TOKEN, limits=ServerLimits(request_timeout_s=3600)) as server:
        body = json.dumps({"expression": nested_map(10_000)}).encode()
        sock = connect(server.url)
        sock.sendall(head("POST", "/v1/projects/p/value:compute", {
            "Authorization": f"Bearer {TOKEN}", "Content-Length": str(len(body))}) + body)
        _wait_for(lambda: server.evaluating == 1, "the request to start evaluating")
        sock.close()
        _wait_for(lambda: server.evaluating == 0, "the evaluation to be cancelled")
        assert_serves(server.url, TOKEN)


def _wait_for(condition, what: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s:g} s for {what}")
        time.sleep(0.05)


def test_the_memory_budget_is_configurable_on_the_embedded_server(ee_local, sample_catalog):
    """The same computePixels is served under the default budget and refused with EE's message under 32 MiB."""
    image = ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").filterDate("2020-06-01", "2020-08-01").median()
    body = {"expression": ee_local.serializer.encode(image.select(["B4", "B3", "B2"]).toUint16()),
            "fileFormat": "NPY", "grid": {"dimensions": {"width": 1000, "height": 1000}, "crsCode": "EPSG:32610",
                                          "affineTransform": _s2_affine()}}
    with LocalServer(sample_catalog, token=TOKEN) as roomy:
        assert post(roomy.url, "image:computePixels", body, TOKEN).status_code == 200
    with LocalServer(sample_catalog, token=TOKEN, limits=ServerLimits(max_request_memory=32 << 20)) as tight:
        status, message = error(post(tight.url, "image:computePixels", body, TOKEN))
        assert status == 400 and "User memory limit exceeded." in message and "32 MiB" in message
        assert_serves(tight.url, TOKEN)


def _s2_affine() -> dict:
    t = s2_transform()
    return {"scaleX": t.a, "shearX": 0, "translateX": t.c, "shearY": 0, "scaleY": t.e, "translateY": t.f}


@pytest.mark.parametrize("text, size", [("1g", 1 << 30), ("512m", 512 << 20), ("2GiB", 2 << 30), ("1048576", 1 << 20),
                                        ("1.5g", 3 << 29)])
def test_sizes_read_as_serve_takes_them(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("limits", [dict(max_request_memory=1 << 20), dict(workers=0), dict(request_timeout_s=-1)])
def test_nonsense_limits_are_refused(limits):
    with pytest.raises(ValueError):
        ServerLimits(**limits)
