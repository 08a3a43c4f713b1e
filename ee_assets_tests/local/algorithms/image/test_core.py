"""Image basics through the real ee client: band selection and naming, addBands, constants, projection and
information, band types, slicing, metadata and properties; expectations are worked out independently."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import shape

from ee_assets_tests.support.image_fixtures import pixels
from ee_assets_tests.support.scene import Q, scene_pixels

# -- filters ------------------------------------------------------------------------------------------------


# -- dates --------------------------------------------------------------------------------------------------


# -- collections --------------------------------------------------------------------------------------------


# -- images -------------------------------------------------------------------------------------------------
def test_select_and_rename(ee):
    img = ee.Image("I/m")
    assert img.bandNames().getInfo() == ["B1", "B2", "Q"]
    assert img.select("B.*").bandNames().getInfo() == ["B1", "B2"]
    assert img.select(2).bandNames().getInfo() == ["Q"]
    assert img.select(["B1", "Q"], ["x", "y"]).bandNames().getInfo() == ["x", "y"]
    assert img.select("B1|Q").bandNames().getInfo() == ["B1", "Q"]
    # Full-match reading (reference §3g): 'B' alone matches neither B1 nor B2.
    with pytest.raises(ee.EEException, match="Pattern 'B' did not match"):
        img.select("B").getInfo()
    with pytest.raises(ee.EEException) as err:
        img.select("nope").getInfo()
    assert str(err.value) == "Image.select: Pattern 'nope' did not match any bands."
    assert img.rename(["r", "g", "b"]).bandNames().getInfo() == ["r", "g", "b"]
    px = scene_pixels(ee, img.select(["Q"], ["y"]))
    np.testing.assert_array_equal(px["y"], Q)


def test_add_bands(ee):
    img = ee.Image("I/m")
    # The client's own addBands docstring: without overwrite a duplicate is renamed foo -> foo_1 (then foo_2).
    assert img.addBands(img.select("B1")).bandNames().getInfo() == ["B1", "B2", "Q", "B1_1"]
    twice = img.addBands(img.select("B1")).addBands(ee.Image(0).rename("B1"))
    assert twice.bandNames().getInfo() == ["B1", "B2", "Q", "B1_1", "B1_2"]
    np.testing.assert_array_equal(scene_pixels(ee, twice)["B1_2"], np.zeros((4, 4)))
    replaced = img.addBands(ee.Image(7).rename("B2"), None, True)
    assert replaced.bandNames().getInfo() == ["B1", "B2", "Q"]
    np.testing.assert_array_equal(scene_pixels(ee, replaced)["B2"], np.full((4, 4), 7))
    assert img.addBands(img, ["Q"]).bandNames().getInfo() == ["B1", "B2", "Q", "Q_1"]


def test_constant_images(ee):
    info = ee.Image(1).getInfo()
    band = info["bands"][0]
    assert band["id"] == "constant"
    assert band["crs"] == "EPSG:4326" and band["crs_transform"] == [1, 0, 0, 0, 1, 0]
    assert "dimensions" not in band
    assert ee.Image([1, 2]).bandNames().getInfo() == ["constant", "constant_1"]
    px = scene_pixels(ee, ee.Image([1, 2]))
    np.testing.assert_array_equal(px["constant"], np.ones((4, 4)))
    np.testing.assert_array_equal(px["constant_1"], np.full((4, 4), 2))


def test_projection_and_image_info(ee):
    img = ee.Image("I/m")
    assert img.projection().getInfo() == {"type": "Projection", "crs": "EPSG:3857", "transform": [1, 0, 0, 0, -1, 4]}
    info = img.getInfo()
    assert info["type"] == "Image"
    assert info["id"] == "I/m"
    assert [b["id"] for b in info["bands"]] == ["B1", "B2", "Q"]
    for b in info["bands"]:
        assert b["crs"] == "EPSG:3857"
        assert b["crs_transform"] == [1, 0, 0, 0, -1, 4]
        assert b["dimensions"] == [4, 4]
        assert b["data_type"]["type"] == "PixelType" and b["data_type"]["precision"] == "double"


# -- geometry -----------------------------------------------------------------------------------------------


# -- reducers -----------------------------------------------------------------------------------------------


# -- numbers ------------------------------------------------------------------------------------------------


def test_metadata_copy_properties_and_id(ee):
    img = ee.Image("I/ab").set("k", 5)
    values, _ = pixels(ee, img.metadata("k"))["k"]
    np.testing.assert_array_equal(values, 5)
    assert img.metadata("k", "kk").bandNames().getInfo() == ["kk"]
    copied = ee.Image.constant(1).copyProperties(img, ["k"])
    assert ee.Image(copied).get("k").getInfo() == 5
    coll = ee.ImageCollection.fromImages([ee.Image.constant(1), ee.Image.constant(2)])
    assert ee.Image(coll.toList(2).get(1)).id().getInfo() == "1"


def test_geometry_band_types_slice_and_regexp_rename(ee):
    img = ee.Image("I/ab")
    geom = shape(img.geometry().getInfo())
    t = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (x0, x1), (y0, y1) = t.transform([1000, 1060], [1950, 2000])
    np.testing.assert_allclose(geom.bounds, (x0, y0, x1, y1), rtol=0, atol=1e-12)
    world = shape(ee.Image.constant(1).geometry().getInfo())
    assert world.bounds == (-180, -90, 180, 90)
    assert img.bandTypes().getInfo() == {"a": {"type": "PixelType", "precision": "double"},
                                         "b": {"type": "PixelType", "precision": "double"}}
    assert img.slice(1).bandNames().getInfo() == ["b"]
    assert img.addBands(img).slice(-2, -1).bandNames().getInfo() == ["a_1"]
    assert img.regexpRename("^(.)$", "band_$1").bandNames().getInfo() == ["band_a", "band_b"]
