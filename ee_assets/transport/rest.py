"""A client for EE's REST compute methods (value:compute, table:computeFeatures, image:computePixels).

It works the same against Earth Engine and the local backend. Every request passes the process's `RequestGate`
(rate and concurrency limits), carries a connect and read timeout and the caller's `workloadTag`, and is retried
only when it may succeed later (429, 5xx, no complete answer), within a total time budget; any other error is
raised at once as `EERequestError` with EE's own message, the asset and partition, and the expression's hash.
Tokens never appear in logs or errors: only the session's auth layer sees them.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import google.auth.credentials
import requests
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import AuthorizedSession
from requests.adapters import HTTPAdapter

from ee_assets import limits
from ee_assets.transport import error_kinds
from ee_assets.transport.expression import expression_hash, request_body
from ee_assets.transport.labels import RequestLabel
from ee_assets.transport.retry import (
    RetrySettings,
    exception_cause,
    retry_after_seconds,
    status_cause,
    token_error_cause,
)
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.throttle import RequestGate

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 300.0)  # (connect, read) seconds
USER_PROJECT_HEADER = "X-Goog-User-Project"  # the project EE bills and checks quota against (ee/data.py sends it)
STREAM_CHUNK = 1 << 20
# The local backend names the synthetic assets an answer was computed from (Earth Engine never sends it).
SYNTHETIC_HEADER = "x-ee-assets-synthetic"


def synthetic_assets(response: requests.Response) -> list[str]:
    """The asset ids in the answer's synthetic-data header (its "+N more" marker dropped)."""
    return [v for v in (response.headers.get(SYNTHETIC_HEADER) or "").split(",") if v and not v.startswith("+")]


class EEError(Exception):
    """A failed EE request; `transient` says whether trying again later may succeed."""

    transient: bool = False


def _context(label: RequestLabel, digest: str) -> str:
    return ", ".join(p for p in (label.describe(), f"expression sha256 {digest[:16]}" if digest else "") if p)


class EERequestError(EEError):
    """EE answered with an error status: HTTP status, EE status name and message, and what the request was for.

    `attempts` > 1 means a transient error persisted until the retry budget ran out. `quota_status` is EE's
    x-earth-engine-quota-status header on the answer (or the last one seen), which tells a 429's kind of quota.
    """

    def __init__(self, method: str, http_status: int, ee_status: str, message: str, expression_sha256: str,
                 label: RequestLabel | None = None, attempts: int = 1, elapsed_s: float = 0.0,
                 quota_status: str | None = None):
        self.method = method
        self.http_status = http_status
        self.ee_status = ee_status
        self.message = message
        self.expression_sha256 = expression_sha256
        self.label = label or RequestLabel()
        self.attempts = attempts
        self.elapsed_s = elapsed_s
        self.quota_status = quota_status
        self.transient = status_cause(http_status) is not None and self.resource_limit is None
        super().__init__(str(self))

    @property
    def is_request_too_large(self) -> bool:
        """EE's answer to a computePixels request over its size limits."""
        text = self.message.lower()
        return self.http_status == 400 and ("request size" in text or ("exceed" in text and "pixels" in text))

    @property
    def resource_limit(self) -> str | None:
        """"memory" or "time" when EE ran out of either for this one request (a smaller request may succeed)."""
        return error_kinds.resource_limit(self.message)

    @property
    def quota_kind(self) -> str | None:
        """For a 429: which quota (error_kinds.RATE, CONCURRENT, COMPUTE or UNKNOWN); None for other errors."""
        return error_kinds.quota_kind(self.message, self.quota_status) if self.http_status == 429 else None

    def __str__(self) -> str:
        where = _context(self.label, self.expression_sha256)
        if self.resource_limit is not None:
            advice = error_kinds.RESOURCE_LIMIT_ADVICE.format(kind=self.resource_limit)
            return (f"Earth Engine {self.method} failed with HTTP {self.http_status} {self.ee_status}: "
                    f"{self.message} {advice[0].upper()}{advice[1:]} ({where}).")
        if self.attempts <= 1:
            return (f"Earth Engine {self.method} failed with HTTP {self.http_status} {self.ee_status}: "
                    f"{self.message} ({where})")
        tried = f"{self.attempts} attempts over {self.elapsed_s:.1f} s"
        if self.http_status == 429:
            kind = self.quota_kind
            named = "" if kind == error_kinds.UNKNOWN else f" ({kind} quota)"
            return (f"Earth Engine quota exceeded{named}: {self.method} kept answering HTTP 429 {self.ee_status} "
                    f"({tried}): {self.message}. {error_kinds.QUOTA_ADVICE[kind][0].upper()}"
                    f"{error_kinds.QUOTA_ADVICE[kind][1:]}; then rerun ({where}).")
        return (f"Earth Engine {self.method} kept failing with HTTP {self.http_status} {self.ee_status} ({tried}): "
                f"{self.message}. This is a server-side problem; rerun later ({where}).")

    @classmethod
    def from_response(cls, method: str, response: requests.Response, expression_sha256: str,
                      label: RequestLabel | None = None, attempts: int = 1, elapsed_s: float = 0.0,
                      quota_status: str | None = None) -> EERequestError:
        """Parse EE's `{"error": {"code", "message", "status"}}` body, falling back to the HTTP reason."""
        status, message = response.reason or "", ""
        try:
            error = response.json().get("error", {})
            status, message = error.get("status") or status, error.get("message") or ""
        except (ValueError, AttributeError):
            message = response.text[:500]
        return cls(method, response.status_code, status, message or f"HTTP {response.status_code} with no message",
                   expression_sha256, label, attempts, elapsed_s,
                   response.headers.get(error_kinds.QUOTA_STATUS_HEADER) or quota_status)


class EETransportError(EEError):
    """Requests got no complete answer (connection refused or dropped, timeout) until the retry budget ran out."""

    transient = True


class EETokenError(EETransportError):
    """No access token could be had for a passing reason (token endpoint unreachable, or its retryable errors) until
    the retry budget ran out. The credentials were not refused."""


def build_session(credentials: google.auth.credentials.Credentials, pool_size: int = 16,
                  refresh_on_401: bool = True) -> AuthorizedSession:
    """An AuthorizedSession (token refresh on 401) with a connection pool sized for concurrent tile fetches.

    The adapters do not retry: `EERestClient` does, so it can count retries by cause and bound their total time.
    """
    session = AuthorizedSession(credentials, refresh_status_codes=(401,) if refresh_on_401 else ())
    adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class EERestClient:
    """EE REST compute calls for one project through an authorized session."""

    def __init__(self, session: requests.Session, api_url: str, project: str,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, retry: RetrySettings | None = None,
                 gate: RequestGate | None = None, seed: int | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.session = session
        self.api_url = api_url.rstrip("/")
        self.project = project
        self.timeout = timeout
        self.retry = retry or RetrySettings()
        self.gate = gate or RequestGate()
        self._rng = random.Random(seed)
        self._sleep, self._clock = sleep, clock  # injectable, so tests can check waits without waiting
        # As the official client: the project on every call, so EE bills it whatever the credentials carry.
        self._headers = {"Content-Type": "application/json", USER_PROJECT_HEADER: project}
        self.quota_status: str | None = None  # the last x-earth-engine-quota-status EE sent
        self._quota_lock = threading.Lock()

    def _url(self, method: str) -> str:
        return f"{self.api_url}/v1/projects/{self.project}/{method}"

    def _attempt(self, method: str, data: str | None, stats: TransferStats, sink: Path | None, verb: str = "POST",
                 url: str | None = None) -> tuple[requests.Response | None, str | None]:
        """One HTTP request: (response, None) when answered, (None, cause) when no complete answer came back.

        With `sink`, a successful body is streamed to a temporary sibling of `sink` and moved into place only
        when complete, so memory holds one chunk and a cut-off answer never leaves a file behind.
        """
        with self.gate.admit() as waited:
            stats.add(wait_seconds=waited)
            started = time.perf_counter()
            tmp = sink.with_name(f".{sink.name}.{os.getpid()}.{threading.get_ident()}.part") if sink else None
            try:
                response = self.session.request(verb, url or self._url(method), data=data, timeout=self.timeout,
                                                headers=self._headers, stream=sink is not None)
                if sink is not None and response.status_code < 400:
                    received = 0
                    with open(tmp, "wb") as f:
                        for chunk in response.iter_content(STREAM_CHUNK):
                            f.write(chunk)
                            received += len(chunk)
                    os.replace(tmp, sink)
                else:
                    received = len(response.content)  # read it all here, so a cut-off answer is retried
                stats.add(bytes_received=received)
                return response, None
            except requests.exceptions.RequestException as e:
                cause = exception_cause(e)
                if cause is None:
                    raise
                log.debug("%s: no complete answer (%s: %s)", method, cause, type(e).__name__)
                return None, cause
            except (auth_exceptions.TransportError, auth_exceptions.RefreshError) as e:
                cause = token_error_cause(e)  # getting the access token failed before the request was sent
                if cause is None:
                    raise  # refused credentials: not transient
                log.debug("%s: no access token (%s)", method, type(e).__name__)
                return None, cause
            finally:
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
                stats.add(requests=1, transfer_seconds=time.perf_counter() - started)

    def _post(self, method: str, body: dict | None, digest: str, stats: TransferStats, label: RequestLabel,
              sink: Path | None = None, verb: str = "POST", resource: str | None = None) -> requests.Response:
        """POST `body` until it is answered without a transient error, or the retry budget is spent.

        `verb` GET sends no body; `resource` (e.g. "projects/p/operations/ID:cancel") replaces the project's
        `method` path (messages still name `method`)."""
        tag = label.workload_tag
        if tag and body is not None:
            body = {**body, "workloadTag": tag}
        data = json.dumps(body, separators=(",", ":"), allow_nan=False) if body is not None else None
        url = f"{self.api_url}/v1/{resource}" if resource else None
        if data is not None and len(data) > limits.MAX_REQUEST_BODY_BYTES:
            raise EERequestError(method, 400, "INVALID_ARGUMENT", f"request body is {len(data)} bytes, over EE's "
                                 f"{limits.MAX_REQUEST_BODY_BYTES}-byte limit; simplify the expression", digest,
                                 label)
        started = self._clock()
        for attempt in itertools.count():
            response, cause = self._attempt(method, data, stats, sink, verb, url)
            retry_after = None
            if response is not None:
                self._note_quota_status(response, stats)
                stats.add_synthetic(synthetic_assets(response))
                if response.status_code < 400:
                    return response
                cause = status_cause(response.status_code)
                error = EERequestError.from_response(method, response, digest, label, quota_status=self.quota_status)
                if cause is None or error.resource_limit is not None:
                    raise error  # permanent, or a memory/time limit: the same request would fail the same way
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            elapsed = self._clock() - started
            delay = self.retry.backoff(attempt, retry_after, self._rng)
            if elapsed + delay > self.retry.max_elapsed_s:
                if response is not None:
                    raise EERequestError.from_response(method, response, digest, label, attempt + 1, elapsed,
                                                       self.quota_status)
                if cause == "token":
                    raise EETokenError(
                        f"Earth Engine {method}: no access token could be had in {attempt + 1} attempts over "
                        f"{elapsed:.1f} s: the token endpoint could not be reached or kept failing (the credentials "
                        f"were not refused); check the network and any proxy, then rerun ({_context(label, digest)}).")
                raise EETransportError(
                    f"Earth Engine {method} got no complete answer from {self.api_url} in {attempt + 1} attempts "
                    f"over {elapsed:.1f} s (last: {cause}); check the network, EE_API_URL and the read timeout "
                    f"({self.timeout[1]:g} s) ({_context(label, digest)}).")
            stats.add_retry(cause)
            stats.add(wait_seconds=delay)
            log.info("%s: %s, retry %d in %.2f s", method, cause.replace("_", " "), attempt + 1, delay)
            self._sleep(delay)

    def _note_quota_status(self, response: requests.Response, stats: TransferStats) -> None:
        """Log EE's x-earth-engine-quota-status when it changes (a warning in restricted mode, as the official
        client warns), and keep it for error messages and the materialization's metadata."""
        status = response.headers.get(error_kinds.QUOTA_STATUS_HEADER)
        if status is None:
            return
        stats.set_quota_status(status)
        with self._quota_lock:
            changed, self.quota_status = status != self.quota_status, status
        if not changed:
            return
        if error_kinds.is_restricted(status):
            log.warning("Earth Engine quota status %r: the project has exceeded its noncommercial compute quota "
                        "(EECU-hours) and is in restricted mode, so its requests run with less parallelism; see %s",
                        status, error_kinds.RESTRICTED_MODE_URL)
        else:
            log.info("Earth Engine quota status: %s", status)

    def call(self, method: str, body: dict | None = None, verb: str = "POST", resource: str | None = None,
             stats: TransferStats | None = None, label: RequestLabel | None = None, digest: str = "") -> Any:
        """Any other REST method (exports, operations): its JSON answer, with the same retries and errors."""
        stats = stats if stats is not None else TransferStats()
        return self._post(method, body, digest, stats, label or RequestLabel(), verb=verb, resource=resource).json()

    # -- the compute methods -----------------------------------------------------------------------------------
    def compute_value(self, expression: dict, stats: TransferStats | None = None,
                      label: RequestLabel | None = None) -> Any:
        """value:compute: the JSON value the expression evaluates to."""
        stats = stats if stats is not None else TransferStats()
        response = self._post("value:compute", request_body(expression), expression_hash(expression), stats,
                              label or RequestLabel())
        stats.add(pages=1)
        return response.json()["result"]

    def compute_features(self, expression: dict, page_size: int = limits.COMPUTE_FEATURES_DEFAULT_PAGE_SIZE,
                         stats: TransferStats | None = None, label: RequestLabel | None = None,
                         progress: Callable[[int, int], None] | None = None) -> dict:
        """table:computeFeatures, following nextPageToken to the end: one GeoJSON FeatureCollection.

        A page that fails is asked for again with the same token, so no feature is lost or repeated.
        `progress(pages, features)` is called after each page.
        """
        digest = expression_hash(expression)
        stats = stats if stats is not None else TransferStats()
        label = label or RequestLabel()
        result: dict | None = None
        token, seen, pages = None, set(), 0
        while True:
            body = {**request_body(expression), "pageSize": page_size}
            if token:
                body["pageToken"] = token
            page = self._post("table:computeFeatures", body, digest, stats, label).json()
            pages += 1
            token = page.pop("nextPageToken", None)
            if result is None:
                result = page
                result.setdefault("features", [])
            else:
                result["features"].extend(page.get("features", []))
            stats.add(pages=1, features=len(page.get("features", [])))
            if progress is not None:
                progress(pages, len(result["features"]))
            if not token:
                return result
            if token in seen:
                raise EERequestError("table:computeFeatures", 500, "INTERNAL",
                                     "the server repeated a nextPageToken; paging would never end", digest, label)
            seen.add(token)

    def compute_pixels(self, expression: dict, grid: dict, file_format: str, band_ids: Sequence[str] | None = None,
                       visualization: dict | None = None, stats: TransferStats | None = None,
                       label: RequestLabel | None = None, sink: Path | None = None) -> bytes | None:
        """image:computePixels on `grid` (an EE PixelGrid): the encoded file's bytes, or with `sink`, written
        there atomically (streamed; returns None)."""
        body = {**request_body(expression), "fileFormat": file_format, "grid": grid}
        if band_ids:
            body["bandIds"] = list(band_ids)
        if visualization:
            body["visualizationOptions"] = visualization
        stats = stats if stats is not None else TransferStats()
        response = self._post("image:computePixels", body, expression_hash(expression), stats,
                              label or RequestLabel(), sink)
        return None if sink is not None else response.content
