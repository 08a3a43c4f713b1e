"""Images read from Cloud Storage objects: Image.loadGeoTIFF, from the folder that stands in for Cloud Storage
(catalog/bucket_objects.py checks what may be opened)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.catalog.bucket_objects import geotiff_object
from ee_assets.local.catalog.catalog import raster_bands, raster_header
from ee_assets.local.values.image import Image

if TYPE_CHECKING:  # the evaluator passes its context; algorithms only read it
    from ee_assets.local.evaluator.context import EvalContext

IMG = "Image<unknown bands>"


@algorithm("Image.loadGeoTIFF", returns=IMG, needs_context=True, uri="String")
def load_geotiff(ctx: EvalContext, uri: str) -> Image:
    """Loads a GeoTIFF as an Image: bands B0, B1, … (as EE names them) of the file's types, in its CRS and
    transform, masked where they hold the file's nodata value (or by its mask)."""
    path = geotiff_object(ctx.bucket_root, uri, "Image.loadGeoTIFF")
    header = raster_header(str(path), path.stat().st_mtime)
    return Image(raster_bands(path, header, [f"B{i}" for i in range(len(header.dtypes))]))
