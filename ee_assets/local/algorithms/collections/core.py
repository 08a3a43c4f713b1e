"""Collections and elements: loading, filtering, mapping, slicing, merging, and element properties."""

from __future__ import annotations

from typing import Any

import shapely

from ee_assets.local.algorithms.coerce import as_collection, as_geometry
from ee_assets.local.algorithms.lists import sort_key
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.evaluator.context import EvalContext
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.image import Image

FC = "FeatureCollection"


@algorithm("Collection.loadTable", returns=FC, needs_context=True, tableId="String")
def load_table(ctx: EvalContext, tableId: str, geometryColumn: str | None = None, version: int = -1) -> Collection:
    return ctx.catalog.load_table(tableId)


@algorithm("ImageCollection.load", returns="ImageCollection", needs_context=True, id="String")
def load_image_collection(ctx: EvalContext, id: str, version: int | None = None) -> Collection:
    return ctx.catalog.load_collection(id)


@algorithm("ImageCollection.fromImages", returns="ImageCollection", images="List<Image<unknown bands>>")
def from_images(images: list) -> Collection:
    out = []
    for i, img in enumerate(images):
        if not isinstance(img, Image):
            raise InvalidArgument(f"ImageCollection.fromImages: element {i} is not an Image.")
        out.append(img if "system:index" in img.properties else img.with_bands(img.bands, **{"system:index": str(i)}))
    return Collection(out, {}, "ImageCollection")


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


@algorithm("Feature", returns="Feature", geometry="Geometry", metadata="Dictionary<Object>")
def feature(geometry=None, metadata: dict | None = None, geometryKey: str | None = None) -> Feature:
    geom = as_geometry(geometry) if geometry is not None else None
    return Feature(geom, dict(metadata or {}))


@algorithm("Collection.filter", returns=FC, collection=FC, filter="Filter")
def filter_(collection: Collection, filter) -> Collection:
    coll = as_collection(collection)
    if not callable(filter):
        raise InvalidArgument("Collection.filter: 'filter' must be a Filter (string filters are not supported).")
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
    elements = list(coll.elements)
    if key is not None:
        present = [e for e in elements if e.properties.get(key) is not None]
        missing = [e for e in elements if e.properties.get(key) is None]
        present.sort(key=lambda e: sort_key(e.properties[key]), reverse=not ascending)
        elements = present + missing
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
            out.append(e.copy(**{"system:index": idx}) if isinstance(e, Feature)
                       else e.with_bands(e.bands, **{"system:index": idx}))
    return Collection(out, {}, a.kind if a.kind == b.kind else "FeatureCollection")


@algorithm("Collection.toList", returns="List<Object>", collection=FC, count="Integer", offset="Integer")
def to_list(collection: Collection, count: int, offset: int = 0) -> list:
    coll = as_collection(collection)
    return coll.elements[int(offset): int(offset) + int(count)]


@algorithm("Collection.geometry", returns="Geometry", collection=FC)
def collection_geometry(collection: Collection, maxError=None) -> Geometry:
    geoms = [g.to_wgs84() for g in (_element_geometry(e) for e in as_collection(collection).elements) if g]
    return Geometry(shapely.union_all(geoms) if geoms else shapely.GeometryCollection(), "EPSG:4326")


@algorithm("AggregateFeatureCollection.array", returns="List<Object>", collection=FC, property="String")
def aggregate_array(collection: Collection, property: str) -> list:
    return [e.properties[property] for e in as_collection(collection).elements
            if e.properties.get(property) is not None]


# -- elements ------------------------------------------------------------------------------------------------
def _properties(obj: Any, name: str = "object") -> dict:
    if isinstance(obj, (Feature, Image, Collection)):
        return obj.properties
    raise InvalidArgument(f"Invalid argument for '{name}': expected an Element, got {type(obj).__name__}.")


def _with_properties(obj: Any, props: dict) -> Any:
    if isinstance(obj, Feature):
        return obj.copy(**props)
    if isinstance(obj, Image):
        return obj.with_bands(obj.bands, **props)
    return Collection(obj.elements, {**obj.properties, **props}, obj.kind)


@algorithm("Element.get", returns="<any>", object="Element", property="String")
def get(object, property: str):
    return _properties(object).get(property)


@algorithm("Element.set", returns="Element", object="Element", key="String", value="Object")
def set_(object, key: str, value=None):
    _properties(object)
    return _with_properties(object, {key: value})


@algorithm("Element.setMulti", returns="Element", object="Element", properties="Dictionary<Object>")
def set_multi(object, properties: dict):
    _properties(object)
    return _with_properties(object, dict(properties))


@algorithm("Element.propertyNames", returns="List<Object>", element="Element")
def property_names(element) -> list[str]:
    return list(_properties(element, "element"))


@algorithm("Element.toDictionary", returns="Dictionary<Object>", element="Element")
def to_dictionary(element, properties: list | None = None) -> dict:
    props = _properties(element, "element")
    keys = properties if properties is not None else [k for k in props if not k.startswith("system:")]
    return {k: props[k] for k in keys if k in props}


@algorithm("Element.copyProperties", returns="Element", destination="Element", source="Element")
def copy_properties(destination=None, source=None, properties: list | None = None, exclude: list | None = None):
    src = _properties(source, "source")
    keys = properties if properties is not None else [k for k in src if not k.startswith("system:")]
    keys = [k for k in keys if k not in (exclude or []) and k in src]
    return _with_properties(destination, {k: src[k] for k in keys})


def _element_geometry(element) -> Geometry | None:
    if isinstance(element, Feature):
        return element.geometry
    if isinstance(element, Image):
        return element.footprint()
    if isinstance(element, Collection):
        return collection_geometry(element)
    return None


def _geometry_impl(feature, maxError=None, proj=None, geodesics=None) -> Geometry | None:
    return _element_geometry(feature)


algorithm("Element.geometry", returns="Geometry", feature="Element")(_geometry_impl)
algorithm("Feature.geometry", returns="Geometry", feature="Element")(
    lambda feature, maxError=None, proj=None, geodesics=None: _element_geometry(feature))
