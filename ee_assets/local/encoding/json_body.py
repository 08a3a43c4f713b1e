"""JSON response bodies: orjson, with the standard library's encoder for what orjson does not take.

The standard encoder spends about 2 µs per number; an answer with 100,000 GeoJSON positions took longer to write
than the zonal statistics took to compute. orjson writes the same document (same keys in the same order, numbers
that parse to the same floats: both write the shortest text that round-trips, e.g. `1e-05` vs `1e-5`) an order of
magnitude faster. What orjson refuses — integers beyond 64 bits, strings that are not valid UTF-8, keys that are
not strings, numpy scalars, subclasses of the built-in types, and the dataclasses and dates it would otherwise write
on its own — goes through `json.dumps` as before, with the same result or the same error.

Geometries' coordinates may come already written (values.geojson.CoordinatesJSON, inside
`coordinates_as_json()`): orjson embeds the text, the standard encoder parses it back.

Non-finite numbers never reach here as numbers: `values.jsonify.to_json` turns them into null and geometries
refuse them (values/geojson.py); orjson would write null, the standard encoder raised.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ee_assets.local.values.geojson import CoordinatesJSON

# Refuse what json.dumps would write differently or refuse, so that it takes those documents.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def json_body(obj: Any) -> bytes:
    """`obj` as compact JSON (UTF-8)."""
    try:
        return orjson.dumps(obj, option=_OPTIONS, default=_embedded)
    except orjson.JSONEncodeError:
        return json.dumps(obj, separators=(",", ":"), allow_nan=False, default=_parsed).encode()


def _embedded(obj: Any) -> orjson.Fragment:
    if isinstance(obj, CoordinatesJSON):
        return orjson.Fragment(obj.text)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _parsed(obj: Any) -> Any:
    if isinstance(obj, CoordinatesJSON):
        return obj.value()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
