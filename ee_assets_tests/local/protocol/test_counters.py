"""The server's counts of values clients choose (workload tags, X-Goog-User-Project) keep at most a bounded number of
distinct values by name; the rest are counted under "(other)", so no count is lost and memory does not grow."""

from __future__ import annotations

import pytest
import requests

from ee_assets.local import LocalServer
from ee_assets.local.protocol.counters import MAX_KEYS, OTHER, BoundedCounter
from ee_assets_tests.support.serving import NUMBER

TOKEN = "counter-token"


@pytest.fixture()
def server(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as s:
        yield s


def test_past_the_bound_new_values_are_counted_together():
    counts = BoundedCounter()
    for i in range(MAX_KEYS + 250):
        counts.add(f"v{i}")
    counts.add("v0")  # a value counted by name goes on being counted by name
    assert MAX_KEYS == 1_000 and len(counts) == MAX_KEYS + 1
    assert counts["v0"] == 2 and counts[f"v{MAX_KEYS - 1}"] == 1 and f"v{MAX_KEYS}" not in counts
    assert counts[OTHER] == 250 and sum(counts.values()) == MAX_KEYS + 251


def test_the_servers_counters_are_bounded(server):
    backend = server.backend
    assert isinstance(backend.workload_tags, BoundedCounter) and backend.workload_tags.max_keys == MAX_KEYS
    assert isinstance(backend.user_projects, BoundedCounter) and backend.user_projects.max_keys == MAX_KEYS
    backend.workload_tags, backend.user_projects = BoundedCounter(3), BoundedCounter(3)
    with requests.Session() as session:
        for i in range(6):
            r = session.post(f"{server.url}/v1/projects/p/value:compute", timeout=30,
                             json={"expression": NUMBER, "workloadTag": f"tag-{i % 5}"},
                             headers={"Authorization": f"Bearer {TOKEN}", "X-Goog-User-Project": f"billed-{i}"})
            assert r.status_code == 200 and r.json() == {"result": 42}, r.text
    assert server.workload_tags == {"tag-0": 2, "tag-1": 1, "tag-2": 1, OTHER: 2}
    assert server.user_projects == {"billed-0": 1, "billed-1": 1, "billed-2": 1, OTHER: 3}


def test_a_bound_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        BoundedCounter(0)
