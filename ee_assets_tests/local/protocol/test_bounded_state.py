"""What the server keeps between requests is bounded in bytes and holds only what it needs."""

from __future__ import annotations

import json

import pytest
import requests

from ee_assets.local import LocalServer
from ee_assets.local.protocol.feature_pages import FeaturePages
from ee_assets.local.protocol.thumbnails import ThumbnailStore
from ee_assets_tests.support.serving import post

TOKEN = "state-token"
UNUSED = "x" * (5 << 20)  # 5 MB the image does not depend on


@pytest.fixture()
def server(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as s:
        yield s


@pytest.fixture()
def image(ee_local):
    """image(extra_values, size): a small thumbnail-ready image whose expression takes about 2 bytes per `size`,
    plus `extra_values` it does not use."""
    def make(extra_values: dict | None = None, size: int = 1) -> dict:
        constant = ee_local.Image.constant([1] * size).reduce(ee_local.Reducer.sum()).toUint8()
        clipped = constant.clipToBoundsAndScale(geometry=ee_local.Geometry.Rectangle([0, 0, 1, 1]), width=16,
                                                height=16)
        expression = ee_local.serializer.encode(clipped)
        expression["values"].update(extra_values or {})
        return expression

    return make


def test_a_stored_thumbnail_keeps_only_the_values_its_image_depends_on(server, image):
    body = {"expression": image({"unused": {"constantValue": UNUSED}}), "fileFormat": "PNG"}
    name = post(server.url, "thumbnails", body, TOKEN).json()["name"]
    assert server.backend.thumbnails.used < 10_000  # not the 5 MB
    r = requests.get(f"{server.url}/v1/{name}:getPixels", timeout=30)
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")


def test_the_thumbnail_store_is_bounded_in_bytes(server, image):
    server.backend.thumbnails = ThumbnailStore(max_bytes=200_000)
    names = [post(server.url, "thumbnails", {"expression": image(size=20_000), "fileFormat": "PNG"}, TOKEN
                  ).json()["name"] for _ in range(12)]  # about 40 KB each
    store = server.backend.thumbnails
    assert store.used <= 200_000 and 1 < len(store) < 12
    oldest = requests.get(f"{server.url}/v1/{names[0]}:getPixels", timeout=30)
    assert oldest.status_code == 404 and "has expired" in oldest.json()["error"]["message"]
    assert requests.get(f"{server.url}/v1/{names[-1]}:getPixels", timeout=60).status_code == 200


def _states() -> dict:
    return {"result": "0", "values": {"0": {"functionInvocationValue": {"functionName": "Collection.loadTable",
                                                                      "arguments": {"tableId": {
                                                                          "constantValue": "TIGER/2018/States"}}}}}}


def _pages(server, page_size: int) -> list[str]:
    names, token = [], None
    while True:
        body = {"expression": _states(), "pageSize": page_size, **({"pageToken": token} if token else {})}
        page = post(server.url, "table:computeFeatures", body, TOKEN).json()
        names += [f["properties"]["NAME"] for f in page["features"]]
        token = page.get("nextPageToken")
        if not token:
            return names


def test_feature_pages_are_kept_only_while_paging_and_within_their_byte_budget(server):
    everything = _pages(server, 1000)
    assert len(everything) == 52 and len(server.backend.features) == 0  # one page: nothing kept
    assert _pages(server, 10) == everything
    assert len(server.backend.features) == 1 and server.backend.features.used > 0
    server.backend.features = FeaturePages(max_bytes=1000)  # smaller than the collection: never kept
    assert _pages(server, 7) == everything  # every page evaluated again, same answer
    assert len(server.backend.features) == 0


def test_method_counts_are_keyed_by_api_method(server):
    post(server.url, "value:compute", {"expression": _states()}, TOKEN)
    requests.get(f"{server.url}/v1/projects/p/no/such/{'y' * 5000}", headers={"Authorization": f"Bearer {TOKEN}"},
                 timeout=30)
    assert server.method_counts["value:compute"] == 1
    assert all(len(name) < 40 for name in server.method_counts)
    assert json.dumps(dict(server.method_counts))
