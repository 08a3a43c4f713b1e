"""Concurrent tiled computePixels vs the same fetch one tile at a time, against the local backend with latency.

Every request to the local backend waits an injected 200 ms (a round trip to a distant API), so the run shows what
bounded concurrency buys when latency, not computing, dominates. Both contenders produce the same GeoTIFF (their
sha256 is compared) through the same code (`ee_assets.transport.tiled_geotiff.fetch_geotiff`); only the number of
tile workers and the concurrency cap differ. Each contender runs in its own process so its peak memory (ru_maxrss)
is its own; the server runs in this process.

    .venv/bin/python benchmarks/transport.py [--size 4096] [--tile 512] [--latency-ms 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import ee

from ee_assets.local import FaultConfig, LocalServer
from ee_assets.local.catalog.sample_data import s2_transform
from ee_assets.transport.auth import StaticTokenCredentials
from ee_assets.transport.ee_client import initialize_ee
from ee_assets.transport.expression import serialize

TOKEN = "benchmark-token"
BANDS = ["B2", "B3", "B4", "B8"]
CONTENDER = """
import json, os, sys, time
from pathlib import Path
from ee_assets.transport.auth import StaticTokenCredentials
from ee_assets.transport.rest import EERestClient, build_session
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.throttle import RequestGate
from ee_assets.transport.tiled_geotiff import fetch_geotiff
def peak_rss_bytes():
    # VmHWM is this process's own high-water mark; ru_maxrss would include the parent's RSS at fork time.
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
a = json.loads(sys.argv[1])
gate = RequestGate(rate=1000.0, max_concurrent=a["workers"])
client = EERestClient(build_session(StaticTokenCredentials(os.environ["EE_BENCH_TOKEN"]), refresh_on_401=False),
                      a["url"], "benchmark", gate=gate)
stats = TransferStats()
started = time.perf_counter()
fetch_geotiff(client, a["expression"], a["grid"], Path(a["out"]), a["bands"], stats=stats, workers=a["workers"],
              max_tile_bytes=a["tile_bytes"])
print(json.dumps({"seconds": time.perf_counter() - started, "tiles": stats.tiles, "requests": stats.requests,
                  "peak_rss_mb": peak_rss_bytes() / 2 ** 20}))
"""


def run_contender(url: str, expression: dict, grid: dict, out: Path, workers: int, tile_bytes: int) -> dict:
    args = {"url": url, "expression": expression, "grid": grid, "out": str(out), "bands": BANDS,
            "workers": workers, "tile_bytes": tile_bytes}
    done = subprocess.run([sys.executable, "-c", CONTENDER, json.dumps(args)], capture_output=True, text=True,
                          env={**os.environ, "EE_BENCH_TOKEN": TOKEN}, check=False)
    if done.returncode != 0:
        raise SystemExit(f"contender failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096, help="grid width and height in pixels")
    parser.add_argument("--tile", type=int, default=512, help="tile side in pixels")
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=8, help="tile workers of the concurrent contender")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    t = s2_transform()
    pixel = 10_000.0 / args.size  # the 10 km sample scene, whatever the size
    grid = {"crsCode": "EPSG:32610", "dimensions": {"width": args.size, "height": args.size},
            "affineTransform": {"scaleX": pixel, "shearX": 0.0, "translateX": t.c, "shearY": 0.0,
                                "scaleY": -pixel, "translateY": t.f}}
    tile_bytes = args.tile * args.tile * len(BANDS) * (4 + 1)
    image_mb = args.size * args.size * len(BANDS) * 4 / 2 ** 20

    with LocalServer(token=TOKEN, faults=FaultConfig(latency_ms=args.latency_ms)) as server, \
            tempfile.TemporaryDirectory() as tmp:
        initialize_ee(StaticTokenCredentials(TOKEN), server.url, "benchmark", offline=True)
        scene = ee.ImageCollection("COPERNICUS/S2_HARMONIZED").first()
        expression = serialize(scene.select(BANDS).toFloat())
        results: dict[str, list[dict]] = {"sequential": [], "concurrent": []}
        digests: set[str] = set()
        for _ in range(args.repeats):
            for name, workers in (("sequential", 1), ("concurrent", args.workers)):
                out = Path(tmp) / f"{name}.tif"
                results[name].append(run_contender(server.url, expression, grid, out, workers, tile_bytes))
                digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
                out.unlink()

    seq = statistics.median(r["seconds"] for r in results["sequential"])
    con = statistics.median(r["seconds"] for r in results["concurrent"])
    tiles = results["concurrent"][0]["tiles"]
    print(f"transport benchmark: {args.size}x{args.size}x{len(BANDS)} float32 ({image_mb:.0f} MiB), {tiles} tiles of "
          f"{args.tile}², {args.latency_ms:g} ms injected latency per request, {os.cpu_count()} cores, "
          f"median of {args.repeats}")
    print(f"{'contender':<34}{'seconds':>9}{'peak RSS MiB':>14}")
    for name, label in (("sequential", "sequential (1 worker)"),
                        ("concurrent", f"concurrent ({args.workers} workers, cap {args.workers})")):
        runs = results[name]
        print(f"{label:<34}{statistics.median(r['seconds'] for r in runs):>9.2f}"
              f"{max(r['peak_rss_mb'] for r in runs):>14.0f}")
    print(f"speedup of concurrent over sequential: {seq / con:.1f}x; same output: {len(digests) == 1}; "
          f"image size {image_mb:.0f} MiB")
    if len(digests) != 1:
        raise SystemExit("the contenders' GeoTIFFs differ")


if __name__ == "__main__":
    main()
