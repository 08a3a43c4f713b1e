"""Feature and Element: construction, properties, typed getters, geometry, select and id."""

from __future__ import annotations

import re

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_geometry, as_number, as_string_list
from ee_assets.local.algorithms.support.elements import (
    element_geometry,
    element_properties,
    required_property,
    with_properties,
)
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.image import Image

E = "Element"


@algorithm("Feature", returns="Feature", geometry="Geometry", metadata="Dictionary<Object>")
def feature(geometry=None, metadata: dict | None = None, geometryKey: str | None = None) -> Feature:
    geom = as_geometry(geometry) if geometry is not None else None
    return Feature(geom, dict(metadata or {}))


@algorithm("Element.get", returns="<any>", object="Element", property="String")
def get(object, property: str):
    return element_properties(object).get(property)


@algorithm("Element.set", returns="Element", object="Element", key="String", value="Object")
def set_(object, key: str, value=None):
    element_properties(object)
    return with_properties(object, {key: value})


@algorithm("Element.setMulti", returns="Element", object="Element", properties="Dictionary<Object>")
def set_multi(object, properties: dict):
    element_properties(object)
    return with_properties(object, dict(properties))


@algorithm("Element.propertyNames", returns="List<Object>", element="Element")
def property_names(element) -> list[str]:
    return list(element_properties(element, "element"))


@algorithm("Element.toDictionary", returns="Dictionary<Object>", element="Element")
def to_dictionary(element, properties: list | None = None) -> dict:
    props = element_properties(element, "element")
    keys = properties if properties is not None else [k for k in props if not k.startswith("system:")]
    return {k: props[k] for k in keys if k in props}


@algorithm("Element.copyProperties", returns="Element", destination="Element", source="Element")
def copy_properties(destination=None, source=None, properties: list | None = None, exclude: list | None = None):
    src = element_properties(source, "source")
    keys = properties if properties is not None else [k for k in src if not k.startswith("system:")]
    keys = [k for k in keys if k not in (exclude or []) and k in src]
    return with_properties(destination, {k: src[k] for k in keys})


def _geometry_impl(feature, maxError=None, proj=None, geodesics=None) -> Geometry | None:
    return element_geometry(feature)


algorithm("Element.geometry", returns="Geometry", feature="Element")(_geometry_impl)


algorithm("Feature.geometry", returns="Geometry", feature="Element")(
    lambda feature, maxError=None, proj=None, geodesics=None: element_geometry(feature))


@algorithm("Feature.setGeometry", returns=E, feature=E, geometry="Geometry")
def set_geometry(feature, geometry=None) -> Feature:
    if not isinstance(feature, Feature):
        raise InvalidArgument(f"Feature.setGeometry: expected a Feature, got {type(feature).__name__}.")
    return Feature(as_geometry(geometry) if geometry is not None else None, dict(feature.properties))


@algorithm("Feature.id", returns="String", element=E)
def id_(element):
    if not isinstance(element, Feature):
        raise InvalidArgument(f"Feature.id: expected a Feature, got {type(element).__name__}.")
    return element.id


@algorithm("Feature.select", returns=E, input=E, propertySelectors="List<String>", newProperties="List<String>",
           retainGeometry="Boolean")
def select(input, propertySelectors, newProperties=None, retainGeometry: bool = True) -> Feature:
    """Keep the properties matching the selectors (names or regular expressions), optionally renamed; the
    feature's id (system:index) is kept."""
    if not isinstance(input, Feature):
        raise InvalidArgument(f"Feature.select: expected a Feature, got {type(input).__name__}.")
    selectors = as_string_list(propertySelectors, "propertySelectors")
    names = []
    for sel in selectors:
        try:
            pattern = re.compile(sel)
        except re.error as e:
            raise InvalidArgument(f"Feature.select: invalid selector '{sel}': {e}.") from e
        names += [k for k in input.properties if pattern.fullmatch(k) and k not in names
                  and not k.startswith("system:")]
    renamed = names
    if newProperties is not None:
        renamed = as_string_list(newProperties, "newProperties")
        if len(renamed) != len(names):
            raise InvalidArgument(f"Feature.select: {len(names)} properties selected but {len(renamed)} new names "
                                  "given.")
    system = {k: v for k, v in input.properties.items() if k.startswith("system:")}
    props = {**system, **{new: input.properties[old] for old, new in zip(names, renamed, strict=True)}}
    return Feature(input.geometry if retainGeometry else None, props)


@algorithm("Element.getNumber", returns="Number", object=E, property="String")
def get_number(object, property: str):
    return as_number(required_property("Element.getNumber", object, property), property)


@algorithm("Element.getString", returns="String", object=E, property="String")
def get_string(object, property: str) -> str:
    value = required_property("Element.getString", object, property)
    if not isinstance(value, str):
        raise InvalidArgument(f"Element.getString: Property '{property}' is not a String ({value!r}).")
    return value


@algorithm("Element.replaceProperties", returns="Element", destination="Element", source="Element")
def replace_properties(destination, source=None):
    """The destination with the source's properties instead of its own (its id and geometry kept)."""
    if not isinstance(destination, (Feature, Image)):
        raise InvalidArgument("Element.replaceProperties: 'destination' must be a Feature or an Image.")
    new = {k: v for k, v in (getattr(source, "properties", None) or {}).items() if not k.startswith("system:")}
    keep = {k: v for k, v in destination.properties.items() if k.startswith("system:")}
    if isinstance(destination, Feature):
        return Feature(destination.geometry, {**keep, **new})
    return Image(destination.bands, {**keep, **new})
