"""EE's image expression language (`ee.Image.expression`): a small Pratt parser that builds the result from the
same Image algorithms a script would call, so band matching, masks and types follow their rules.

The client sends `Image.parseExpression(expression, argName, vars)`, whose result is a function of the named
images, and then calls it. Grammar (C-like precedence, lowest first): `c ? a : b`, `||`, `&&`, `== !=`,
`< <= > >=`, `+ -`, `* / %`, unary `! - +`, `**` (right-associative); atoms are numbers, variables, `var.band`,
`var[0]` / `var['band']`, `b(0)` / `b('band')` / `b()` on the default image, parentheses and math functions
(`abs`, `sqrt`, `exp`, `log`, `min(x, y)`, `pow(x, y)`, … — the Image unary and binary functions).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ee_assets.local.algorithms.image import math as image_math
from ee_assets.local.algorithms.image.core import select
from ee_assets.local.algorithms.image.masks import where
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Image

_TOKEN = re.compile(r"""\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<str>'[^']*'|"[^"]*")
                        |(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:().,\[\]]))""",
                    re.VERBOSE)

_BINARY = {  # operator: (precedence, Image algorithm)
    "||": (2, "or"), "&&": (3, "and"),
    "==": (4, "eq"), "!=": (4, "neq"),
    "<": (5, "lt"), "<=": (5, "lte"), ">": (5, "gt"), ">=": (5, "gte"),
    "+": (6, "add"), "-": (6, "subtract"),
    "*": (7, "multiply"), "/": (7, "divide"), "%": (7, "mod"),
    "**": (9, "pow"),
}
_UNARY_PRECEDENCE = 8
_FUNCTIONS_1 = set(image_math.UNARY) | {"round", "not"}
_FUNCTIONS_2 = set(image_math.BINARY) | {"add", "subtract", "multiply", "divide"}


@dataclass
class _Tokens:
    items: list[tuple[str, str]]
    source: str
    pos: int = 0

    def peek(self) -> tuple[str, str]:
        return self.items[self.pos] if self.pos < len(self.items) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.pos += 1
        return tok

    def expect(self, text: str) -> None:
        kind, value = self.take()
        if value != text:
            found = value or "the end of the expression"
            raise InvalidArgument(f"Image.parseExpression: expected '{text}' but found '{found}' in "
                                  f"'{self.source}'.")


def tokenize(source: str) -> _Tokens:
    items, pos = [], 0
    source_stripped = source.rstrip()
    while pos < len(source_stripped):
        m = _TOKEN.match(source_stripped, pos)
        if not m or m.end() == pos:
            raise InvalidArgument(f"Image.parseExpression: unexpected character at position {pos} in '{source}'.")
        kind = m.lastgroup
        items.append((kind, m.group(kind)))
        pos = m.end()
    return _Tokens(items, source)


class _Builder:
    """Parses and evaluates in one pass: every node is an Image built by the registered Image algorithms."""

    def __init__(self, tokens: _Tokens, images: dict[str, Image], default: str, free_to_bands: bool):
        self.t = tokens
        self.images = images
        self.default = default
        self.free_to_bands = free_to_bands

    def parse(self) -> Image:
        result = self.expression(0)
        if self.t.peek()[0] != "end":
            raise InvalidArgument(f"Image.parseExpression: unexpected '{self.t.peek()[1]}' in '{self.t.source}'.")
        return result

    def expression(self, min_prec: int) -> Image:
        left = self.unary()
        while True:
            kind, op = self.t.peek()
            if kind == "op" and op == "?" and min_prec <= 1:
                self.t.take()
                yes = self.expression(0)
                self.t.expect(":")
                no = self.expression(1)
                left = where(no, left, yes)
                continue
            if kind != "op" or op not in _BINARY or _BINARY[op][0] < min_prec:
                return left
            prec, name = _BINARY[op]
            self.t.take()
            right = self.expression(prec if op == "**" else prec + 1)
            left = image_math.BINARY_ALGORITHMS[name](left, right)

    def unary(self) -> Image:
        kind, op = self.t.peek()
        if kind == "op" and op in ("-", "+", "!"):
            self.t.take()
            operand = self.expression(_UNARY_PRECEDENCE)
            if op == "-":
                return image_math.BINARY_ALGORITHMS["multiply"](operand, as_image(-1))
            return image_math.UNARY_ALGORITHMS["not"](operand) if op == "!" else operand
        return self.postfix(self.atom())

    def atom(self) -> Image | str:
        kind, value = self.t.take()
        if kind == "num":
            return as_image(_number(value))
        if kind == "str":
            return value[1:-1]
        if kind == "op" and value == "(":
            inner = self.expression(0)
            self.t.expect(")")
            return inner
        if kind == "name":
            if self.t.peek()[1] == "(":
                return self.call(value)
            return self.variable(value)
        found = value or "the end of the expression"
        raise InvalidArgument(f"Image.parseExpression: unexpected '{found}' in '{self.t.source}'.")

    def postfix(self, node):
        while True:
            kind, op = self.t.peek()
            if op == "." and isinstance(node, Image):
                self.t.take()
                kind, band = self.t.take()
                if kind != "name":
                    raise InvalidArgument(f"Image.parseExpression: expected a band name after '.' in "
                                          f"'{self.t.source}'.")
                node = _select(node, [band])
            elif op == "[" and isinstance(node, Image):
                self.t.take()
                node = _select(node, self.arguments("]"))
            else:
                if isinstance(node, str):
                    raise InvalidArgument(f"Image.parseExpression: a string ('{node}') can only name a band.")
                return node

    def arguments(self, close: str) -> list:
        args = []
        if self.t.peek()[1] != close:
            while True:
                kind, value = self.t.peek()
                if kind in ("num", "str") and self.t.items[self.t.pos + 1:self.t.pos + 2] in ([("op", ",")],
                                                                                             [("op", close)]):
                    self.t.take()
                    args.append(value[1:-1] if kind == "str" else _number(value))
                else:
                    args.append(self.expression(0))
                if self.t.peek()[1] != ",":
                    break
                self.t.take()
        self.t.expect(close)
        return args

    def call(self, name: str) -> Image:
        self.t.expect("(")
        args = self.arguments(")")
        if name == "b":
            image = self.images[self.default]
            return _select(image, args) if args else image
        images = [a if isinstance(a, Image) else as_image(a) for a in args]
        if name in _FUNCTIONS_1 and len(images) == 1:
            return image_math.UNARY_ALGORITHMS[name](images[0])
        if name in _FUNCTIONS_2 and len(images) == 2:
            return image_math.BINARY_ALGORITHMS[name](images[0], images[1])
        raise InvalidArgument(f"Image.parseExpression: unknown function '{name}' with {len(images)} argument(s) in "
                              f"'{self.t.source}'. Known: b(), {', '.join(sorted(_FUNCTIONS_1 | _FUNCTIONS_2))}.")

    def variable(self, name: str) -> Image:
        if name in self.images:
            return self.images[name]
        default = self.images.get(self.default)
        if self.free_to_bands and default is not None and name in default.band_names:
            return _select(default, [name])
        raise InvalidArgument(f"Image.parseExpression: unknown variable '{name}' in '{self.t.source}'; pass it in "
                              "the map of images (ee.Image.expression(expr, {'" + name + "': image})).")


def _number(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _select(image: Image, selectors: list) -> Image:
    sels = [s if isinstance(s, (str, int)) and not isinstance(s, bool) else _literal(s) for s in selectors]
    return select(image, [f"^{re.escape(s)}$" if isinstance(s, str) else s for s in sels])


def _literal(value: Any):
    raise InvalidArgument(f"Image.parseExpression: band selectors must be numbers or quoted names, got {value!r}.")


@algorithm("Image.parseExpression", returns="Algorithm", expression="String", argName="String", vars="List<String>",
           mapFreeVarsToDefaultImageBands="Boolean")
def parse_expression(expression: str, argName: str, vars: list,
                     mapFreeVarsToDefaultImageBands: bool = False) -> Callable[..., Image]:
    """A function of the images named in `vars` that evaluates `expression` (see the module docstring)."""
    if not isinstance(expression, str):
        raise InvalidArgument("Image.parseExpression: 'expression' must be a string.")
    names = as_string_list(vars, "vars")
    tokens = tokenize(expression)
    if not tokens.items:
        raise InvalidArgument("Image.parseExpression: the expression is empty.")

    def run(**images) -> Image:
        missing = [n for n in names if n not in images]
        if missing:
            raise InvalidArgument(f"Image.parseExpression: missing image(s) for {', '.join(missing)}.")
        bound = {n: as_image(images[n], n) for n in names}
        return _Builder(_Tokens(tokens.items, expression), bound, argName, mapFreeVarsToDefaultImageBands).parse()

    return run
