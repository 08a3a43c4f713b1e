"""Per-request budgets of memory and time, and cancellation when the client has gone.

Each request is evaluated under a `Budget` (made by the protocol layer from the server's limits). Evaluation asks
it before it allocates and checks it as it goes:

- the evaluator checks the deadline and the cancel flag at every algorithm call, the tile loops at every tile;
- evaluating a band on a grid charges its output (float64 values + float32 mask per pixel) to the tile, or the
  request, that holds it, and the charge is released when the tile is done; the total may not pass the budget;
- algorithms that build large values from small arguments (String.cat, List.repeat, flatten, …) ask with
  `require` before allocating: no single value may take more than a quarter of the budget (values are kept while
  the request runs and copied again when the answer is encoded).

Over budget, the request fails with Earth Engine's own messages ("User memory limit exceeded.", "Computation timed
out.") as a 400, and the server goes on serving. With no budget active (a kernel called directly), every check
passes.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ee_assets.local.errors import ComputationTimedOut, RequestCancelled, UserMemoryLimitExceeded

PIXEL_BYTES = 12  # one band on one pixel while it is evaluated: float64 value + float32 mask
ITEM_BYTES = 32  # one element of a list: the reference and a small object (a float is 24 bytes)
PIXEL_RATE = 1e9  # pixels per second: far more than this engine evaluates any image at, for refusing hopeless work

T = TypeVar("T")


def mib(nbytes: float) -> str:
    """A byte count for messages: '512 MiB', '3.2 GiB'."""
    return f"{nbytes / 2**30:.1f} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:.0f} MiB"


@dataclass(eq=False)
class Budget:
    """The memory (bytes) and time (seconds) one request may use; thread-safe."""

    memory_bytes: int
    time_s: float
    started: float = field(default_factory=time.monotonic)
    used: int = 0  # bytes charged and not yet released
    peak: int = 0
    cancelled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def value_bytes(self) -> int:
        """The most one value (a string, a list) may take."""
        return self.memory_bytes // 4

    def cancel(self) -> None:
        """Stop the request at its next check (its client has gone, or the server is stopping)."""
        self.cancelled = True

    def check(self) -> None:
        if self.cancelled:
            raise RequestCancelled("The request was cancelled: its client closed the connection.")
        if time.monotonic() - self.started > self.time_s:
            raise ComputationTimedOut(f"the local backend allows {self.time_s:g} s per request (serve "
                                      "--request-timeout); use a coarser scale, a smaller region or fewer images")

    def reserve(self, nbytes: int, what: str) -> None:
        """Charge `nbytes` that `what` is about to allocate; refuse if the request would pass its budget."""
        with self._lock:
            if self.used + nbytes > self.memory_bytes:
                raise UserMemoryLimitExceeded(
                    f"{what} needs about {mib(nbytes)} more, with {mib(self.used)} already in use; the local backend "
                    f"allows {mib(self.memory_bytes)} per request (serve --max-request-memory); use a coarser "
                    "scale, a smaller region or fewer images")
            self.used += nbytes
            self.peak = max(self.peak, self.used)

    def release(self, nbytes: int) -> None:
        with self._lock:
            self.used -= nbytes

    def require(self, nbytes: int, what: str) -> None:
        """Refuse a single value of `nbytes` if it is larger than a value may be."""
        if nbytes > self.value_bytes:
            raise UserMemoryLimitExceeded(
                f"{what} would make a value of about {mib(nbytes)}; the local backend allows {mib(self.value_bytes)} "
                f"per value ({mib(self.memory_bytes)} per request, serve --max-request-memory)")


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("request_budget", default=None)
_scope: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("pixel_scope", default=None)


def current() -> Budget | None:
    """The budget of the request being evaluated on this thread, if any."""
    return _budget.get()


@contextmanager
def active(budget: Budget | None) -> Iterator[Budget | None]:
    """Evaluate the block under `budget` (None: no limits)."""
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def check() -> None:
    """Raise if the current request ran out of time or was cancelled."""
    budget = _budget.get()
    if budget is not None:
        budget.check()


def require(nbytes: float, what: str) -> None:
    """Refuse a value of `nbytes` that is too large for the current request (before allocating it)."""
    budget = _budget.get()
    if budget is not None:
        budget.require(int(nbytes), what)


def require_pixel_time(pixels: float, what: str) -> None:
    """Refuse at once work over `pixels` pixels that could not finish in the time left even at PIXEL_RATE (EE
    would run it until it timed out)."""
    budget = _budget.get()
    if budget is None:
        return
    left = budget.time_s - (time.monotonic() - budget.started)
    if pixels / PIXEL_RATE > left:
        raise ComputationTimedOut(f"{what} would evaluate {pixels:.3g} pixels, more than can be done in the "
                                  f"{left:.0f} s left of the request's {budget.time_s:g} s (serve --request-timeout); "
                                  "use a coarser scale or a smaller region")


def require_items(count: float, what: str) -> None:
    """Refuse a list of `count` elements that is too large for the current request (before building it)."""
    require(count * ITEM_BYTES, what)


@contextmanager
def holding(nbytes: float, what: str) -> Iterator[None]:
    """Charge `nbytes` while the block runs (an allocation the block makes and frees)."""
    budget = _budget.get()
    if budget is None:
        yield
        return
    budget.reserve(int(nbytes), what)
    try:
        yield
    finally:
        budget.release(int(nbytes))


def charge_pixels(pixels: int, what: str = "image evaluation") -> None:
    """Charge one evaluated band on `pixels` pixels to the current pixel scope (released when the scope ends), and
    check the deadline: this is called for every band of every tile."""
    budget = _budget.get()
    if budget is None:
        return
    budget.check()
    nbytes = pixels * PIXEL_BYTES
    budget.reserve(nbytes, what)
    scope = _scope.get()
    if scope is not None:
        scope[0] += nbytes


@contextmanager
def pixel_scope() -> Iterator[None]:
    """Pixels charged inside the block are released when it ends (a tile's pixel cache is dropped with it)."""
    token = _scope.set([0])
    try:
        yield
    finally:
        charged = _scope.get()[0]
        _scope.reset(token)
        budget = _budget.get()
        if budget is not None and charged:
            budget.release(charged)


def bound(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn` to run on another thread under the caller's budget (and checked before it starts)."""
    budget = _budget.get()
    if budget is None:
        return fn

    def run(*args: Any, **kwargs: Any) -> T:
        budget.check()
        with active(budget):
            return fn(*args, **kwargs)

    return run


def value_size(value: Any) -> int:
    """A cheap estimate of the bytes a value holds at its top level (strings, bytes, lists, dicts, arrays)."""
    if isinstance(value, str | bytes | bytearray):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value) * ITEM_BYTES
    if isinstance(value, dict):
        return len(value) * 3 * ITEM_BYTES
    nbytes = getattr(value, "nbytes", None)
    return nbytes if isinstance(nbytes, int) else 0
