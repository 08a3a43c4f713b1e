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
