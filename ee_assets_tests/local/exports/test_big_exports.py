"""Exports the interactive endpoints cannot do, offline and in bounded memory: a 20,000 x 20,000 image and a
100,000-feature table, through the official client against a server in its own process, whose peak RSS (VmHWM)
is measured. The bounds are generous: they prove streaming (the image alone would need 3.2 GB as float64 values,
0.4 GB as bytes plus its mask), not a tight budget. The figures are printed for the record."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rasterio

from ee_assets.local.protocol.oauth import generate_service_account_key
from ee_assets.local.server_process import ServerProcess, free_port, proc_status
from ee_assets.transport.ee_client import initialize_ee
from ee_assets_tests.support import export_defs
from ee_assets_tests.support.defs import EE_ENV
from ee_assets_tests.support.export_defs import BIG_FEATURES, BIG_SIDE, big_image, big_points
from ee_assets_tests.support.export_tasks import finish
from ee_assets_tests.support.local_backend import PROJECT, credentials
from ee_assets_tests.support.no_network import subprocess_pythonpath

SERVER_BOUND_MB = 1500
MIB = 1024 ** 2
DAGSTER = Path(sys.executable).with_name("dagster")
DEFS_FILE = Path(export_defs.__file__)


@pytest.fixture(scope="module")
def server_folder(tmp_path_factory) -> Path:
    """The server's bucket root (buckets/) and service-account key (key.json)."""
    return tmp_path_factory.mktemp("big")


@pytest.fixture(scope="module")
def server(sample_catalog, server_folder):
    """`serve` in a process of its own, with a bucket root and a service-account key of its own. The key's token URI
    names the server, so the port is chosen before the server starts."""
    port = free_port()
    key = generate_service_account_key("runner@ee-assets-test.iam.gserviceaccount.com",
                                       f"http://127.0.0.1:{port}/token", project_id="ee-assets-test")
    key_file = server_folder / "key.json"
    key_file.write_text(json.dumps(key))
    with ServerProcess(sample_catalog, token="server-process-token", port=port,
                       extra=["--service-account-key", str(key_file),
                              "--bucket-root", str(server_folder / "buckets")]) as process:
        yield process


def server_environment(server: ServerProcess, server_folder: Path) -> dict[str, str]:
    """EE_BACKEND=earthengine pointed at the server with its key, gs:// read from its bucket root."""
    return {"EE_BACKEND": "earthengine", "EE_API_URL": server.url,
            "EE_SERVICE_ACCOUNT_KEY": (server_folder / "key.json").read_text(),
            "EE_LOCAL_BUCKET_ROOT": str(server_folder / "buckets")}


def reset_peak_mb(server: ServerProcess) -> float:
    """Start the server's high-water mark again from its current RSS; that RSS in MiB."""
    server.reset_peak()
    return server.rss() / MIB


@pytest.fixture()
def client(server):
    import ee

    initialize_ee(credentials(server.token), url=server.url, project=PROJECT, offline=True)
    yield ee
    ee.Reset()


def test_a_20000_square_image_export_streams(server, server_folder, client):
    ee = client
    before = reset_peak_mb(server)
    task = ee.batch.Export.image.toCloudStorage(
        big_image(), description="big", bucket="big-bucket", fileNamePrefix="image/big", crs="EPSG:4326",
        crsTransform=[0.001, 0, -10, 0, -0.001, 10], dimensions=f"{BIG_SIDE}x{BIG_SIDE}", maxPixels=BIG_SIDE ** 2,
        fileDimensions=16384)
    task.start()
    status = finish(task, timeout_s=1800, interval_s=1)
    assert status["state"] == "COMPLETED", status
    files = sorted((server_folder / "buckets" / "big-bucket" / "image").glob("*.tif"))
    assert [f.name for f in files] == [f"big-{r:010d}-{c:010d}.tif" for r in (0, 16384) for c in (0, 16384)]
    sizes = []
    for path in files:  # each file's last pixel equals computePixels of that pixel
        row, col = (int(p) for p in path.stem.split("-")[-2:])
        with rasterio.open(path) as ds:
            sizes.append((ds.height, ds.width))
            last = ds.read(1, window=((ds.height - 1, ds.height), (ds.width - 1, ds.width)))[0, 0]
        r, c = row + sizes[-1][0] - 1, col + sizes[-1][1] - 1
        grid = {"crsCode": "EPSG:4326", "dimensions": {"width": 1, "height": 1},
                "affineTransform": {"scaleX": 0.001, "shearX": 0, "translateX": -10 + 0.001 * c, "shearY": 0,
                                    "scaleY": -0.001, "translateY": 10 - 0.001 * r}}
        want = ee.data.computePixels({"expression": big_image(), "fileFormat": "NUMPY_NDARRAY", "grid": grid})
        assert last == want["v"][0, 0]
    assert sum(h * w for h, w in sizes) == BIG_SIDE ** 2
    peak = server.peak_rss() / MIB
    print(f"\n20000x20000 image export: server RSS {before:.0f} MiB before, peak {peak:.0f} MiB, "
          f"{status.get('batch_eecu_usage_seconds', 0):.0f} EECU-seconds")
    assert peak < SERVER_BOUND_MB


def test_a_100000_feature_table_export_streams(server, server_folder, client):
    ee = client
    before = reset_peak_mb(server)
    task = ee.batch.Export.table.toCloudStorage(big_points(), description="points", bucket="big-bucket",
                                                fileNamePrefix="table/points", fileFormat="CSV")
    task.start()
    status = finish(task, timeout_s=1800, interval_s=1)
    assert status["state"] == "COMPLETED", status
    with (server_folder / "buckets" / "big-bucket" / "table" / "points.csv").open() as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    assert rows == BIG_FEATURES
    peak = server.peak_rss() / MIB
    print(f"\n100,000-feature table export: server RSS {before:.0f} MiB before, peak {peak:.0f} MiB")
    assert peak < SERVER_BOUND_MB


def group_peak_rss_mb(group: int) -> dict[int, float]:
    """Peak RSS (MiB) of every live process in process group `group`."""
    peaks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                peaks[int(stat.parent.name)] = proc_status(int(stat.parent.name), "VmHWM") / MIB
        except (OSError, ValueError, IndexError, KeyError):
            continue  # the process ended meanwhile
    return peaks


@pytest.mark.parametrize("key", ["big_image", "big_points"])
def test_the_dagster_step_of_a_large_export_stays_small(server, server_folder, key, tmp_path):
    """The same exports as Dagster assets (`dagster asset materialize`, checks included) against the server: the
    step only polls and reads the files back block by block / once, so its processes stay small."""
    env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k != "PYTHONPATH"}
    env.update(server_environment(server, server_folder), PYTHONPATH=subprocess_pythonpath(tmp_path / "guard"),
               DAGSTER_HOME=str(tmp_path), DAGSTER_DISABLE_TELEMETRY="1", EE_OUTPUT_DIR=str(tmp_path / "out"),
               EXPORT_TEST_DESTINATION="gs://dagster-bucket/big")
    server.reset_peak()
    step = subprocess.Popen([str(DAGSTER), "asset", "materialize", "-f", str(DEFS_FILE), "--select",
                             f"{key}_expression,{key}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    peaks: dict[int, float] = {}
    while step.poll() is None:
        for pid, peak in group_peak_rss_mb(step.pid).items():
            peaks[pid] = max(peak, peaks.get(pid, 0.0))
        time.sleep(0.2)
    out = step.stdout.read()
    assert step.returncode == 0, out[-4000:]
    assert "ASSET_CHECK_EVALUATION" in out and "did not pass" not in out
    step_peak, server_peak = max(peaks.values()), server.peak_rss() / MIB
    print(f"\n{key} as a Dagster asset: step processes' peak RSS {step_peak:.0f} MiB, server {server_peak:.0f} MiB")
    assert step_peak < SERVER_BOUND_MB and server_peak < SERVER_BOUND_MB
