"""More filters: EE's short comparison names, string tests, null tests, ranges, calendar fields of
`system:time_start`, differences and geometric relations. Built on the predicates of `filter.py`."""

from __future__ import annotations

import operator
from dataclasses import replace

import shapely

from ee_assets.local.algorithms.coerce import as_geometry, as_number, as_string_list
from ee_assets.local.algorithms.filter import MISSING, Filter, _binary, _field, _register
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import EPOCH, Feature

F = "Filter"


def _ordered(compare):
    return lambda a, b: a is not None and b is not None and compare(a, b)


_register("eq", operator.eq)
_register("neq", operator.ne)
_register("lt", _ordered(operator.lt))
_register("gt", _ordered(operator.gt))
_register("lte", _ordered(operator.le))
_register("gte", _ordered(operator.ge))
_register("lessThanOrEquals", _ordered(operator.le))
_register("greaterThanOrEquals", _ordered(operator.ge))
_register("stringContains", lambda a, b: isinstance(a, str) and isinstance(b, str) and b in a)
_register("stringStartsWith", lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b))
_register("stringEndsWith", lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b))


@algorithm("Filter.always", returns=F)
def always() -> Filter:
    return Filter(lambda e: True, "always")


@algorithm("Filter.never", returns=F)
def never() -> Filter:
    return Filter(lambda e: False, "never")


@algorithm("Filter.hasGeometry", returns=F)
def has_geometry() -> Filter:
    return Filter(lambda e: isinstance(e, Feature) and e.geometry is not None, "hasGeometry")


@algorithm("Filter.notNull", returns=F, properties="List<String>")
def not_null(properties) -> Filter:
    """Passes elements whose every named property is present and not null."""
    names = as_string_list(properties, "properties")
    return Filter(lambda e: all(_field(e, n) not in (MISSING, None) for n in names), f"notNull({names})")


@algorithm("Filter.rangeContains", returns=F, field="String", minValue="Object", maxValue="Object")
def range_contains(field: str, minValue, maxValue) -> Filter:
    """minValue <= field <= maxValue, both ends inclusive (EE's docs)."""
    def test(e) -> bool:
        v = _field(e, field)
        try:
            return v not in (MISSING, None) and minValue <= v <= maxValue
        except TypeError:
            return False

    return Filter(test, f"rangeContains({field}, {minValue!r}, {maxValue!r})")


@algorithm("Filter.maxDifference", returns=F, difference="Float", leftField="String", rightValue="Object",
           rightField="String", leftValue="Object")
def max_difference(difference, leftField=None, rightValue=None, rightField=None, leftValue=None) -> Filter:
    """|left - right| <= difference."""
    d = as_number(difference, "difference")
    base = _binary("maxDifference", lambda a, b: abs(a - b) <= d, leftField, rightValue, rightField, leftValue)

    def measure(primary, secondary) -> float:
        left = _field(primary, leftField) if leftField is not None else leftValue
        right = _field(secondary, rightField) if rightField is not None else rightValue
        return abs(left - right)

    return replace(base, measure=measure)


# -- calendar fields of system:time_start -----------------------------------------------------------------------
def _calendar_value(millis: float, field: str) -> int:
    from datetime import timedelta

    d = EPOCH + timedelta(milliseconds=millis)
    return {
        "year": d.year, "month": d.month, "hour": d.hour, "minute": d.minute,
        "day_of_year": d.timetuple().tm_yday, "day_of_month": d.day,
        "day_of_week": d.isoweekday(), "week_of_year": d.isocalendar()[1],
    }[field]


CALENDAR_FIELDS = ("year", "month", "hour", "minute", "day_of_year", "day_of_month", "day_of_week", "week_of_year")


def _calendar_filter(op: str, start, end, field: str) -> Filter:
    if field not in CALENDAR_FIELDS:
        raise InvalidArgument(f"{op}: unknown calendar field '{field}'; use one of {', '.join(CALENDAR_FIELDS)}.")
    lo = int(as_number(start, "start"))
    hi = lo if end is None else int(as_number(end, "end"))

    def test(e) -> bool:
        t = _field(e, "system:time_start")
        if t in (MISSING, None):
            return False
        v = _calendar_value(float(t), field)
        return lo <= v <= hi if lo <= hi else (v >= lo or v <= hi)  # end < start wraps around (Nov..Feb)

    return Filter(test, f"{op}({lo}, {hi}, {field})")


@algorithm("Filter.calendarRange", returns=F, start="Integer", end="Integer", field="String")
def calendar_range(start, end=None, field: str = "day_of_year") -> Filter:
    """Passes elements whose `system:time_start` has `field` in [start, end] (inclusive; wraps when end < start).
    Days of the week run 1 (Monday) to 7 (Sunday), ISO/Joda numbering."""
    return _calendar_filter("Filter.calendarRange", start, end, field)


@algorithm("Filter.dayOfYear", returns=F, start="Integer", end="Integer")
def day_of_year(start, end) -> Filter:
    """Passes elements whose day of year (1-366) is in [start, end], wrapping when end < start."""
    return _calendar_filter("Filter.dayOfYear", start, end, "day_of_year")


# -- geometric relations -----------------------------------------------------------------------------------------
def _geometric(op: str, relation, leftField, rightValue, rightField, leftValue) -> Filter:
    def test(a, b) -> bool:
        if a is None or b is None:
            return False
        return bool(relation(as_geometry(a).to_wgs84(), as_geometry(b).to_wgs84()))

    return _binary(op, test, leftField, rightValue, rightField, leftValue)


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
    from ee_assets.local.algorithms.geometry_ops import geodesic_distance, may_be_within

    d = as_number(distance, "distance")

    def test(a, b) -> bool:
        if a is None or b is None:
            return False
        ga, gb = as_geometry(a), as_geometry(b)
        return may_be_within(ga, gb, d) and geodesic_distance(ga, gb) <= d

    def measure(primary, secondary) -> float:
        left = _field(primary, leftField) if leftField is not None else leftValue
        right = _field(secondary, rightField) if rightField is not None else rightValue
        return geodesic_distance(as_geometry(left), as_geometry(right))

    base = _binary("withinDistance", test, leftField, rightValue, rightField, leftValue)
    return replace(base, measure=measure)
