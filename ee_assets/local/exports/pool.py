"""A fixed pool of task workers with a bounded queue: EE runs a few batch tasks of a project at once and refuses
new ones when its queue is full."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("ee_assets.local.exports")


class QueueFull(Exception):
    """The pool already holds as many tasks as it may queue."""


class TaskPool:
    """`workers` threads run submitted tasks in order; at most `max_queued` wait (running ones not counted)."""

    def __init__(self, workers: int = 2, max_queued: int = 3000):
        if workers < 1 or max_queued < 1:
            raise ValueError(f"a task pool needs at least 1 worker and 1 queue slot, got {workers} and {max_queued}")
        self.workers, self.max_queued = workers, max_queued
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(max_queued)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, task: Callable[[], None]) -> None:
        """Queue `task`; QueueFull when the queue is full."""
        with self._lock:
            if not self._threads:
                self._threads = [threading.Thread(target=self._work, name=f"ee-export-{i}", daemon=True)
                                 for i in range(self.workers)]
                for thread in self._threads:
                    thread.start()
        try:
            self._queue.put_nowait(task)
        except queue.Full:
            raise QueueFull from None

    def _work(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            try:
                task()
            except Exception:  # a task records its own failure; this is a bug in the task runner
                log.exception("export task crashed")

    def stop(self) -> None:
        """Let the workers finish their current task and end (queued tasks are dropped)."""
        with self._lock:
            threads, self._threads = self._threads, []
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout=5)
