"""Malformed requests get a 400 that says what is wrong (never zeroed pixels, a silent default or "a bug in
ee_assets"), and the server goes on serving."""

from __future__ import annotations

import base64
import math

import pytest

from ee_assets.local import LocalServer
from ee_assets_tests.support.serving import NUMBER, assert_serves, error, post

TOKEN = "validation-token"


@pytest.fixture(scope="module")
def server(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN) as s:
        yield s


@pytest.fixture(scope="module")
def image_expression():
    """A small constant image, encoded by hand: {"expression": …} of Image.constant([1, 2])."""
    return {"result": "0", "values": {"0": {"functionInvocationValue": {
        "functionName": "Image.constant", "arguments": {"value": {"constantValue": [1, 2]}}}}}}


def _grid(**changes) -> dict:
    grid = {"dimensions": {"width": 8, "height": 8}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 0.1, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -0.1,
                                "translateY": 0}}
    for key, value in changes.items():
        if key in ("scaleX", "translateY"):
            grid["affineTransform"][key] = value
        elif key in ("width", "height"):
            grid["dimensions"][key] = value
        else:
            grid[key] = value
    return grid


BAD_GRIDS = [
    (_grid(scaleX=math.nan), "grid.affineTransform.scaleX"),
    (_grid(translateY=math.inf), "grid.affineTransform.translateY"),
    (_grid(width=256.5), "grid.dimensions.width"),
    (_grid(height="ten"), "grid.dimensions.height"),
    (_grid(crsCode=""), "grid.crsCode"),
    ([8, 8], "'grid'"),
]


@pytest.mark.parametrize("grid, where", BAD_GRIDS, ids=["nan scale", "inf translate", "float width",
                                                        "text height", "empty crsCode", "grid as a list"])
def test_a_malformed_grid_is_refused_naming_the_field(server, image_expression, grid, where):
    body = {"expression": image_expression, "fileFormat": "NPY", "grid": grid}
    status, message = error(post(server.url, "image:computePixels", body, TOKEN))
    assert status == 400
    assert where in message and "bug in ee_assets" not in message
    assert_serves(server.url, TOKEN)


def test_a_whole_float_dimension_is_the_integer_it_spells(server, image_expression):
    body = {"expression": image_expression, "fileFormat": "NPY", "grid": _grid(width=8.0)}
    assert post(server.url, "image:computePixels", body, TOKEN).status_code == 200


@pytest.mark.parametrize("band_ids, words", [("constant_0", "expected a list of band names"),
                                             (["constant_0", "constant_0"], "requested more than once"),
                                             ([1], "expected a list of band names")],
                         ids=["a string", "duplicates", "not names"])
def test_malformed_band_ids_are_refused(server, image_expression, band_ids, words):
    body = {"expression": image_expression, "fileFormat": "NPY", "grid": _grid(), "bandIds": band_ids}
    status, message = error(post(server.url, "image:computePixels", body, TOKEN))
    assert status == 400 and "band_ids" in message and words in message
    assert_serves(server.url, TOKEN)


def _token(offset: int, key: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{key}".encode()).decode().rstrip("=")


def test_a_page_token_with_a_negative_offset_is_refused(server):
    parent = "projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED"
    import requests

    r = requests.get(f"{server.url}/v1/{parent}:listAssets", params={"pageToken": _token(-5, parent)},
                     headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert r.status_code == 400 and "Invalid page token" in r.json()["error"]["message"]
    assert_serves(server.url, TOKEN)


def test_a_page_size_of_zero_means_the_default_and_ends(server):
    """pageSize=0 is "the server's default" (Google's rule), not pages of nothing for ever."""
    import requests

    parent = "projects/earthengine-public/assets/COPERNICUS/S2_HARMONIZED"
    url = f"{server.url}/v1/{parent}:listAssets"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    page = requests.get(url, params={"pageSize": "0"}, headers=headers, timeout=30).json()
    assert len(page["assets"]) == 74 and "nextPageToken" not in page
    r = requests.get(url, params={"pageSize": "-3"}, headers=headers, timeout=30)
    assert r.status_code == 400 and "pageSize" in r.json()["error"]["message"]


def _chain(calls: int) -> dict:
    """0 + 1 + 1 + … as `calls` nested Number.add calls, each referring to the previous one (as the client
    writes deep graphs)."""
    values = {str(i): {"functionInvocationValue": {"functionName": "Number.add", "arguments": {
        "left": {"valueReference": str(i + 1)}, "right": {"constantValue": 1}}}} for i in range(calls - 1)}
    values[str(calls - 1)] = {"functionInvocationValue": {"functionName": "Number.add", "arguments": {
        "left": {"constantValue": 0}, "right": {"constantValue": 1}}}}
    return {"result": "0", "values": values}


def test_expressions_nest_up_to_400_calls_and_no_deeper(server):
    r = post(server.url, "value:compute", {"expression": _chain(400)}, TOKEN)
    assert (r.status_code, r.json()) == (200, {"result": 400})
    status, message = error(post(server.url, "value:compute", {"expression": _chain(401)}, TOKEN))
    assert status == 400 and "too deeply nested (more than 400 nested calls)" in message
    assert_serves(server.url, TOKEN)


def test_a_value_that_refers_to_itself_is_refused(server):
    cycle = {"result": "0", "values": {"0": {"arrayValue": {"values": [{"valueReference": "0"}]}}}}
    status, message = error(post(server.url, "value:compute", {"expression": cycle}, TOKEN))
    assert status == 400 and "refers to itself" in message
    assert post(server.url, "value:compute", {"expression": NUMBER}, TOKEN).json() == {"result": 42}
