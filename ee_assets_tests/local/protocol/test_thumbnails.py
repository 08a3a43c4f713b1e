"""Image.visualize, Image.clipToBoundsAndScale and getThumbURL (POST …/thumbnails, then a plain GET of the URL)
through the real ee client; the expected pixels follow EE's documented visualization formula, in numpy."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import requests
from PIL import Image as PILImage
from pyproj import Transformer
from rasterio.io import MemoryFile

from ee_assets_tests.support.image_fixtures import VALID, A, B, ab_catalog, pixels

TO_LONLAT = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)


@pytest.fixture()
def ee(tmp_path, ee_on):
    return ee_on(ab_catalog(tmp_path))


def _stretch(v: np.ndarray, lo: float, hi: float, gamma: float = 1.0) -> np.ndarray:
    """EE's visualization: 255 * clip((v - min) / (max - min), 0, 1) ** (1 / gamma), rounded."""
    return np.rint(255 * np.clip((v - lo) / (hi - lo), 0, 1) ** (1 / gamma))


def test_visualize_grey_rgb_palette_gain_bias_and_opacity(ee):
    img = ee.Image("I/ab")
    px = pixels(ee, img.select("b").visualize(min=0, max=7))
    assert list(px) == ["vis-gray"]
    np.testing.assert_array_equal(px["vis-gray"][0], _stretch(B, 0, 7))

    px = pixels(ee, img.visualize(bands=["a", "b", "b"], min=[-9, 0, 0], max=[9, 7, 14], gamma=[1, 2, 1]))
    assert list(px) == ["vis-red", "vis-green", "vis-blue"]
    np.testing.assert_array_equal(px["vis-red"][0][VALID], _stretch(A, -9, 9)[VALID])
    np.testing.assert_array_equal(px["vis-green"][0][VALID], _stretch(B, 0, 7, 2.0)[VALID])
    np.testing.assert_array_equal(px["vis-blue"][0][VALID], _stretch(B, 0, 14)[VALID])
    np.testing.assert_array_equal(px["vis-red"][1], VALID)  # a masked input band masks the rendering

    px = pixels(ee, img.select("b").visualize(min=0, max=7, palette=["000000", "ff0000"], opacity=0.5))
    np.testing.assert_array_equal(px["vis-red"][0], _stretch(B, 0, 7))
    np.testing.assert_array_equal(px["vis-green"][0], 0 * B)
    np.testing.assert_allclose(px["vis-red"][1], 0.5)

    px = pixels(ee, img.select("b").visualize(gain=10, bias=5))  # value * gain + bias, clamped to 0..255
    np.testing.assert_array_equal(px["vis-gray"][0], np.clip(B * 10 + 5, 0, 255))
    px = pixels(ee, img.select("b").visualize(min=0, max=7, forceRgbOutput=True))
    assert list(px) == ["vis-red", "vis-green", "vis-blue"]
    with pytest.raises(ee.EEException, match="Must specify 1 or 3 bands"):
        img.visualize(min=0, max=1).getInfo()


def _region(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    """A lon/lat rectangle whose corners are the given Web Mercator corners."""
    (lon0, lon1), (lat0, lat1) = TO_LONLAT.transform([x0, x1], [y0, y1])
    return [lon0, lat0, lon1, lat1]


def _get_png(url: str) -> np.ndarray:
    response = requests.get(url, timeout=30)  # no credentials: the URL is the capability, as on Earth Engine
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "image/png"
    return np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGBA"))


def test_get_thumb_url_renders_the_region_at_the_requested_dimensions(ee):
    img = ee.Image("I/ab")
    url = img.getThumbURL({"bands": ["b"], "min": 0, "max": 7, "dimensions": "6x4", "format": "png",
                           "region": _region(1000, 1960, 1060, 2000)})
    assert "/thumbnails/" in url and url.endswith(":getPixels")
    rgba = _get_png(url)
    assert rgba.shape == (4, 6, 4)
    np.testing.assert_array_equal(rgba[..., 0], _stretch(B[:4], 0, 7))  # 10 m pixels on the native grid
    np.testing.assert_array_equal(rgba[..., 3], 255)

    # One number is the longer side: 60 m x 40 m at 4 pixels -> 15 m pixels, 4 x 3, nearest native pixel per centre.
    rgba = _get_png(img.getThumbURL({"bands": "b", "min": 0, "max": 7, "dimensions": 4, "format": "png",
                                     "region": _region(1000, 1960, 1060, 2000)}))
    assert rgba.shape == (3, 4, 4)
    np.testing.assert_array_equal(rgba[..., 0], _stretch(B[[0, 2, 3]][:, [0, 2, 3, 5]], 0, 7))


def test_thumbnail_palette_masks_and_whole_image_default(ee):
    img = ee.Image("I/ab").select("a")
    rgba = _get_png(img.getThumbURL({"min": -9, "max": 9, "palette": ["0000ff", "ffffff"], "format": "png"}))
    assert rgba.shape == (5, 6, 4)  # the whole footprint at native resolution
    np.testing.assert_array_equal(rgba[..., 3], np.where(VALID, 255, 0))  # the masked pixel is transparent
    expected_red = np.rint(255 * np.clip((A + 9) / 18, 0, 1))
    np.testing.assert_array_equal(rgba[..., 0][VALID], expected_red[VALID])
    np.testing.assert_array_equal(rgba[..., 2][VALID], 255)


def test_thumbnail_urls_are_capabilities(ee_local, local_server):
    """On a server that requires a token, the thumbnail URL still works without one; a guessed id does not."""
    ee = ee_local
    url = ee.Image.constant(1).getThumbURL({"min": 0, "max": 1, "dimensions": 6, "region": [0, 0, 1, 1]})
    assert url.startswith(local_server.url)
    assert requests.get(f"{local_server.url}/v1/projects/p/algorithms", timeout=30).status_code == 401
    assert requests.get(url, timeout=30).status_code == 200
    forged = url.rsplit("/", 1)[0] + "/" + "0" * 32 + ":getPixels"
    response = requests.get(forged, timeout=30)
    assert response.status_code == 404
    assert "not found" in response.json()["error"]["message"]
    # Creating one still needs credentials.
    created = requests.post(f"{local_server.url}/v1/projects/p/thumbnails", json={}, timeout=30)
    assert created.status_code == 401


def test_thumbnail_of_an_unbounded_image_needs_a_region(ee):
    with pytest.raises(ee.EEException, match="unbounded; give a geometry"):
        ee.Image.constant(1).getThumbURL({"min": 0, "max": 1, "dimensions": 8})
    rgba = _get_png(ee.Image.constant(1).getThumbURL({"min": 0, "max": 2, "dimensions": 8, "format": "png",
                                                      "region": [10, 40, 12, 41]}))
    assert rgba.shape == (4, 8, 4)
    np.testing.assert_array_equal(rgba[..., 0], 128)


SLD = """<RasterSymbolizer><ColorMap type="{kind}" extended="false">
  <ColorMapEntry color="#ff0000" quantity="{q0}" label="low"/>
  <ColorMapEntry color="#00ff00" quantity="{q1}" opacity="0.5"/>
  <ColorMapEntry color="#0000ff" quantity="{q2}"/>
</ColorMap></RasterSymbolizer>"""


def test_sld_style_ramp_intervals_and_values(ee):
    """The three ColorMap types as GeoServer's SLD documentation describes them, worked out on band b (0..7)."""
    b = ee.Image("I/ab").select("b")
    px = pixels(ee, b.sldStyle(SLD.format(kind="intervals", q0=2, q1=5, q2=7)))
    low, mid, high = B < 2, (B >= 2) & (B < 5), (B >= 5) & (B < 7)
    np.testing.assert_array_equal(px["vis-red"][0], np.where(low, 255, 0))
    np.testing.assert_array_equal(px["vis-green"][0], np.where(mid, 255, 0))
    np.testing.assert_array_equal(px["vis-blue"][0], np.where(high, 255, 0))
    np.testing.assert_allclose(px["vis-red"][1], np.select([low, mid, high], [1, 0.5, 1], 0))  # 7 and up: clear

    px = pixels(ee, b.sldStyle(SLD.format(kind="ramp", q0=0, q1=4, q2=8)))
    t = np.clip(B / 4, 0, 1)
    np.testing.assert_array_equal(px["vis-red"][0], np.rint(np.where(B <= 4, 255 * (1 - t), 0)))
    np.testing.assert_array_equal(px["vis-green"][0], np.rint(np.where(B <= 4, 255 * t, 255 * (8 - B) / 4)))
    np.testing.assert_allclose(px["vis-red"][1], np.where(B <= 4, 1 - 0.5 * t, 0.5 + 0.5 * (B - 4) / 4))

    px = pixels(ee, b.sldStyle(SLD.format(kind="values", q0=1, q1=3, q2=6)))
    np.testing.assert_array_equal(px["vis-red"][1] > 0, np.isin(B, [1, 3, 6]))
    np.testing.assert_array_equal(px["vis-blue"][0], np.where(B == 6, 255, 0))
    with pytest.raises(ee.EEException, match="no <ColorMap>"):
        b.sldStyle("<RasterSymbolizer/>").getInfo()


def _tile_png(url: str) -> np.ndarray:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGBA"))


def test_get_map_id_tiles_are_web_mercator_xyz_tiles(ee_local, local_server):
    """geemap's Map.addLayer path: getMapId, then plain GETs of the tile URL template (no credentials), each tile
    256 x 256 of EPSG:3857 with y counted from the north. A constant image split at longitude 0 by
    pixelLonLat shows the split exactly at the middle of the zoom-1 row."""
    ee = ee_local
    east = ee.Image.pixelLonLat().select("longitude").gt(0)
    map_id = east.getMapId({"min": 0, "max": 1, "palette": ["000000", "ffffff"]})
    url_format = map_id["tile_fetcher"].url_format
    assert url_format.startswith(local_server.url) and url_format.endswith("/tiles/{z}/{x}/{y}")
    west_tile = _tile_png(url_format.format(z=1, x=0, y=0))
    east_tile = _tile_png(url_format.format(z=1, x=1, y=0))
    assert west_tile.shape == (256, 256, 4)
    np.testing.assert_array_equal(west_tile[..., 0], 0)
    np.testing.assert_array_equal(east_tile[..., 0], 255)
    # The client's own fetch (with credentials) gives the same bytes.
    fetched = map_id["tile_fetcher"].fetch_tile(x=1, y=0, z=1)
    np.testing.assert_array_equal(np.asarray(PILImage.open(io.BytesIO(fetched)).convert("RGBA")), east_tile)
    assert requests.get(url_format.format(z=1, x=2, y=0), timeout=30).status_code == 404


def _tiff_bands(data: bytes) -> tuple[np.ndarray, list[str]]:
    with MemoryFile(data) as mf, mf.open() as ds:
        return ds.read(), list(ds.descriptions)


def test_get_download_url_formats(ee):
    """geemap's export path: getDownloadURL with region and scale; zip per band by default, one GeoTIFF with
    filePerBand=False, plain GEO_TIFF and NPY; values are the raster's own (no visualization)."""
    img = ee.Image("I/ab")
    params = {"name": "ab_export", "scale": 10, "region": _region(1000, 1960, 1060, 2000)}
    response = requests.get(img.getDownloadURL(params), timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["ab_export.a.tif", "ab_export.b.tif"]
        values, names = _tiff_bands(archive.read("ab_export.b.tif"))
    assert names == ["b"]
    np.testing.assert_array_equal(values[0], B[:4])

    response = requests.get(img.getDownloadURL({**params, "filePerBand": False}), timeout=30)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["ab_export.tif"]
        values, names = _tiff_bands(archive.read("ab_export.tif"))
    assert names == ["a", "b"]
    np.testing.assert_array_equal(values[0][VALID[:4]], A[:4][VALID[:4]])

    values, _ = _tiff_bands(requests.get(img.getDownloadURL({**params, "format": "GEO_TIFF"}), timeout=30).content)
    np.testing.assert_array_equal(values[1], B[:4])
    npy = np.load(io.BytesIO(requests.get(img.select("b").getDownloadURL({**params, "format": "NPY"}),
                                          timeout=30).content))
    np.testing.assert_array_equal(npy["b"], B[:4])


def test_images_of_more_than_three_bands_render_their_first_three(ee):
    """EE draws the first three bands when none are named: "If the "bands" parameter is not defined, the first
    three bands are used" (https://developers.google.com/earth-engine/apidocs/map-addlayer, whose visParams are
    getMapId's) and Image.visualize's signature in the client's algorithms.json ("If empty, the first 3 are used").
    Without min/max the stretch is the data type's range ("they will be determined from the data type range", the
    same page), so a uint8 image draws its own values."""
    img = ee.Image("I/ab")
    b = img.select("b")
    four = ee.Image.cat([b, b.add(10), b.multiply(20), img.select("a")]).toUint8()
    rgba = _get_png(four.getThumbURL({"format": "png"}))  # no visualization parameters at all
    np.testing.assert_array_equal(rgba[..., 0], B)
    np.testing.assert_array_equal(rgba[..., 1], B + 10)
    np.testing.assert_array_equal(rgba[..., 2], B * 20)
    fourteen = ee.Image.cat([b.add(i) for i in range(14)])
    px = pixels(ee, fourteen.visualize(min=0, max=20))
    assert list(px) == ["vis-red", "vis-green", "vis-blue"]
    for i, name in enumerate(px):
        np.testing.assert_array_equal(px[name][0], _stretch(B + i, 0, 20))


def test_an_image_with_no_bands(ee_local, local_server):
    """A composite of an empty collection has no bands. EE names that case when a band is asked of it ("Band
    pattern 'ndsi' was applied to an Image with no bands", reported from EE in swisstopo/topo-satromo#101);
    drawn without naming bands it has nothing to draw, so a map tile is fully transparent."""
    ee = ee_local
    empty = ee.ImageCollection([]).mosaic()
    assert empty.visualize(min=0, max=1).bandNames().getInfo() == []
    with pytest.raises(ee.EEException, match="Image.select: Band pattern 'B4' was applied to an Image with no "
                                             "bands"):
        empty.visualize(bands=["B4"], min=0, max=1).getInfo()
    url_format = empty.getMapId({})["tile_fetcher"].url_format
    tile = _tile_png(url_format.format(z=2, x=1, y=1))
    assert tile.shape == (256, 256, 4)
    np.testing.assert_array_equal(tile[..., 3], 0)
