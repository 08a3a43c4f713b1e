"""The output store on a local folder and on a real S3 API (moto's server on loopback): byte-identical round trips,
atomic replacement (a failed write leaves the previous object and nothing partial), listing and clear errors.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from ee_assets.files import write_atomic
from ee_assets.storage import Store, UnsupportedLocationError, output_key, parse_location
from ee_assets.storage.store import scratch_root
from ee_assets_tests.support.no_network import subprocess_pythonpath
from ee_assets_tests.support.s3_server import objects


def geotiff(path: Path, seed: int) -> None:
    data = np.random.default_rng(seed).random((2, 300, 400), dtype=np.float32)
    with rasterio.open(path, "w", driver="GTiff", width=400, height=300, count=2, dtype="float32", crs="EPSG:32610",
                       transform=Affine(10, 0, 500000, 0, -10, 4200000), tiled=True,
                       compress="deflate") as dst:
        dst.write(data)


def test_round_trips_are_byte_identical(store, tmp_path):
    blob = os.urandom(3 * 2**20 + 17)
    uri = store.write_bytes("ndvi_by_state/2020-06-01.geojson", blob)
    assert store.read_bytes("ndvi_by_state/2020-06-01.geojson") == blob
    with store.open("ndvi_by_state/2020-06-01.geojson") as f:
        assert f.read() == blob

    tif = tmp_path / "source.tif"
    geotiff(tif, seed=1)
    store.write_file("s2_composite/delta/2020-06-01.tif", tif)
    with store.local_copy("s2_composite/delta/2020-06-01.tif") as local, rasterio.open(local) as ds:
        assert hashlib.sha256(local.read_bytes()).digest() == hashlib.sha256(tif.read_bytes()).digest()
        assert ds.shape == (300, 400) and ds.count == 2

    table = pd.DataFrame({"state": ["Iowa", "Maine"], "ndvi": [0.641, 0.747]})
    store.write_with("ndvi_by_state/2020-07-01.parquet", lambda p: table.to_parquet(p, index=False),
                     suffix=".parquet")
    with store.open("ndvi_by_state/2020-07-01.parquet") as f:
        pd.testing.assert_frame_equal(pd.read_parquet(f), table)

    assert objects(store) == {
        "ndvi_by_state/2020-06-01.geojson": blob, "s2_composite/delta/2020-06-01.tif": tif.read_bytes(),
        "ndvi_by_state/2020-07-01.parquet": store.read_bytes("ndvi_by_state/2020-07-01.parquet")}
    expected_uri = (f"{store.location.path}/ndvi_by_state/2020-06-01.geojson" if store.is_local
                    else f"s3://{store.location.path}/ndvi_by_state/2020-06-01.geojson")
    assert uri == expected_uri == store.uri("ndvi_by_state/2020-06-01.geojson")
    assert store.exists("ndvi_by_state/2020-06-01.geojson") and not store.exists("ndvi_by_state/2020-08-01.geojson")
    assert store.partition_keys("ndvi_by_state", ".geojson") == ["2020-06-01"]
    assert store.partition_keys("ndvi_by_state", ".parquet") == ["2020-07-01"]
    assert store.partition_keys("s2_composite", ".tif", grid="delta") == ["2020-06-01"]
    assert store.partition_keys("nothing_yet", ".tif") == []
    assert [p for p in (tmp_path / "scratch").rglob("*") if p.is_file()] == []  # temporary copies removed


def test_a_rewrite_replaces_the_object_whole(store):
    key = output_key("ndvi_by_state", "2020-06-01", ".geojson")
    store.write_bytes(key, b"first")
    store.write_bytes(key, b"second, longer")
    assert store.read_bytes(key) == b"second, longer" and list(objects(store)) == [key]


def test_an_exception_mid_write_leaves_the_previous_object_and_nothing_partial(store, tmp_path):
    key = output_key("s2_composite", "2020-06-01", ".tif", grid="delta")
    good = tmp_path / "good.tif"
    geotiff(good, seed=2)
    store.write_file(key, good)
    before = objects(store)

    def fails_half_way(path: Path) -> None:
        with open(path, "wb") as f:
            f.write(good.read_bytes()[: good.stat().st_size // 2])  # half a file written ...
        raise RuntimeError("the computation failed half-way")  # ... then the run fails

    with pytest.raises(RuntimeError, match="half-way"):
        store.write_with(key, fails_half_way, suffix=".tif")
    assert objects(store) == before
    with pytest.raises(RuntimeError, match="half-way"), store.staged(key) as path:
        write_atomic(path, fails_half_way)  # staged's contract: the writer replaces the path atomically
    assert objects(store) == before
    leftovers = [p for p in Path(tmp_path / "out").rglob(".*")] if store.is_local else []
    assert leftovers == []  # no temporary sibling left in a local folder


def test_staged_keeps_the_local_work_after_a_failure_and_publishes_in_one_piece(store, tmp_path):
    key = output_key("s2_composite", "2020-06-01", ".tif", grid="delta")
    with pytest.raises(RuntimeError), store.staged(key) as path:
        (path.parent / f"{path.name}.parts").mkdir(exist_ok=True)  # what a tiled fetch checkpoints
        raise RuntimeError("interrupted")
    with store.staged(key) as again:
        assert again == path and (path.parent / f"{path.name}.parts").is_dir()  # the next run finds its checkpoints
        geotiff(again, seed=3)
        expected = again.read_bytes()
    assert store.read_bytes(key) == expected
    assert store.is_local or not path.exists()
    if not store.is_local:
        assert path.is_relative_to(scratch_root())


def test_object_store_writes_do_not_stream_into_the_object(s3_bucket):
    """The reason for the design: s3fs's `with fs.open(..., "wb")` publishes a partial object when the block raises;
    the store's writes do not."""
    store = Store.at(f"s3://{s3_bucket}/p")
    with pytest.raises(RuntimeError), store.fs.open(f"{s3_bucket}/p/streamed.bin", "wb") as f:
        f.write(b"partial")
        raise RuntimeError("failed while streaming")
    assert objects(store) == {"streamed.bin": b"partial"}  # what the store avoids

    def fails(path: Path) -> None:
        path.write_bytes(b"partial")
        raise RuntimeError("failed while writing")

    with pytest.raises(RuntimeError):
        store.write_with("written.bin", fails)
    assert "written.bin" not in objects(store)


@pytest.mark.parametrize("text, expected", [
    ("az://container/x", "the scheme 'az' is not one of the supported ones"),
    ("http://example.com/outputs", "the scheme 'http' is not one of the supported ones"),
    ("memory://x", "the scheme 'memory' is not one of the supported ones"),
    ("s3://", "names no bucket"),
    ("gs:///prefix", "names no bucket"),
    ("s3://bucket/../other", "'..' are not allowed"),
    ("file://server/share/x", "must be on this machine"),
    ("   ", "is empty"),
])
def test_an_unsupported_location_says_what_is_supported(text, expected):
    with pytest.raises(UnsupportedLocationError) as caught:
        Store.at(text)
    assert expected in str(caught.value)
    if "scheme" in expected or "empty" in expected:
        assert "a local path, file://, s3://" in str(caught.value) and "gs://" in str(caught.value)


def test_locations_are_normalised(tmp_path):
    assert parse_location(f"file://{tmp_path}/a/").uri == f"{tmp_path}/a"
    assert parse_location("S3://bucket/prefix/").uri == "s3://bucket/prefix"
    assert parse_location("gcs://bucket").uri == "gs://bucket"
    assert parse_location("~/x").path == str(Path.home() / "x")
    with pytest.raises(ValueError, match="relative path"):
        Store.at(tmp_path).write_bytes("../escape.txt", b"x")


@pytest.mark.parametrize("uri, extra, module", [("s3://bucket/p", "s3", "s3fs"), ("gs://bucket/p", "gcs", "gcsfs")])
def test_a_missing_backend_names_the_extra_to_install(tmp_path, uri, extra, module):
    code = f"""
import importlib.abc, json, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {module!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Refuse())
from ee_assets.files import write_atomic
from ee_assets.storage import Store
store = Store.at({uri!r})  # parsing needs no backend
try:
    store.write_bytes("x.txt", b"x")
except ImportError as e:
    print(json.dumps(str(e)))
"""
    env = {**os.environ, "PYTHONPATH": subprocess_pythonpath(tmp_path / "guard")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    message = json.loads(done.stdout.strip().splitlines()[-1])
    assert f"pip install 'ee_assets[{extra}]'" in message and module in message


KILLED_UPLOAD = """
import sys
from ee_assets.storage import Store
Store.at(sys.argv[1]).write_file(sys.argv[2], sys.argv[3])
print("finished")
"""


def test_a_process_killed_mid_upload_leaves_the_previous_object_and_nothing_partial(s3_bucket, tmp_path):
    store = Store.at(f"s3://{s3_bucket}/ee")
    key = output_key("s2_composite", "2020-06-01", ".tif", grid="delta")
    store.write_bytes(key, b"the previous run's GeoTIFF")
    big = tmp_path / "big.tif"
    with open(big, "wb") as f:  # 120 MiB: over s3fs's 100 MiB threshold, so a multipart upload of 50 MiB parts
        for _ in range(120):
            f.write(os.urandom(2**20))
    env = {**os.environ, "PYTHONPATH": subprocess_pythonpath(tmp_path / "guard")}
    process = subprocess.Popen([sys.executable, "-c", KILLED_UPLOAD, store.location.uri, key, str(big)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    s3 = boto3.client("s3")
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if s3.list_multipart_uploads(Bucket=s3_bucket).get("Uploads"):
                break  # the upload has begun: kill the writer half-way
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert process.returncode == -signal.SIGKILL, f"the upload ended before it could be interrupted: {process.stderr}"
    assert objects(store) == {key: b"the previous run's GeoTIFF"}  # no partial object, the previous one intact
    assert store.read_bytes(key) == b"the previous run's GeoTIFF"
