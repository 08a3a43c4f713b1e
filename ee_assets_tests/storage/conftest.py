"""Fixtures: a store on each kind of location (the S3 server and buckets come from ../conftest.py), and scratch space
in the test's folder."""

from __future__ import annotations

import pytest

from ee_assets.storage import Store


@pytest.fixture(autouse=True)
def scratch_in_tmp(tmp_path, monkeypatch):
    """Object-store writes build their files in the test's own scratch folder, not the user's cache."""
    monkeypatch.setenv("EE_SCRATCH_DIR", str(tmp_path / "scratch"))


@pytest.fixture(params=["local", "file-uri", "s3"])
def store(request, tmp_path) -> Store:
    """A store on a local folder, on a file:// URI, and on a bucket prefix of the S3 server."""
    if request.param == "local":
        return Store.at(tmp_path / "out")
    if request.param == "file-uri":
        return Store.at(f"file://{tmp_path}/out/")
    bucket = request.getfixturevalue("s3_bucket")
    return Store.at(f"s3://{bucket}/ee/outputs/")
