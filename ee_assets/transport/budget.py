"""Where the shared EE request budget lives: one setting, EE_RATE_LIMIT_URL, names the backend.

    sqlite:///path/to/budget.sqlite  every process on this machine (the default, in the user's cache folder:
                                     ~/.cache/ee_assets/request-budget.sqlite, or under $XDG_CACHE_HOME)
    redis://[:password@]host:port/db every process on every machine that reaches this Redis (`ee_assets[redis]`)
    memory://                        this process only (no sharing)

Two things are shared per EE API root:

- the request rate: pyrate-limiter's sliding-window log — its SQLite bucket under a file lock, or its Redis bucket —
  admits at most `floor(max_requests_per_second)` requests in any one-second window (below 1/s: one request per
  `1/rate` seconds), whichever process sends them;
- requests in flight: at most `max_concurrent_requests` slots. On one machine a slot is an OS lock on one of N lock
  files next to the database (portalocker), so a process that dies frees its slots at once. On Redis a slot is a
  lease in a sorted set, taken and expired by a script using Redis's clock; a holder that dies without releasing
  frees its slot when the lease ends (`REDIS_SLOT_LEASE_S`).

Processes with different limits on the same API root share the same log and slots; each applies its own limit to
the shared count, so the strictest setting holds for the processes that use it.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import portalocker
from pyrate_limiter import Limiter, Rate, RedisBucket, SQLiteBucket

from ee_assets.extras import require

RATE_LIMIT_ENV = "EE_RATE_LIMIT_URL"
SLOT_POLL_S = 0.01  # how often a waiting request looks for a free in-flight slot
REDIS_SLOT_LEASE_S = 900  # longer than any one request (connect 10 s + read 300 s, streamed), so only a crash expires
LIMITER_BUFFER_MS = 5  # pyrate-limiter sleeps this long past the computed wait before trying again


def default_budget_url() -> str:
    """sqlite:/// in the user's cache folder: one budget per user and machine."""
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return f"sqlite://{Path(cache).expanduser().absolute() / 'ee_assets' / 'request-budget.sqlite'}"


@dataclass(frozen=True)
class BudgetBackend:
    """A parsed EE_RATE_LIMIT_URL: `kind` is sqlite, redis or memory; `target` the database path or Redis URL."""

    kind: str
    target: str

    def describe(self) -> str:
        """The backend for logs and metadata, without a password."""
        if self.kind != "redis":
            return f"{self.kind}:{self.target}" if self.target else self.kind
        parts = urlsplit(self.target)
        return f"redis://{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"


def parse_budget_url(text: str | None) -> BudgetBackend:
    """EE_RATE_LIMIT_URL (None or blank: the per-machine SQLite default) as a BudgetBackend."""
    raw = (text or "").strip() or default_budget_url()
    scheme = raw.partition("://")[0].lower() if "://" in raw else ""
    if scheme == "sqlite":
        path = raw[len("sqlite://"):]
        if not path.startswith("/") or path == "/":
            raise ValueError(f"{RATE_LIMIT_ENV}={raw!r}: write sqlite:///absolute/path/to/budget.sqlite")
        return BudgetBackend("sqlite", path)
    if scheme in ("redis", "rediss"):
        return BudgetBackend("redis", raw)
    if scheme == "memory":
        return BudgetBackend("memory", "")
    shown = raw.split("@")[-1] if "@" in raw else raw  # never echo a password
    raise ValueError(f"{RATE_LIMIT_ENV}={shown!r} is not a supported request-budget backend: use "
                     "sqlite:///path (every process on this machine), redis://host:port/db (every machine; "
                     "pip install 'ee_assets[redis]') or memory:// (this process only).")


def budget_key(api_url: str) -> str:
    """A short, name-safe identifier of an API root: the budget is shared per root."""
    return "ee-budget-" + hashlib.sha256(api_url.rstrip("/").encode()).hexdigest()[:16]


def limiter_rates(requests_per_second: float):
    """pyrate-limiter Rates for a requests-per-second budget (never above it)."""
    if requests_per_second <= 0:
        raise ValueError(f"need a positive request rate, got {requests_per_second}")
    if requests_per_second >= 1:
        return [Rate(math.floor(requests_per_second), 1000)]
    return [Rate(1, math.ceil(1000 / requests_per_second))]


class FileSlots:
    """At most `maximum` holders at once among all processes of this machine: one OS lock file per slot."""

    def __init__(self, directory: Path, name: str, maximum: int, poll_s: float = SLOT_POLL_S):
        self.directory, self.name, self.maximum, self.poll_s = Path(directory), name, maximum, poll_s
        self.directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def hold(self) -> Iterator[None]:
        semaphore = portalocker.BoundedSemaphore(self.maximum, name=self.name, directory=str(self.directory),
                                                 timeout=math.inf, check_interval=self.poll_s)
        semaphore.acquire()
        try:
            yield
        finally:
            semaphore.release()


# KEYS[1]: the slot set; ARGV: maximum, token, lease in ms. Expired leases are dropped first (Redis's own clock).
_TAKE_SLOT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 1
end
return 0
"""


class RedisSlots:
    """At most `maximum` holders at once among all processes that share this Redis: leases in a sorted set."""

    def __init__(self, client, name: str, maximum: int, lease_s: float = REDIS_SLOT_LEASE_S,
                 poll_s: float = SLOT_POLL_S, sleep: Callable[[float], None] = time.sleep):
        self.client, self.key, self.maximum = client, f"{name}:in-flight", maximum
        self.lease_ms, self.poll_s, self._sleep = int(lease_s * 1000), poll_s, sleep
        self._take = client.register_script(_TAKE_SLOT)

    @contextmanager
    def hold(self) -> Iterator[None]:
        token = uuid.uuid4().hex
        while not self._take(keys=[self.key], args=[self.maximum, token, self.lease_ms]):
            self._sleep(self.poll_s * (0.5 + random.random()))  # jittered, so waiters do not poll in step
        try:
            yield
        finally:
            self.client.zrem(self.key, token)


def open_backend(backend: BudgetBackend, api_url: str, requests_per_second: float, max_concurrent: int):
    """(pyrate-limiter Limiter, slots) for the shared budget of `api_url` on `backend` (sqlite or redis)."""
    name = budget_key(api_url)
    rates = limiter_rates(requests_per_second)
    if backend.kind == "sqlite":
        db = Path(backend.target)
        db.parent.mkdir(parents=True, exist_ok=True)
        bucket = SQLiteBucket.init_from_file(rates, table=name.replace("-", "_"), db_path=str(db),
                                             use_file_lock=True)
        slots = FileSlots(db.with_name(f"{db.name}.slots"), name, max_concurrent)
    elif backend.kind == "redis":
        require("redis", f"{RATE_LIMIT_ENV}=redis://…", "or use sqlite:/// for one machine")
        import redis

        client = redis.Redis.from_url(backend.target)
        bucket = RedisBucket.init(rates, client, f"{name}:requests")
        slots = RedisSlots(client, name, max_concurrent)
    else:
        raise ValueError(f"no shared budget on {backend.kind}")
    return Limiter(bucket, buffer_ms=LIMITER_BUFFER_MS), slots
