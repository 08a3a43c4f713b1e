"""Filters over element properties: comparisons, string tests, membership, ranges and the logic combining filters.

A Filter is a predicate over elements (values/filter.py); two-sided filters also compare two elements as join
conditions (support/predicates.py)."""

from __future__ import annotations

import operator
from dataclasses import replace

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_number, as_string_list, object_type
from ee_assets.local.algorithms.support.predicates import MISSING, binary_filter, field_value
from ee_assets.local.values.filter import Filter
from ee_assets.local.values.lazy_collection import Scope

F = "Filter"


def register_comparison(op: str, compare) -> None:
    def impl(leftField=None, rightValue=None, rightField=None, leftValue=None) -> Filter:
        return binary_filter(op, compare, leftField, rightValue, rightField, leftValue)

    algorithm(f"Filter.{op}", returns="Filter", leftField="String", rightValue="Object", rightField="String",
              leftValue="Object")(impl)


def _contains(container, item) -> bool:
    return isinstance(container, (list, tuple)) and item in container


register_comparison("equals", lambda a, b: a == b)


register_comparison("notEquals", lambda a, b: a != b)


register_comparison("lessThan", lambda a, b: a is not None and b is not None and a < b)


register_comparison("greaterThan", lambda a, b: a is not None and b is not None and a > b)


register_comparison("listContains", _contains)


register_comparison("inList", lambda a, b: _contains(b, a))


def _ordered(compare):
    return lambda a, b: a is not None and b is not None and compare(a, b)


register_comparison("eq", operator.eq)


register_comparison("neq", operator.ne)


register_comparison("lt", _ordered(operator.lt))


register_comparison("gt", _ordered(operator.gt))


register_comparison("lte", _ordered(operator.le))


register_comparison("gte", _ordered(operator.ge))


register_comparison("lessThanOrEquals", _ordered(operator.le))


register_comparison("greaterThanOrEquals", _ordered(operator.ge))


register_comparison("stringContains", lambda a, b: isinstance(a, str) and isinstance(b, str) and b in a)


register_comparison("stringStartsWith", lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b))


register_comparison("stringEndsWith", lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b))


@algorithm("Filter.not", returns="Filter", filter="Filter")
def not_(filter: Filter) -> Filter:
    pair = (lambda p, s: not filter.pair(p, s)) if filter.pair else None
    return Filter(lambda e: not filter(e), f"not({filter.description})", pair)


@algorithm("Filter.and", returns="Filter", filters="List<Filter>")
def and_(filters: list) -> Filter:
    pair = (lambda p, s: all(f.pair(p, s) for f in filters)) if all(f.pair for f in filters) else None
    return Filter(lambda e: all(f(e) for f in filters), "and(...)", pair, scope=Scope.of_all(f.scope for f in filters))


@algorithm("Filter.or", returns="Filter", filters="List<Filter>")
def or_(filters: list) -> Filter:
    pair = (lambda p, s: any(f.pair(p, s) for f in filters)) if all(f.pair for f in filters) else None
    return Filter(lambda e: any(f(e) for f in filters), "or(...)", pair)


@algorithm("Filter.always", returns=F)
def always() -> Filter:
    return Filter(lambda e: True, "always")


@algorithm("Filter.never", returns=F)
def never() -> Filter:
    return Filter(lambda e: False, "never")


@algorithm("Filter.notNull", returns=F, properties="List<String>")
def not_null(properties) -> Filter:
    """Passes elements whose every named property is present and not null."""
    names = as_string_list(properties, "properties")
    return Filter(lambda e: all(field_value(e, n) not in (MISSING, None) for n in names), f"notNull({names})")


@algorithm("Filter.rangeContains", returns=F, field="String", minValue="Object", maxValue="Object")
def range_contains(field: str, minValue, maxValue) -> Filter:
    """minValue <= field <= maxValue, both ends inclusive (EE's docs)."""
    def test(e) -> bool:
        v = field_value(e, field)
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
    base = binary_filter("maxDifference", lambda a, b: abs(a - b) <= d, leftField, rightValue, rightField, leftValue)

    def measure(primary, secondary) -> float:
        left = field_value(primary, leftField) if leftField is not None else leftValue
        right = field_value(secondary, rightField) if rightField is not None else rightValue
        return abs(left - right)

    return replace(base, measure=measure)


@algorithm("Filter.hasType", returns="Filter", leftField="String", rightValue="Object", rightField="String",
           leftValue="Object")
def has_type(leftField=None, rightValue=None, rightField=None, leftValue=None) -> Filter:
    """The left value's type (as ObjectType names it) is the right value."""
    return binary_filter("hasType", lambda a, b: object_type(a) == b, leftField, rightValue, rightField, leftValue)
