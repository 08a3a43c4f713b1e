"""Seeded fault injection, so clients can be tested against 429/503s, slow answers and dropped connections."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class FaultConfig:
    rate: float = 0.0  # fraction of API requests answered with an error code from `codes`
    codes: tuple[int, ...] = (429, 503)
    latency_ms: float = 0.0  # added to every API request
    drop_rate: float = 0.0  # fraction of API requests whose connection is dropped mid-response
    seed: int = 0
    retry_after_s: int = 1
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name in ("rate", "drop_rate"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ValueError(f"fault {name} must be between 0 and 1, got {v}")
        if any(c not in (429, 500, 502, 503, 504) for c in self.codes):
            raise ValueError(f"fault codes must be among 429, 500, 502, 503, 504; got {self.codes}")
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


STATUS = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
