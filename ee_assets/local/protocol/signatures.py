"""Algorithm signatures served by `GET /v1/projects/{p}/algorithms`.

`ee.Initialize` builds every `ee.Image.add`-style method from this list (via
`ee.data.getAlgorithms` → `_cloud_api_utils.convert_algorithms` → `ApiFunction.initialize`), so the
server publishes the client's own full signature list (shipped with earthengine-api as
`ee/tests/algorithms.json`): client code then behaves exactly as against the real service, and calling
an algorithm the local evaluator lacks fails at evaluation time with a clear error instead of an
`AttributeError` on the client. Each description says whether the local server implements it.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ee_assets.local.algorithms.registry import Algorithm

IMPLEMENTED_PREFIX = "[ee_assets local: implemented] "
NOT_IMPLEMENTED_PREFIX = "[ee_assets local: not implemented] "

_NAME_PREFIX = "algorithms/"


@functools.cache
def _cached_client_signatures() -> tuple[dict, ...] | None:
    """Parse the client's signature file once (it is ~750 kB and requested on every `ee.Initialize`)."""
    try:
        resource = importlib.resources.files("ee").joinpath("tests").joinpath("algorithms.json")
        text = resource.read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return None
    return tuple(json.loads(text).get("algorithms", []))


def client_signatures() -> list[dict] | None:
    """The full algorithm signature list shipped with the installed earthengine-api (ee/tests/algorithms.json),
    read at run time via importlib.resources / the ee package location; None if the file is missing.

    Returns a fresh copy, so callers may modify it without affecting the cache.
    """
    cached = _cached_client_signatures()
    return None if cached is None else copy.deepcopy(list(cached))


def algorithms_response(implemented: dict[str, Algorithm]) -> dict:
    """Body for GET /v1/projects/{p}/algorithms: {"algorithms": [...]}.

    Every client signature, each description prefixed with "[ee_assets local: implemented] " or
    "[ee_assets local: not implemented] "; plus signatures of implemented algorithms absent from the client
    list (from Algorithm.signature()). If the client file is missing, only the implemented ones (marked
    implemented).
    """
    signatures = client_signatures() or []
    published = set()
    for signature in signatures:
        name = signature["name"].removeprefix(_NAME_PREFIX)
        published.add(name)
        _mark(signature, name in implemented)
    for name in sorted(set(implemented) - published):
        signatures.append(_mark(implemented[name].signature(), True))
    return {"algorithms": signatures}


def _mark(signature: dict, is_implemented: bool) -> dict:
    """Prefix `signature`'s description (in place) with its local implementation status."""
    prefix = IMPLEMENTED_PREFIX if is_implemented else NOT_IMPLEMENTED_PREFIX
    signature["description"] = prefix + (signature.get("description") or "")
    return signature
