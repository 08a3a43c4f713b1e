"""Requests that would take the server's memory (each reproduced a blow-up before the per-request budget) get EE's
limit errors, or are computed in bounded memory, and the server goes on.

The server runs in its own process (`serve`, default limits: 1 GiB and 300 s per request), so its resident memory
can be read from /proc: its peak during each request (the kernel's high-water mark and 10 ms samples) must stay well
under what the request would otherwise have taken; bounds are generous, and nothing is timed.
"""

from __future__ import annotations

import pytest

from ee_assets.local.catalog.sample_data import s2_transform
from ee_assets.local.server_process import ServerProcess
from ee_assets.transport.auth import StaticTokenCredentials
from ee_assets.transport.rest import EERestClient, build_session
from ee_assets.transport.tiled_geotiff import fetch_geotiff
from ee_assets_tests.support.serving import assert_serves, post

GIB = 1 << 30
MIB = 1 << 20
MEMORY = "User memory limit exceeded."
TIMEOUT = "Computation timed out."


@pytest.fixture(scope="module")
def server(sample_catalog):
    with ServerProcess(sample_catalog) as s:
        assert_serves(s.url, s.token)  # warm: the algorithms and the catalog are loaded
        s.baseline = s.rss()
        yield s


def _encode(ee, obj) -> dict:
    return {"expression": ee.serializer.encode(obj)}


def _cases(ee) -> dict[str, tuple[str, dict, str]]:
    """name → (method, body, what the answer must contain); built with the real client."""
    text = ee.String("ab")
    for _ in range(30):
        text = text.cat(text)  # 2³¹ characters
    world = ee.Geometry.Rectangle([-180, -85, 180, 85], None, False)
    conus = ee.Geometry.Rectangle([-125, 24, -66, 50], None, False)
    ndvi = ee.ImageCollection("MODIS/061/MOD13Q1").select("NDVI")
    coordinates = ee.List.sequence(0, 9_999_999)
    return {
        "30 chained String.cat": ("value:compute", _encode(ee, text.length()), MEMORY),
        "List.repeat(sequence of 1e7, 1e7).flatten()": ("value:compute", _encode(ee, ee.List.repeat(
            coordinates, 10_000_000).flatten().size()), MEMORY),
        "reduceRegion over the world at 1 m, maxPixels 1e15": ("value:compute", _encode(ee, ndvi.first(
            ).reduceRegion(ee.Reducer.mean(), world, scale=1, maxPixels=1e15)), TIMEOUT),
        "median of a per-pixel median over a continent at 10 m": ("value:compute", _encode(ee, ndvi.median(
            ).reduceRegion(ee.Reducer.median(), conus, scale=10, maxPixels=1e15)), MEMORY),
        "a LineString of 10 M vertices": ("value:compute", _encode(ee, ee.Geometry.LineString(
            coordinates.zip(coordinates)).length()), MEMORY),
    }


@pytest.mark.parametrize("name", ["30 chained String.cat", "List.repeat(sequence of 1e7, 1e7).flatten()",
                                  "reduceRegion over the world at 1 m, maxPixels 1e15",
                                  "median of a per-pixel median over a continent at 10 m",
                                  "a LineString of 10 M vertices"])
def test_a_request_over_the_memory_or_time_budget_gets_ees_error(ee_local, server, name):
    method, body, expected = _cases(ee_local)[name]
    with server.peak_during() as peak:
        r = post(server.url, method, body, server.token, timeout_s=600)
    assert r.status_code == 400, r.text[:500]
    assert expected in r.json()["error"]["message"]
    assert peak.above_start < 1.5 * GIB, f"{name}: peak {peak.bytes / MIB:.0f} MiB"
    assert_serves(server.url, server.token)


def _inside_s2(size: int, pixel: float) -> dict:
    """A grid of size² pixels inside the sample Sentinel-2 scene, so every scene covers all of it."""
    t = s2_transform()
    return {"dimensions": {"width": size, "height": size}, "crsCode": "EPSG:32610",
            "affineTransform": {"scaleX": pixel, "shearX": 0, "translateX": t.c + 100, "shearY": 0,
                                "scaleY": -pixel, "translateY": t.f - 100}}


def test_a_legal_median_of_74_scenes_is_computed_in_bounded_memory_which_is_then_returned(ee_local, server):
    """A 1000² RGB median of the 74 scenes is 6 MB, legal under EE's 48 MB; evaluated at once it held every
    scene's pixels (2.7 GB). It is now cut into tiles that fit the request's budget."""
    scenes = ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED")
    image = scenes.median().visualize(bands=["B4", "B3", "B2"], min=0, max=3000)
    body = {**_encode(ee_local, image), "fileFormat": "NPY", "grid": _inside_s2(1000, 9.5)}
    with server.peak_during() as peak:
        r = post(server.url, "image:computePixels", body, server.token, timeout_s=900)
    assert r.status_code == 200, r.text[:500]
    assert len(r.content) > 1000 * 1000 * 3
    assert peak.above_start < 1.5 * GIB, f"peak {peak.bytes / MIB:.0f} MiB"
    assert server.rss() - server.baseline < 400 * MIB  # the memory went back
    assert_serves(server.url, server.token)


def test_the_tiled_geotiff_fetch_with_default_settings_keeps_the_server_bounded(ee_local, server, tmp_path):
    """The transport's own tiled fetch (4 concurrent tiles of up to 48 MB) of a 4-band median."""
    image = ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").filterDate("2020-03-01", "2020-10-01").median()
    expression = ee_local.serializer.encode(image.select(["B2", "B3", "B4", "B8"]).toFloat())
    client = EERestClient(build_session(StaticTokenCredentials(server.token)), server.url, "p")
    with server.peak_during() as peak:
        result = fetch_geotiff(client, expression, _inside_s2(1600, 6), tmp_path / "median.tif")
    assert result.tiles > 1 and (tmp_path / "median.tif").stat().st_size > 0
    assert peak.above_start < 3 * GIB, f"peak {peak.bytes / MIB:.0f} MiB"
    assert_serves(server.url, server.token)
