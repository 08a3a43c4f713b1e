"""Features and arrays: Feature.toArray, Element.getArray and FeatureCollection.makeArray."""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_array, as_collection, as_string_list, stack_arrays
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection


@algorithm("Feature.toArray", returns="Array", feature="Feature", properties="List<String>")
def feature_to_array(feature, properties: list) -> np.ndarray:
    props = getattr(feature, "properties", None)
    if not isinstance(props, dict):
        raise InvalidArgument("Feature.toArray: expected a Feature.")
    missing = [p for p in properties if props.get(p) is None]
    if missing:
        raise InvalidArgument(f"Feature.toArray: Property '{missing[0]}' is missing or null.")
    return stack_arrays([props[p] for p in properties], 0, "Feature.toArray")


@algorithm("Element.getArray", returns="Array", object="Element", property="String")
def element_get_array(object, property: str) -> np.ndarray:
    props = getattr(object, "properties", None)
    if not isinstance(props, dict) or props.get(property) is None:
        raise InvalidArgument(f"Element.getArray: Property '{property}' is missing or null.")
    return as_array(props[property], property)


@algorithm("FeatureCollection.makeArray", returns="FeatureCollection", collection="FeatureCollection",
           properties="List<String>", name="String")
def make_array(collection, properties, name: str = "array") -> Collection:
    """Each feature with a 1-D array of the given properties in `name` (its other properties kept)."""
    names = as_string_list(properties, "properties")
    coll = as_collection(collection)
    return coll.derive([e.copy(**{name: feature_to_array(e, names)}) for e in coll.elements])
