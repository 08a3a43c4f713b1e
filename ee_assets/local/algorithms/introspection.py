"""ee.Algorithms.ObjectType, IsEqual and Describe: what a value is, and whether two values are equal."""

from __future__ import annotations

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import object_type
from ee_assets.local.values.jsonify import to_json


@algorithm("ObjectType", returns="String", value="Object")
def object_type_(value=None) -> str:
    return object_type(value)


@algorithm("IsEqual", returns="Boolean", left="Object", right="Object")
def is_equal(left=None, right=None) -> bool:
    """Deep equality of the two values as EE would print them."""
    return to_json(left) == to_json(right)


@algorithm("Describe", returns="Object", input="Object")
def describe(input):
    """The value itself: its description is its getInfo() form."""
    return input
