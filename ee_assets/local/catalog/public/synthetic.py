"""Any public Earth Engine dataset id, offline: synthetic data with the public catalog's schema, made on demand.

The entry points a catalog and an evaluator need (pure: no HTTP, no Dagster, no files but the shipped facts):

    ds = dataset("LANDSAT/LC09/C02/T1_L2")           # DatasetFacts, or None for an id the public catalog lacks
    for img in list_images(ds.id, start, end, region):  # IMAGE_COLLECTION: lazily, in time order
        img.id, img.index, img.time_start, img.properties, img.footprint, img.band_names, img.grid("SR_B4")
    img = load_image("LANDSAT/LC09/C02/T1_L2/LC09_044034_20220110")   # or an IMAGE dataset id; None if none
    values, valid = band_pixels(img, "SR_B4", "EPSG:32610", (30, 0, 500000, 0, -30, 4200000), 256, 256)
    features = load_table("FAO/GAUL/2015/level0", region=(5, 45, 10, 50))

Same request, same bytes; pixels depend only on world coordinates and the image, so any tiling of a window gives
the same values. Memory stays bounded: nothing is generated beyond the window asked for, and the cache of computed
fields (`pixels.CACHE`) is bounded in bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np
import shapely
from affine import Affine

from ee_assets.local.catalog.public import images, pixels, tables, timeline
from ee_assets.local.catalog.public.facts import (
    BandFacts,
    DatasetFacts,
    catalog_source,
    dataset_facts,
    dataset_ids,
    normalize_id,
)
from ee_assets.local.catalog.public.images import SyntheticImage
from ee_assets.local.catalog.public.tables import MAX_FEATURES, SyntheticFeature

__all__ = [
    "OPEN_END", "BandFacts", "DatasetFacts", "SyntheticFeature", "SyntheticImage", "band_pixels", "catalog_source",
    "dataset", "dataset_ids", "deprecation_message", "list_images", "load_image", "load_table", "resolve",
]

OPEN_END = timeline.OPEN_END
Region = shapely.Geometry | tuple[float, float, float, float] | None


def _when(t: dt.datetime | float | int | None) -> dt.datetime | None:
    if t is None or isinstance(t, dt.datetime):
        return t if t is None or t.tzinfo else t.replace(tzinfo=dt.UTC)
    return timeline.from_millis(float(t))


def dataset(asset_id: str) -> DatasetFacts | None:
    """The facts of a public dataset (`projects/earthengine-public/assets/` prefix allowed), or None."""
    return dataset_facts(asset_id)


def resolve(asset_id: str) -> DatasetFacts | SyntheticImage | None:
    """What an asset id names: a dataset, an image of a public collection (`COLLECTION/INDEX`), or None."""
    ds = dataset_facts(asset_id)
    if ds is not None:
        return ds
    parent, _, index = normalize_id(asset_id).rpartition("/")
    coll = dataset_facts(parent) if parent else None
    if coll is None or coll.type != "IMAGE_COLLECTION":
        return None
    return images.lookup_image(coll, index)


def load_image(asset_id: str) -> SyntheticImage | None:
    """The image an id names: an IMAGE dataset, or `COLLECTION/INDEX` of an IMAGE_COLLECTION; None otherwise."""
    found = resolve(asset_id)
    if isinstance(found, SyntheticImage):
        return found
    if isinstance(found, DatasetFacts) and found.type == "IMAGE":
        return images.dataset_image(found)
    return None


def list_images(collection_id: str, start: dt.datetime | float | None = None, end: dt.datetime | float | None = None,
                region: Region = None) -> Iterator[SyntheticImage]:
    """The images of a public IMAGE_COLLECTION whose system:time_start is in [start, end) (datetimes or epoch
    milliseconds; None: the whole extent, ongoing datasets ending at OPEN_END) and whose footprint meets `region`
    (lon/lat shapely geometry or (west, south, east, north); None: anywhere). Lazy and in time order: take what you
    need (a `limit` or `first()` costs only what it reads). Raises KeyError for an id that is not a collection."""
    ds = dataset_facts(collection_id)
    if ds is None or ds.type != "IMAGE_COLLECTION":
        raise KeyError(f"{collection_id!r} is not a public ImageCollection")
    return images.iter_images(ds, _when(start), _when(end), region)


def band_pixels(img: SyntheticImage, band: str, crs: str, transform: Affine | Sequence[float], width: int,
                height: int) -> tuple[np.ndarray, np.ndarray]:
    """(values, valid) of one band on a grid: `crs` (anything pyproj reads), `transform` (pixel corner -> CRS,
    rasterio/GDAL order a, b, c, d, e, f), width x height. Values have the band's type (img.ds.band(b).dtype);
    valid is False outside the image's footprint (values 0 there)."""
    return pixels.band_pixels(img, band, crs, transform, width, height)


def load_table(table_id: str, region: Region = None, limit: int = MAX_FEATURES) -> list[SyntheticFeature]:
    """The features of a public TABLE meeting `region` (None: all of it), at most `limit`."""
    ds = dataset_facts(table_id)
    if ds is None or ds.type not in ("TABLE", "TABLE_COLLECTION", "BIGQUERY_TABLE"):
        raise KeyError(f"{table_id!r} is not a public table")
    return tables.table_features(ds, region, limit)


def deprecation_message(ds: DatasetFacts) -> str | None:
    """EE's warning for a deprecated asset (the text of ee.deprecation), or None when the dataset is current."""
    if not ds.deprecated:
        return None
    text = (f"\n\nAttention required for {ds.id}! You are using a deprecated asset.\n"
            "To make sure your code keeps working, please update it.")
    if ds.successor:
        text += f"\nThis dataset has been superseded by {ds.successor}\n"
    return text
