"""String algorithms. Regular expressions follow Java's syntax, which Python's `re` shares for what scripts use;
replacement strings use Java's `$1` group references."""

from __future__ import annotations

import json
import re

from ee_assets.local import budget
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.jsonify import to_json


@algorithm("String", returns="String", input="Object")
def string(input) -> str:
    return input if isinstance(input, str) else str(input)


def _str(value, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"Invalid argument for '{name}': expected a String, got {type(value).__name__}.")
    return value


def _regex(regex: str, flags: str, op: str) -> re.Pattern:
    bits = re.IGNORECASE if "i" in flags else 0
    try:
        return re.compile(regex, bits)
    except re.error as e:
        raise InvalidArgument(f"{op}: invalid regular expression '{regex}': {e}.") from e


@algorithm("String.cat", returns="String", string1="String", string2="String")
def cat(string1: str, string2: str) -> str:
    first, second = _str(string1, "string1"), _str(string2, "string2")
    budget.require(len(first) + len(second), "String.cat")
    return first + second


@algorithm("String.compareTo", returns="Integer", string1="String", string2="String")
def compare_to(string1: str, string2: str) -> int:
    """Java's String.compareTo: the difference of the first differing chars, else of the lengths."""
    a, b = _str(string1, "string1"), _str(string2, "string2")
    for x, y in zip(a, b, strict=False):
        if x != y:
            return ord(x) - ord(y)
    return len(a) - len(b)


@algorithm("String.equals", returns="Boolean", reference="String", target="Object")
def equals(reference: str, target) -> bool:
    return isinstance(target, str) and _str(reference, "reference") == target


@algorithm("String.length", returns="Integer", string="String")
def length(string: str) -> int:
    return len(_str(string, "string"))


@algorithm("String.slice", returns="String", string="String", start="Integer", end="Integer")
def slice_(string: str, start: int, end: int | None = None) -> str:
    s = _str(string, "string")
    return s[int(start): int(end) if end is not None else None]


@algorithm("String.index", returns="Integer", target="String", pattern="String")
def index(target: str, pattern: str) -> int:
    return _str(target, "target").find(_str(pattern, "pattern"))


@algorithm("String.rindex", returns="Integer", target="String", pattern="String")
def rindex(target: str, pattern: str) -> int:
    return _str(target, "target").rfind(_str(pattern, "pattern"))


@algorithm("String.toUpperCase", returns="String", string="String")
def to_upper(string: str) -> str:
    return _str(string, "string").upper()


@algorithm("String.toLowerCase", returns="String", string="String")
def to_lower(string: str) -> str:
    return _str(string, "string").lower()


@algorithm("String.trim", returns="String", string="String")
def trim(string: str) -> str:
    return _str(string, "string").strip()


@algorithm("String.replace", returns="String", input="String", regex="String", replacement="String", flags="String")
def replace(input: str, regex: str, replacement: str, flags: str = "") -> str:
    """Replace the first match, or every match with flag 'g' (JavaScript's String.replace, as EE documents)."""
    pattern = _regex(regex, flags, "String.replace")
    python_repl = re.sub(r"\$(\d+)", r"\\g<\1>", _str(replacement, "replacement").replace("\\", "\\\\"))
    matches = sum(1 for _ in pattern.finditer(_str(input, "input"))) if "g" in flags else 1
    budget.require(len(input) + matches * len(python_repl), "String.replace")
    return pattern.sub(python_repl, _str(input, "input"), count=0 if "g" in flags else 1)


@algorithm("String.split", returns="List<String>", string="String", regex="String", flags="String")
def split(string: str, regex: str, flags: str = "") -> list[str]:
    """Java's String.split: an empty regex splits into characters; trailing empty strings are dropped."""
    s = _str(string, "string")
    if regex == "":
        return list(s)
    parts = _regex(regex, flags, "String.split").split(s)
    while parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    return parts


@algorithm("String.match", returns="List<String>", input="String", regex="String", flags="String")
def match(input: str, regex: str, flags: str = "") -> list[str]:
    """JavaScript's String.match: with 'g' every match, else the first match and its groups; [] if none."""
    pattern = _regex(regex, flags, "String.match")
    s = _str(input, "input")
    if "g" in flags:
        return [m.group(0) for m in pattern.finditer(s)]
    m = pattern.search(s)
    return [] if m is None else [m.group(0), *(g if g is not None else "" for g in m.groups())]


@algorithm("String.encodeJSON", returns="String", object="Object")
def encode_json(object) -> str:
    return json.dumps(to_json(object), separators=(",", ":"))


@algorithm("String.decodeJSON", returns="Object", string="String")
def decode_json(string: str):
    try:
        return json.loads(_str(string, "string"))
    except json.JSONDecodeError as e:
        raise InvalidArgument(f"String.decodeJSON: not valid JSON ({e}).") from e
