"""computePixels grids and formats, computeFeatures paging, and errors, through the real client and real HTTP."""

from __future__ import annotations

import io
import json

import ee
import numpy as np
import pytest
import rasterio
import requests
from affine import Affine

from ee_assets.local import LocalServer
from ee_assets.local.algorithms import implemented
from ee_assets.local.protocol.signatures import client_signatures
from ee_assets.transport.ee_client import initialize_ee
from ee_assets_tests.support.local_backend import PROJECT, TOKEN, credentials, write_catalog


def _post(server, method: str, body: dict, token: str | None = TOKEN) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{server.url}/v1/projects/{PROJECT}/{method}", data=json.dumps(body), headers=headers,
                         timeout=60)


def test_geotiff_has_exactly_the_requested_grid(ee_local, local_server):
    image = ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").filterDate("2020-06-01", "2020-07-01").median()
    grid = {"dimensions": {"width": 123, "height": 77}, "crsCode": "EPSG:32610",
            "affineTransform": {"scaleX": 20, "shearX": 0, "translateX": 611000, "shearY": 0, "scaleY": -20,
                                "translateY": 4214000}}
    body = {"expression": ee_local.serializer.encode(image), "fileFormat": "GEO_TIFF", "grid": grid,
            "bandIds": ["B4", "B8"]}
    response = _post(local_server, "image:computePixels", body)
    assert response.status_code == 200, response.text
    with rasterio.open(io.BytesIO(response.content)) as ds:
        assert (ds.width, ds.height, ds.count) == (123, 77, 2)
        assert ds.crs.to_epsg() == 32610
        assert ds.transform == Affine(20, 0, 611000, 0, -20, 4214000)
        assert list(ds.descriptions) == ["B4", "B8"]


def test_npy_loads_through_the_client(ee_local):
    image = ee_local.Image("COPERNICUS/S2_HARMONIZED/" + _first_s2_id(ee_local)).select(["B4", "QA60"])
    grid = {"dimensions": {"width": 16, "height": 8}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 0.0001, "shearX": 0, "translateX": -121.58, "shearY": 0,
                                "scaleY": -0.0001, "translateY": 38.05}}
    arr = ee_local.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    assert arr.shape == (8, 16)
    assert arr.dtype.names == ("B4", "QA60")
    assert arr.dtype["B4"] == np.dtype("uint16")


def _first_s2_id(ee_mod) -> str:
    return ee_mod.ImageCollection("COPERNICUS/S2_HARMONIZED").first().get("system:index").getInfo()


@pytest.fixture()
def big_table_server(tmp_path):
    features = [{"type": "Feature", "properties": {"n": i},
                 "geometry": {"type": "Point", "coordinates": [-100 + i * 0.001, 40]}} for i in range(2500)]
    (tmp_path / "pts.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with LocalServer(write_catalog(tmp_path, {"T/pts": {"type": "TABLE", "path": "pts.geojson"}})) as server:
        initialize_ee(credentials(), url=server.url, project=PROJECT, offline=True)
        yield server
        ee.Reset()


def test_paging_returns_every_feature_once_in_a_stable_order(big_table_server):
    expression = ee.serializer.encode(ee.FeatureCollection("T/pts").filter(ee.Filter.gte("n", 0)))
    seen, token, pages = [], None, 0
    while True:
        body = {"expression": expression, "pageSize": 1000, **({"pageToken": token} if token else {})}
        page = _post(big_table_server, "table:computeFeatures", body, token=None).json()
        seen.extend(f["properties"]["n"] for f in page["features"])
        pages += 1
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages == 3
    assert seen == list(range(2500))


def test_paging_through_the_client_into_geopandas(big_table_server):
    gdf = ee.data.computeFeatures({"expression": ee.FeatureCollection("T/pts"), "fileFormat": "GEOPANDAS_GEODATAFRAME"})
    assert len(gdf) == 2500
    assert sorted(gdf["n"]) == list(range(2500))


def test_errors_have_the_right_status_and_message_and_the_server_keeps_serving(ee_local, local_server):
    def compute(graph_obj):
        return _post(local_server, "value:compute", {"expression": ee_local.serializer.encode(graph_obj)})

    r = compute(ee_local.Image("USERS/nobody/missing"))
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    assert "'USERS/nobody/missing' not found" in r.json()["error"]["message"]

    r = compute(ee_local.ImageCollection("MODIS/061/MOD13Q1").first().select("B9"))
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Image.select: Pattern 'B9' did not match any bands."

    missing = next(s["name"].split("/", 1)[1] for s in client_signatures() if s["name"].split("/", 1)[1]
                   not in implemented() and all(a.get("optional") for a in s.get("arguments", [])))
    r = _post(local_server, "value:compute", {"expression": {"result": "0", "values": {
        "0": {"functionInvocationValue": {"functionName": missing, "arguments": {}}}}}})
    assert r.status_code == 400 and "not implemented by the ee_assets local backend" in r.json()["error"]["message"]

    r = _post(local_server, "value:compute", {"expression": {"result": "0", "values": {"0": {"bogus": 1}}}})
    assert r.status_code == 400 and "Invalid expression" in r.json()["error"]["message"]
    r = _post(local_server, "value:compute", {"expression": {"result": "9", "values": {}}})
    assert r.status_code == 400 and "undefined value '9'" in r.json()["error"]["message"]

    image = ee_local.Image.constant(1).toFloat()
    grid = {"dimensions": {"width": 5000, "height": 5000}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 0.001, "scaleY": -0.001, "translateX": 0, "translateY": 0}}
    r = _post(local_server, "image:computePixels",
              {"expression": ee_local.serializer.encode(image), "fileFormat": "NPY", "grid": grid})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == ("Total request size (125000000 bytes) must be less than or equal to "
                                            "50331648 bytes.")

    r = _post(local_server, "value:compute", {"expression": ee_local.serializer.encode(ee_local.Number(1))},
              token="wrong")
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
    r = _post(local_server, "value:compute", {"expression": {}}, token=None)
    assert r.status_code == 401

    # Still serving, and the client sees EE's messages as EEException.
    assert ee_local.Number(41).add(1).getInfo() == 42
    with pytest.raises(ee_local.EEException, match="Pattern 'B9' did not match any bands"):
        ee_local.ImageCollection("MODIS/061/MOD13Q1").first().select("B9").getInfo()


def test_deeply_nested_graph_is_refused_cleanly(local_server):
    depth = 5000  # deeper than Python's json module can encode, so the body is written by hand
    node = '{"arrayValue":{"values":[' * depth + '{"constantValue":1}' + "]}}" * depth
    body = '{"expression":{"result":"0","values":{"0":' + node + "}}}"
    r = requests.post(f"{local_server.url}/v1/projects/{PROJECT}/value:compute", data=body,
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert r.status_code == 400 and "too deeply nested" in r.json()["error"]["message"]


def test_an_unsupported_case_is_a_400_not_a_retried_500(ee_local, local_server):
    """Math on an array image is not supported on computePixels: the server must not answer 5xx, which every EE
    client retries although a deterministic failure would only repeat."""
    from ee_assets.transport import auth
    from ee_assets.transport.expression import serialize
    from ee_assets.transport.rest import EERequestError, EERestClient, build_session

    image = ee.Image(ee.Array([1, 2])).add(1)
    grid = {"dimensions": {"width": 2, "height": 2}, "affineTransform": {"scaleX": 1, "scaleY": -1},
            "crsCode": "EPSG:4326"}
    client = EERestClient(build_session(auth.StaticTokenCredentials(TOKEN)), local_server.url, PROJECT)
    before = local_server.method_counts.get("image:computePixels", 0)
    with pytest.raises(EERequestError) as caught:
        client.compute_pixels(serialize(image), grid, "NPY")
    assert caught.value.http_status == 400 and not caught.value.transient
    assert "retrying will not help" in caught.value.message
    assert local_server.method_counts["image:computePixels"] - before == 1
    assert ee.Number(2).add(3).getInfo() == 5  # still serving


def test_get_pixels_reads_an_asset_without_an_expression(tmp_path, ee_on):
    """ee.data.getPixels POSTs …/assets/<id>:getPixels (ee/data.py: _get_cloud_projects_raw().assets().getPixels):
    the asset's pixels on its native grid, a region limiting them to the native pixels that cover it, bandIds and
    the file formats of computePixels."""
    from ee_assets_tests.support.image_fixtures import NODATA, TO_LONLAT, A, B, ab_catalog

    ee_ = ee_on(ab_catalog(tmp_path))
    whole = ee_.data.getPixels({"assetId": "I/ab", "fileFormat": "NUMPY_NDARRAY"})
    np.testing.assert_array_equal(whole["b"], B)
    np.testing.assert_array_equal(whole["a"][A != NODATA], A[A != NODATA])
    (x0, x1), (y0, y1) = TO_LONLAT.transform([1012.0, 1038.0], [1962.0, 1988.0])
    region = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
    part = ee_.data.getPixels({"assetId": "I/ab", "fileFormat": "NUMPY_NDARRAY", "region": region,
                               "bandIds": ["b"]})
    assert part.dtype.names == ("b",)
    np.testing.assert_array_equal(part["b"], B[1:4, 1:4])  # columns 1..3 (x 1010..1040), rows 1..3 (y 1990..1960)
    with pytest.raises(ee_.EEException, match="not found"):
        ee_.data.getPixels({"assetId": "I/nothing", "fileFormat": "NUMPY_NDARRAY"})
