"""Cloud-masked Sentinel-2 median composites: the computePixels tutorial, parameterized by window and area."""

from __future__ import annotations

import ee

from ee_assets.graphs.areas import AreaOfInterest

OPAQUE_CLOUD_BIT = 1 << 10
CIRRUS_BIT = 1 << 11
VISUAL_BANDS = ("B4", "B3", "B2")
ANALYSIS_BANDS = ("B2", "B3", "B4", "B8")
VISUAL_RANGE = (0, 3000)


def mask_clouds(image: ee.Image) -> ee.Image:
    """Mask pixels flagged as opaque cloud or cirrus in QA60."""
    qa = image.select("QA60")
    clear = qa.bitwiseAnd(OPAQUE_CLOUD_BIT).eq(0).And(qa.bitwiseAnd(CIRRUS_BIT).eq(0))
    return image.updateMask(clear)


def median_composite(start: str, end: str, aoi: AreaOfInterest) -> ee.Image:
    """Median of the cloud-masked images over the AOI with system:time_start in [start, end)."""
    x0, y0, x1, y1 = aoi.grid().bounds()
    if aoi.crs == "EPSG:4326":
        region = ee.Geometry.Rectangle([x0, y0, x1, y1])
    else:
        region = ee.Geometry.Rectangle([x0, y0, x1, y1], aoi.crs, False)
    collection = ee.ImageCollection(aoi.collection).filterBounds(region).filterDate(start, end)
    return collection.map(mask_clouds).median().select(list(ANALYSIS_BANDS))


def visualization_options() -> dict:
    """computePixels visualizationOptions for the seed's true-colour picture."""
    lo, hi = VISUAL_RANGE
    return {"ranges": [{"min": lo, "max": hi}]}
