"""What kind of EE error an answer is, read from its message and EE's quota-status header, and what to do about it.

Three quotas answer HTTP 429, and each has its own remedy:
- the request rate (EE allows 100 requests per second per project and per user: "Quota exceeded for quota metric
  'Number of read requests' and limit '... per minute per user'"),
- concurrent requests (40 per project: "Too many concurrent requests"),
- the compute (EECU-hours) of a noncommercial tier: a project over its monthly EECU-hours is in restricted mode,
  which EE signals in the `x-earth-engine-quota-status` header (`parallelism_restricted=true`; the official client
  warns on it, ee/data.py).

Two per-request limits answer HTTP 400 and depend on how much one request computes ("User memory limit
exceeded.", "Computation timed out."): a smaller request (a smaller tile) may succeed where retrying the same one
cannot.
"""

from __future__ import annotations

QUOTA_STATUS_HEADER = "x-earth-engine-quota-status"
RESTRICTED = "parallelism_restricted=true"
RESTRICTED_MODE_URL = "https://developers.google.com/earth-engine/guides/noncommercial_tiers#restricted_mode"

RATE, CONCURRENT, COMPUTE, UNKNOWN = "request rate", "concurrent requests", "EECU compute", "unknown"


def is_restricted(quota_status: str | None) -> bool:
    """Whether EE's quota-status header says the project is in restricted mode (noncommercial EECU quota used up)."""
    return RESTRICTED in (quota_status or "").replace(" ", "").lower()


def quota_kind(message: str, quota_status: str | None = None) -> str:
    """Which quota a 429 answer is about: RATE, CONCURRENT, COMPUTE or UNKNOWN."""
    text = message.lower()
    if is_restricted(quota_status) or "eecu" in text or "compute quota" in text or "restricted mode" in text:
        return COMPUTE
    if "concurrent" in text:
        return CONCURRENT
    if "per minute" in text or "per second" in text or "rate limit" in text or "request rate" in text:
        return RATE
    return UNKNOWN


QUOTA_ADVICE = {
    RATE: "EE allows 100 requests per second per project and per user: lower max_requests_per_second, run fewer "
          "partitions at once (the earth_engine pool limit), or ask for more EE quota",
    CONCURRENT: "EE allows 40 concurrent requests per project: lower max_concurrent_requests or tile_workers, or "
                "the earth_engine pool limit, or ask for more EE quota",
    COMPUTE: "the project has used up its noncommercial tier's monthly EECU-hours and runs in restricted mode "
             f"({RESTRICTED_MODE_URL}); a lower request rate does not help: wait for the monthly reset, move the "
             "project to a higher tier, or compute less (smaller AOIs, coarser scale, fewer partitions)",
    UNKNOWN: "lower max_requests_per_second or max_concurrent_requests, or the earth_engine pool limit, run fewer "
             "partitions at once, or ask for more EE quota",
}

MEMORY, TIME = "memory", "time"


def resource_limit(message: str) -> str | None:
    """MEMORY or TIME when the answer says one request needed more of it than EE allows, else None."""
    text = message.lower()
    if "memory limit exceeded" in text or "memory capacity exceeded" in text:
        return MEMORY
    if "computation timed out" in text:
        return TIME
    return None


RESOURCE_LIMIT_ADVICE = ("EE needed more {kind} for this one request than it allows; a smaller request may succeed "
                         "where retrying cannot: for a GeoTIFF lower max_tile_bytes, for a reduction use a coarser "
                         "scale, tileScale or fewer regions per request, or export it as a batch task")
