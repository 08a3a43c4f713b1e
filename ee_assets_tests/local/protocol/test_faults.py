"""Fault injection for client tests, and the `python -m ee_assets.local` commands."""

from __future__ import annotations

import json
import time

import requests

from ee_assets.local import FaultConfig, LocalServer

EXPR = {"expression": {"result": "0", "values": {"0": {"constantValue": 1}}}}


def test_seeded_faults_answer_429_or_503_with_retry_after_and_drop_connections(sample_catalog):
    faults = FaultConfig(rate=0.4, codes=(429, 503), drop_rate=0.3, seed=3)
    codes, drops = [], 0
    with LocalServer(sample_catalog, faults=faults) as server:
        for _ in range(60):
            try:
                r = requests.post(f"{server.url}/v1/projects/p/value:compute", data=json.dumps(EXPR), timeout=10)
            except requests.exceptions.RequestException:
                drops += 1
                continue
            codes.append(r.status_code)
            if r.status_code != 200:
                assert r.headers["Retry-After"] == "1"
                assert r.json()["error"]["status"] in ("RESOURCE_EXHAUSTED", "UNAVAILABLE")
            else:
                assert r.json() == {"result": 1}
    assert {429, 503, 200} <= set(codes)
    assert drops > 0
    # The same seed gives the same sequence.
    a, b = (FaultConfig(rate=0.4, codes=(429, 503), drop_rate=0.3, seed=3) for _ in range(2))
    assert [a.draw() for _ in range(50)] == [b.draw() for _ in range(50)]


def test_injected_latency_delays_answers(sample_catalog):
    with LocalServer(sample_catalog, faults=FaultConfig(latency_ms=150)) as server:
        start = time.perf_counter()
        requests.post(f"{server.url}/v1/projects/p/value:compute", data=json.dumps(EXPR), timeout=10)
        assert time.perf_counter() - start >= 0.15


