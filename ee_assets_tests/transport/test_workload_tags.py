"""workloadTag: what we send always passes the official client's own check, and the local server, like EE, refuses
what that check refuses."""

from __future__ import annotations

import json

import pytest
import requests
from ee._state import _WorkloadTag

from ee_assets.transport.labels import RequestLabel, sanitize_workload_tag
from ee_assets_tests.support.local_backend import PROJECT, TOKEN


def client_accepts(tag: str) -> bool:
    """earthengine-api's own validation (ee.data.setWorkloadTag), the independent reference."""
    try:
        _WorkloadTag().validate(tag)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text, tag", [
    ("s2_composite-2020-06-01", "s2_composite-2020-06-01"),
    ("ndvi.v2-2020-06-01", "ndvi-v2-2020-06-01"),  # dots are not allowed by the client
    ("S2 Composite/2020-06-01|Delta", "s2-composite-2020-06-01-delta"),
    ("x.", "x"), ("._a_.", "a"), ("7", "7"), ("a" * 62 + ".b", "a" * 62), ("...", None), ("", None),
])
def test_sanitized_tags_pass_the_official_clients_check(text, tag):
    assert sanitize_workload_tag(text) == tag
    if tag is not None:
        assert client_accepts(tag)


@pytest.mark.parametrize("asset, partition", [("s2_composite", "2020-06-01|delta.utm"), ("a.b" * 40, "2020-06-01"),
                                              ("ndvi_by_state", None), ("_", "2020-06-01")])
def test_every_request_label_makes_a_tag_the_client_accepts(asset, partition):
    tag = RequestLabel(asset, partition).workload_tag
    assert tag is not None and client_accepts(tag) and len(tag) <= 63


def _post_value(server, tag) -> requests.Response:
    body = {"expression": {"result": "0", "values": {"0": {"constantValue": 1}}}, "workloadTag": tag}
    return requests.post(f"{server.url}/v1/projects/{PROJECT}/value:compute", data=json.dumps(body),
                         headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                         timeout=30)


@pytest.mark.parametrize("tag", ["a.b", "Upper", "-x", "x_", "a" * 64, "tag with space"])
def test_the_local_server_refuses_tags_the_client_refuses(local_server, tag):
    assert not client_accepts(tag)
    answer = _post_value(local_server, tag)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and "workloadTag" in error["message"]


@pytest.mark.parametrize("tag", ["a", "s2_composite-2020-06-01", "x" * 63, "0-_-9"])
def test_the_local_server_accepts_tags_the_client_accepts(local_server, tag):
    assert client_accepts(tag)
    answer = _post_value(local_server, tag)
    assert answer.status_code == 200 and answer.json() == {"result": 1}
