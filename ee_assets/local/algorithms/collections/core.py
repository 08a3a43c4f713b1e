"""Collection algorithms: loading tables, building, filtering, mapping, slicing, merging, iterating and the
collection's geometry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shapely

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection
from ee_assets.local.algorithms.support.elements import collection_geometry, sorted_by_property, with_properties
from ee_assets.local.algorithms.support.filter_strings import parse_filter_string
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.image import Image
from ee_assets.local.values.lazy_collection import LazyElements

if TYPE_CHECKING:  # the evaluator passes its context; algorithms only read it
    from ee_assets.local.evaluator.context import EvalContext

FC = "FeatureCollection"


@algorithm("Collection.loadTable", returns=FC, needs_context=True, tableId="String")
def load_table(ctx: EvalContext, tableId: str, geometryColumn: str | None = None, version: int = -1) -> Collection:
    return ctx.catalog.load_table(tableId)


@algorithm("Collection", returns=FC, features="List<Element>")
def collection(features: list) -> Collection:
    out = []
    for i, f in enumerate(features):
        if isinstance(f, Geometry):
            f = Feature(f, {})
        if not isinstance(f, (Feature, Image)):
            raise InvalidArgument(f"Collection: element {i} is not a Feature.")
        if "system:index" not in f.properties:
            f = f.copy(**{"system:index": str(i)}) if isinstance(f, Feature) else f
        out.append(f)
    return Collection(out, {}, "FeatureCollection")


@algorithm("Collection.filter", returns=FC, collection=FC, filter="Filter")
def filter_(collection: Collection, filter) -> Collection:
    coll = as_collection(collection)
    if isinstance(filter, str):  # "Either a Filter object or a string to be parsed into a Filter object"
        filter = parse_filter_string("Collection.filter", filter)
    if not callable(filter):
        raise InvalidArgument("Collection.filter: 'filter' must be a Filter or a filter string such as "
                              "\"cloud < 20\".")
    if isinstance(coll.elements, LazyElements):  # generated on demand: narrow what is generated
        return Collection(coll.elements.narrowed(filter, getattr(filter, "scope", None)), dict(coll.properties),
                          coll.kind)
    return coll.derive([e for e in coll.elements if filter(e)])


@algorithm("Collection.map", returns=FC, collection=FC, baseAlgorithm="Algorithm", dropNulls="Boolean")
def map_(collection: Collection, baseAlgorithm, dropNulls: bool = False) -> Collection:
    coll = as_collection(collection)
    results = []
    for element in coll.elements:
        out = baseAlgorithm(element)
        if out is None:
            if dropNulls:
                continue
            raise InvalidArgument("Collection.map: A mapped algorithm must return a Feature or Image.")
        if isinstance(out, Collection) and "system:index" in element.properties:
            out = Collection(out.elements, {**out.properties, "system:index": element.properties["system:index"]},
                             out.kind)
        results.append(out)
    kind = coll.kind
    if results and all(isinstance(r, Image) for r in results):
        kind = "ImageCollection"
    elif results and all(isinstance(r, (Feature, Collection)) for r in results):
        kind = "FeatureCollection"
    return coll.derive(results, kind)


@algorithm("Collection.first", returns="Element", collection=FC)
def first(collection: Collection):
    coll = as_collection(collection)
    return coll.elements[0] if coll.elements else None


@algorithm("Collection.limit", returns=FC, collection=FC, limit="Integer", key="String", ascending="Boolean")
def limit(collection: Collection, limit: int | None = None, key: str | None = None, ascending: bool = True):
    coll = as_collection(collection)
    if key is None and limit is not None:  # the first `limit` (a collection generated on demand makes no more)
        return coll.derive(coll.elements[: max(0, int(limit))])
    elements = list(coll.elements)
    if key is not None:
        elements = sorted_by_property(elements, key, ascending)
    if limit is not None:
        elements = elements[: max(0, int(limit))]
    return coll.derive(elements)


@algorithm("Collection.size", returns="Integer", collection=FC)
def size(collection: Collection) -> int:
    return len(as_collection(collection).elements)


@algorithm("Collection.flatten", returns=FC, collection=FC)
def flatten(collection: Collection) -> Collection:
    coll = as_collection(collection)
    out = []
    for i, inner in enumerate(coll.elements):
        if not isinstance(inner, Collection):
            raise InvalidArgument("Collection.flatten: the collection's elements must be collections.")
        outer_id = inner.properties.get("system:index", str(i))
        for f in inner.elements:
            fid = f.properties.get("system:index", "")
            out.append(f.copy(**{"system:index": f"{outer_id}_{fid}"}) if isinstance(f, Feature) else f)
    kind = "ImageCollection" if out and all(isinstance(e, Image) for e in out) else "FeatureCollection"
    return Collection(out, {}, kind)


@algorithm("Collection.merge", returns=FC, collection1=FC, collection2=FC)
def merge(collection1: Collection, collection2: Collection) -> Collection:
    a, b = as_collection(collection1, "collection1"), as_collection(collection2, "collection2")
    out = []
    for prefix, coll in (("1", a), ("2", b)):
        for e in coll.elements:
            idx = f"{prefix}_{e.properties.get('system:index', '')}"
            out.append(with_properties(e, {"system:index": idx}))
    return Collection(out, {}, a.kind if a.kind == b.kind else "FeatureCollection")


@algorithm("Collection.toList", returns="List<Object>", collection=FC, count="Integer", offset="Integer")
def to_list(collection: Collection, count: int, offset: int = 0) -> list:
    coll = as_collection(collection)
    return coll.elements[int(offset): int(offset) + int(count)]


@algorithm("Collection.geometry", returns="Geometry", collection=FC)
def geometry(collection: Collection, maxError=None) -> Geometry:
    return collection_geometry(as_collection(collection))


@algorithm("Collection.cache", returns="FeatureCollection", collection="FeatureCollection")
def cache(collection) -> Collection:
    """The collection unchanged (every request evaluates its graph once here anyway)."""
    return as_collection(collection)


@algorithm("Collection.iterate", returns="Object", collection=FC, function="Algorithm", first="Object")
def iterate(collection, function, first=None):
    """function(element, previous) over the elements in order, starting from `first`."""
    acc = first
    for e in as_collection(collection).elements:
        acc = function(e, acc)
    return acc


@algorithm("Collection.union", returns=FC, collection=FC, maxError="ErrorMargin")
def union(collection, maxError=None) -> Collection:
    """One feature, id 'union_result', whose geometry is the union of all (EE's documented result)."""
    geom = collection_geometry(as_collection(collection))
    return Collection([Feature(geom, {"system:index": "union_result"})], {}, "FeatureCollection")


@algorithm("Collection.bounds", returns="Geometry", collection=FC, maxError="ErrorMargin", proj="Projection")
def bounds(collection, maxError=None, proj=None) -> Geometry:
    g = collection_geometry(as_collection(collection)).to_wgs84()
    return Geometry(shapely.box(*g.bounds) if not g.is_empty else g, WGS84, False)
