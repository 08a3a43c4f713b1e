"""Tiled computePixels: plans under EE's limits, a 1 GiB image in little memory, halving, and resume after a kill.

The mosaic is checked against the server's own answers for small windows requested directly (no tiling), and
resumed or halved fetches against an uninterrupted one, byte for byte.
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

import numpy as np
import pytest
import rasterio

from ee_assets import limits
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.transport.expression import serialize
from ee_assets.transport.rest import EERestClient
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.tiled_geotiff import checkpoint_dir, fetch_geotiff
from ee_assets.transport.tiling import ALIGN, Tile, plan_tiles, tile_shape
from ee_assets_tests.support.grids import BANDS, client_for, s2_grid
from ee_assets_tests.support.local_backend import PROJECT, TOKEN
from ee_assets_tests.support.no_network import subprocess_pythonpath


# -- planning (pure) ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("width, height, bands, itemsize", [(8192, 8192, 4, 4), (40000, 300, 1, 1), (1000, 700, 3, 8),
                                                            (5, 5, 1024, 8), (33000, 33000, 1, 1)])
def test_tiles_cover_the_grid_once_and_each_fits_ee_limits(width, height, bands, itemsize):
    bpp = bands * (itemsize + 1)
    tiles = plan_tiles(width, height, bpp)
    covered = np.zeros((height, width), np.uint8) if width * height <= 2e8 else None
    for t in tiles:
        assert t.width * t.height * bpp <= limits.COMPUTE_PIXELS_MAX_BYTES
        assert max(t.width, t.height) <= limits.COMPUTE_PIXELS_MAX_SIDE
        if covered is not None:
            covered[t.y:t.y + t.height, t.x:t.x + t.width] += 1
    if covered is not None:
        assert (covered == 1).all()
    else:
        assert sum(t.width * t.height for t in tiles) == width * height
    if bpp * ALIGN * ALIGN <= limits.COMPUTE_PIXELS_MAX_BYTES:
        assert all(t.x % ALIGN == 0 and t.y % ALIGN == 0 for t in tiles)


def test_an_image_that_fits_is_one_tile_and_halves_cover_the_tile():
    assert plan_tiles(640, 640, 4 * 9) == [Tile(0, 0, 640, 640)]
    assert tile_shape(8192, 8192, 20) == (1536, 1536)  # 1536² x 20 B = 47.2 MB <= 48 MiB; 1792² would not fit
    a, b = Tile(512, 1024, 1536, 1000).halves()
    assert (a, b) == (Tile(512, 1024, 768, 1000), Tile(1280, 1024, 768, 1000))  # cut across the longer side
    grid = {"crsCode": "EPSG:32610", "dimensions": {"width": 9, "height": 9},
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 500000, "shearY": 0, "scaleY": -10,
                                "translateY": 4200000}}
    assert b.grid(grid)["affineTransform"]["translateY"] == 4200000 - 1280 * 10
    assert b.grid(grid)["affineTransform"]["translateX"] == 500000 + 1024 * 10
    assert b.grid(grid)["dimensions"] == {"width": 1000, "height": 768} and b.grid(grid)["crsCode"] == "EPSG:32610"


# -- fetching against the local server ---------------------------------------------------------------------------
@pytest.fixture()
def s2_expression(ee_local) -> dict:
    """Four float32 bands of one synthetic Sentinel-2 scene."""
    first = ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").first()
    return serialize(first.select(BANDS).toFloat())


def direct_window(client: EERestClient, expression: dict, grid: dict, tile: Tile) -> tuple[np.ndarray, np.ndarray]:
    """One small window computed by the server in a single request (values, dataset mask)."""
    data = client.compute_pixels(expression, tile.grid(grid), "GEO_TIFF", BANDS)
    with rasterio.MemoryFile(data) as mem, mem.open() as ds:
        return ds.read(), ds.dataset_mask()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CLIENT_SCRIPT = """
import json, os, sys
from pathlib import Path
from ee_assets.transport.auth import StaticTokenCredentials
from ee_assets.transport.rest import EERestClient, build_session
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.tiled_geotiff import fetch_geotiff
def peak_rss_bytes():
    # VmHWM is this process's own high-water mark; ru_maxrss would include the parent's RSS at fork time.
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
args = json.loads(sys.argv[1])
client = EERestClient(build_session(StaticTokenCredentials(os.environ["EE_TEST_TOKEN"]), refresh_on_401=False),
                      args["url"], args["project"])
stats = TransferStats()
result = fetch_geotiff(client, args["expression"], args["grid"], Path(args["out"]), args["bands"], stats=stats,
                       workers=args["workers"], max_tile_bytes=args["max_tile_bytes"])
print(json.dumps({"peak_rss_bytes": peak_rss_bytes(),
                  "tiles": result.tiles, "uncompressed_bytes": result.uncompressed_bytes, **stats.to_metadata()}))
"""


def client_process(tmp_path: Path, server: LocalServer, expression: dict, grid: dict, out: Path, workers: int = 4,
                   max_tile_bytes: int = limits.COMPUTE_PIXELS_MAX_BYTES) -> subprocess.Popen:
    """The tiled fetch in its own process, so its memory can be measured and it can be killed."""
    args = {"url": server.url, "project": PROJECT, "expression": expression, "grid": grid, "out": str(out),
            "bands": BANDS, "workers": workers, "max_tile_bytes": max_tile_bytes}
    env = {**os.environ, "EE_TEST_TOKEN": TOKEN, "PYTHONPATH": subprocess_pythonpath(tmp_path / "guard")}
    return subprocess.Popen([sys.executable, "-c", CLIENT_SCRIPT, json.dumps(args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_1_gib_image_is_fetched_in_tiles_with_a_fraction_of_its_size_in_memory(tmp_path, local_server,
                                                                                   s2_expression):
    grid = s2_grid(8192, 1.25)  # 8192² x 4 float32 = 1 GiB of pixels, 1.25 GiB as EE counts it (with masks)
    out = tmp_path / "big.tif"
    process = client_process(tmp_path, local_server, s2_expression, grid, out)
    try:
        stdout, stderr = process.communicate(timeout=600)
    finally:
        process.kill()
    assert process.returncode == 0, stderr[-3000:]
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["uncompressed_bytes"] == 8192 * 8192 * 4 * 4
    assert report["tiles"] == 36 and report["ee_tiles"] == 36 and report["ee_requests"] == 37  # + the probe
    assert report["peak_rss_bytes"] < report["uncompressed_bytes"] / 4, report

    client = client_for(local_server)
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height, ds.count, ds.dtypes[0]) == (8192, 8192, 4, "float32")
        assert ds.descriptions == tuple(BANDS) and ds.crs.to_epsg() == 32610
        assert ds.transform.c == grid["affineTransform"]["translateX"] and ds.transform.a == 1.25
        assert ds.overviews(1) == [2, 4, 8, 16, 32]  # a COG with internal overviews, built in the same memory
        # Windows straddling tile corners (tiles are 1536 px) and the ragged last tile, against direct requests.
        for tile in (Tile(1500, 1500, 72, 72), Tile(4600, 3070, 20, 40), Tile(8150, 8150, 42, 42)):
            window = rasterio.windows.Window(tile.x, tile.y, tile.width, tile.height)
            values, mask = direct_window(client, s2_expression, grid, tile)
            np.testing.assert_array_equal(ds.read(window=window), values)
            np.testing.assert_array_equal(ds.dataset_mask(window=window), mask)
    assert not checkpoint_dir(out).exists()


def test_a_tile_the_server_finds_too_large_is_halved_and_the_file_is_the_same(tmp_path, local_server,
                                                                                s2_expression):
    grid = s2_grid(2048, 5.0)  # 2048² x 20 B = 84 MB: over the limit, so tiled (1536-px tiles)
    client = client_for(local_server)
    normal = fetch_geotiff(client, s2_expression, grid, tmp_path / "normal.tif", BANDS,
                           max_tile_bytes=limits.COMPUTE_PIXELS_MAX_BYTES)
    stats = TransferStats()
    # A tile budget above EE's limit: the server answers "request size" 400 and the tiles are halved.
    halved = fetch_geotiff(client, s2_expression, grid, tmp_path / "halved.tif", BANDS, stats=stats,
                           max_tile_bytes=4 * limits.COMPUTE_PIXELS_MAX_BYTES)
    assert halved.tiles == 1 and stats.tiles_split >= 1 and normal.tiles == 4
    assert sha256(tmp_path / "halved.tif") == sha256(tmp_path / "normal.tif")


def test_a_killed_fetch_resumes_with_only_the_missing_tiles_and_the_same_bytes(tmp_path, sample_catalog,
                                                                               s2_expression):
    grid = s2_grid(2048, 5.0)
    small_tiles = 512 * 512 * 20  # 16 tiles of 512²
    with LocalServer(sample_catalog, token=TOKEN) as server:
        reference = fetch_geotiff(client_for(server), s2_expression, grid, tmp_path / "reference.tif", BANDS,
                                  max_tile_bytes=small_tiles)
    assert reference.tiles == 16

    out = tmp_path / "resumed.tif"
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(latency_ms=150)) as slow:
        process = client_process(tmp_path, slow, s2_expression, grid, out, workers=2, max_tile_bytes=small_tiles)
        parts = checkpoint_dir(out)
        try:
            deadline = time.monotonic() + 300
            while len(list(parts.glob("y*.tif"))) < 6 and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            process.kill()
        kept = len(list(parts.glob("y*.tif")))
        assert 6 <= kept < 16 and not out.exists()

        before = slow.method_counts.get("image:computePixels", 0)
        stats = TransferStats()
        resumed = fetch_geotiff(client_for(slow), s2_expression, grid, out, BANDS, stats=stats,
                                max_tile_bytes=small_tiles)
        sent = slow.method_counts["image:computePixels"] - before
    assert (resumed.tiles_resumed, resumed.tiles_fetched) == (kept, 16 - kept)
    assert sent == 1 + (16 - kept)  # the probe and the missing tiles only
    assert sha256(out) == sha256(tmp_path / "reference.tif")
    assert not checkpoint_dir(out).exists()


def test_checkpoints_of_a_different_request_are_not_reused(tmp_path, local_server, s2_expression, ee_local):
    grid = s2_grid(1024, 10.0)
    client = client_for(local_server)
    out = tmp_path / "x.tif"
    parts = checkpoint_dir(out)
    other = serialize(ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").first().select(BANDS).toFloat()
                      .multiply(2))
    fetch_geotiff(client, other, grid, out, BANDS, max_tile_bytes=256 * 256 * 20)
    # Simulate an interrupted run of `other`: its manifest and a tile are left behind.
    parts.mkdir()
    (parts / "manifest.json").write_text(json.dumps({"expression_sha256": "something else"}))
    (parts / "y000000_x000000_256x256.tif").write_bytes(b"not a tile of this request")
    result = fetch_geotiff(client, s2_expression, grid, out, BANDS, max_tile_bytes=256 * 256 * 20)
    assert result.tiles_resumed == 0 and result.tiles_fetched == 16
    with rasterio.open(out) as ds:
        tile = Tile(0, 0, 256, 256)
        values, _ = direct_window(client, s2_expression, grid, tile)
        np.testing.assert_array_equal(ds.read(window=rasterio.windows.Window(0, 0, 256, 256)), values)
