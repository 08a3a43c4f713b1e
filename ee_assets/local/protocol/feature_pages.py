"""The features of computeFeatures results that are being paged through, kept between pages, bounded in bytes.

A collection larger than one page is evaluated once; its features (encoded as JSON) are kept, with the synthetic
asset ids the evaluation read (for the answers' provenance header), so the following pages are slices of them. The
least recently used collections go first when the total passes the byte budget, and a collection larger than the
whole budget is not kept (each page then evaluates it again).
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class FeaturePages:
    """expression key → its features as JSON bytes; thread-safe, least recently used evicted first."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict[str, tuple[list[bytes], frozenset[str], int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[list[bytes], frozenset[str]] | None:
        """(features, synthetic asset ids read) of `key`, if kept."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0], item[1]

    def put(self, key: str, features: list[bytes], synthetic: frozenset[str] = frozenset()) -> None:
        size = sum(len(f) for f in features) + 64 * len(features)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (features, synthetic, size)
            self.used += size
            while self.used > self.max_bytes:
                _, (_, _, old) = self._items.popitem(last=False)
                self.used -= old

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
