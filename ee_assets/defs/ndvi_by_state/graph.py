"""NDVI by state, the computeFeatures tutorial: mean MODIS NDVI per region for every image starting in the window.

The result must hold region_count × image_count rows (`counts`), which the feature-count check verifies.
"""

from __future__ import annotations

import ee

from ee_assets.graphs.ndvi import RegionFilter, ndvi_by_region, window_counts


def _region_filter(region_filter: dict | None) -> RegionFilter | None:
    """{field: NAME, values: [Maine, Vermont]} as a RegionFilter (None: every region)."""
    if not region_filter:
        return None
    values = region_filter["values"]
    return RegionFilter(str(region_filter["field"]), tuple(str(v) for v in (values if isinstance(values, list)
                                                                           else [values])))


def ndvi_by_state(start: str, end: str, regions: str, collection: str,
                  region_filter: dict | None = None) -> ee.FeatureCollection:
    """One row per region and image with system:time_start in [start, end): NDVI, date, image_id."""
    return ndvi_by_region(start, end, regions, collection, _region_filter(region_filter))


def counts(start: str, end: str, regions: str, collection: str, region_filter: dict | None = None) -> ee.Dictionary:
    """{region_count, image_count} for the same window and regions."""
    return window_counts(start, end, regions, collection, _region_filter(region_filter))
