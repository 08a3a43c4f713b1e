"""Number.expression: EE's expression language evaluated on numbers.

The grammar is Image.expression's (C precedence, lowest first): `c ? a : b`, `||`, `&&`, `== !=`, `< <= > >=`,
`+ -`, `* / %`, unary `! - +`, `**` (right-associative); atoms are numbers, variables from `vars`, parentheses and
math functions. Division is true division (7 / 2 = 3.5, as Number.divide); comparisons and logic give 1 or 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from ee_assets.local.algorithms.coerce import as_number
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument

_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:(),]))")


def _div(a, b):
    return 0 if b == 0 else a / b


def _mod(a, b):
    return 0 if b == 0 else math.fmod(a, b)


_BINARY: dict[str, tuple[int, Callable]] = {
    "||": (2, lambda a, b: int(bool(a) or bool(b))), "&&": (3, lambda a, b: int(bool(a) and bool(b))),
    "==": (4, lambda a, b: int(a == b)), "!=": (4, lambda a, b: int(a != b)),
    "<": (5, lambda a, b: int(a < b)), "<=": (5, lambda a, b: int(a <= b)),
    ">": (5, lambda a, b: int(a > b)), ">=": (5, lambda a, b: int(a >= b)),
    "+": (6, lambda a, b: a + b), "-": (6, lambda a, b: a - b),
    "*": (7, lambda a, b: a * b), "/": (7, _div), "%": (7, _mod),
    "**": (9, lambda a, b: a**b),
}
_UNARY_PRECEDENCE = 8
_FUNCTIONS: dict[str, Callable] = {
    "abs": abs, "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "log10": math.log10, "sin": math.sin,
    "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan, "atan2": math.atan2,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "floor": math.floor, "ceil": math.ceil,
    "round": lambda x: math.floor(x + 0.5), "min": min, "max": max, "pow": math.pow, "hypot": math.hypot,
}


class _Parser:
    def __init__(self, source: str, variables: dict) -> None:
        self.source, self.vars, self.pos = source, variables, 0
        self.tokens: list[tuple[str, str]] = []
        i = 0
        while i < len(source):
            m = _TOKEN.match(source, i)
            if m is None or m.end() == i:
                if source[i:].strip() == "":
                    break
                raise self.error(f"unexpected character '{source[i:].strip()[0]}'")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            i = m.end()

    def error(self, what: str) -> InvalidArgument:
        return InvalidArgument(f"Number.expression: {what} in '{self.source}'.")

    def peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.error("unexpected end of the expression")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expect(self, text: str) -> None:
        if self.take()[1] != text:
            raise self.error(f"expected '{text}'")

    def parse(self, min_precedence: int = 0):
        left = self.unary()
        while True:
            op = self.peek()
            if op == "?" and min_precedence <= 1:
                self.take()
                yes = self.parse(0)
                self.expect(":")
                no = self.parse(1)
                left = yes if left else no
                continue
            if op not in _BINARY or _BINARY[op][0] < min_precedence:
                return left
            precedence, fn = _BINARY[op]
            self.take()
            right = self.parse(precedence if op == "**" else precedence + 1)
            left = fn(left, right)

    def unary(self):
        op = self.peek()
        if op in ("-", "+", "!"):
            self.take()
            value = self.parse(_UNARY_PRECEDENCE)
            return -value if op == "-" else value if op == "+" else int(not value)
        return self.atom()

    def atom(self):
        kind, text = self.take()
        if kind == "num":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if text == "(":
            value = self.parse(0)
            self.expect(")")
            return value
        if kind == "name":
            if self.peek() == "(":
                self.take()
                args = [] if self.peek() == ")" else [self.parse(0)]
                while self.peek() == ",":
                    self.take()
                    args.append(self.parse(0))
                self.expect(")")
                fn = _FUNCTIONS.get(text)
                if fn is None:
                    raise self.error(f"unknown function '{text}'")
                try:
                    return fn(*args)
                except (TypeError, ValueError) as e:
                    raise self.error(f"{text}: {e}") from e
            if text not in self.vars:
                raise self.error(f"unknown variable '{text}'")
            return self.vars[text]
        raise self.error(f"unexpected '{text}'")


@algorithm("Number.expression", returns="Number", expression="String", vars="Dictionary<Object>")
def expression(expression: str, vars: dict | None = None):
    variables = {k: as_number(v, k) for k, v in (vars or {}).items()}
    parser = _Parser(str(expression), variables)
    value = parser.parse(0)
    if parser.pos != len(parser.tokens):
        raise parser.error(f"unexpected '{parser.peek()}'")
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value
