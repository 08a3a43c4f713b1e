"""Serialized EE expressions (the wire form of a graph): canonical bytes, content hash and a short summary.

The hash identifies a computation independently of how it was built, so it serves as the expression assets'
data version and lets an error name the request that caused it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import ee


def serialize(graph: ee.ComputedObject) -> dict:
    """The Expression (`{"values": ..., "result": ...}`) the REST API expects for `graph`."""
    return ee.serializer.encode(graph)


def canonical_json(value: Any) -> bytes:
    """Compact JSON with sorted keys: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def expression_hash(expression: dict) -> str:
    """sha256 (hex) of the expression's canonical JSON."""
    return hashlib.sha256(canonical_json(expression)).hexdigest()


def request_body(expression: dict) -> dict:
    """The compute request body for `expression` (paging and output options are added by the client)."""
    return {"expression": expression}


def _nodes(value: Any) -> Iterator[dict]:
    """Every dict nested in `value` (depth first)."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _nodes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _nodes(v)


VALUE_KINDS = frozenset({"constantValue", "integerValue", "bytesValue", "arrayValue", "dictionaryValue",
                         "functionDefinitionValue", "functionInvocationValue", "argumentReference", "valueReference"})


def node_count(expression: dict) -> int:
    """Number of ValueNodes in the expression (shared ones counted once, where they are defined)."""
    return sum(1 for node in _nodes(expression) if VALUE_KINDS.intersection(node))


def algorithms(expression: dict) -> list[str]:
    """Sorted names of the EE algorithms the expression invokes."""
    return sorted({node["functionName"] for node in _nodes(expression) if isinstance(node.get("functionName"), str)})
