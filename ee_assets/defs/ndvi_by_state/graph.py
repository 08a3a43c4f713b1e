"""NDVI by state, the computeFeatures tutorial: mean MODIS NDVI per region for every image starting in the window.

The result must hold region_count × image_count rows (`counts`), which the feature-count check verifies.

The params choose the data: `collection` with an NDVI band (MODIS) as the tutorial, or another collection with
`ndvi: {nir, red, scale, offset}` (reflectance bands), `cloud_mask: {band, bits}`, `over_regions: true` (a scene
collection: only the scenes meeting the regions) and `scale` (metres per pixel of the reduction).
"""

from __future__ import annotations

import ee

from ee_assets.graphs.composite import CloudMask
from ee_assets.graphs.ndvi import NdviSource, RegionFilter, ndvi_by_region, window_counts


def _region_filter(region_filter: dict | None) -> RegionFilter | None:
    """{field: NAME, values: [Maine, Vermont]} as a RegionFilter (None: every region)."""
    if not region_filter:
        return None
    values = region_filter["values"]
    return RegionFilter(str(region_filter["field"]), tuple(str(v) for v in (values if isinstance(values, list)
                                                                           else [values])))


def ndvi_by_state(start: str, end: str, regions: str, collection: str, region_filter: dict | None = None,
                  ndvi: dict | None = None, cloud_mask: dict | None = None, over_regions: bool = False,
                  scale: float | None = None) -> ee.FeatureCollection:
    """One row per region and image with system:time_start in [start, end): NDVI, date, image_id."""
    return ndvi_by_region(start, end, regions, collection, _region_filter(region_filter),
                          source=NdviSource.from_params(ndvi), cloud_mask=CloudMask.from_params(cloud_mask),
                          over_regions=over_regions, scale=scale)


def counts(start: str, end: str, regions: str, collection: str, region_filter: dict | None = None,
           ndvi: dict | None = None, cloud_mask: dict | None = None, over_regions: bool = False,
           scale: float | None = None) -> ee.Dictionary:
    """{region_count, image_count} for the same window and regions."""
    return window_counts(start, end, regions, collection, _region_filter(region_filter), over_regions)
