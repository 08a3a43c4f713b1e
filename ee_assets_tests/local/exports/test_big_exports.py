"""Exports the interactive endpoints cannot do, offline and in bounded memory: a 20,000 x 20,000 image and a
100,000-feature table, through the official client against a server in its own process, whose peak RSS (VmHWM)
is measured. The bounds are generous: they prove streaming (the image alone would need 3.2 GB as float64 values,
0.4 GB as bytes plus its mask), not a tight budget. The figures are printed for the record."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rasterio

from ee_assets.transport.ee_client import initialize_ee
from ee_assets_tests.support import export_defs
from ee_assets_tests.support.defs import EE_ENV
from ee_assets_tests.support.export_defs import BIG_FEATURES, BIG_SIDE, big_image, big_points
from ee_assets_tests.support.export_tasks import finish
from ee_assets_tests.support.local_backend import PROJECT, credentials
from ee_assets_tests.support.no_network import subprocess_pythonpath
from ee_assets_tests.support.server_process import ServerProcess, peak_rss_mb

SERVER_BOUND_MB = 1500
DAGSTER = Path(sys.executable).with_name("dagster")
DEFS_FILE = Path(export_defs.__file__)


@pytest.fixture(scope="module")
def server(sample_catalog, tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("big"), sample_catalog) as process:
        yield process


@pytest.fixture()
def client(server):
    import ee

    initialize_ee(credentials("server-process-token"), url=server.url, project=PROJECT, offline=True)
    yield ee
    ee.Reset()


def test_a_20000_square_image_export_streams(server, client):
    ee = client
    before = server.reset_peak_rss()
    task = ee.batch.Export.image.toCloudStorage(
        big_image(), description="big", bucket="big-bucket", fileNamePrefix="image/big", crs="EPSG:4326",
        crsTransform=[0.001, 0, -10, 0, -0.001, 10], dimensions=f"{BIG_SIDE}x{BIG_SIDE}", maxPixels=BIG_SIDE ** 2,
        fileDimensions=16384)
    task.start()
    status = finish(task, timeout_s=1800, interval_s=1)
    assert status["state"] == "COMPLETED", status
    files = sorted((server.bucket_root / "big-bucket" / "image").glob("*.tif"))
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
    peak = server.peak_rss_mb
    print(f"\n20000x20000 image export: server RSS {before:.0f} MiB before, peak {peak:.0f} MiB, "
          f"{status.get('batch_eecu_usage_seconds', 0):.0f} EECU-seconds")
    assert peak < SERVER_BOUND_MB


def test_a_100000_feature_table_export_streams(server, client):
    ee = client
    before = server.reset_peak_rss()
    task = ee.batch.Export.table.toCloudStorage(big_points(), description="points", bucket="big-bucket",
                                                fileNamePrefix="table/points", fileFormat="CSV")
    task.start()
    status = finish(task, timeout_s=1800, interval_s=1)
    assert status["state"] == "COMPLETED", status
    with (server.bucket_root / "big-bucket" / "table" / "points.csv").open() as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    assert rows == BIG_FEATURES
    peak = server.peak_rss_mb
    print(f"\n100,000-feature table export: server RSS {before:.0f} MiB before, peak {peak:.0f} MiB")
    assert peak < SERVER_BOUND_MB


def group_peak_rss_mb(group: int) -> dict[int, float]:
    """Peak RSS (MiB) of every live process in process group `group`."""
    peaks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                peaks[int(stat.parent.name)] = peak_rss_mb(int(stat.parent.name))
        except (OSError, ValueError, IndexError, RuntimeError):
            continue  # the process ended meanwhile
    return peaks


@pytest.mark.parametrize("key", ["big_image", "big_points"])
def test_the_dagster_step_of_a_large_export_stays_small(server, key, tmp_path):
    """The same exports as Dagster assets (`dagster asset materialize`, checks included) against the server: the
    step only polls and reads the files back block by block / once, so its processes stay small."""
    env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k != "PYTHONPATH"}
    env.update(server.environment(), PYTHONPATH=subprocess_pythonpath(tmp_path / "guard"),
               DAGSTER_HOME=str(tmp_path), DAGSTER_DISABLE_TELEMETRY="1", EE_OUTPUT_DIR=str(tmp_path / "out"),
               EXPORT_TEST_DESTINATION="gs://dagster-bucket/big")
    server.reset_peak_rss()
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
    step_peak, server_peak = max(peaks.values()), server.peak_rss_mb
    print(f"\n{key} as a Dagster asset: step processes' peak RSS {step_peak:.0f} MiB, server {server_peak:.0f} MiB")
    assert step_peak < SERVER_BOUND_MB and server_peak < SERVER_BOUND_MB
