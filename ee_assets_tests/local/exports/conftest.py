"""A local server with a bucket root of the test's own, and the real client initialized against it."""

from __future__ import annotations

import pytest

from ee_assets.local import FaultConfig, LocalServer
from ee_assets.transport.ee_client import initialize_ee
from ee_assets_tests.support.image_fixtures import ab_catalog
from ee_assets_tests.support.local_backend import PROJECT, TOKEN, credentials, write_catalog


@pytest.fixture()
def exporting(tmp_path):
    """`server, ee, buckets = exporting(faults=..., export_workers=..., max_queued_exports=...)`."""
    import ee

    servers = []

    def start(**kwargs):
        faults = kwargs.pop("faults", None) or FaultConfig()
        server = LocalServer(write_catalog(tmp_path, ab_catalog(tmp_path)), token=TOKEN, faults=faults,
                             bucket_root=tmp_path / "buckets", **kwargs).start()
        servers.append(server)
        initialize_ee(credentials(), url=server.url, project=PROJECT, offline=True)
        return server, ee, tmp_path / "buckets"

    yield start
    ee.Reset()
    for server in servers:
        server.stop()
