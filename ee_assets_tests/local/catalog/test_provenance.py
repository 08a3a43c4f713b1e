"""Answers say when they were computed from synthetic data: the `x-ee-assets-synthetic` header over real HTTP names
the synthetic assets a request read (sample catalog entries marked synthetic, public datasets), and only those."""

from __future__ import annotations

import ee
import requests

from ee_assets.local.catalog import provenance
from ee_assets_tests.support.local_backend import PROJECT, TOKEN


def post(server, method: str, body: dict) -> requests.Response:
    response = requests.post(f"{server.url}/v1/projects/{PROJECT}/{method}", json=body, timeout=120,
                             headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return response


def encoded(obj) -> dict:
    return {"expression": ee.serializer.encode(obj, for_cloud_api=True)}


def test_answers_name_the_synthetic_assets_they_read(ee_local, local_server):
    states = ee.FeatureCollection("TIGER/2018/States")
    r = post(local_server, "value:compute", encoded(states.size()))
    assert r.headers[provenance.SYNTHETIC_HEADER] == "TIGER/2018/States"
    dem = ee.Image("USGS/SRTMGL1_003")
    both = states.limit(1).map(lambda f: f.set("z", dem.reduceRegion(ee.Reducer.mean(), f.geometry(), 5000)))
    r = post(local_server, "table:computeFeatures", {**encoded(both), "pageSize": 1})
    assert r.headers[provenance.SYNTHETIC_HEADER] == "TIGER/2018/States,USGS/SRTMGL1_003"
    # A constant reads no asset: no header (Earth Engine never sends one).
    assert provenance.SYNTHETIC_HEADER not in post(local_server, "value:compute", encoded(ee.Number(1))).headers


def test_later_pages_and_asset_metadata_say_so_too(ee_local, local_server):
    states = ee.FeatureCollection("TIGER/2018/States")
    first = post(local_server, "table:computeFeatures", {**encoded(states), "pageSize": 10})
    second = post(local_server, "table:computeFeatures", {**encoded(states), "pageSize": 10,
                                                          "pageToken": first.json()["nextPageToken"]})
    assert second.headers[provenance.SYNTHETIC_HEADER] == "TIGER/2018/States"  # served from the page cache
    r = requests.get(f"{local_server.url}/v1/projects/earthengine-public/assets/MODIS/061/MOD13Q1", timeout=30,
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.headers[provenance.SYNTHETIC_HEADER] == "MODIS/061/MOD13Q1"


def test_data_not_marked_synthetic_is_not_reported(ee):
    r = requests.post(f"{ee.data._get_state().cloud_api_base_url.rstrip('/')}/v1/projects/{PROJECT}/value:compute",
                      json=encoded(ee.Image("I/ab").bandNames()), timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and provenance.SYNTHETIC_HEADER not in r.headers


def test_the_header_is_bounded():
    ids = [f"A/{i:02d}" for i in range(25)]
    value = provenance.header_value(ids)
    assert value.startswith("A/00,A/01") and value.endswith(",+5 more") and value.count(",") == 20
