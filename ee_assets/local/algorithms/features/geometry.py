"""Feature.* geometry operations (the Geometry.* ones applied to features' geometries), Feature.select /
setGeometry / id, and Element.getNumber / getString.

Features that come out of an operation keep the (left) feature's properties, as EE documents for Feature.union,
Feature.intersection and the others."""

from __future__ import annotations

import re

from ee_assets.local.algorithms import geometry as geometry_alg
from ee_assets.local.algorithms import geometry_ops
from ee_assets.local.algorithms.coerce import as_geometry, as_number, as_string_list
from ee_assets.local.algorithms.registry import REGISTRY, algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Feature

E = "Element"


def _feature(value, name: str = "feature") -> Feature:
    if not isinstance(value, Feature):
        raise InvalidArgument(f"Invalid argument for '{name}': expected a Feature, got {type(value).__name__}.")
    if value.geometry is None:
        raise InvalidArgument(f"Invalid argument for '{name}': the feature has no geometry.")
    return value


def _unary_shape(name: str, fn) -> None:
    def impl(feature, maxError=None, proj=None) -> Feature:
        f = _feature(feature)
        return Feature(fn(f.geometry, maxError=maxError, proj=proj), dict(f.properties))

    algorithm(f"Feature.{name}", returns="Feature", feature=E, maxError="ErrorMargin", proj="Projection")(impl)


def _unary_measure(name: str, fn) -> None:
    def impl(feature, maxError=None, proj=None) -> float:
        return fn(_feature(feature).geometry, maxError=maxError, proj=proj)

    algorithm(f"Feature.{name}", returns="Float", feature=E, maxError="ErrorMargin", proj="Projection")(impl)


def _binary_shape(name: str, fn) -> None:
    def impl(left, right, maxError=None, proj=None) -> Feature:
        a, b = _feature(left, "left"), _feature(right, "right")
        return Feature(fn(a.geometry, b.geometry, maxError=maxError, proj=proj), dict(a.properties))

    algorithm(f"Feature.{name}", returns="Feature", left=E, right=E, maxError="ErrorMargin",
              proj="Projection")(impl)


def _binary_predicate(name: str, fn) -> None:
    def impl(left, right, maxError=None, proj=None) -> bool:
        return fn(_feature(left, "left").geometry, _feature(right, "right").geometry, maxError=maxError, proj=proj)

    algorithm(f"Feature.{name}", returns="Boolean", left=E, right=E, maxError="ErrorMargin",
              proj="Projection")(impl)


def _geometry_fn(name: str):
    """The Geometry.* implementation behind a Feature.* one."""
    return REGISTRY[f"Geometry.{name}"].fn


_unary_shape("bounds", geometry_alg.bounds)
_unary_shape("centroid", geometry_alg.centroid)
_unary_shape("convexHull", geometry_ops.convex_hull)
_unary_shape("dissolve", geometry_ops.dissolve)
_unary_measure("area", geometry_alg.area)
_unary_measure("length", geometry_ops.length)
_unary_measure("perimeter", geometry_ops.perimeter)
for _name in ("intersection", "union", "difference", "symmetricDifference"):
    _binary_shape(_name, _geometry_fn(_name))
for _name in ("intersects", "disjoint", "contains", "containedIn"):
    _binary_predicate(_name, _geometry_fn(_name))


@algorithm("Feature.buffer", returns="Feature", feature=E, distance="Float", maxError="ErrorMargin",
           proj="Projection")
def buffer(feature, distance, maxError=None, proj=None) -> Feature:
    f = _feature(feature)
    return Feature(geometry_alg.buffer(f.geometry, distance, maxError, proj), dict(f.properties))


@algorithm("Feature.simplify", returns="Feature", feature=E, maxError="ErrorMargin", proj="Projection")
def simplify(feature, maxError, proj=None) -> Feature:
    f = _feature(feature)
    return Feature(geometry_ops.simplify(f.geometry, maxError, proj), dict(f.properties))


@algorithm("Feature.transform", returns="Feature", feature=E, proj="Projection", maxError="ErrorMargin",
           geodesic="Boolean")
def transform(feature, proj=None, maxError=None, geodesic=None) -> Feature:
    f = _feature(feature)
    return Feature(geometry_ops.transform(f.geometry, proj, maxError, geodesic), dict(f.properties))


@algorithm("Feature.distance", returns="Float", left=E, right=E, maxError="ErrorMargin", proj="Projection",
           spherical="Boolean")
def distance(left, right, maxError=None, proj=None, spherical: bool = False) -> float:
    return geometry_ops.distance(_feature(left, "left").geometry, _feature(right, "right").geometry, maxError, proj)


@algorithm("Feature.withinDistance", returns="Boolean", left=E, right=E, distance="Float",
           maxError="ErrorMargin", proj="Projection")
def within_distance(left, right, distance, maxError=None, proj=None) -> bool:
    return geometry_ops.within_distance(_feature(left, "left").geometry, _feature(right, "right").geometry,
                                        distance, maxError, proj)


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


def _property(op: str, obj, property: str):
    props = getattr(obj, "properties", None)
    if not isinstance(props, dict):
        raise InvalidArgument(f"{op}: expected an Element, got {type(obj).__name__}.")
    if props.get(property) is None:
        raise InvalidArgument(f"{op}: Property '{property}' is missing or null.")
    return props[property]


@algorithm("Element.getNumber", returns="Number", object=E, property="String")
def get_number(object, property: str):
    return as_number(_property("Element.getNumber", object, property), property)


@algorithm("Element.getString", returns="String", object=E, property="String")
def get_string(object, property: str) -> str:
    value = _property("Element.getString", object, property)
    if not isinstance(value, str):
        raise InvalidArgument(f"Element.getString: Property '{property}' is not a String ({value!r}).")
    return value
