"""Expression files: the exact request body an expression asset stores and its result asset POSTs.

The file holds `{"expression": <Expression>}` as compact, key-sorted JSON; the result asset adds only paging
or output options. Its hash is the expression asset's data version, so Dagster can tell when a result is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import ee

from ee_assets.defs.storage import write_bytes_atomic
from ee_assets.transport.expression import algorithms, canonical_json, expression_hash, node_count, request_body


def expression_metadata(expression: dict, path: Path) -> dict[str, object]:
    """What a stored expression is: hash, size, algorithms used, client version, file."""
    return {
        "expression_sha256": expression_hash(expression),
        "node_count": node_count(expression),
        "algorithms": dg.MetadataValue.json(algorithms(expression)),
        "earthengine_api": ee.__version__,
        "request_bytes": len(canonical_json(request_body(expression))),
        "path": dg.MetadataValue.path(str(path)),
    }


def write_expression(path: Path, expression: dict) -> dict[str, object]:
    """Atomically store the request body for `expression`; return its metadata."""
    write_bytes_atomic(path, canonical_json(request_body(expression)) + b"\n")
    return expression_metadata(expression, path)


def read_expression(path: Path, upstream: str, partition: str) -> dict:
    """The stored expression; a clear failure if the upstream asset has not been materialized."""
    try:
        body = json.loads(path.read_text())
    except FileNotFoundError:
        raise dg.Failure(f"No stored expression at {path}: materialize {upstream} for partition {partition} first.",
                         allow_retries=False) from None
    except json.JSONDecodeError as e:
        raise dg.Failure(f"The stored expression at {path} is not valid JSON ({e}); rematerialize {upstream} "
                         f"for partition {partition}.", allow_retries=False) from None
    if not isinstance(body, dict) or not isinstance(body.get("expression"), dict):
        raise dg.Failure(f"{path} does not hold a request body with an 'expression'; rematerialize {upstream} "
                         f"for partition {partition}.", allow_retries=False)
    return body["expression"]
