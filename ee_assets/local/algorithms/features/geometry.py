"""Feature.* geometry operations and measures: the Geometry.* ones applied to features' geometries.

Features that come out of an operation keep the (left) feature's properties, as EE documents for Feature.union,
Feature.intersection and the others."""

from __future__ import annotations

from ee_assets.local.algorithms.geometry import measures, operations
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Feature
from ee_assets.local.values.geometry import Geometry

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


_unary_shape("bounds", operations.bounds)


_unary_shape("centroid", operations.centroid)


_unary_shape("convexHull", operations.convex_hull)


_unary_shape("dissolve", operations.dissolve)


_unary_measure("area", measures.area)


_unary_measure("length", measures.length)


_unary_measure("perimeter", measures.perimeter)


for _name in ("intersection", "union", "difference", "symmetricDifference"):
    _binary_shape(_name, operations.SET_OPERATIONS[_name])


for _name in ("intersects", "disjoint", "contains", "containedIn"):
    _binary_predicate(_name, operations.PREDICATES[_name])


@algorithm("Feature.buffer", returns="Feature", feature=E, distance="Float", maxError="ErrorMargin",
           proj="Projection")
def buffer(feature, distance, maxError=None, proj=None) -> Feature:
    f = _feature(feature)
    return Feature(operations.buffer(f.geometry, distance, maxError, proj), dict(f.properties))


@algorithm("Feature.simplify", returns="Feature", feature=E, maxError="ErrorMargin", proj="Projection")
def simplify(feature, maxError, proj=None) -> Feature:
    f = _feature(feature)
    return Feature(operations.simplify(f.geometry, maxError, proj), dict(f.properties))


@algorithm("Feature.transform", returns="Feature", feature=E, proj="Projection", maxError="ErrorMargin",
           geodesic="Boolean")
def transform(feature, proj=None, maxError=None, geodesic=None) -> Feature:
    f = _feature(feature)
    return Feature(operations.transform(f.geometry, proj, maxError, geodesic), dict(f.properties))


@algorithm("Feature.distance", returns="Float", left=E, right=E, maxError="ErrorMargin", proj="Projection",
           spherical="Boolean")
def distance(left, right, maxError=None, proj=None, spherical: bool = False) -> float:
    return measures.distance(_feature(left, "left").geometry, _feature(right, "right").geometry, maxError, proj)


@algorithm("Feature.withinDistance", returns="Boolean", left=E, right=E, distance="Float",
           maxError="ErrorMargin", proj="Projection")
def within_distance(left, right, distance, maxError=None, proj=None) -> bool:
    return measures.within_distance(_feature(left, "left").geometry, _feature(right, "right").geometry,
                                        distance, maxError, proj)


@algorithm("Feature.cutLines", returns="Feature", feature="Element", distances="List<Float>",
           maxError="ErrorMargin", proj="Projection")
def feature_cut_lines(feature, distances: list, maxError=None, proj=None) -> Feature:
    f = _feature(feature)
    return Feature(operations.cut_lines(f.geometry, distances, maxError, proj), dict(f.properties))


@algorithm("Feature.closestPoint", returns="Object", left="Element", right="Element", maxError="ErrorMargin",
           proj="Projection")
def feature_closest_point(left, right, maxError=None, proj=None) -> Geometry | None:
    return measures.closest_point(_feature(left, "left").geometry, _feature(right, "right").geometry)


@algorithm("Feature.closestPoints", returns="Object", left="Element", right="Element", maxError="ErrorMargin",
           proj="Projection")
def feature_closest_points(left, right, maxError=None, proj=None) -> dict | None:
    return measures.closest_points(_feature(left, "left").geometry, _feature(right, "right").geometry)
