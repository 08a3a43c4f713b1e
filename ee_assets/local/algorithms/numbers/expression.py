"""Number.expression: EE's expression language over named numbers (support/expression_language.py)."""

from __future__ import annotations

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_number
from ee_assets.local.algorithms.support.expression_language import ExpressionCompiler


@algorithm("Number.expression", returns="Number", expression="String", vars="Dictionary<Object>")
def number_expression(expression: str, vars: dict | None = None):
    variables = {k: as_number(v, k) for k, v in (vars or {}).items()}
    compiler = ExpressionCompiler("Number.expression", str(expression))
    node = compiler.compile()

    def lookup(name: str):
        if name not in variables:
            raise compiler.error(f"unknown variable '{name}'")
        return variables[name]

    value = node(lookup)
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value
