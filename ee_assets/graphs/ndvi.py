"""NDVI by region: the computeFeatures tutorial, parameterized by date window and regions.

Every MODIS NDVI image starting inside [start, end) is reduced over the region
collection with a coverage-weighted mean at the image's nominal scale; rows are
tagged with the image's date and id and flattened into one FeatureCollection.
NDVI comes out in its physical range (scale factor 0.0001 applied).
"""

from __future__ import annotations

from dataclasses import dataclass

import ee

NDVI_SCALE_FACTOR = 0.0001


@dataclass(frozen=True)
class RegionFilter:
    """Keep regions whose `field` equals one of `values` (e.g. NAME in ['Maine'])."""

    field: str
    values: tuple[str, ...]


def ndvi_by_region(start: str, end: str, regions_id: str = "TIGER/2018/States",
                   collection_id: str = "MODIS/061/MOD13Q1", region_filter: RegionFilter | None = None,
                   band: str = "NDVI") -> ee.FeatureCollection:
    """The NDVI-by-region computation for images with system:time_start in [start, end)."""
    regions = ee.FeatureCollection(regions_id)
    if region_filter is not None:
        values = list(region_filter.values)
        regions = regions.filter(ee.Filter.eq(region_filter.field, values[0]) if len(values) == 1
                                 else ee.Filter.inList(region_filter.field, values))
    images = ee.ImageCollection(collection_id).filterDate(start, end)

    def reduce_image(image: ee.Image) -> ee.FeatureCollection:
        ndvi = image.select(band).multiply(NDVI_SCALE_FACTOR)
        stats = ndvi.reduceRegions(
            collection=regions,
            reducer=ee.Reducer.mean().setOutputs([band]),
            scale=image.projection().nominalScale(),
        )
        date = image.date().format("YYYY-MM-dd")
        image_id = image.get("system:index")
        return stats.map(lambda f: f.set({"date": date, "image_id": image_id}))

    return ee.FeatureCollection(images.map(reduce_image)).flatten()
