"""Cloud-masked Sentinel-2 median composites: the computePixels tutorial, parameterized by window and region."""

from __future__ import annotations

import ee

OPAQUE_CLOUD_BIT = 1 << 10
CIRRUS_BIT = 1 << 11
ANALYSIS_BANDS = ("B2", "B3", "B4", "B8")
DEFAULT_COLLECTION = "COPERNICUS/S2_HARMONIZED"


def mask_clouds(image: ee.Image) -> ee.Image:
    """Mask pixels flagged as opaque cloud or cirrus in QA60."""
    qa = image.select("QA60")
    clear = qa.bitwiseAnd(OPAQUE_CLOUD_BIT).eq(0).And(qa.bitwiseAnd(CIRRUS_BIT).eq(0))
    return image.updateMask(clear)


def window_images(start: str, end: str, region: ee.Geometry, collection: str = DEFAULT_COLLECTION
                  ) -> ee.ImageCollection:
    """The collection's images over `region` with system:time_start in [start, end)."""
    return ee.ImageCollection(collection).filterBounds(region).filterDate(start, end)


def median_composite(start: str, end: str, region: ee.Geometry, collection: str = DEFAULT_COLLECTION
                     ) -> ee.Image:
    """Median of the cloud-masked images over `region` with system:time_start in [start, end)."""
    return window_images(start, end, region, collection).map(mask_clouds).median().select(list(ANALYSIS_BANDS))


def image_count(start: str, end: str, region: ee.Geometry, collection: str = DEFAULT_COLLECTION) -> ee.Number:
    """How many images the composite for this window and region would combine."""
    return window_images(start, end, region, collection).size()
