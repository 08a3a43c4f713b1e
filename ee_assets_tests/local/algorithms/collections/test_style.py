"""Collection.style / Collection.draw through the real client, rendered by computePixels as PNG on a 1 m grid.

Expectations are worked by hand on pixel centres well inside or outside each drawn shape (EE's exact
anti-aliasing of edges is not documented, so pixels within half a pixel of a drawn edge are not checked)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage

# 20 x 20 pixels of 1 m in EPSG:3857, upper-left corner at (0, 20): pixel (row, col) has its centre at
# (col + 0.5, 19.5 - row).
GRID = {"dimensions": {"width": 20, "height": 20}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": 1, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -1, "translateY": 20}}


def _rgba(ee, image) -> np.ndarray:
    png = ee.data.computePixels({"expression": image, "fileFormat": "PNG", "grid": GRID})
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def _at(x: float, y: float) -> tuple[int, int]:
    """(row, col) of the pixel whose centre is (x, y)."""
    return int(19.5 - y), int(x - 0.5)


def _features(ee):
    square = ee.Geometry.Polygon([[[5, 5], [15, 5], [15, 15], [5, 15], [5, 5]]], "EPSG:3857", False)
    point = ee.Geometry.Point([2.5, 17.5], "EPSG:3857")
    return ee.FeatureCollection([ee.Feature(square, {"kind": "square"}), ee.Feature(point, {"kind": "point"})])


def test_style_fills_outlines_and_masks(ee_local):
    ee = ee_local
    img = _features(ee).style(color="FF0000", width=2, fillColor="0000FF80", pointSize=3)
    assert img.bandNames().getInfo() == ["vis-red", "vis-green", "vis-blue"]
    px = _rgba(ee, img)
    # Deep inside the square (more than one pixel from its edge): the fill, blue at 0x80/255 opacity.
    assert px[_at(10.5, 10.5)].tolist() == [0, 0, 255, 0x80]
    # On the outline (a 2-pixel-wide band centred on the edge x = 5): opaque red.
    assert px[_at(5.5, 10.5)].tolist() == [255, 0, 0, 255]
    assert px[_at(4.5, 10.5)].tolist() == [255, 0, 0, 255]
    # Outside everything: transparent.
    assert px[_at(18.5, 1.5)][3] == 0
    assert px[_at(2.5, 10.5)][3] == 0
    # The point: a disc 3 pixels across around (2.5, 17.5) covers its own pixel and the 8 around it (centres at
    # most sqrt(2) = 1.41 away < 1.5) and not the ones two pixels away.
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            assert px[_at(2.5 + dx, 17.5 + dy)].tolist() == [255, 0, 0, 255]
    assert px[_at(4.5, 17.5)][3] == 0


def test_style_default_fill_and_per_feature_overrides(ee_local):
    """EE: fillColor defaults to the colour at 0.66 opacity; styleProperty holds per-feature overrides."""
    ee = ee_local
    px = _rgba(ee, _features(ee).style(color="00FF00"))
    assert px[_at(10.5, 10.5)].tolist() == [0, 255, 0, round(0.66 * 255)]
    styled = _features(ee).map(lambda f: f.set("style", ee.Algorithms.If(
        ee.String(f.get("kind")).equals("square"), {"color": "yellow", "fillColor": "00000000"}, {"color": "blue"})))
    px = _rgba(ee, styled.style(styleProperty="style"))
    assert px[_at(5.5, 10.5)].tolist() == [255, 255, 0, 255]  # CSS 'yellow' outline
    assert px[_at(10.5, 10.5)][3] == 0  # a fully transparent fill leaves the inside masked
    assert px[_at(2.5, 17.5)].tolist() == [0, 0, 255, 255]
    with pytest.raises(ee.EEException, match="Invalid color 'notacolour'"):
        _features(ee).style(color="notacolour").getInfo()


def test_draw_is_opaque(ee_local):
    ee = ee_local
    px = _rgba(ee, _features(ee).draw("FF8000", 1, 2))
    assert px[_at(10.5, 10.5)].tolist() == [255, 0x80, 0, 255]  # polygons are filled, opaque
    assert px[_at(2.5, 17.5)].tolist() == [255, 0x80, 0, 255]
    assert px[_at(18.5, 1.5)][3] == 0


def _centres_inside(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Which pixel centres of GRID fall inside the box (worked from the grid's geometry, not the code under test)."""
    cols, rows = np.meshgrid(np.arange(20) + 0.5, 19.5 - np.arange(20))
    return (cols > x0) & (cols < x1) & (rows > y0) & (rows < y1)


def test_reduce_to_image_reduces_overlaps_per_pixel(ee_local):
    ee = ee_local
    a = ee.Feature(ee.Geometry.Rectangle([2, 2, 10, 10], "EPSG:3857", False), {"v": 2})
    b = ee.Feature(ee.Geometry.Rectangle([6, 6, 14, 14], "EPSG:3857", False), {"v": 6})
    nothing = ee.Feature(ee.Geometry.Rectangle([0, 0, 20, 20], "EPSG:3857", False), {"other": 1})
    fc = ee.FeatureCollection([a, b, nothing])
    reducer = ee.Reducer.mean().combine(ee.Reducer.sum(), None, True).combine(ee.Reducer.count(), None, True) \
        .combine(ee.Reducer.max(), None, True).combine(ee.Reducer.stdDev(), None, True)
    img = fc.reduceToImage(["v"], reducer)
    assert img.bandNames().getInfo() == ["mean", "sum", "count", "max", "stdDev"]
    arr = ee.data.computePixels({"expression": img.addBands(img.select("mean").mask().rename("valid")),
                                 "fileFormat": "NUMPY_NDARRAY", "grid": GRID})
    in_a, in_b = _centres_inside(2, 2, 10, 10), _centres_inside(6, 6, 14, 14)
    values = np.where(in_a, 2.0, 0) + np.where(in_b, 6.0, 0)
    count = in_a.astype(int) + in_b.astype(int)
    assert np.array_equal(arr["count"], count)
    assert np.array_equal(arr["sum"], values)
    assert np.array_equal(arr["valid"], (count > 0).astype(arr["valid"].dtype))
    with np.errstate(invalid="ignore"):
        mean = np.where(count > 0, values / np.maximum(count, 1), 0)
    assert np.allclose(arr["mean"], mean)
    assert np.array_equal(arr["max"], np.where(in_b, 6.0, np.where(in_a, 2.0, 0)))
    assert np.allclose(arr["stdDev"], np.where(in_a & in_b, 2.0, 0))  # population sd of {2, 6}
    with pytest.raises(ee.EEException, match="reducer 'median' is not supported"):
        fc.reduceToImage(["v"], ee.Reducer.median()).getInfo()


def test_distance_to_features_in_metres(ee_local):
    """Distances from pixel centres of a 0.01° grid to a point, against pyproj.Geod; masked beyond the radius;
    inside a polygon the distance is to its boundary."""
    from pyproj import Geod

    ee = ee_local
    grid = {"dimensions": {"width": 20, "height": 20}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 0.01, "shearX": 0, "translateX": 10.0, "shearY": 0, "scaleY": -0.01,
                                "translateY": 46.0}}
    fc = ee.FeatureCollection([ee.Feature(ee.Geometry.Point([10.05, 45.95]))])
    img = fc.distance(10_000).addBands(fc.distance(10_000).mask().rename("valid"))
    arr = ee.data.computePixels({"expression": img, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    lon, lat = np.meshgrid(10.0 + 0.01 * (np.arange(20) + 0.5), 46.0 - 0.01 * (np.arange(20) + 0.5))
    expected = Geod(ellps="WGS84").inv(np.full(lon.shape, 10.05), np.full(lat.shape, 45.95), lon, lat)[2]
    near = expected <= 10_000
    assert np.allclose(arr["distance"][near], expected[near], rtol=1e-4)
    assert np.array_equal(arr["valid"].astype(bool), near) and not near.all()
    square = ee.FeatureCollection([ee.Feature(ee.Geometry.Rectangle([10.0, 45.8, 10.2, 46.0]))])
    inside = ee.data.computePixels({"expression": square.distance(), "fileFormat": "NUMPY_NDARRAY",
                                    "grid": grid})["distance"]
    west_edge = Geod(ellps="WGS84").inv(np.full(20, 10.0), lat[:, 0], lon[:, 0], lat[:, 0])[2]
    assert np.allclose(inside[10:, 0], west_edge[10:], rtol=1e-3)  # nearest boundary: the west edge


def test_styled_vectors_as_map_tiles_like_geemap(ee_local):
    """What geemap's Map.addLayer(fc) does: getMapId of fc.style(...), then a web-mercator tile. Zoom-4 tile (3, 5)
    spans 112.5°W–90°W, 41.0°N–55.8°N, so a 105°W–95°W, 43°N–50°N rectangle lies inside it: its interior shows
    the fill, its edge the line colour, the rest of the tile is transparent."""
    import requests

    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(ee.Geometry.Rectangle([-105, 43, -95, 50]))])
    map_id = ee.data.getMapId({"image": fc.style(color="ff0000", fillColor="0000ff55", width=2)})
    url = map_id["tile_fetcher"].format_tile_url(3, 5, 4)
    response = requests.get(url, headers={"Authorization": "Bearer test-token"}, timeout=60)
    assert response.status_code == 200
    px = np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGBA")).astype(int)
    colours = {tuple(c) for c in px.reshape(-1, 4).tolist()}
    assert colours == {(0, 0, 0, 0), (0, 0, 255, 0x55), (255, 0, 0, 255)}
    assert px[128, 128].tolist() == [0, 0, 255, 0x55]  # -101.25°, 48.9°N: inside, away from the edges
    assert px[5, 5][3] == 0  # the tile's north-west corner: outside
