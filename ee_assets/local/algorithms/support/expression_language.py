"""EE's expression language on numbers (Number.expression) and on element properties (Filter.expression).

The grammar is Image.expression's (C precedence, lowest first): `c ? a : b`, `||`, `&&`, `== !=`, `< <= > >=`,
`+ -`, `* / %`, unary `! - +`, `**` (right-associative); atoms are numbers, 'quoted strings', names (variables,
or an element's properties in a filter), parentheses and math functions. Division is true division (7 / 2 = 3.5,
as Number.divide); comparisons and logic give 1 or 0. Filter strings (`Collection.filter('…')`) also take the words
`and`, `or`, `not` and `x in (a, b, …)` (or `[a, b, …]`) for inList, as EE's Collection.filter documents. An
expression is compiled once into nested closures and then evaluated per element."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from ee_assets.local.errors import InvalidArgument

Lookup = Callable[[str], Any]


Node = Callable[[Lookup], Any]


_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<str>'[^']*'|\"[^\"]*\")"
                    r"|(?P<name>system:[A-Za-z_0-9]+|[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:(),\[\]]))")


def _div(a, b):
    return 0 if b == 0 else a / b


def _mod(a, b):
    return 0 if b == 0 else math.fmod(a, b)


def _compare(fn: Callable) -> Callable:
    def apply(a, b) -> int:
        try:
            return int(bool(fn(a, b)))
        except TypeError:  # e.g. a string against a number: never true
            return 0

    return apply


_BINARY: dict[str, tuple[int, Callable]] = {
    "==": (4, _compare(lambda a, b: a == b)), "!=": (4, _compare(lambda a, b: a != b)),
    "<": (5, _compare(lambda a, b: a < b)), "<=": (5, _compare(lambda a, b: a <= b)),
    ">": (5, _compare(lambda a, b: a > b)), ">=": (5, _compare(lambda a, b: a >= b)),
    "+": (6, lambda a, b: a + b), "-": (6, lambda a, b: a - b),
    "*": (7, lambda a, b: a * b), "/": (7, _div), "%": (7, _mod),
    "**": (9, lambda a, b: a**b),
}


_LOGICAL = {"||": 2, "&&": 3}


_WORDS = {"and": "&&", "or": "||", "not": "!"}  # filter strings only
_IN_PRECEDENCE = 4  # `x in (…)` binds like ==


_UNARY_PRECEDENCE = 8


_FUNCTIONS: dict[str, Callable] = {
    "abs": abs, "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "log10": math.log10, "sin": math.sin,
    "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan, "atan2": math.atan2,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "floor": math.floor, "ceil": math.ceil,
    "round": lambda x: math.floor(x + 0.5), "min": min, "max": max, "pow": math.pow, "hypot": math.hypot,
}


class ExpressionCompiler:
    """Compiles an expression once into nested closures over a name lookup: `compile()(lookup)` evaluates it."""

    def __init__(self, op: str, source: str, filter_words: bool = False) -> None:
        self.op, self.source, self.pos, self.filter_words = op, source, 0, filter_words
        self.tokens: list[tuple[str, str]] = []
        i = 0
        while i < len(source):
            m = _TOKEN.match(source, i)
            if m is None or m.end() == i:
                if source[i:].strip() == "":
                    break
                raise self.error(f"unexpected character '{source[i:].strip()[0]}'")
            kind = m.lastgroup or ""
            text = m.group(kind)
            if filter_words and kind == "name" and text.lower() in _WORDS:
                kind, text = "op", _WORDS[text.lower()]
            elif filter_words and kind == "name" and text.lower() == "in":
                kind, text = "op", "in"
            self.tokens.append((kind, text))
            i = m.end()

    def error(self, what: str) -> InvalidArgument:
        return InvalidArgument(f"{self.op}: {what} in '{self.source}'.")

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

    def compile(self) -> Node:
        node = self.expression(0)
        if self.pos != len(self.tokens):
            raise self.error(f"unexpected '{self.peek()}'")
        return node

    def expression(self, min_precedence: int) -> Node:
        left = self.unary()
        while True:
            op = self.peek()
            if op == "?" and min_precedence <= 1:
                self.take()
                yes = self.expression(0)
                self.expect(":")
                no = self.expression(1)
                left = (lambda c, y, n: lambda env: y(env) if c(env) else n(env))(left, yes, no)
                continue
            if op in _LOGICAL and _LOGICAL[op] >= min_precedence:
                self.take()
                right = self.expression(_LOGICAL[op] + 1)
                if op == "&&":
                    left = (lambda a, b: lambda env: int(bool(a(env)) and bool(b(env))))(left, right)
                else:
                    left = (lambda a, b: lambda env: int(bool(a(env)) or bool(b(env))))(left, right)
                continue
            if op == "in" and _IN_PRECEDENCE >= min_precedence:
                self.take()
                left = self.membership(left)
                continue
            if op not in _BINARY or _BINARY[op][0] < min_precedence:
                return left
            precedence, fn = _BINARY[op]
            self.take()
            right = self.expression(precedence if op == "**" else precedence + 1)
            left = (lambda f, a, b: lambda env: f(a(env), b(env)))(fn, left, right)

    def membership(self, left: Node) -> Node:
        """`left in (a, b, …)`: 1 when left equals one of the listed values (Filter.inList)."""
        opening = self.take()[1]
        if opening not in ("(", "["):
            raise self.error("expected a parenthesized list after 'in'")
        closing = ")" if opening == "(" else "]"
        items: list[Node] = []
        while self.peek() != closing:
            items.append(self.expression(0))
            if self.peek() == ",":
                self.take()
        self.expect(closing)
        return lambda env: int(any(_compare(lambda a, b: a == b)(left(env), item(env)) for item in items))

    def unary(self) -> Node:
        op = self.peek()
        if op in ("-", "+", "!"):
            self.take()
            inner = self.expression(_UNARY_PRECEDENCE)
            if op == "-":
                return lambda env: -inner(env)
            if op == "!":
                return lambda env: int(not inner(env))
            return inner
        return self.atom()

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            value = float(text) if any(c in text for c in ".eE") else int(text)
            return lambda env: value
        if kind == "str":
            literal = text[1:-1]
            return lambda env: literal
        if text == "(":
            node = self.expression(0)
            self.expect(")")
            return node
        if kind == "name":
            if self.peek() == "(":
                return self.call(text)
            return lambda env: env(text)
        raise self.error(f"unexpected '{text}'")

    def call(self, name: str) -> Node:
        self.take()
        args = [] if self.peek() == ")" else [self.expression(0)]
        while self.peek() == ",":
            self.take()
            args.append(self.expression(0))
        self.expect(")")
        fn = _FUNCTIONS.get(name)
        if fn is None:
            raise self.error(f"unknown function '{name}'")

        def apply(env):
            try:
                return fn(*(a(env) for a in args))
            except (TypeError, ValueError) as e:
                raise self.error(f"{name}: {e}") from e

        return apply
