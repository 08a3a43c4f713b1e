"""A real S3 API on loopback for tests: moto's ThreadedMotoServer, reached the standard way (AWS_* variables).

`s3_environment(server_url)` gives the variables a client needs; with them, s3fs (and so `Store.at("s3://…")`),
boto3 and a subprocess all reach the server without any other setting. The fixtures `s3_endpoint` (one server per
session) and `s3_bucket` (a fresh bucket per test, the environment pointing at the server) are imported by the
conftest files and test modules that use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ee_assets.storage import Store

REGION = "us-east-1"


def s3_environment(endpoint_url: str) -> dict[str, str]:
    """AWS_* variables for the local server (dummy credentials: moto accepts any)."""
    return {"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "test-key-id",
            "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true"}


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """Start moto's S3 server on 127.0.0.1 (a free port); yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_bucket(endpoint_url: str, name: str, versioned: bool = False) -> None:
    """Create bucket `name`; `versioned` keeps every version of each object (so a test can tell a replaced object
    from an untouched one even when the bytes are the same)."""
    import boto3

    env = s3_environment(endpoint_url)
    client = boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION,
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket=name)
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def bucket_name(test_name: str) -> str:
    """A valid bucket name derived from a test's name."""
    return re.sub(r"[^a-z0-9-]+", "-", test_name.lower()).strip("-")[:50] + "-b"


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    with moto_s3_server() as url:
        yield url


@pytest.fixture()
def s3_bucket(s3_endpoint, monkeypatch, request) -> str:
    """A new, empty bucket for this test (its name derives from the test's); the environment reaches the server."""
    for name, value in s3_environment(s3_endpoint).items():
        monkeypatch.setenv(name, value)
    bucket = bucket_name(request.node.name)
    create_bucket(s3_endpoint, bucket)
    return bucket


def objects(store: Store) -> dict[str, bytes]:
    """Every object under the store's root (hidden files included), read independently of the store: os.walk for a
    folder, boto3 for S3 (with the AWS_* variables of `s3_environment`)."""
    if store.is_local:
        root = Path(store.location.path)
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    import boto3

    bucket, _, prefix = store.location.path.partition("/")
    s3 = boto3.client("s3")
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
    return {o["Key"][len(prefix) + 1:]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listing}


def object_versions(store: Store) -> dict[str, int]:
    """How many versions each object under the store's root has on a versioned bucket (1: written once)."""
    import boto3

    bucket, _, prefix = store.location.path.partition("/")
    listed = boto3.client("s3").list_object_versions(Bucket=bucket, Prefix=prefix + "/").get("Versions", [])
    counts: dict[str, int] = {}
    for version in listed:
        key = version["Key"][len(prefix) + 1:]
        counts[key] = counts.get(key, 0) + 1
    return counts
