"""The Sentinel-2 median composite, the computePixels tutorial: cloud-masked (QA60) median of the month's scenes
over each grid."""

from __future__ import annotations

import ee

from ee_assets.graphs.composite import image_count, median_composite


def composite(start: str, end: str, region: ee.Geometry, collection: str) -> ee.Image:
    """B2, B3, B4, B8 of the median of the clear pixels of the images over `region` in [start, end)."""
    return median_composite(start, end, region, collection)


def counts(start: str, end: str, region: ee.Geometry, collection: str) -> ee.Dictionary:
    """{image_count}: how many images the composite combines (none: the month fails clearly)."""
    return ee.Dictionary({"image_count": image_count(start, end, region, collection)})
