"""Property predicates: how filters read an element's fields, and two-sided filters comparing a left and a right
value (a join condition reads the left field from the primary element and the right one from the secondary).

The special field '.all' (and '.geo') is the element's geometry (an image's footprint); in List.filter a plain
value is the property 'item'."""

from __future__ import annotations

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.filter import Filter
from ee_assets.local.values.image import Image
from ee_assets.local.values.lazy_collection import comparison_scope

MISSING = object()


def field_value(element, name: str):
    if name in (".all", ".geo"):
        if isinstance(element, Feature):
            return element.geometry
        if isinstance(element, Image):
            return element.footprint()
        return None
    if not isinstance(element, (Feature, Image, Collection)):
        return element if name == "item" else MISSING  # List.filter: a plain value is the property 'item'
    return element.properties.get(name, MISSING)


def binary_filter(op: str, compare, leftField=None, rightValue=None, rightField=None, leftValue=None) -> Filter:
    if (leftField is None) == (leftValue is None) or (rightField is None and rightValue is None):
        raise InvalidArgument(f"Filter.{op}: specify exactly one of leftField/leftValue and one of "
                              "rightField/rightValue.")

    def pair(primary, secondary):
        left = field_value(primary, leftField) if leftField is not None else leftValue
        right = field_value(secondary, rightField) if rightField is not None else rightValue
        if left is MISSING or right is MISSING:
            return False
        try:
            return compare(left, right)
        except TypeError:
            return False

    return Filter(lambda e: pair(e, e), f"{op}({leftField or leftValue!r}, {rightField or rightValue!r})", pair,
                  scope=comparison_scope(op, leftField, rightValue, rightField, leftValue))
