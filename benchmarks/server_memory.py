"""The local server's memory over a long run of varied requests: it must come back, not creep up.

The server runs as `python -m ee_assets.local serve` in its own process; this script sends it N varied requests
through the real earthengine-api client (values, computeFeatures with paging, computePixels in several formats and
sizes, thumbnails and map tiles; the numbers, dates, regions and sizes change from request to request, so caches do
not simply hit) and reads the server's resident memory (VmRSS) from /proc after every request. It prints the curve,
the peak (VmHWM), and the ratio of the memory at the end to the memory after the first 100 requests; the goal is at
most 1.5 (exit status 1 if missed).

    .venv/bin/python benchmarks/server_memory.py [--requests 1000] [--seed 1] [--serve-arg=--max-request-memory=1g]
        [--source DIR]    # run the server from another tree (e.g. an older commit exported with git archive)
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable

import ee
import requests

from ee_assets.local.catalog.sample_data import build_sample_catalog, s2_dates, s2_transform
from ee_assets.local.server_process import ServerProcess
from ee_assets.transport.auth import StaticTokenCredentials
from ee_assets.transport.ee_client import initialize_ee

GOAL = 1.5
STATES = ["Maine", "Ohio", "Texas", "Iowa", "Utah", "Kansas", "Oregon", "Georgia", "Nevada", "Idaho", "Florida",
          "Montana", "Vermont", "Alabama", "Arizona", "Colorado", "Illinois", "Michigan", "Nebraska", "Wyoming"]


def value_request(rng: random.Random) -> Callable[[], object]:
    kind = rng.randrange(4)
    if kind == 0:
        n = rng.randrange(100, 20_000)
        return ee.List.sequence(0, n).map(lambda x: ee.Number(x).multiply(rng.random())).reduce(ee.Reducer.sum()
                                                                                                   ).getInfo
    if kind == 1:
        text = ee.String("x" * rng.randrange(1, 200))
        for _ in range(rng.randrange(1, 12)):
            text = text.cat(text)
        return text.length().getInfo
    if kind == 2:
        start = ee.Date.fromYMD(2020, rng.randrange(1, 13), rng.randrange(1, 28))
        return ee.Dictionary({"d": start.advance(rng.randrange(-400, 400), "day").format(), "n": rng.random()}
                             ).getInfo
    state = ee.FeatureCollection("TIGER/2018/States").filter(ee.Filter.eq("NAME", rng.choice(STATES)))
    image = ee.ImageCollection("MODIS/061/MOD13Q1").filterDate("2020-01-01", "2021-01-01").select("NDVI")
    image = image.toList(23).get(rng.randrange(23))  # the 23 16-day images of 2020
    return ee.Image(image).reduceRegion(ee.Reducer.mean(), state.geometry(), scale=rng.choice([5000, 10000, 20000]),
                                        maxPixels=1e9).getInfo


def features_request(rng: random.Random) -> Callable[[], object]:
    names = rng.sample(STATES, rng.randrange(1, len(STATES)))
    states = ee.FeatureCollection("TIGER/2018/States").filter(ee.Filter.inList("NAME", names))
    month = rng.randrange(1, 12)
    image = ee.ImageCollection("MODIS/061/MOD13Q1").filterDate(f"2020-{month:02d}-01", f"2020-{month + 1:02d}-01")
    image = image.select("NDVI").mean()
    reducer = rng.choice([ee.Reducer.mean(), ee.Reducer.median(), ee.Reducer.max(), ee.Reducer.stdDev()])
    stats = image.reduceRegions(collection=states, reducer=reducer, scale=rng.choice([5000, 10000]))
    return lambda: ee.data.computeFeatures({"expression": stats, "fileFormat": "PANDAS_DATAFRAME",
                                            "pageSize": rng.choice([3, 7, 50])})


def pixels_request(rng: random.Random) -> Callable[[], object]:
    dates = s2_dates()
    first = rng.randrange(len(dates) - 10)
    days = rng.randrange(10, 120)
    coll = ee.ImageCollection("COPERNICUS/S2_HARMONIZED").filterDate(
        dates[first].isoformat(), (dates[first] + dt.timedelta(days=days)).isoformat())
    image = rng.choice([coll.median(), coll.mean(), coll.max(), coll.mosaic()]).select(["B4", "B3", "B2"])
    size = rng.choice([128, 256, 512, 1024, 1200])  # 1200² x 3 float64 bands is 39 MB, under EE's 48 MB
    pixel = 10_000.0 / size * rng.uniform(0.3, 1.0)
    t = s2_transform()
    grid = {"dimensions": {"width": size, "height": size}, "crsCode": "EPSG:32610",
            "affineTransform": {"scaleX": pixel, "shearX": 0, "translateX": t.c + rng.uniform(0, 3000),
                                "shearY": 0, "scaleY": -pixel, "translateY": t.f - rng.uniform(0, 3000)}}
    fmt = rng.choice(["PNG", "NPY", "GEO_TIFF"])
    request = {"expression": image, "fileFormat": fmt, "grid": grid}
    if fmt == "PNG":
        request["visualizationOptions"] = {"ranges": [{"min": 0, "max": rng.randrange(2000, 4000)}]}
    else:
        request["expression"] = image.toFloat()
    return lambda: ee.data.computePixels(request)


def picture_request(rng: random.Random) -> Callable[[], object]:
    index = rng.randrange(46)
    image = ee.Image(ee.ImageCollection("MODIS/061/MOD13Q1").toList(46).get(index)).select("NDVI")
    palette = rng.choice([["white", "green"], ["brown", "yellow", "green"], ["000000", "ff0000", "00ff00"]])
    if rng.random() < 0.5:
        url = image.getThumbURL({"min": 0, "max": rng.randrange(6000, 9000), "palette": palette,
                                 "dimensions": rng.choice([128, 256, 512]),
                                 "region": ee.Geometry.Rectangle([-120 + rng.uniform(0, 10), 30, -90, 45])})
    else:
        map_id = image.getMapId({"min": 0, "max": 8000, "palette": palette})
        z = rng.randrange(2, 6)
        x = int((-100 + 180) / 360 * 2**z)
        url = map_id["tile_fetcher"].format_tile_url(x + rng.randrange(-1, 2), int(2**z * 0.38), z)

    def fetch():
        r = requests.get(url, timeout=300)
        r.raise_for_status()
        return r.content

    return fetch


KINDS = {"value": value_request, "features": features_request, "pixels": pixels_request, "picture": picture_request}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve-arg", action="append", default=[], help="an extra `serve` argument (repeatable)")
    parser.add_argument("--source", help="a folder holding another ee_assets package to run the server from")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    catalog = build_sample_catalog(log=lambda *a, **k: None)
    curve: list[tuple[int, int]] = []
    failures: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    seconds_by_kind: Counter[str] = Counter()
    started = time.perf_counter()
    with ServerProcess(catalog, extra=args.serve_arg, source=args.source) as server:
        initialize_ee(StaticTokenCredentials(server.token), server.url, "memory-benchmark", offline=True)
        start_rss = server.rss()
        for i in range(1, args.requests + 1):
            kind = rng.choice(list(KINDS))
            kinds[kind] += 1
            request = KINDS[kind](rng)
            sent = time.perf_counter()
            try:
                request()
            except Exception as e:  # noqa: BLE001 - a failed request is counted and shown, the curve goes on
                failures[f"{kind}: {type(e).__name__}: {str(e)[:120]}"] += 1
            seconds_by_kind[kind] += time.perf_counter() - sent
            curve.append((i, server.rss()))
        peak = server.peak_rss()
    seconds = time.perf_counter() - started
    after_100 = curve[min(99, len(curve) - 1)][1]
    end = curve[-1][1]
    mib = 2**20
    print(f"server memory over {args.requests} varied requests ({dict(kinds)}), seed {args.seed}, "
          f"{seconds:.0f} s; serve args {args.serve_arg or 'default'}; server from {args.source or 'this checkout'}")
    print("seconds per kind of request: " + ", ".join(f"{k} {v:.0f}" for k, v in seconds_by_kind.most_common()))
    print(f"{'requests':>9}{'RSS MiB':>10}")
    print(f"{0:>9}{start_rss / mib:>10.0f}")
    for i, rss in curve:
        if i in (1, 10, 50) or i % 100 == 0 or i == len(curve):
            print(f"{i:>9}{rss / mib:>10.0f}")
    print(f"peak RSS (VmHWM) {peak / mib:.0f} MiB; highest sampled after a request {max(r for _, r in curve) / mib:.0f}"
          f" MiB")
    ratio = end / after_100
    print(f"end / after 100 requests: {end / mib:.0f} / {after_100 / mib:.0f} MiB = {ratio:.2f} (goal <= {GOAL})")
    if failures:
        print(f"{sum(failures.values())} requests failed:")
        for message, n in failures.most_common(10):
            print(f"  {n} x {message}")
    if ratio > GOAL:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
