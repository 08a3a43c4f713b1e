"""Shared fixtures: the sample catalog, a real local server on loopback, and the real ee client pointed at it.

An autouse guard makes any attempt to reach a non-loopback address fail the test: no test may touch the internet.
Another keeps the session's files out of the user's cache: the shared request budget (EE_RATE_LIMIT_URL) and the
object stores' scratch space (EE_SCRATCH_DIR) live in the session's temporary folder, for this process and every
subprocess it starts. The S3 fixtures (a moto server per session, a bucket per test) come from support/s3_server.py.

The algorithm-coverage plugin (support/algorithm_coverage.py) checks, after the last test, that every implemented
algorithm was invoked by some test.

Tests mirror the source tree: a test of ee_assets/local/algorithms/image/math.py is in
local/algorithms/image/test_math.py, of ee_assets/transport/ in transport/; helpers shared by several test modules
are in support/.
"""

from __future__ import annotations

import os
from pathlib import Path

import ee
import pytest

from ee_assets.local import LocalServer
from ee_assets.local.catalog.sample_data import build_sample_catalog
from ee_assets.transport.ee_client import initialize_ee
from ee_assets_tests.support import no_network
from ee_assets_tests.support.algorithm_coverage import AlgorithmCoverage
from ee_assets_tests.support.local_backend import PROJECT, TOKEN, credentials, write_catalog
from ee_assets_tests.support.s3_server import s3_bucket, s3_endpoint  # noqa: F401 - fixtures: a moto S3 server


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(AlgorithmCoverage(), "algorithm-coverage")


@pytest.fixture(autouse=True, scope="session")
def no_internet():
    no_network.install()
    yield
    no_network.uninstall()


@pytest.fixture(autouse=True, scope="session")
def session_budget_and_scratch(tmp_path_factory):
    """A request budget and a scratch folder of the session's own, removed with its temporary folder."""
    folder = tmp_path_factory.mktemp("session")
    saved = {name: os.environ.get(name) for name in ("EE_RATE_LIMIT_URL", "EE_SCRATCH_DIR")}
    os.environ["EE_RATE_LIMIT_URL"] = f"sqlite://{folder / 'request-budget.sqlite'}"
    os.environ["EE_SCRATCH_DIR"] = str(folder / "scratch")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def sample_catalog() -> Path:
    return build_sample_catalog(log=lambda *a, **k: None)


@pytest.fixture(scope="session")
def local_server(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as server:
        yield server


@pytest.fixture()
def ee_local(local_server):
    """The real earthengine-api client initialized against the session's local server."""
    initialize_ee(credentials(), url=local_server.url, project=PROJECT, offline=True)
    yield ee
    ee.Reset()


@pytest.fixture()
def ee_on(tmp_path):
    """Start a server on a catalog the test writes, and initialize the client against it: `ee = ee_on({...})`."""
    servers = []

    def start(assets: dict):
        server = LocalServer(write_catalog(tmp_path, assets)).start()
        servers.append(server)
        initialize_ee(credentials(), url=server.url, project=PROJECT, offline=True)
        return ee

    yield start
    ee.Reset()
    for s in servers:
        s.stop()

