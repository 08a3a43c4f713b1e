"""Requests the protocol tests send by hand, and the check that a server still answers a normal one."""

from __future__ import annotations

import json

import requests

NUMBER = {"result": "0", "values": {"0": {"functionInvocationValue": {
    "functionName": "Number.add", "arguments": {"left": {"constantValue": 41}, "right": {"constantValue": 1}}}}}}


def post(url: str, method: str, body: dict | bytes, token: str | None, timeout_s: float = 120.0,
         project: str = "p") -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = body if isinstance(body, bytes) else json.dumps(body)
    return requests.post(f"{url}/v1/projects/{project}/{method}", data=data, headers=headers, timeout=timeout_s)


def error(response: requests.Response) -> tuple[int, str]:
    """(HTTP status, EE error message) of an error response."""
    return response.status_code, response.json()["error"]["message"]


def assert_serves(url: str, token: str | None) -> None:
    """The server answers a normal request normally."""
    r = post(url, "value:compute", {"expression": NUMBER}, token)
    assert (r.status_code, r.json()) == (200, {"result": 42}), r.text
