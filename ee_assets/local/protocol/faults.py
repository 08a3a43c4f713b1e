"""Seeded fault injection, so clients can be tested against 429/503s, slow answers and dropped connections, and
against EE's per-request limits (memory, time) and quota signals."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field

QUOTA_STATUS_HEADER = "x-earth-engine-quota-status"
MEMORY_LIMIT_MESSAGE = "User memory limit exceeded."
TIME_LIMIT_MESSAGE = "Computation timed out."


@dataclass
class FaultConfig:
    rate: float = 0.0  # fraction of API requests answered with an error code from `codes`
    codes: tuple[int, ...] = (429, 503)
    latency_ms: float = 0.0  # added to every API request
    drop_rate: float = 0.0  # fraction of API requests whose connection is dropped mid-response
    seed: int = 0
    retry_after_s: int = 1
    message: str | None = None  # the injected errors' message (default: says it is an injected fault)
    quota_status: str | None = None  # sent as x-earth-engine-quota-status on every API answer (EE's quota signal)
    # computePixels requests of more pixels than this answer EE's 400 "User memory limit exceeded." (None: never)
    memory_limit_pixels: int | None = None
    # ... and of more pixels than this, EE's 400 "Computation timed out." (None: never)
    time_limit_pixels: int | None = None
    # Batch exports (image:export, table:export): the fraction of tasks that end FAILED (drawn from the seeded
    # stream when a task starts running), with this message, and seconds each task spends RUNNING before its work.
    task_failure_rate: float = 0.0
    task_failure_message: str = "Injected fault: the export task failed (task fault injection is on)."
    task_delay_s: float = 0.0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name in ("rate", "drop_rate", "task_failure_rate"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ValueError(f"fault {name} must be between 0 and 1, got {v}")
        if any(c not in (429, 500, 502, 503, 504) for c in self.codes):
            raise ValueError(f"fault codes must be among 429, 500, 502, 503, 504; got {self.codes}")
        for name in ("memory_limit_pixels", "time_limit_pixels"):
            v = getattr(self, name)
            if v is not None and v < 1:
                raise ValueError(f"{name} must be at least 1 pixel, got {v}")
        self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        return self.rate > 0 or self.drop_rate > 0 or self.latency_ms > 0

    def draw(self) -> tuple[int | None, bool]:
        """(error code to answer with or None, whether to drop the connection), drawn from the seeded stream."""
        with self._lock:
            error = self._rng.choice(self.codes) if self._rng.random() < self.rate else None
            drop = error is None and self._rng.random() < self.drop_rate
        return error, drop

    def draw_task_failure(self) -> bool:
        """Whether the export task starting now fails (from the seeded stream)."""
        if self.task_failure_rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < self.task_failure_rate

    def limit_error(self, path: str, body: bytes) -> str | None:
        """EE's message when a computePixels request is over the memory or time budget set here, else None.

        The budget is in pixels of the request's grid (EE's real limits depend on the computation: a tile of a
        median of many scenes needs more memory and time than a tile of one scene).
        """
        if (self.memory_limit_pixels is None and self.time_limit_pixels is None) or \
                not path.endswith("/image:computePixels"):
            return None
        try:
            dims = json.loads(body)["grid"]["dimensions"]
            pixels = int(dims["width"]) * int(dims["height"])
        except (ValueError, KeyError, TypeError):
            return None  # no grid to measure: the backend answers as it would without the budget
        if self.memory_limit_pixels is not None and pixels > self.memory_limit_pixels:
            return MEMORY_LIMIT_MESSAGE
        if self.time_limit_pixels is not None and pixels > self.time_limit_pixels:
            return TIME_LIMIT_MESSAGE
        return None


STATUS = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
