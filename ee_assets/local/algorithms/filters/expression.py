"""Filter.expression: a filter from EE's expression language over element properties
(support/expression_language.py)."""

from __future__ import annotations

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.filter_strings import parse_filter_string
from ee_assets.local.values.filter import Filter


@algorithm("Filter.expression", returns="Filter", expression="String")
def filter_expression(expression: str) -> Filter:
    """A filter from a string such as "cloud < 20 && name != 'x'": names are the element's properties; an element
    missing a property used by the expression does not pass."""
    return parse_filter_string("Filter.expression", str(expression))
