"""Filter.expression: a filter from EE's expression language over element properties
(support/expression_language.py)."""

from __future__ import annotations

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.expression_language import ExpressionCompiler
from ee_assets.local.algorithms.support.predicates import MISSING, field_value
from ee_assets.local.values.filter import Filter


@algorithm("Filter.expression", returns="Filter", expression="String")
def filter_expression(expression: str) -> Filter:
    """A filter from a string such as "cloud < 20 && name != 'x'": names are the element's properties; an element
    missing a property used by the expression does not pass."""
    node = ExpressionCompiler("Filter.expression", str(expression)).compile()

    class _Missing(Exception):
        pass

    def test(element) -> bool:
        def lookup(name: str):
            value = field_value(element, name)
            if value is MISSING or value is None:
                raise _Missing
            return value

        try:
            return bool(node(lookup))
        except _Missing:
            return False

    return Filter(test, f"expression({expression})")
