"""Filters written as strings (Filter.expression, Collection.filter('…')) in EE's expression language
(expression_language.py) over element properties."""

from __future__ import annotations

from ee_assets.local.algorithms.support.expression_language import ExpressionCompiler
from ee_assets.local.algorithms.support.predicates import MISSING, field_value
from ee_assets.local.values.filter import Filter


def parse_filter_string(op: str, expression: str) -> Filter:
    """The Filter a string such as "cloud < 20 and name in ('a', 'b')" describes (Filter.expression, and
    Collection.filter given a string)."""
    node = ExpressionCompiler(op, expression, filter_words=True).compile()

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
