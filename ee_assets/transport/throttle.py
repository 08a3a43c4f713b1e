"""Limits on EE requests: a requests-per-second budget and a cap on requests in flight, shared by every process.

`shared_gate` gives every client talking to one API root the same gate. By default (EE_RATE_LIMIT_URL unset) the
budget is shared by all processes of this machine through a SQLite database and lock files; `redis://…` shares it
across machines, `memory://` keeps it per process (see `budget.py`). Either way the limits hold however many runs,
steps, tiles or threads issue requests. Within a process, requests are also spaced `1/rate` apart, so they do not
leave in bursts. The Dagster pool `earth_engine` limits how many steps run at once; it does not count requests.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ee_assets.transport.budget import RATE_LIMIT_ENV, open_backend, parse_budget_url

log = logging.getLogger(__name__)

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


class BudgetUnavailableError(RuntimeError):
    """The shared request budget's backend failed (a database that cannot be opened, Redis unreachable)."""


class SharedRequestGate:
    """`RequestGate`'s limits held across processes: an in-flight slot and a rate token from a shared backend.

    A request takes, in order: a place among this process's `max_concurrent` (threads wait here without polling),
    its `1/rate` spacing within the process, a slot among everyone's `max_concurrent`, and then a token of the
    shared rate, so the moment it is admitted is the moment it is sent.
    """

    def __init__(self, rate: float, max_concurrent: int, limiter, slots, name: str, description: str = "",
                 clock: Callable[[], float] = time.monotonic):
        self.rate, self.max_concurrent = rate, max_concurrent
        self.local = RequestGate(rate, max_concurrent, clock=clock)
        self.limiter, self.slots, self.name, self.description = limiter, slots, name, description
        self._clock = clock

    @contextmanager
    def admit(self) -> Iterator[float]:
        """Hold a slot and a token for one request; yields the seconds spent waiting for them."""
        began = self._clock()
        with self.local.admit(), self._slot():
            try:
                self.limiter.try_acquire(self.name, blocking=True)
            except Exception as e:
                raise self._unavailable("a rate token", e) from e
            yield self._clock() - began

    @contextmanager
    def _slot(self) -> Iterator[None]:
        hold = self.slots.hold()
        try:
            hold.__enter__()
        except Exception as e:
            raise self._unavailable("an in-flight slot", e) from e
        try:
            yield
        finally:
            try:
                hold.__exit__(None, None, None)
            except Exception as e:  # a slot that cannot be returned expires (a lock file: at exit; Redis: its lease)
                log.warning("could not return an in-flight slot to the EE request budget (%s): %s", self.description,
                            e)

    def _unavailable(self, what: str, error: Exception) -> BudgetUnavailableError:
        return BudgetUnavailableError(f"Could not take {what} from the EE request budget ({self.description}): "
                                      f"{type(error).__name__}: {error}. Check {RATE_LIMIT_ENV}.")


_gates: dict[tuple, RequestGate | SharedRequestGate] = {}
_gates_lock = threading.Lock()


def shared_gate(api_url: str, rate: float = DEFAULT_REQUESTS_PER_SECOND,
                max_concurrent: int = DEFAULT_MAX_CONCURRENT,
                budget_url: str | None = None) -> RequestGate | SharedRequestGate:
    """The gate for `api_url` with these limits, on the budget backend `budget_url` (default: $EE_RATE_LIMIT_URL,
    else this machine's SQLite budget). One gate per process and setting, created on first use."""
    if rate <= 0 or max_concurrent < 1:
        raise ValueError(f"need rate > 0 and max_concurrent >= 1, got {rate} and {max_concurrent}")
    backend = parse_budget_url(budget_url if budget_url is not None else os.environ.get(RATE_LIMIT_ENV))
    # The pid is part of the key: a forked worker must not share its parent's database connection.
    key = (os.getpid(), backend, api_url.rstrip("/"), float(rate), int(max_concurrent))
    with _gates_lock:
        if key not in _gates:
            if backend.kind == "memory":
                _gates[key] = RequestGate(rate, max_concurrent)
            else:
                try:
                    limiter, slots = open_backend(backend, api_url.rstrip("/"), rate, max_concurrent)
                except ImportError:
                    raise  # names the extra to install
                except Exception as e:
                    raise BudgetUnavailableError(f"Could not open the EE request budget ({backend.describe()}): "
                                                 f"{type(e).__name__}: {e}. Check {RATE_LIMIT_ENV}.") from e
                _gates[key] = SharedRequestGate(rate, max_concurrent, limiter, slots, key[2],
                                                backend.describe())
            log.info("EE request budget for %s: %s requests/s, %s in flight, shared via %s", key[2], rate,
                     max_concurrent, backend.describe())
        return _gates[key]
