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


def aoi_region(aoi: AreaOfInterest) -> ee.Geometry:
    """The AOI's grid footprint as a rectangle in the grid's CRS."""
    x0, y0, x1, y1 = aoi.grid().bounds()
    if aoi.crs == "EPSG:4326":
        return ee.Geometry.Rectangle([x0, y0, x1, y1])
    return ee.Geometry.Rectangle([x0, y0, x1, y1], aoi.crs, False)


def window_images(start: str, end: str, aoi: AreaOfInterest) -> ee.ImageCollection:
    """The AOI's collection over its footprint with system:time_start in [start, end)."""
    return ee.ImageCollection(aoi.collection).filterBounds(aoi_region(aoi)).filterDate(start, end)


def median_composite(start: str, end: str, aoi: AreaOfInterest) -> ee.Image:
    """Median of the cloud-masked images over the AOI with system:time_start in [start, end)."""
    return window_images(start, end, aoi).map(mask_clouds).median().select(list(ANALYSIS_BANDS))


def image_count(start: str, end: str, aoi: AreaOfInterest) -> ee.Number:
    """How many images the composite for this window and AOI would combine."""
    return window_images(start, end, aoi).size()


def visualization_options() -> dict:
    """computePixels visualizationOptions for the seed's true-colour picture."""
    lo, hi = VISUAL_RANGE
    return {"ranges": [{"min": lo, "max": hi}]}
