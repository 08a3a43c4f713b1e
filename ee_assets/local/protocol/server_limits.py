"""What one local server allows: memory and time per request, workers and queue, connection timeouts.

The defaults suit a laptop running a server for itself or a small team: at most `workers` requests evaluate at once,
each within `max_request_memory` and `request_timeout_s` (so the evaluations together stay under workers x memory);
up to `queue` more wait with their bodies read, and beyond that requests wait for a place, without reading their
bodies, for up to `queue_timeout_s` before a 429 tells the client to come back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from ee_assets import limits

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """Bytes from '1073741824', '1g', '512MiB', '2GB' (binary units: k = 1024)."""
    if isinstance(text, int):
        return text
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"cannot read the size {text!r}: use bytes or a number with k, m, g or t, e.g. 1g or 512m")
    number, unit = match.groups()
    return int(float(number) * 1024 ** "_kmgt".index(unit.lower() or "_"))


@dataclass(frozen=True)
class ServerLimits:
    max_request_memory: int = 1 << 30  # bytes one request's evaluation may hold (pixels, lists, strings)
    request_timeout_s: float = 300.0  # wall-clock seconds one request may compute (EE's interactive limit is ~5 min)
    max_body_bytes: int = limits.MAX_REQUEST_BODY_BYTES
    workers: int = 4  # requests evaluated at once
    queue: int = 32  # more requests admitted (their bodies read) to wait for a worker
    queue_timeout_s: float = 60.0  # how long a request may wait for a place before a 429
    header_timeout_s: float = 30.0  # a connection must send a request's headers within this
    body_timeout_s: float = 60.0  # ... and then no gap longer than this in its body
    keep_alive_s: float = 5.0  # an idle keep-alive connection is closed after this
    backlog: int = 2048  # connections the kernel queues before the server accepts them (bursts)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value > 0:
                raise ValueError(f"server limit {f.name} must be positive, got {value!r}")
        if self.max_request_memory < 16 << 20:
            raise ValueError(f"max_request_memory must be at least 16 MiB, got {self.max_request_memory} bytes")
