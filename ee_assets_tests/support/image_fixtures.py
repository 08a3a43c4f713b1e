"""Small rasters with known values for the image-algorithm tests, and a helper reading pixels through the client."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer

# A 5 x 6 raster in EPSG:3857 with 10 m pixels, upper-left corner at (1000, 2000).
TRANSFORM = Affine(10, 0, 1000, 0, -10, 2000)
WIDTH, HEIGHT = 6, 5
GRID = {"dimensions": {"width": WIDTH, "height": HEIGHT}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 1000, "shearY": 0, "scaleY": -10,
                            "translateY": 2000}}
NODATA = -9999.0
# Band "a": fractional values of both signs, one nodata pixel at (row 1, col 2).
A = (np.arange(30, dtype="float64").reshape(5, 6) - 12.0) * 0.75
A[1, 2] = NODATA
# Band "b": small integers 0..7.
B = (np.arange(30, dtype="float64").reshape(5, 6) * 7 % 8)
VALID = A != NODATA
# Pixel centres in EPSG:3857, and two shapes over the raster (their outlines as rings of EPSG:3857 points).
_ROWS, _COLS = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
CENTRES = shapely.points(1005 + 10 * _COLS, 1995 - 10 * _ROWS)
SQUARE_3857 = [(1003.0, 1997.0), (1036.0, 1997.0), (1036.0, 1964.0), (1003.0, 1964.0)]
TRIANGLE_3857 = [(1024.0, 1988.0), (1058.0, 1983.0), (1041.0, 1952.0)]
TO_LONLAT = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)


def write_raster(path: Path, bands: list[np.ndarray], transform: Affine = TRANSFORM, crs: str = "EPSG:3857",
                 nodata: float | None = NODATA) -> None:
    h, w = bands[0].shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=len(bands), dtype=bands[0].dtype,
                       crs=crs, transform=transform, nodata=nodata) as ds:
        for i, b in enumerate(bands, 1):
            ds.write(b, i)


def ab_catalog(folder: Path) -> dict:
    """The catalog entry 'I/ab': bands a and b of the arrays above (nodata masks pixel (1, 2) in both)."""
    write_raster(folder / "ab.tif", [A, B])
    return {"I/ab": {"type": "IMAGE", "path": "ab.tif", "bands": ["a", "b"]}}


def pixels(ee, image, grid: dict = GRID) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{band: (values, mask)} of `image` on `grid`, via computePixels NPY (values) and `image.mask()` (masks)."""
    values = ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    masks = ee.data.computePixels({"expression": ee.Image(image).mask(), "fileFormat": "NUMPY_NDARRAY",
                                   "grid": grid})
    return {n: (values[n].astype("float64"), masks[n].astype("float64")) for n in values.dtype.names}


def band_types(ee, image) -> dict[str, dict]:
    """{band: data_type} from getInfo."""
    return {b["id"]: b["data_type"] for b in ee.Image(image).getInfo()["bands"]}


def polygon_4326(ee, ring):
    """A planar ee.Geometry.Polygon in EPSG:4326 from a ring of EPSG:3857 points."""
    lon, lat = TO_LONLAT.transform(*zip(*ring, strict=True))
    return ee.Geometry.Polygon([[list(p) for p in zip(lon, lat, strict=True)]], None, False)


def shapes_collection(ee):
    """The square (k = 3) and, on top of it, the triangle (k = 7) as a feature collection."""
    return ee.FeatureCollection([ee.Feature(polygon_4326(ee, SQUARE_3857), {"k": 3}),
                                 ee.Feature(polygon_4326(ee, TRIANGLE_3857), {"k": 7})])
