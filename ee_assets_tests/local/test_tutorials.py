"""The seeds' tutorial code, changed only by `ee.Initialize(..., url=<local server>)`, runs on the local backend."""

from __future__ import annotations

import io
import json

from google.auth.transport.requests import AuthorizedSession
from PIL import Image as PILImage

from ee_assets_tests.support.local_backend import PROJECT, credentials


def _maine_computation(ee):
    states = ee.FeatureCollection("TIGER/2018/States")
    maine = states.filter(ee.Filter.eq("NAME", "Maine"))
    band = "NDVI"
    images = ee.ImageCollection("MODIS/006/MOD13Q1").select(band)
    image = images.first()
    return image.reduceRegions(
        collection=maine,
        reducer=ee.Reducer.mean().setOutputs([band]),
        scale=image.projection().nominalScale(),
    )


def test_table_tutorial_get_info_returns_raw_ndvi_for_maine(ee_local):
    value = _maine_computation(ee_local).first().get("NDVI").getInfo()
    assert isinstance(value, float)
    assert -2000 <= value <= 10000


def test_table_tutorial_compute_features_post_returns_geojson_with_ndvi(ee_local, local_server):
    serialized = ee_local.serializer.encode(_maine_computation(ee_local))
    session = AuthorizedSession(credentials())
    url = f"{local_server.url}/v1/projects/{PROJECT}/table:computeFeatures"
    response = session.post(url=url, data=json.dumps({"expression": serialized}))
    assert response.status_code == 200, response.text
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    assert feature["type"] == "Feature"
    assert feature["properties"]["NAME"] == "Maine"
    assert -2000 <= feature["properties"]["NDVI"] <= 10000
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_image_tutorial_projection_at_scale_matches_earth_engine(ee_local):
    proj = ee_local.Projection("EPSG:4326").atScale(10).getInfo()
    assert proj["transform"] == [8.983152841195215e-05, 0, 0, 0, 8.983152841195215e-05, 0]
    assert proj["crs"] == "EPSG:4326"


def test_image_tutorial_compute_pixels_post_returns_640_png(ee_local, local_server):
    ee = ee_local
    coords = [-121.58626826832939, 38.059141484827485]
    region = ee.Geometry.Point(coords)
    collection = ee.ImageCollection("COPERNICUS/S2").filterBounds(region).filterDate("2020-04-01", "2020-09-01")
    image = collection.median()
    serialized = ee.serializer.encode(image)
    proj = ee.Projection("EPSG:4326").atScale(10).getInfo()
    scale_x, scale_y = proj["transform"][0], -proj["transform"][4]
    session = AuthorizedSession(credentials())
    response = session.post(
        url=f"{local_server.url}/v1/projects/{PROJECT}/image:computePixels",
        data=json.dumps({
            "expression": serialized,
            "fileFormat": "PNG",
            "bandIds": ["B4", "B3", "B2"],
            "grid": {
                "dimensions": {"width": 640, "height": 640},
                "affineTransform": {"scaleX": scale_x, "shearX": 0, "translateX": coords[0],
                                    "shearY": 0, "scaleY": scale_y, "translateY": coords[1]},
                "crsCode": "EPSG:4326",
            },
            "visualizationOptions": {"ranges": [{"min": 0, "max": 3000}]},
        }),
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "image/png"
    picture = PILImage.open(io.BytesIO(response.content))
    assert picture.size == (640, 640)
    alpha = picture.getchannel("A")
    assert alpha.getextrema() == (255, 255)  # the sample tile covers the whole grid
