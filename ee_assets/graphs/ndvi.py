"""NDVI by region: the computeFeatures tutorial, parameterized by date window and regions.

Every MODIS NDVI image starting inside [start, end) is reduced over the region
collection with a coverage-weighted mean at the image's nominal scale; rows are
tagged with the image's date and id and flattened into one FeatureCollection.
NDVI comes out in its physical range (scale factor 0.0001 applied).

Other collections: `NdviSource` computes NDVI from red and near-infrared reflectance (Landsat, Sentinel-2), a
`CloudMask` drops cloudy pixels first, `over_regions` keeps only the images that meet the regions (scene
collections: a month of Landsat covers the globe) and `scale` sets the reduction's pixel size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import ee

from ee_assets.graphs.composite import CloudMask

NDVI_SCALE_FACTOR = 0.0001


@dataclass(frozen=True)
class NdviSource:
    """How NDVI comes out of an image: a stored NDVI `band` times `scale` (MODIS: NDVI × 0.0001), or, with `nir`
    and `red`, the normalized difference of the two reflectances, each band × `scale` + `offset` (Landsat
    Collection 2 Level 2: SR_B5, SR_B4, 2.75e-05, -0.2; Sentinel-2 SR harmonized: B8, B4, 0.0001, 0), where both
    are positive (NDVI is not defined otherwise). The result is named `band`."""

    band: str = "NDVI"
    scale: float = NDVI_SCALE_FACTOR
    nir: str | None = None
    red: str | None = None
    offset: float = 0.0

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None) -> NdviSource | None:
        """From YAML params (None stays None); a clear error for unknown keys or half a band pair."""
        if params is None:
            return None
        names = {f.name for f in fields(cls)}
        if not isinstance(params, Mapping) or set(params) - names or ("nir" in params) != ("red" in params):
            raise ValueError(f"ndvi takes either {{band, scale}} (a stored NDVI band) or {{nir, red, scale, offset}} "
                             f"(reflectance bands), got {params!r}; e.g. {{nir: SR_B5, red: SR_B4, scale: 2.75e-05, "
                             "offset: -0.2}} for Landsat Collection 2 Level 2.")
        return cls(**params)

    def of(self, image: ee.Image) -> ee.Image:
        if self.nir is None:
            return image.select(self.band).multiply(self.scale)
        nir = image.select(self.nir).multiply(self.scale).add(self.offset)
        red = image.select(self.red).multiply(self.scale).add(self.offset)
        ndvi = nir.subtract(red).divide(nir.add(red))
        return ndvi.updateMask(nir.gt(0).And(red.gt(0))).rename(self.band)


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


def images(start: str, end: str, collection_id: str = DEFAULT_COLLECTION,
           over: ee.FeatureCollection | None = None) -> ee.ImageCollection:
    """The images with system:time_start in [start, end) (and meeting `over`, when given)."""
    collection = ee.ImageCollection(collection_id)
    if over is not None:
        collection = collection.filterBounds(over)
    return collection.filterDate(start, end)


def ndvi_by_region(start: str, end: str, regions_id: str = DEFAULT_REGIONS,
                   collection_id: str = DEFAULT_COLLECTION, region_filter: RegionFilter | None = None,
                   band: str = "NDVI", source: NdviSource | None = None, cloud_mask: CloudMask | None = None,
                   over_regions: bool = False, scale: float | None = None) -> ee.FeatureCollection:
    """The NDVI-by-region computation for images with system:time_start in [start, end): NDVI from `source`
    (default: the stored `band` × 0.0001), cloudy pixels masked first with `cloud_mask`, only the images meeting
    the regions with `over_regions`, reduced at `scale` metres (default: each image's nominal scale)."""
    targets = regions(regions_id, region_filter)
    source = source or NdviSource(band)

    def reduce_image(image: ee.Image) -> ee.FeatureCollection:
        ndvi = source.of(cloud_mask.apply(image) if cloud_mask else image)
        stats = ndvi.reduceRegions(
            collection=targets,
            reducer=ee.Reducer.mean().setOutputs([source.band]),
            scale=scale if scale is not None else image.projection().nominalScale(),
        )
        date = image.date().format("YYYY-MM-dd")
        image_id = image.get("system:index")
        return stats.map(lambda f: f.set({"date": date, "image_id": image_id}))

    window = images(start, end, collection_id, targets if over_regions else None)
    return ee.FeatureCollection(window.map(reduce_image)).flatten()


def window_counts(start: str, end: str, regions_id: str = DEFAULT_REGIONS,
                  collection_id: str = DEFAULT_COLLECTION, region_filter: RegionFilter | None = None,
                  over_regions: bool = False) -> ee.Dictionary:
    """{'region_count': n, 'image_count': m} for the same inputs: the result must hold n × m rows."""
    targets = regions(regions_id, region_filter)
    return ee.Dictionary({"region_count": targets.size(),
                          "image_count": images(start, end, collection_id, targets if over_regions else None).size()})
