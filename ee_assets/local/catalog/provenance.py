"""Which synthetic assets a request read, so that the answer can say so.

The catalog notes every asset it loads whose data is synthetic (the public datasets it generates, and user
entries marked `synthetic: true` such as the sample catalog's); the protocol sends the ids back in the
`x-ee-assets-synthetic` response header, which Earth Engine never sends, and clients (the transport) put them in
their metadata.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

SYNTHETIC_HEADER = "x-ee-assets-synthetic"
MAX_HEADER_IDS = 20

_read: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("synthetic_assets_read", default=None)


@contextmanager
def tracking() -> Iterator[set[str]]:
    """Collect the synthetic asset ids noted while the block runs (nested blocks share the outer set)."""
    outer = _read.get()
    if outer is not None:
        yield outer
        return
    ids: set[str] = set()
    token = _read.set(ids)
    try:
        yield ids
    finally:
        _read.reset(token)


def note(*asset_ids: str) -> None:
    """Record that the current request read these synthetic assets (no-op outside `tracking`)."""
    ids = _read.get()
    if ids is not None:
        ids.update(asset_ids)


def noted() -> frozenset[str]:
    """The ids noted so far in the current request."""
    return frozenset(_read.get() or ())


def header_value(ids: Iterable[str]) -> str:
    """The header's value: sorted ids, comma-separated, at most MAX_HEADER_IDS then how many more."""
    ordered = sorted(ids)
    shown = ",".join(ordered[:MAX_HEADER_IDS])
    return shown + (f",+{len(ordered) - MAX_HEADER_IDS} more" if len(ordered) > MAX_HEADER_IDS else "")

