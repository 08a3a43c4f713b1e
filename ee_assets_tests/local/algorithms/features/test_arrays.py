"""Features and arrays through the real client: makeArray, toArray."""

from __future__ import annotations


def test_make_array_and_dictionary_to_image(ee_local):
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"a": 1, "b": 2})])
    assert fc.makeArray(["b", "a"], "ba").first().get("ba").getInfo() == [2, 1]
    img = ee.Dictionary({"red": 3, "nir": 7.5}).toImage()
    assert img.bandNames().getInfo() == ["nir", "red"]
    grid = {"dimensions": {"width": 2, "height": 1}, "crsCode": "EPSG:4326",
            "affineTransform": {"scaleX": 1, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -1,
                                "translateY": 1}}
    px = ee.data.computePixels({"expression": img, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    assert px["nir"].tolist() == [[7.5, 7.5]] and px["red"].tolist() == [[3, 3]]
