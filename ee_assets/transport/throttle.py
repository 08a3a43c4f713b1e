"""Per-process limits on EE requests: a requests-per-second pace and a cap on requests in flight.

Every client talking to the same API root in a process shares one `RequestGate`, so the limits hold however many
assets, tiles or threads issue requests. Across runs, the Dagster pool `earth_engine` limits how many steps talk to
EE at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Below EE's documented defaults (100 requests per second, 40 concurrent requests per project), leaving room for
# other processes and people sharing the project.
DEFAULT_REQUESTS_PER_SECOND = 20.0
DEFAULT_MAX_CONCURRENT = 8


class RequestGate:
    """Admits requests no faster than `rate` per second, at most `max_concurrent` at a time."""

    def __init__(self, rate: float = DEFAULT_REQUESTS_PER_SECOND, max_concurrent: int = DEFAULT_MAX_CONCURRENT,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0 or max_concurrent < 1:
            raise ValueError(f"need rate > 0 and max_concurrent >= 1, got {rate} and {max_concurrent}")
        self.rate = rate
        self.max_concurrent = max_concurrent
        self._clock, self._sleep = clock, sleep
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self._next_start = 0.0

    def _reserve_start(self) -> float:
        """Reserve the next start time, spaced 1/rate after the previous one."""
        with self._lock:
            start = max(self._clock(), self._next_start)
            self._next_start = start + 1.0 / self.rate
            return start

    @contextmanager
    def admit(self) -> Iterator[float]:
        """Hold a slot for one request; yields the seconds spent waiting for it."""
        began = self._clock()
        self._slots.acquire()
        try:
            delay = self._reserve_start() - self._clock()
            if delay > 0:
                self._sleep(delay)
            yield self._clock() - began
        finally:
            self._slots.release()


_gates: dict[tuple[str, float, int], RequestGate] = {}
_gates_lock = threading.Lock()


def shared_gate(api_url: str, rate: float = DEFAULT_REQUESTS_PER_SECOND,
                max_concurrent: int = DEFAULT_MAX_CONCURRENT) -> RequestGate:
    """This process's gate for `api_url` with these limits (created on first use)."""
    key = (api_url.rstrip("/"), float(rate), int(max_concurrent))
    with _gates_lock:
        if key not in _gates:
            _gates[key] = RequestGate(rate, max_concurrent)
        return _gates[key]
