"""When and how long to wait before retrying an EE request.

Only answers that may succeed later are retried: HTTP 429 and 5xx, requests that got no complete answer
(connection refused or dropped, timeout), and access tokens the token endpoint did not hand out for a passing
reason (unreachable, or an error google-auth marks retryable). Waits grow exponentially with full jitter (a uniform
draw between 0 and the exponential cap, so many clients that failed together do not retry together), are never
shorter than the server's Retry-After, and stop when the total time budget for the request would be exceeded.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass

import requests
from google.auth import exceptions as auth_exceptions

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetrySettings:
    """How persistent one logical request is."""

    max_elapsed_s: float = 600.0  # total time budget, first attempt to giving up
    base_delay_s: float = 1.0  # cap of the first wait; doubles per retry
    max_delay_s: float = 64.0  # the cap stops growing here

    def __post_init__(self) -> None:
        if self.max_elapsed_s < 0 or self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("retry times must not be negative")

    def backoff(self, retry_number: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry `retry_number` (0-based): full jitter, at least Retry-After."""
        cap = min(self.max_delay_s, self.base_delay_s * 2.0 ** retry_number)
        delay = rng.uniform(0.0, cap)
        return max(delay, retry_after_s or 0.0)


def status_cause(status: int) -> str | None:
    """The retry cause for an HTTP status ("http_429", "http_503", ...), or None if it must not be retried."""
    return f"http_{status}" if status in RETRYABLE_STATUSES else None


def exception_cause(error: BaseException) -> str | None:
    """The retry cause for a request that got no complete answer, or None if the exception is not transient."""
    if isinstance(error, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(error, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return "connection"
    return None


def token_error_cause(error: BaseException) -> str | None:
    """"token" when getting an access token failed in a way that may succeed later, else None.

    google-auth raises TransportError when the token endpoint cannot be reached (it does not retry those), and a
    RefreshError marked retryable when the endpoint kept answering 5xx or 429 through its own few retries. A refusal
    (a revoked or unknown key: `invalid_grant`) is not retryable and stays a credentials error.
    """
    if isinstance(error, auth_exceptions.TransportError):
        return "token"
    if isinstance(error, auth_exceptions.RefreshError) and getattr(error, "retryable", False):
        return "token"
    return None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a Retry-After header (delta seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))
