"""Collections generated on demand: what filters say about time and place (Scope), and elements pulled only as far
as they are asked for, tested by every filter, bounded in number."""

from __future__ import annotations

import math

import pytest
import shapely

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, DateRange, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.lazy_collection import LazyElements, Scope, comparison_scope


def numbers(scopes: list):
    """A source of the integers 0..999 as 'times', recording each scope it is asked for."""
    def source(scope: Scope):
        scopes.append(scope)
        lo = 0 if scope.start == -math.inf else int(scope.start)
        hi = 1000 if scope.end == math.inf else min(1000, int(scope.end))
        yield from range(lo, hi)
    return source


def test_scopes_meet():
    a = Scope(10, 50, shapely.box(0, 0, 2, 2))
    b = Scope(20, 80, shapely.box(1, 1, 3, 3))
    both = a.meet(b)
    assert (both.start, both.end) == (20, 50) and both.region.equals(shapely.box(1, 1, 2, 2))
    assert a.meet(None) is a and Scope(5, 5).empty and Scope.of_all([None, None]) is None
    assert Scope.of_all([None, Scope(1, 9), Scope(3, 20)]) == Scope(3, 9)


def test_filters_that_say_something_about_time_and_place():
    assert comparison_scope("dateRangeContains", leftValue=DateRange(5, 10), rightField="system:time_start") == \
        Scope(5, 10)
    assert comparison_scope("dateRangeContains", leftValue=DateRange(5, 10), rightField="other") is None
    point = Geometry(shapely.Point(1, 2))
    assert comparison_scope("intersects", leftField=".all", rightValue=point).region.equals(shapely.Point(1, 2))
    fc = Collection([Feature(point, {}), Feature(Geometry(shapely.box(5, 5, 6, 6)), {})])
    region = comparison_scope("intersects", leftValue=fc, rightField=".geo").region
    assert region.intersects(shapely.Point(5.5, 5.5)) and not region.intersects(shapely.Point(3, 3))
    assert comparison_scope("equals", leftField="x", rightValue=1) is None


def test_elements_are_pulled_only_as_far_as_asked():
    scopes = []
    pulled = []

    def source(scope):
        for i in numbers(scopes)(scope):
            pulled.append(i)
            yield i

    items = LazyElements(source, "numbers")
    assert items[0] == 0 and pulled == [0] and bool(items)
    assert items[:3] == [0, 1, 2] and pulled == [0, 1, 2]
    assert list(zip(range(5), items, strict=False)) == [(i, i) for i in range(5)] and len(pulled) == 5
    assert len(items) == 1000 and items[-1] == 999


def test_narrowing_pushes_the_scope_down_and_still_tests_each_element():
    scopes = []
    items = LazyElements(numbers(scopes), "numbers")
    even_in_window = items.narrowed(lambda i: i % 2 == 0, Scope(100, 110)).narrowed(lambda i: i > 103, None)
    assert list(even_in_window) == [104, 106, 108]
    assert scopes == [Scope(100, 110)]
    assert not LazyElements(numbers([]), "numbers", Scope(7, 7))  # an empty scope asks the source for nothing


def test_too_many_elements_fail_clearly():
    items = LazyElements(numbers([]), "ImageCollection 'X'", max_elements=100)
    assert items[:100] == list(range(100))
    with pytest.raises(InvalidArgument, match="ImageCollection 'X': more than 100 elements .* filterDate"):
        len(items)
