"""The Sentinel-2 median composite, the computePixels tutorial: cloud-masked (QA60) median of the month's scenes
over each grid. The params choose the collection, and for other sensors the bands kept and the cloud mask (Landsat
Collection 2: `bands: [SR_B2, SR_B3, SR_B4, SR_B5]`, `cloud_mask: {band: QA_PIXEL, bits: [3, 4]}`)."""

from __future__ import annotations

import ee

from ee_assets.graphs.composite import ANALYSIS_BANDS, SENTINEL2_CLOUDS, CloudMask, image_count, median_composite


def composite(start: str, end: str, region: ee.Geometry, collection: str, bands: list[str] | None = None,
              cloud_mask: dict | None = None) -> ee.Image:
    """`bands` (B2, B3, B4, B8) of the median of the clear pixels of the images over `region` in [start, end)."""
    return median_composite(start, end, region, collection, tuple(bands or ANALYSIS_BANDS),
                            CloudMask.from_params(cloud_mask) or SENTINEL2_CLOUDS)


def counts(start: str, end: str, region: ee.Geometry, collection: str, bands: list[str] | None = None,
           cloud_mask: dict | None = None) -> ee.Dictionary:
    """{image_count}: how many images the composite combines (none: the month fails clearly)."""
    return ee.Dictionary({"image_count": image_count(start, end, region, collection)})
