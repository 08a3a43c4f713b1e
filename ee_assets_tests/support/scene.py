"""A small scene for the algorithm tests: a 3-band image, a 3-image collection in EPSG:4326 and a table, with the
values the tests work their expectations from."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from affine import Affine

from ee_assets_tests.support import image_fixtures

# A 4x4 three-band raster in EPSG:3857 with 1 m pixels, upper-left corner at (0, 4).
TRANSFORM = Affine(1, 0, 0, 0, -1, 4)
GRID = {"dimensions": {"width": 4, "height": 4}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": 1, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -1, "translateY": 4}}
B1 = np.arange(16, dtype="float64").reshape(4, 4)
B2 = np.array([[0, 1, 2, 3], [3, 2, 1, 0], [4, 0, 4, 0], [1, 1, 2, 2]], dtype="float64")
Q = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]], dtype="int16")


def utc_millis(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def write_raster(path, bands, transform=TRANSFORM, crs="EPSG:3857", nodata=None):
    """A GeoTIFF of `bands`, on the scene's grid unless told otherwise (no nodata value by default)."""
    image_fixtures.write_raster(path, bands, transform, crs, nodata)


def scene_catalog(folder: Path) -> dict:
    """Catalog entries I/m (bands B1, B2, Q), C/s (three 2x2 images of 0.1° pixels at different places and dates,
    value 10 * (i + 1)) and T/t (three squares named a, b, c with v = 1, 2, 3), written into `folder`."""
    write_raster(folder / "m.tif", [B1, B2, Q.astype("float64")])
    images = []
    for i, (x0, day) in enumerate([(10.0, "2020-01-01"), (11.0, "2020-01-15"), (12.0, "2020-02-01")]):
        write_raster(folder / f"c{i}.tif", [np.full((2, 2), 10.0 * (i + 1))], Affine(0.1, 0, x0, 0, -0.1, 50.0),
                     "EPSG:4326")
        images.append({"path": f"c{i}.tif", "id": f"img{i}", "time_start": day, "properties": {"k": i}})
    features = [
        {"type": "Feature", "properties": {"NAME": n, "v": v},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 49.8], [x + 0.2, 49.8], [x + 0.2, 50.0],
                                                          [x, 50.0], [x, 49.8]]]}}
        for n, v, x in [("a", 1, 10.0), ("b", 2, 11.0), ("c", 3, 13.0)]
    ]
    (folder / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return {
        "I/m": {"type": "IMAGE", "path": "m.tif", "bands": ["B1", "B2", "Q"]},
        "C/s": {"type": "IMAGE_COLLECTION", "images": images},
        "T/t": {"type": "TABLE", "path": "t.geojson"},
    }


def scene_pixels(ee, image) -> dict:
    """{band: values} of `image` on the scene image's grid, via computePixels NPY."""
    arr = ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": GRID})
    return {n: arr[n] for n in arr.dtype.names}


def table_names(fc) -> list:
    return fc.aggregate_array("NAME").getInfo()
