"""Geometric filters: intersects, contains, isContained, disjoint, withinDistance, hasGeometry and area.

Relations are tested on the lon/lat geometries; distances and areas are geodesic (support/geodesy.py)."""

from __future__ import annotations

from dataclasses import replace

import shapely

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_geometry, as_number
from ee_assets.local.algorithms.support.geodesy import geodesic_area, geodesic_distance, margin_metres, may_be_within
from ee_assets.local.algorithms.support.geometry_repair import relate, snap_size
from ee_assets.local.algorithms.support.predicates import binary_filter, field_value
from ee_assets.local.values.elements import Feature
from ee_assets.local.values.filter import Filter
from ee_assets.local.values.geometry import WGS84, Geometry

F = "Filter"


@algorithm("Filter.intersects", returns="Filter", leftField="String", rightValue="Object")
def intersects(leftField=None, rightValue=None, rightField=None, leftValue=None, maxError=None) -> Filter:
    def overlap(a, b) -> bool:
        if a is None or b is None:
            return False
        return relate(shapely.intersects, as_geometry(a).to_wgs84(), as_geometry(b).to_wgs84(),
                      snap_size(WGS84, margin_metres(maxError)))

    return binary_filter("intersects", overlap, leftField, rightValue, rightField, leftValue)


@algorithm("Filter.hasGeometry", returns=F)
def has_geometry() -> Filter:
    return Filter(lambda e: isinstance(e, Feature) and e.geometry is not None, "hasGeometry")


def _geometric(op: str, relation, leftField, rightValue, rightField, leftValue) -> Filter:
    def test(a, b) -> bool:
        if a is None or b is None:
            return False
        return relate(relation, as_geometry(a).to_wgs84(), as_geometry(b).to_wgs84(), snap_size(WGS84, None))

    return binary_filter(op, test, leftField, rightValue, rightField, leftValue)


@algorithm("Filter.contains", returns=F, leftField="String", rightValue="Object", rightField="String",
           leftValue="Object", maxError="ErrorMargin")
def contains(leftField=None, rightValue=None, rightField=None, leftValue=None, maxError=None) -> Filter:
    """The left geometry contains the right one."""
    return _geometric("contains", shapely.contains, leftField, rightValue, rightField, leftValue)


@algorithm("Filter.isContained", returns=F, leftField="String", rightValue="Object", rightField="String",
           leftValue="Object", maxError="ErrorMargin")
def is_contained(leftField=None, rightValue=None, rightField=None, leftValue=None, maxError=None) -> Filter:
    """The left geometry lies within the right one."""
    return _geometric("isContained", shapely.within, leftField, rightValue, rightField, leftValue)


@algorithm("Filter.disjoint", returns=F, leftField="String", rightValue="Object", rightField="String",
           leftValue="Object", maxError="ErrorMargin")
def disjoint(leftField=None, rightValue=None, rightField=None, leftValue=None, maxError=None) -> Filter:
    return _geometric("disjoint", shapely.disjoint, leftField, rightValue, rightField, leftValue)


@algorithm("Filter.withinDistance", returns=F, distance="Float", leftField="String", rightValue="Object",
           rightField="String", leftValue="Object", maxError="ErrorMargin")
def within_distance(distance, leftField=None, rightValue=None, rightField=None, leftValue=None,
                    maxError=None) -> Filter:
    """The geometries are at most `distance` metres apart (geodesic, see Geometry.distance)."""
    d = as_number(distance, "distance")

    def test(a, b) -> bool:
        if a is None or b is None:
            return False
        ga, gb = as_geometry(a), as_geometry(b)
        return may_be_within(ga, gb, d) and geodesic_distance(ga, gb) <= d

    def measure(primary, secondary) -> float:
        left = field_value(primary, leftField) if leftField is not None else leftValue
        right = field_value(secondary, rightField) if rightField is not None else rightValue
        return geodesic_distance(as_geometry(left), as_geometry(right))

    base = binary_filter("withinDistance", test, leftField, rightValue, rightField, leftValue)
    return replace(base, measure=measure)


@algorithm("Filter.area", returns="Filter", min="Float", max="Float", maxError="ErrorMargin",
           geometrySelector="String")
def area_filter(min, max, maxError=None, geometrySelector=None) -> Filter:
    """Elements whose geometry's area (m², geodesic as Geometry.area) lies in [min, max]."""
    lo, hi = as_number(min, "min"), as_number(max, "max")

    def test(e) -> bool:
        geom = field_value(e, geometrySelector or ".geo")
        if not isinstance(geom, Geometry):
            return False
        return lo <= geodesic_area(geom) <= hi

    return Filter(test, f"area({lo}, {hi})")
