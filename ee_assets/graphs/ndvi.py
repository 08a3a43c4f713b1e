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


DEFAULT_REGIONS = "TIGER/2018/States"
DEFAULT_COLLECTION = "MODIS/061/MOD13Q1"


def regions(regions_id: str = DEFAULT_REGIONS, region_filter: RegionFilter | None = None) -> ee.FeatureCollection:
    """The region collection, optionally filtered (e.g. NAME == 'Maine')."""
    collection = ee.FeatureCollection(regions_id)
    if region_filter is None:
        return collection
    values = list(region_filter.values)
    return collection.filter(ee.Filter.eq(region_filter.field, values[0]) if len(values) == 1
                             else ee.Filter.inList(region_filter.field, values))


def images(start: str, end: str, collection_id: str = DEFAULT_COLLECTION) -> ee.ImageCollection:
    """The images with system:time_start in [start, end)."""
    return ee.ImageCollection(collection_id).filterDate(start, end)


def ndvi_by_region(start: str, end: str, regions_id: str = DEFAULT_REGIONS,
                   collection_id: str = DEFAULT_COLLECTION, region_filter: RegionFilter | None = None,
                   band: str = "NDVI") -> ee.FeatureCollection:
    """The NDVI-by-region computation for images with system:time_start in [start, end)."""
    targets = regions(regions_id, region_filter)

    def reduce_image(image: ee.Image) -> ee.FeatureCollection:
        ndvi = image.select(band).multiply(NDVI_SCALE_FACTOR)
        stats = ndvi.reduceRegions(
            collection=targets,
            reducer=ee.Reducer.mean().setOutputs([band]),
            scale=image.projection().nominalScale(),
        )
        date = image.date().format("YYYY-MM-dd")
        image_id = image.get("system:index")
        return stats.map(lambda f: f.set({"date": date, "image_id": image_id}))

    return ee.FeatureCollection(images(start, end, collection_id).map(reduce_image)).flatten()


def window_counts(start: str, end: str, regions_id: str = DEFAULT_REGIONS,
                  collection_id: str = DEFAULT_COLLECTION, region_filter: RegionFilter | None = None
                  ) -> ee.Dictionary:
    """{'region_count': n, 'image_count': m} for the same inputs: the result must hold n × m rows."""
    return ee.Dictionary({"region_count": regions(regions_id, region_filter).size(),
                          "image_count": images(start, end, collection_id).size()})
