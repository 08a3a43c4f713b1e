"""Expression files: the exact request body an expression asset stores and its result asset POSTs.

The file holds `{"expression": <Expression>}` as compact, key-sorted JSON; the result asset adds only paging
or output options. Its hash is the expression asset's data version, so Dagster can tell when a result is stale.
"""

from __future__ import annotations

import json

import dagster as dg
import ee

from ee_assets.defs.storage import OutputStore
from ee_assets.storage import Publication
from ee_assets.transport.expression import algorithms, canonical_json, expression_hash, node_count, request_body

SUFFIX = ".json"


def expression_metadata(expression: dict, uri: str) -> dict[str, object]:
    """What a stored expression is: hash, size, algorithms used, client version, file."""
    return {
        "expression_sha256": expression_hash(expression),
        "node_count": node_count(expression),
        "algorithms": dg.MetadataValue.json(algorithms(expression)),
        "earthengine_api": ee.__version__,
        "request_bytes": len(canonical_json(request_body(expression))),
        "path": dg.MetadataValue.path(uri),
        "dagster/uri": dg.MetadataValue.path(uri),
    }


def write_expression(outputs: Publication, asset: str, partition: str | None, expression: dict,
                     grid: str | None = None) -> dict[str, object]:
    """Stage the request body for `expression` in the partition's publication; return its metadata."""
    key = OutputStore.key(asset, partition, SUFFIX, grid)
    uri = outputs.write_bytes(key, canonical_json(request_body(expression)) + b"\n")
    return expression_metadata(expression, uri)


def read_expression(store: OutputStore, asset: str, partition: str | None, grid: str | None = None) -> dict:
    """The stored expression; a clear failure if the expression asset has not been materialized."""
    where = store.uri(asset, partition, SUFFIX, grid)
    which = f" for partition {partition}" if partition else ""
    try:
        body = json.loads(store.read_bytes(asset, partition, SUFFIX, grid))
    except FileNotFoundError:
        raise dg.Failure(f"No stored expression at {where}: materialize {asset}{which} first.",
                         allow_retries=False) from None
    except json.JSONDecodeError as e:
        raise dg.Failure(f"The stored expression at {where} is not valid JSON ({e}); rematerialize {asset}{which}.",
                         allow_retries=False) from None
    if not isinstance(body, dict) or not isinstance(body.get("expression"), dict):
        raise dg.Failure(f"{where} does not hold a request body with an 'expression'; rematerialize {asset}{which}.",
                         allow_retries=False)
    return body["expression"]
