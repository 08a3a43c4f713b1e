"""Waiting for an official-client export task to end."""

from __future__ import annotations

import time


def finish(task, timeout_s: float = 60, interval_s: float = 0.05) -> dict:
    """Poll `task.active()` until the task has ended; its `status()`."""
    deadline = time.monotonic() + timeout_s
    while task.active():
        assert time.monotonic() < deadline, task.status()
        time.sleep(interval_s)
    return task.status()
