"""The threads that evaluate requests: a fixed number, with stacks deep enough for deeply nested expressions.

An `Executor`, so the event loop hands work over with `loop.run_in_executor`. The queue in front of it is bounded
by the HTTP layer's admission (protocol/asgi.py), not here.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from ee_assets.local import long_lived

STACK_BYTES = 32 << 20  # evaluation, JSON and numba frames of an expression nested 400 calls deep fit easily
_stack_lock = threading.Lock()


class WorkerPool(Executor):
    """`workers` threads running submitted calls first come, first served."""

    def __init__(self, workers: int, name: str = "ee-request"):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False
        with _stack_lock:  # the stack size applies to threads started while it is set
            previous = threading.stack_size(STACK_BYTES)
            try:
                for i in range(workers):
                    thread = threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
                    thread.start()
                    self._threads.append(thread)
            finally:
                threading.stack_size(previous)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._closed:
            raise RuntimeError("the worker pool is shut down")
        future: Future = Future()
        self._queue.put((future, fn, args, kwargs))
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as e:  # noqa: BLE001 - handed to whoever awaits the future
                future.set_exception(e)
            long_lived.after_request()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join(timeout=30)
