"""Shared fixtures: the sample catalog, a real local server on loopback, and the real ee client pointed at it.

An autouse guard makes any attempt to reach a non-loopback address fail the test: no test may touch the internet.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import ee
import pytest
from google.oauth2.credentials import Credentials

from ee_assets.local import LocalServer
from ee_assets.local.catalog.sample_data import build_sample_catalog
from ee_assets.transport.ee_client import initialize_ee

TOKEN = "test-token"
PROJECT = "test-project"

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        raise OSError(f"test tried to reach {address!r}: tests must not touch the network")
    return _real_connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, bytes):
        host = host.decode()
    if not _loopback(host):
        raise socket.gaierror(f"test tried to resolve {host!r}: tests must not touch the network")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def no_internet():
    socket.socket.connect = _guarded_connect
    socket.getaddrinfo = _guarded_getaddrinfo
    yield
    socket.socket.connect = _real_connect
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture(scope="session")
def sample_catalog() -> Path:
    return build_sample_catalog(log=lambda *a, **k: None)


@pytest.fixture(scope="session")
def local_server(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as server:
        yield server


def credentials(token: str = TOKEN) -> Credentials:
    return Credentials(token=token)


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


def write_catalog(folder: Path, assets: dict) -> Path:
    """Write a catalog.yaml into `folder` (for tests that bring their own small data)."""
    import yaml

    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump({"assets": assets}, sort_keys=False))
    return path
