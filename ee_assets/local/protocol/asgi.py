"""The HTTP face of the local backend: an ASGI application in front of `LocalBackend`.

Per request, in this order, so that nothing is spent on a request that is not allowed:

1. the bearer token is checked (before the body is read, anything is counted, or a fault is injected);
2. the request waits for a place (at most `workers + queue` are admitted; after `queue_timeout_s` it gets a 429);
3. the body is read under EE's size limit: an announced length over it, or a chunked body that passes it, gets a
   413 with EE's message at once, and a body that stalls gets a 408;
4. fault injection (latency, 429/503, dropped connections; EE's per-request limit errors) if configured;
5. the request is evaluated on a worker thread under its own budget (budget.py) while the connection is
   watched: if the client goes away, the budget is cancelled and the evaluation stops at its next check.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from ee_assets.local.budget import Budget
from ee_assets.local.errors import RequestCancelled, Unauthenticated
from ee_assets.local.protocol import heap
from ee_assets.local.protocol.faults import QUOTA_STATUS_HEADER, STATUS, FaultConfig
from ee_assets.local.protocol.routes import LocalBackend, Response
from ee_assets.local.protocol.server_limits import ServerLimits
from ee_assets.local.protocol.workers import WorkerPool

log = logging.getLogger("ee_assets.local")


WATCH_AFTER_S = 0.05  # a request still evaluating after this has its connection watched for the client leaving


class InjectedDrop(Exception):
    """Raised after half a response to make the server cut the connection (fault injection)."""


class _QuietDrops(logging.Filter):
    """uvicorn logs an application error when a response is cut; an injected drop is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InjectedDrop))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


def _error(status: int, message: str, ee_status: str | None = None) -> Response:
    return Response.json({"error": {"code": status, "message": message,
                                    "status": ee_status or STATUS.get(status, "INVALID_ARGUMENT")}}, status)


class _Refused(Exception):
    """A request answered before it is evaluated (body too large, too slow, …)."""

    def __init__(self, response: Response):
        self.response = response


class EEApp:
    """ASGI application serving a LocalBackend; counts what it serves, for tests and benchmarks."""

    def __init__(self, backend: LocalBackend, faults: FaultConfig, limits: ServerLimits,
                 root_url: Callable[[], str]):
        self.backend, self.faults, self.limits, self.root_url = backend, faults, limits, root_url
        self.pool = WorkerPool(limits.workers)
        self._admission: asyncio.Semaphore | None = None  # made on the server's event loop
        self.request_count = 0
        self.method_counts: Counter[str] = Counter()  # API requests per method, e.g. "image:computePixels"
        self.in_flight = 0
        self.max_in_flight = 0
        self.api_arrivals: deque[float] = deque(maxlen=100_000)  # time.monotonic() of recent API requests
        self.budgets: set[Budget] = set()  # requests being evaluated
        self._lock = threading.Lock()

    # -- ASGI ---------------------------------------------------------------------------------------------------
    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        with self._lock:
            self.request_count += 1
        if self.backend.requires_auth(method, path):
            try:
                self.backend.auth.check(headers.get("authorization", ""))
            except Unauthenticated as e:
                await self._send(send, Response.error(e), close=_has_body(headers), api=path.startswith("/v1/"))
                return
        name = self.backend.method_name(method, path)
        self._count(name, +1)
        try:
            await self._serve(method, path, query, headers, receive, send)
        finally:
            self._count(name, -1)

    async def _serve(self, method: str, path: str, query: str, headers: dict, receive, send) -> None:
        admission = self._admission_semaphore()
        try:
            if admission.locked():  # wait for a place (the common case, a free place, needs no timer)
                async with asyncio.timeout(self.limits.queue_timeout_s):
                    await admission.acquire()
            else:
                await admission.acquire()
        except TimeoutError:
            response = _error(429, f"Too many concurrent requests: the local backend evaluates {self.limits.workers} "
                                   f"at a time and queues {self.limits.queue}; retry later.", "RESOURCE_EXHAUSTED")
            response.headers["Retry-After"] = "1"
            await self._send(send, response, close=_has_body(headers), api=path.startswith("/v1/"))
            return
        try:
            try:
                body = await self._read_body(receive, headers)
            except _Refused as refused:
                await self._send(send, refused.response, close=True, api=path.startswith("/v1/"))
                return
            except RequestCancelled:
                return
            if self.faults.active and path.startswith("/v1/") and await self._inject_fault(send):
                return
            limit = self.faults.limit_error(path, body) if method == "POST" else None
            if limit is not None:  # EE's per-request memory or time limit (a deterministic 400, as EE answers it)
                await self._send(send, _error(400, limit, "INVALID_ARGUMENT"), api=True)
                return
            budget = Budget(self.limits.max_request_memory, self.limits.request_timeout_s)
            response = await self._evaluate(method, path, query, headers, body, budget, receive)
            if response is not None:
                await self._send(send, response, api=path.startswith("/v1/"))
        finally:
            admission.release()

    def _admission_semaphore(self) -> asyncio.Semaphore:
        if self._admission is None:
            self._admission = asyncio.Semaphore(self.limits.workers + self.limits.queue)
        return self._admission

    def _count(self, name: str | None, step: int) -> None:
        with self._lock:
            if name is None:
                return
            if step > 0:
                self.method_counts[name] += 1
                self.api_arrivals.append(time.monotonic())
            self.in_flight += step
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    # -- the body -----------------------------------------------------------------------------------------------
    async def _read_body(self, receive, headers: dict) -> bytes:
        limit = self.limits.max_body_bytes
        too_large = _error(413, f"Request payload size exceeds the limit: {limit} bytes.", "INVALID_ARGUMENT")
        announced = headers.get("content-length")
        if announced is not None:
            try:
                length = int(announced)
            except ValueError:
                raise _Refused(_error(400, f"Invalid Content-Length header {announced[:40]!r}: expected a "
                                           "number of bytes.")) from None
            if length > limit:
                raise _Refused(too_large)
        chunks, total = [], 0
        while True:
            try:
                async with asyncio.timeout(self.limits.body_timeout_s):
                    message = await receive()
            except TimeoutError:
                raise _Refused(_error(408, f"The request body stalled for {self.limits.body_timeout_s:g} s.",
                                      "INVALID_ARGUMENT")) from None
            if message["type"] == "http.disconnect":
                raise RequestCancelled("The client closed the connection before sending the whole body.")
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                raise _Refused(too_large)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    # -- evaluation ---------------------------------------------------------------------------------------------
    async def _evaluate(self, method: str, path: str, query: str, headers: dict, body: bytes, budget: Budget,
                        receive) -> Response | None:
        """The backend's response, computed on a worker; None if the client left (the evaluation is cancelled).

        A request still running after WATCH_AFTER_S has its connection watched, so most requests never pay for
        a watcher."""
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self.pool, self._handle, method, path, query, headers, body, budget)
        watchers: list[asyncio.Task] = []
        timer = loop.call_later(WATCH_AFTER_S, lambda: watchers.append(loop.create_task(_cancel_on_leave(
            receive, budget, method, path))))
        try:
            response = await job
        finally:
            timer.cancel()
            for watcher in watchers:
                watcher.cancel()
        return None if budget.cancelled else response

    def _handle(self, method: str, path: str, query: str, headers: dict, body: bytes, budget: Budget) -> Response:
        with self._lock:
            self.budgets.add(budget)
        try:
            response = self.backend.handle(method, path, query, headers, body, self.root_url(), budget=budget)
        except Exception as e:  # noqa: BLE001 - any failure is answered, never a dropped connection
            log.exception("unexpected error serving %s %s", method, path)
            response = _error(400, f"The local backend could not evaluate this request ({type(e).__name__}: {e}). "
                                   "It is an unsupported case or a bug in ee_assets, and retrying will not help; "
                                   "simplify the expression or report it with the expression attached.")
        finally:
            with self._lock:
                self.budgets.discard(budget)
        if budget.peak > heap.TRIM_AFTER_BYTES:
            heap.trim()
        return response

    def arrival_times(self) -> list[float]:
        """When the last (up to 100,000) API requests arrived, in `time.monotonic()` seconds."""
        with self._lock:
            return list(self.api_arrivals)

    def cancel_all(self) -> None:
        """Cancel every evaluation in progress (the server is stopping)."""
        with self._lock:
            for budget in self.budgets:
                budget.cancel()

    # -- faults and sending -------------------------------------------------------------------------------------
    async def _inject_fault(self, send) -> bool:
        """Apply the configured faults to this request; True if it was answered (or cut) by one."""
        faults = self.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        error, drop = faults.draw()
        if error is not None:
            msg = faults.message or f"Injected fault: the local backend answered {error} (fault injection is on)."
            response = _error(error, msg)
            response.headers["Retry-After"] = str(faults.retry_after_s)
            await self._send(send, response, api=True)
            return True
        if drop:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
            await send({"type": "http.response.body", "body": b'{"result": ', "more_body": True})
            raise InjectedDrop("connection dropped by fault injection")
        return False

    async def _send(self, send, response: Response, close: bool = False, api: bool = False) -> None:
        """Send `response`; an API answer (`api`) carries the quota-status header when one is configured."""
        if api and self.faults.quota_status is not None:
            response.headers[QUOTA_STATUS_HEADER] = self.faults.quota_status
        headers = [(b"content-type", response.content_type.encode()),
                   (b"content-length", str(len(response.body)).encode())]
        headers += [(k.lower().encode(), str(v).encode()) for k, v in response.headers.items()]
        if close:  # the body was not read: do not try to find the next request after it
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})


async def _cancel_on_leave(receive, budget: Budget, method: str, path: str) -> None:
    """Cancel `budget` when the client closes the connection (the body has been read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass
    budget.cancel()
    log.info("client left during %s %s; its evaluation is cancelled", method, path)


def _has_body(headers: dict[str, Any]) -> bool:
    return headers.get("content-length", "0") not in ("0", "") or "transfer-encoding" in headers
