"""What a materialization's EE traffic cost: requests, retries by cause, pages, tiles, bytes, waiting vs transfer."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class TransferStats:
    """Counters for one or more EE calls; safe to update from several threads."""

    requests: int = 0  # HTTP requests sent, retries included
    retries: Counter = field(default_factory=Counter)  # cause ("http_429", "timeout", ...) -> retries
    pages: int = 0  # computeFeatures pages and single-answer calls
    features: int = 0
    tiles: int = 0  # computePixels tiles fetched in this run
    tiles_resumed: int = 0  # tiles found already fetched by an earlier, interrupted run
    tiles_split: int = 0  # tiles halved after a "request size" answer
    bytes_received: int = 0
    wait_seconds: float = 0.0  # backoff sleeps and waiting for the rate limiter or a concurrency slot
    transfer_seconds: float = 0.0  # time inside HTTP requests (the server computing and sending)
    quota_status: str | None = None  # the last x-earth-engine-quota-status header EE sent, if any
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **amounts: float) -> None:
        """Add to counters by name, atomically."""
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

    def add_retry(self, cause: str) -> None:
        with self._lock:
            self.retries[cause] += 1

    def set_quota_status(self, status: str) -> None:
        with self._lock:
            self.quota_status = status

    @property
    def retry_count(self) -> int:
        return sum(self.retries.values())

    def to_metadata(self) -> dict[str, object]:
        """Flat, credential-free values for Dagster metadata."""
        return {
            "ee_requests": self.requests,
            "ee_retries": self.retry_count,
            "ee_retries_by_cause": dict(sorted(self.retries.items())),
            "ee_pages": self.pages,
            "ee_tiles": self.tiles,
            "ee_tiles_resumed": self.tiles_resumed,
            "ee_tiles_split": self.tiles_split,
            "ee_bytes_received": self.bytes_received,
            "ee_wait_seconds": round(self.wait_seconds, 3),
            "ee_transfer_seconds": round(self.transfer_seconds, 3),
            **({"ee_quota_status": self.quota_status} if self.quota_status is not None else {}),
        }
