"""JSON response bodies: the same documents the standard library writes, and its result or error for what orjson
does not take."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ee_assets.local.encoding.json_body import json_body


def stdlib(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()


DOCUMENTS = {
    "nested": {"type": "FeatureCollection", "columns": {"b": "Number", "a": "String"}, "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": (1e-05, -0.0)},
         "properties": {"z": 1, "a": None}, "id": "0"}]},
    "floats": [0.1, 1 / 3, 1e16, 1e22, 5e-324, 1.7976931348623157e308, -2.5e-7, 123456789.123456789, 2.0, -0.0],
    "integers": [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), True, False],
    "strings": ["", "é ü 中文 🌍", 'quote " backslash \\ tab \t newline \n', "\u2028\u2029", "\x00\x1f"],
}
FALLBACK = {  # orjson refuses these; json.dumps takes them as before
    "big integer": {"n": 2**64},
    "lone surrogate": ["\ud800"],
    "integer keys": {1: "a", 2.5: "b", False: "c", None: "d"},
    "numpy float": [np.float64(1.25)],
}


@pytest.mark.parametrize("name", [*DOCUMENTS, *FALLBACK])
def test_same_document_as_json_dumps(name):
    obj = {**DOCUMENTS, **FALLBACK}[name]
    body = json_body(obj)
    # Same keys in the same order and the same values (floats parse to the same doubles).
    assert json.dumps(json.loads(body)) == json.dumps(json.loads(stdlib(obj)))
    body.decode("utf-8")


def test_what_json_dumps_refuses_is_refused():
    with pytest.raises(TypeError):
        json_body({"x": np.int64(3)})
    with pytest.raises(TypeError):
        json_body({"x": object()})
