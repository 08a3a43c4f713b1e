"""A code location of export assets for the tests that run Dagster in other processes (`dagster asset
materialize -f`, `dagster dev -f`): a daily image and table exported to $EXPORT_TEST_DESTINATION, and the
large exports (a 20,000 x 20,000 image, a 100,000-feature table). Resources come from the environment, as the
project's do (EE_BACKEND, EE_API_URL, EE_SERVICE_ACCOUNT_KEY, EE_OUTPUT_DIR, EE_LOCAL_BUCKET_ROOT)."""

from __future__ import annotations

import functools
import os

import dagster as dg
import ee

from ee_assets import ee_image_assets, ee_table_assets
from ee_assets.defs import resources as location

DESTINATION = os.environ.get("EXPORT_TEST_DESTINATION", "gs://test-bucket/exports")
POLL = {"poll_seconds": 0.2, "max_poll_seconds": 0.5}
DAILY = {"daily": {"start": "2020-01-01"}}
BIG_SIDE = 20_000
BIG_FEATURES = 100_000


def day_image(start: str, end: str) -> ee.Image:
    """Longitude in milli-degrees plus the day of the year: every partition differs."""
    day = ee.Date(start).getRelative("day", "year")
    return ee.Image.pixelLonLat().select("longitude").multiply(1000).add(ee.Image.constant(day)).rename("v") \
        .toFloat()


def day_points(start: str, end: str) -> ee.FeatureCollection:
    region = ee.Geometry.Rectangle([-122.5, 37.5, -122.0, 38.0], None, False)
    return ee.FeatureCollection.randomPoints(region, 200, ee.Date(start).getRelative("day", "year"))


def big_image() -> ee.Image:
    """A byte image cheap to compute (its values vary along rows and columns)."""
    lonlat = ee.Image.pixelLonLat()
    return lonlat.select("longitude").add(lonlat.select("latitude")).multiply(100).toByte().rename("v")


def big_points() -> ee.FeatureCollection:
    return ee.FeatureCollection.randomPoints(ee.Geometry.Rectangle([-10, -10, 10, 10], None, False),
                                             BIG_FEATURES, 7)


@functools.cache
def computations() -> dg.Definitions:
    """The export assets without resources (tests bring their own)."""
    return dg.Definitions.merge(
        ee_image_assets(asset_key="daily_image", graph=day_image, partitions=DAILY, output="export",
                        export={"destination": DESTINATION, "file_dimensions": 256, **POLL},
                        grids={"g": {"crs": "EPSG:32610", "upper_left": [600000, 4200000], "scale": 10, "width": 300,
                                     "height": 200}}),
        ee_table_assets(asset_key="daily_points", graph=day_points, partitions=DAILY, output="export",
                        export={"destination": DESTINATION, "format": "csv", **POLL}),
        ee_image_assets(asset_key="big_image", graph=big_image, output="export",
                        export={"destination": DESTINATION, "max_pixels": BIG_SIDE * BIG_SIDE, "cloud_optimized": False,
                                **POLL},
                        grids={"world": {"crs": "EPSG:4326", "upper_left": [-10, 10], "scale": 0.001, "width": BIG_SIDE,
                                         "height": BIG_SIDE}}),
        ee_table_assets(asset_key="big_points", graph=big_points, output="export",
                        export={"destination": DESTINATION, **POLL}),
    )


defs = dg.Definitions.merge(computations(), location.resources())
