"""The public Earth Engine datasets as catalog assets: what `ee.Image(id)`, `ee.ImageCollection(id)`,
`ee.FeatureCollection(id)`, `ee.data.getAsset` and `ee.data.listAssets`/`listImages` see for an id the user's
catalog does not have (the catalog asks here only then: the user's entries always win).

Collections are generated on demand (values/lazy_collection.py): `filterDate`/`filterBounds` and a listImages
filter narrow what is generated, so nothing enumerates a forty-year collection. Deprecated datasets still resolve,
and their first use in a process is logged with Earth Engine's deprecation warning; the client shows that warning
itself from `deprecated_stac()`, the list the local server publishes where the client's list lives
(`earthengine-stac/catalog/catalog_deprecated.json`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import shapely

from ee_assets.local.catalog import folders, provenance
from ee_assets.local.catalog.folders import asset_name
from ee_assets.local.catalog.list_filter import ListFilter, parse_list_filter_terms
from ee_assets.local.catalog.public import synthetic, timeline
from ee_assets.local.catalog.public.bands import image_value
from ee_assets.local.catalog.public.facts import DatasetFacts
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.lazy_collection import LazyElements, Scope

log = logging.getLogger("ee_assets.local")
TABLE_TYPES = ("TABLE", "TABLE_COLLECTION", "BIGQUERY_TABLE")
_MAX_MS = 253_402_300_799_000.0  # 9999-12-31T23:59:59Z: later (or earlier than year 1) is an open end
_warned: set[str] = set()
_warned_lock = threading.Lock()


def _facts(asset_id: str, types: tuple[str, ...]) -> DatasetFacts | None:
    ds = synthetic.dataset(asset_id)
    if ds is None or ds.type not in types:
        return None
    _use(ds)
    return ds


def _use(ds: DatasetFacts) -> None:
    """A request reads this dataset: note it as synthetic (the answer says so) and warn if it is deprecated."""
    provenance.note(ds.id)
    warn_if_deprecated(ds)


def warn_if_deprecated(ds: DatasetFacts) -> None:
    """Log Earth Engine's deprecation warning the first time a deprecated dataset is used in this process."""
    message = synthetic.deprecation_message(ds)
    if message is None:
        return
    with _warned_lock:
        if ds.id in _warned:
            return
        _warned.add(ds.id)
    if ds.removed:
        message += (f"Earth Engine removed it from the catalog on {ds.removed}; the local backend still serves "
                    "synthetic data for it so that older code runs.\n")
    log.warning("%s", message.strip())


# -- the values the evaluator loads --------------------------------------------------------------------------
def load_image(asset_id: str):
    """An IMAGE dataset or an image of a public collection (`COLLECTION/INDEX`) as an Image, or None."""
    found = synthetic.resolve(asset_id)
    if isinstance(found, synthetic.SyntheticImage):
        _use(found.ds)
        return image_value(found)
    if isinstance(found, DatasetFacts) and found.type == "IMAGE":
        _use(found)
        return image_value(synthetic.load_image(found.id))
    return None


def load_collection(asset_id: str) -> Collection | None:
    """A public IMAGE_COLLECTION whose images are generated as the request filters and reads them, or None."""
    ds = _facts(asset_id, ("IMAGE_COLLECTION",))
    if ds is None:
        return None

    def source(scope: Scope) -> Iterator:
        for img in synthetic.list_images(ds.id, _millis_or_none(scope.start), _millis_or_none(scope.end),
                                         scope.region):
            yield image_value(img)

    return Collection(LazyElements(source, f"ImageCollection '{ds.id}'"), collection_properties(ds),
                      "ImageCollection")


def load_table(asset_id: str) -> Collection | None:
    """A public table (at most `synthetic.MAX_FEATURES` features for one region), or None."""
    ds = _facts(asset_id, TABLE_TYPES)
    if ds is None:
        return None

    def source(scope: Scope) -> Iterator:
        for f in synthetic.load_table(ds.id, region=scope.region):
            yield Feature(Geometry(f.geometry, WGS84), {**f.properties, "system:index": f.id})

    return Collection(LazyElements(source, f"FeatureCollection '{ds.id}'"), collection_properties(ds),
                      "FeatureCollection")


def collection_properties(ds: DatasetFacts) -> dict:
    start, end = timeline.extent(ds)
    return {"system:id": ds.id, "title": ds.title, "date_range": [timeline.millis(start), timeline.millis(end)],
            "synthetic": True}


def _millis_or_none(ms: float) -> float | None:
    return None if not math.isfinite(ms) or abs(ms) >= _MAX_MS else ms


# -- REST asset metadata (assets.get, listAssets) --------------------------------------------------------------
def asset_json(asset_id: str) -> dict | None:
    """What `assets.get` answers for a public id: a dataset or an image of a public collection; None if unknown."""
    found = synthetic.resolve(asset_id)
    if isinstance(found, synthetic.SyntheticImage):
        _use(found.ds)
        return image_json(found)
    if found is None:
        return None
    _use(found)
    if found.type == "IMAGE":
        return image_json(synthetic.load_image(found.id))
    start, end = timeline.extent(found)
    out = {"type": "TABLE" if found.type in TABLE_TYPES else found.type, "name": asset_name(found.id),
           "id": found.id, "properties": {"title": found.title, "synthetic": True}}
    if found.type == "IMAGE_COLLECTION":
        out["startTime"], out["endTime"] = _iso(start), _iso(end)
    return out


def image_json(img: synthetic.SyntheticImage) -> dict:
    """An image as EE's REST API describes it (EarthEngineAsset of type IMAGE)."""
    props = {k: v for k, v in img.properties.items() if not k.startswith("system:")}
    return {"type": "IMAGE", "name": asset_name(img.id), "id": img.id, "properties": props,
            "startTime": _iso(img.start), "endTime": _iso(img.end),
            "geometry": Geometry(img.footprint, WGS84).to_geojson(),
            "bands": [_band_json(img, b.name, b.dtype) for b in img.ds.bands]}


def _band_json(img: synthetic.SyntheticImage, band: str, dtype: np.dtype) -> dict:
    g = img.grid(band)
    data_type: dict[str, Any] = {"precision": "INT" if dtype.kind in "iub" else
                                 "FLOAT" if dtype.itemsize <= 4 else "DOUBLE"}
    if dtype.kind in "iu":
        data_type["range"] = {"min": int(np.iinfo(dtype).min), "max": int(np.iinfo(dtype).max)}
    a, b, c, d, e, f = g.transform
    return {"id": band, "dataType": data_type, "grid": {
        "crsCode": g.ee_crs, "dimensions": {"width": g.width, "height": g.height},
        "affineTransform": {"scaleX": a, "shearX": b, "translateX": c, "shearY": d, "scaleY": e, "translateY": f}}}


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


class _ImageListing(Sequence):
    """A collection's images as listAssets pages them: generated (and described) only as far as a page reaches."""

    def __init__(self, images: LazyElements):
        self.images = images

    def __getitem__(self, key):
        found = self.images[key]
        return [image_json(i) for i in found] if isinstance(key, slice) else image_json(found)

    def __len__(self) -> int:
        return len(self.images)


def list_images(asset_id: str, filter_text: str | None) -> Sequence[dict] | None:
    """The images of a public collection that pass a listAssets filter, in time order; None if not a collection."""
    ds = _facts(asset_id, ("IMAGE_COLLECTION",))
    if ds is None:
        return None
    terms = parse_list_filter_terms(filter_text)
    start, end = terms.time_bounds()
    region = shapely.GeometryCollection(list(terms.regions)) if terms.regions else None

    def source(scope: Scope) -> Iterator:
        return synthetic.list_images(ds.id, start, end, region)

    return _ImageListing(LazyElements(source, f"listAssets of '{ds.id}'", tests=(_image_test(terms),)))


def _image_test(terms: ListFilter):
    def test(img: synthetic.SyntheticImage) -> bool:
        for c in terms.comparisons:
            value = (img.time_start if c.field == "startTime" else img.time_end if c.field == "endTime"
                     else img.properties.get(c.field))
            if not c.test(value):
                return False
        return all(img.footprint.intersects(r) for r in terms.regions)

    return test


def folder_children(prefix: str) -> dict[str, dict]:
    """The public assets and folders directly under a folder (`""`: the top level), by name, as listAssets lists
    them."""
    def describe(ds_id: str) -> dict:
        ds = synthetic.dataset(ds_id)
        return {"type": "TABLE" if ds.type in TABLE_TYPES else ds.type, "name": asset_name(ds_id), "id": ds_id}

    return folders.folder_children(prefix, synthetic.dataset_ids(), describe)


# -- the deprecation list the client reads at ee.Initialize ----------------------------------------------------
@functools.cache
def deprecated_stac() -> dict:
    """The public catalog's deprecated datasets as the STAC document the official client reads at ee.Initialize
    (ee/deprecation.py: links with `deprecated`, `title` = the id, `gee:replacement_id`, `gee:removal_date`)."""
    links = []
    for ds_id in synthetic.dataset_ids():
        ds = synthetic.dataset(ds_id)
        if not ds.deprecated:
            continue
        link: dict[str, Any] = {"rel": "child", "title": ds.id, "deprecated": True}
        if ds.successor:
            link["gee:replacement_id"] = ds.successor
        if ds.removed:
            link["gee:removal_date"] = f"{ds.removed}T00:00:00Z"
        links.append(link)
    return {"type": "Catalog", "id": "GEE_catalog_deprecated", "synthetic": True, "links": links}
